//! The language of the page being answered: her own choice (her row),
//! else the login page's switcher (the `smp_lang` cookie), else her
//! browser's `Accept-Language`, else English.
//!
//! The pages' middleware `in_page_language` picks the visitor's language
//! and keeps it for the request's task; `CurrentUser` replaces it with her
//! own choice once it knows who she is (`choose`). The JSON API is never
//! in its scope, so there `choose` does nothing and everything stays English.

use std::cell::Cell;

use actix_web::HttpRequest;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

use crate::domain::language::Language;

tokio::task_local! {
    static PAGE_LANGUAGE: Cell<Language>;
}

/// The cookie the login page's switcher sets (`?lang=fr`), for the pages
/// of a visitor who is not signed in.
pub const LANGUAGE_COOKIE: &str = "smp_lang";

/// Middleware of the pages: answers each request in the visitor's
/// language unless `choose` changes it.
pub async fn in_page_language(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let language = visitor_language(request.request());
    PAGE_LANGUAGE.scope(Cell::new(language), next.call(request)).await
}

/// The language of a visitor's pages before she is known: the switcher's
/// cookie, else her browser's, else English.
pub fn visitor_language(request: &HttpRequest) -> Language {
    let cookie = request.cookie(LANGUAGE_COOKIE).and_then(|cookie| Language::parse(cookie.value()));
    let browser = || {
        let header = request.headers().get(actix_web::http::header::ACCEPT_LANGUAGE)?;
        Language::from_accept_language(header.to_str().ok()?)
    };
    cookie.or_else(browser).unwrap_or_default()
}

/// Answers the rest of this request in `language`. Outside a page request
/// it does nothing.
pub fn choose(language: Language) {
    let _ = PAGE_LANGUAGE.try_with(|page| page.set(language));
}

/// The language of the page being answered (English outside a page request).
pub fn current() -> Language {
    PAGE_LANGUAGE.try_with(Cell::get).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn the_switchers_cookie_wins_over_the_browser_and_english_is_the_last_resort() {
        let request = TestRequest::default()
            .insert_header(("Accept-Language", "pl, en;q=0.5"))
            .cookie(actix_web::cookie::Cookie::new(LANGUAGE_COOKIE, "fr"))
            .to_http_request();
        assert_eq!(visitor_language(&request), Language::French);
        let request = TestRequest::default().insert_header(("Accept-Language", "pl, en;q=0.5")).to_http_request();
        assert_eq!(visitor_language(&request), Language::Polish);
        let request = TestRequest::default()
            .insert_header(("Accept-Language", "de"))
            .cookie(actix_web::cookie::Cookie::new(LANGUAGE_COOKIE, "xx"))
            .to_http_request();
        assert_eq!(visitor_language(&request), Language::English);
    }

    #[tokio::test]
    async fn her_choice_holds_for_the_rest_of_the_request_only() {
        assert_eq!(current(), Language::English);
        choose(Language::Polish);
        assert_eq!(current(), Language::English, "no page, nothing to choose");
        let inside = PAGE_LANGUAGE.scope(Cell::new(Language::French), async {
            let before = current();
            choose(Language::Polish);
            tokio::task::yield_now().await;
            (before, current())
        });
        assert_eq!(inside.await, (Language::French, Language::Polish));
        assert_eq!(current(), Language::English);
    }
}
