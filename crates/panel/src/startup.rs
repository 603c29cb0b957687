//! `Application::build` turns a `Config` into a bound server (port 0 works,
//! for tests) over a migrated database pool; `run_until_stopped` serves it.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, middleware, web};
use anyhow::Context as _;
use secrecy::ExposeSecret as _;

use crate::api;
use crate::config::Config;
use crate::db::{self, DbPool};
use crate::error;
use crate::rate_limit::RateLimiter;

/// Largest JSON body accepted, in bytes; larger ones answer 413 `body_too_large`.
pub const MAX_JSON_BYTES: usize = 64 * 1024;

/// What every request handler shares (besides the pool, its own `web::Data`).
#[derive(Debug)]
pub struct AppState {
    /// Mark the session cookie `Secure`.
    pub secure_cookies: bool,
    /// Login attempts per client IP.
    pub login_limiter: RateLimiter,
}

/// A built panel: listening already, serving once `run_until_stopped` runs.
pub struct Application {
    server: Server,
    port: u16,
}

impl Application {
    /// Connects to and migrates the database, binds `config.listen`.
    pub async fn build(config: Config) -> anyhow::Result<Application> {
        let url = config.database_url.expose_secret().to_owned();
        let pool: DbPool =
            web::block(move || db::connect_and_migrate(&url)).await.context("the database setup thread failed")??;
        let pool = web::Data::new(pool);
        let state = web::Data::new(AppState {
            secure_cookies: config.secure_cookies(),
            login_limiter: RateLimiter::for_login(),
        });
        let listener =
            TcpListener::bind(config.listen).with_context(|| format!("cannot listen on {}", config.listen))?;
        let port = listener.local_addr()?.port();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(pool.clone())
                .app_data(state.clone())
                .app_data(web::JsonConfig::default().limit(MAX_JSON_BYTES).error_handler(error::json_error_handler))
                .app_data(web::QueryConfig::default().error_handler(error::query_error_handler))
                .app_data(web::PathConfig::default().error_handler(error::path_error_handler))
                .wrap(middleware::Logger::new("%a \"%r\" %s %Dms"))
                .configure(api::configure)
                .default_service(web::to(api::not_found))
        })
        .shutdown_timeout(5)
        .listen(listener)?
        .run();
        tracing::info!(port, backend = config.backend().as_str(), "smp-panel listening");
        Ok(Application { server, port })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the server from elsewhere.
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
