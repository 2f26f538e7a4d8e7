//! Configuration of the proxy on AWS Lambda, from environment variables. The same `Router` as
//! `enlist serve` runs behind `lambda_http` (a Function URL or an API Gateway HTTP API).
//!
//! | variable | meaning |
//! |---|---|
//! | `ENLIST_TOKENS` | bearer tokens callers must send, comma-separated, each at least 32 characters (e.g. a Secrets Manager dynamic reference) |
//! | `ENLIST_AUTH` | `tokens` (default) or `gateway` when an API Gateway JWT authorizer checks callers |
//! | `ENLIST_ALLOWED_ORIGINS` | CORS origins, comma-separated, exact |
//! | `ENLIST_ALLOWED_HOSTS` | accepted `Host` headers, comma-separated (default: any) |
//! | `ENLIST_REGIONS` | regions served, comma-separated (default: all) |
//! | `ENLIST_SERVICES` | services signed for, comma-separated: `guardduty`, `detective`, `securityhub` (default: all three) |
//! | `ENLIST_ROLE_ARN` | a role to assume before signing |
//! | `ENLIST_FIPS` | `true` for FIPS endpoints |
//! | `ENLIST_TIMEOUT_SECONDS` | how long to wait for the service (default 20) |

use std::time::Duration;

use enlist_core::Region;
use enlist_proxy::{Config, CredentialSource};

fn list(value: Option<String>) -> Vec<String> {
    value.unwrap_or_default().split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

/// The proxy's configuration from `env` (a lookup, so tests need not touch the process
/// environment). Refuses to start without a way to authenticate callers.
pub fn config_from(env: impl Fn(&str) -> Option<String>) -> Result<Config, String> {
    let mut config = Config::aws(
        CredentialSource::DefaultChain { role_arn: env("ENLIST_ROLE_ARN").filter(|v| !v.is_empty()) },
        env("ENLIST_FIPS").is_some_and(|v| v.eq_ignore_ascii_case("true")),
    );
    config.tokens = list(env("ENLIST_TOKENS"));
    match env("ENLIST_AUTH").as_deref().unwrap_or("tokens") {
        "tokens" if config.tokens.is_empty() => {
            return Err("expected ENLIST_TOKENS with at least one token (or ENLIST_AUTH=gateway behind a JWT authorizer), found none".to_owned());
        }
        "tokens" => {
            for (n, token) in config.tokens.iter().enumerate() {
                enlist_proxy::check_token(token).map_err(|e| format!("ENLIST_TOKENS, token {}: {e}", n + 1))?;
            }
        }
        "gateway" => config.allow_unauthenticated = true,
        other => return Err(format!("expected ENLIST_AUTH to be `tokens` or `gateway`, found `{other}`")),
    }
    config.allowed_origins = list(env("ENLIST_ALLOWED_ORIGINS"));
    config.allowed_hosts = list(env("ENLIST_ALLOWED_HOSTS"));
    config.regions = list(env("ENLIST_REGIONS"))
        .iter()
        .map(|r| r.parse::<Region>().map_err(|e| format!("ENLIST_REGIONS: {e}")))
        .collect::<Result<_, _>>()?;
    let services = list(env("ENLIST_SERVICES"))
        .iter()
        .map(|s| s.parse::<enlist_core::Service>().map_err(|e| format!("ENLIST_SERVICES: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    if !services.is_empty() {
        config.services = services;
    }
    let timeout = env("ENLIST_TIMEOUT_SECONDS")
        .map(|v| v.parse::<u64>().map_err(|_| format!("expected ENLIST_TIMEOUT_SECONDS to be a number, found `{v}`")))
        .transpose()?;
    config.upstream_timeout = Duration::from_secs(timeout.unwrap_or(20).max(1));
    Ok(config)
}
