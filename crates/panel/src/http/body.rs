//! `Body`: the request body of a state-changing route, parsed by the handler
//! inside its audited work, so that a refusal for the body (malformed JSON,
//! unknown fields, wrong types, over `MAX_JSON_BYTES`) is audited like any
//! other refusal. The extractor itself never fails.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use actix_web::web::Bytes;
use actix_web::{FromRequest, HttpRequest};
use serde::de::DeserializeOwned;

use crate::error::{AppError, ErrorCode};
use crate::http::MAX_JSON_BYTES;

/// The body as read (or why it could not be), and whether it was sent as JSON.
#[derive(Debug)]
pub struct Body {
    read: Result<Bytes, AppError>,
    is_json: bool,
}

impl Body {
    /// The body as `T`; an empty body, or one not sent as
    /// `Content-Type: application/json`, is an error.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, AppError> {
        let bytes = self.bytes()?;
        if bytes.iter().all(u8::is_ascii_whitespace) || !self.is_json {
            return Err(AppError::invalid_input("send a JSON body with Content-Type: application/json"));
        }
        parse_json(bytes)
    }

    /// The body as `T`, or `T::default()` when there is none.
    pub fn json_or_default<T: DeserializeOwned + Default>(&self) -> Result<T, AppError> {
        if self.bytes()?.iter().all(u8::is_ascii_whitespace) { Ok(T::default()) } else { self.json() }
    }

    fn bytes(&self) -> Result<&Bytes, AppError> {
        self.read.as_ref().map_err(Clone::clone)
    }
}

/// A JSON body as `T`: a JSON object (serde would also read a struct from
/// an array of its fields in order, a form the API does not document), or
/// `invalid_input` naming what is wrong.
pub(crate) fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    if !smp_proto::api::is_json_object(bytes) {
        return Err(AppError::invalid_input("invalid JSON body: the body must be a JSON object"));
    }
    serde_json::from_slice(bytes).map_err(|error| AppError::invalid_input(format!("invalid JSON body: {error}")))
}

impl FromRequest for Body {
    type Error = std::convert::Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Body, Self::Error>>>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json = request
            .headers()
            .get(actix_web::http::header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(';').next())
            .is_some_and(|mime| {
                let mime = mime.trim().to_ascii_lowercase();
                mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
            });
        let reading = Bytes::from_request(request, payload);
        Box::pin(async move {
            let read = reading.await.map_err(|error| match error.as_error::<PayloadError>() {
                Some(PayloadError::Overflow) => AppError::new(
                    ErrorCode::BodyTooLarge,
                    format!("the request body is larger than {} KiB", MAX_JSON_BYTES / 1024),
                ),
                _ => AppError::invalid_input(format!("cannot read the request body: {error}")),
            });
            Ok(Body { read, is_json })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::containers::Assign;

    #[test]
    fn a_body_sent_as_a_json_array_of_the_fields_is_refused_as_invalid_input() {
        // Found by the panel_bodies fuzz target: `["f["]` was read as {"owner": "f["}.
        for body in [&br#"["f["]"#[..], br#"  ["bob", null, true]"#, b"null", b"7", br#""owner""#] {
            let error = parse_json::<Assign>(body).map(|_| ()).unwrap_err();
            assert_eq!(error.code, ErrorCode::InvalidInput, "{}", String::from_utf8_lossy(body));
            assert!(error.message.contains("JSON object"), "{}", error.message);
        }
        let assign = parse_json::<Assign>(b" \n{\"owner\": null}").unwrap();
        assert_eq!(assign.owner, Some(None));
    }
}
