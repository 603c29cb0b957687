//! Work that must not hold the async runtime (Argon2, a check done before a
//! database connection is taken) runs here, on the blocking thread pool.

use crate::error::AppError;

/// Runs `work` on the blocking thread pool; a thread that failed is an
/// internal error.
pub async fn blocking<T, F>(work: F) -> Result<T, AppError>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(work).await.map_err(AppError::internal)
}
