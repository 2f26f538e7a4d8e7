//! The Lambda `bootstrap`: reads its configuration from the environment and serves the proxy's
//! `Router` through `lambda_http`.

use std::process::ExitCode;

fn main() -> ExitCode {
    tracing_subscriber::fmt().json().with_target(false).without_time().init();
    #[allow(clippy::disallowed_methods)]
    let config = match enlist_lambda::config_from(|name| std::env::var(name).ok()) {
        Ok(config) => config,
        Err(message) => {
            tracing::error!(reason = %message, "cannot start");
            return ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            tracing::error!(error = %e, "cannot start the runtime");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(lambda_http::run(enlist_proxy::app(config))) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "the Lambda runtime stopped");
            ExitCode::FAILURE
        }
    }
}
