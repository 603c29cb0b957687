//! `Acting`: the argument of every protected JSON handler. It authenticates
//! exactly as the `CurrentUser` extractor does (it is that extractor, run
//! first) and then hands the handler what the use cases take besides: the
//! `Context` and the database pool.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};

use crate::app::{Context, CurrentUser};
use crate::db::DbPool;
use crate::error::AppError;
use crate::http::AppState;

/// Who acts (authenticated, enabled, approved; the CSRF and `Origin` checks
/// passed), and with what.
pub struct Acting {
    pub current: CurrentUser,
    /// What the use cases share (`AppState::app`).
    pub context: Arc<Context>,
    pub pool: DbPool,
}

impl FromRequest for Acting {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Acting, AppError>>>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let authenticating = CurrentUser::from_request(request, payload);
        let request = request.clone();
        Box::pin(async move {
            let current = authenticating.await?;
            let state = request
                .app_data::<web::Data<AppState>>()
                .ok_or_else(|| AppError::internal("the application state is not registered"))?;
            let pool = request
                .app_data::<web::Data<DbPool>>()
                .ok_or_else(|| AppError::internal("the database pool is not registered"))?;
            Ok(Acting { current, context: state.app.clone(), pool: pool.get_ref().clone() })
        })
    }
}
