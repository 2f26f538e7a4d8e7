//! Enlist's signing proxy. The browser never holds AWS credentials: it sends the member
//! operations Enlist uses here, as `/v1/{service}/{region}/` followed by the AWS path, and the proxy checks the
//! caller, rebuilds the request from validated values, signs it with SigV4 and forwards it to the
//! fixed AWS endpoint (or the emulator). Anything else is refused before it is signed.
//!
//! [`app`] builds the `Router` that the local server (`enlist serve`) and the AWS Lambda entry point
//! share; tests call it with `oneshot`, without a socket.

mod error;
pub mod exchange;
mod identity;
mod operation;
pub mod server;
mod signer;
mod upstream;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use enlist_core::{Region, Service};
use serde::Serialize;
use subtle::ConstantTimeEq;
use tower_http::cors::{AllowOrigin, CorsLayer};

pub use crate::error::ProxyError;
pub use crate::signer::{CredentialSource, signature_headers};
pub use crate::upstream::{Upstream, aws_host};

/// The largest request body the proxy reads (a batch of 50 is under 5 KiB).
pub const BODY_LIMIT: usize = 64 * 1024;

/// The fewest characters a bearer token may have: 32 hexadecimal digits are 128 bits.
pub const MIN_TOKEN_CHARS: usize = 32;

/// Checks a bearer token the proxy is configured with: at least [`MIN_TOKEN_CHARS`] visible ASCII
/// characters, no spaces or commas (`ENLIST_TOKENS` separates tokens with commas). The message
/// never repeats the token.
pub fn check_token(token: &str) -> Result<(), String> {
    if token.trim().is_empty() {
        return Err("expected a token, found an empty one (is its variable unset?)".to_owned());
    }
    if let Some(c) = token.chars().find(|c| !c.is_ascii_graphic() || *c == ',') {
        return Err(format!(
            "expected a token of visible ASCII characters without commas, found {}",
            match c {
                ' ' => "a space".to_owned(),
                ',' => "a comma".to_owned(),
                c => format!("the character U+{:04X}", u32::from(c)),
            }
        ));
    }
    let count = token.chars().count();
    if count < MIN_TOKEN_CHARS {
        return Err(format!(
            "expected a token of at least {MIN_TOKEN_CHARS} characters (`enlist serve` makes one when given none; \
             `openssl rand -hex 16` makes one too), found one of {count}"
        ));
    }
    Ok(())
}

/// How the proxy runs.
#[derive(Clone, Debug)]
pub struct Config {
    /// Where signed requests go.
    pub upstream: Upstream,
    /// Where AWS credentials come from.
    pub credentials: CredentialSource,
    /// Services served.
    pub services: Vec<Service>,
    /// Regions served; empty serves every region.
    pub regions: Vec<Region>,
    /// Bearer tokens callers must present.
    pub tokens: Vec<String>,
    /// Serve without a token. The binary accepts this only when bound to loopback.
    pub allow_unauthenticated: bool,
    /// Origins allowed by CORS, exactly (scheme, host and port).
    pub allowed_origins: Vec<String>,
    /// Accepted `Host` headers (against DNS rebinding); empty accepts any.
    pub allowed_hosts: Vec<String>,
    /// How long to wait for the service.
    pub upstream_timeout: Duration,
    /// A folder with the built UI, served at `/`.
    pub ui_dir: Option<PathBuf>,
}

impl Config {
    /// A proxy in front of the in-process emulator, with its keys.
    pub fn emulator(emulator: enlist_emulator::Emulator) -> Config {
        Config::with(
            Upstream::Emulator(emulator),
            CredentialSource::Static {
                access_key: enlist_emulator::ACCESS_KEY.to_owned(),
                secret_key: enlist_emulator::SECRET_KEY.to_owned(),
            },
        )
    }

    /// A proxy in front of AWS, signing with credentials from `credentials`.
    pub fn aws(credentials: CredentialSource, fips: bool) -> Config {
        Config::with(Upstream::Aws { fips }, credentials)
    }

    fn with(upstream: Upstream, credentials: CredentialSource) -> Config {
        Config {
            upstream,
            credentials,
            services: Service::ALL.to_vec(),
            regions: Vec::new(),
            tokens: Vec::new(),
            allow_unauthenticated: false,
            allowed_origins: Vec::new(),
            allowed_hosts: Vec::new(),
            upstream_timeout: Duration::from_secs(30),
            ui_dir: None,
        }
    }
}

struct Shared {
    config: Config,
    signer: signer::Signer,
    client: reqwest::Client,
    /// The account whose credentials sign, once STS said it.
    administrator: tokio::sync::OnceCell<String>,
}

/// The proxy's router: `/healthz`, `/v1/config`, `/v1/{service}/{region}/…`, and the UI when a
/// folder is configured. Every route checks the `Host` (and the authority of an absolute request
/// target) and, without tokens, refuses cross-site requests; `/v1/…` needs a bearer token.
pub fn app(config: Config) -> Router {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10))
        .build()
        .unwrap_or_default();
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::list(config.allowed_origins.iter().filter_map(|o| HeaderValue::from_str(o).ok())))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
        .expose_headers([
            header::HeaderName::from_static("x-amzn-errortype"),
            header::HeaderName::from_static("x-amzn-requestid"),
            header::HeaderName::from_static("x-amz-retry-after"),
            header::RETRY_AFTER,
        ])
        .max_age(Duration::from_secs(600));
    let ui_dir = config.ui_dir.clone();
    let shared = Arc::new(Shared {
        signer: signer::Signer::new(config.credentials.clone()),
        config,
        client,
        administrator: tokio::sync::OnceCell::new(),
    });
    let api = Router::new()
        .route("/v1/config", get(proxy_config))
        .route("/v1/{*rest}", any(forward))
        .route_layer(axum::middleware::from_fn_with_state(Arc::clone(&shared), require_token))
        .route("/healthz", get(|| async { "ok" }))
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(Arc::clone(&shared));
    let router = match ui_dir {
        Some(dir) => {
            // `cargo xtask` writes brotli and gzip copies beside the built files; a browser that
            // takes them gets the smallest, any other client the file as it is.
            // The answer depends on Accept-Encoding, which caches in between must know.
            let files = tower::ServiceBuilder::new()
                .layer(tower_http::set_header::SetResponseHeaderLayer::appending(
                    header::VARY,
                    header::HeaderValue::from_static("accept-encoding"),
                ))
                .service(
                    tower_http::services::ServeDir::new(&dir)
                        .append_index_html_on_directories(true)
                        .precompressed_br()
                        .precompressed_gzip(),
                );
            let site = dir.clone();
            api.route("/config.json", get(move || site_config(site.clone()))).fallback_service(files)
        }
        None => api,
    };
    router.layer(cors).layer(axum::middleware::from_fn_with_state(shared, guard))
}

/// The site's `config.json`, or `{}` when the folder has none: the page always asks for it, and a
/// missing one would show as an error in the browser's console though nothing is wrong.
async fn site_config(dir: PathBuf) -> Response {
    let body = match tokio::fs::read(dir.join("config.json")).await {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => b"{}".to_vec(),
        Err(e) => {
            tracing::warn!(error = %e, "config.json cannot be read");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    ([(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "no-cache")], body).into_response()
}

/// What every request passes first, on every route: the host it names, where it comes from
/// (without tokens), and the size of the body it declares.
async fn guard(
    State(shared): State<Arc<Shared>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let checked = check_target(request.uri())
        .and_then(|()| check_host(&shared.config, request.uri(), request.headers()))
        .and_then(|()| check_site(&shared.config, request.headers()))
        .and_then(|()| check_declared_length(request.headers()));
    match checked {
        Ok(()) => next.run(request).await,
        Err(error) => refused(error),
    }
}

/// Logs a refusal (with nothing the caller chose) and answers it.
fn refused(error: ProxyError) -> Response {
    tracing::info!(status = error.status.as_u16(), error = error.kind, "refused");
    error.into_response()
}

/// Refuses request targets that are not a path (`OPTIONS *`, a CONNECT authority).
fn check_target(uri: &Uri) -> Result<(), ProxyError> {
    if uri.path().starts_with('/') && uri.path() != "*" {
        Ok(())
    } else {
        Err(ProxyError::new(
            StatusCode::BAD_REQUEST,
            "EnlistProxy.InvalidRequest",
            "expected a request target that is a path, found another form",
        ))
    }
}

/// Refuses requests that name a host that is not ours: a page that rebinds its DNS name to
/// 127.0.0.1 still sends its own name. Both the `Host` header (exactly one) and the authority of
/// an absolute-form request target (`GET http://host/… HTTP/1.1`) must be allowed.
fn check_host(config: &Config, uri: &Uri, headers: &HeaderMap) -> Result<(), ProxyError> {
    let allowed = &config.allowed_hosts;
    if allowed.is_empty() {
        return Ok(());
    }
    let is_allowed = |host: &str| allowed.iter().any(|a| a.eq_ignore_ascii_case(host));
    // HTTP/1.1 allows exactly one Host; with several, which one counts would be a guess.
    let mut hosts = headers.get_all(header::HOST).iter();
    let host = match (hosts.next(), hosts.next()) {
        (Some(host), None) => host.to_str().ok(),
        _ => None,
    };
    let host_ok = host.is_some_and(is_allowed);
    let authority_ok = uri.authority().is_none_or(|a| is_allowed(a.as_str()));
    if host_ok && authority_ok {
        Ok(())
    } else {
        Err(ProxyError::new(
            StatusCode::MISDIRECTED_REQUEST,
            "EnlistProxy.UnknownHost",
            "expected a Host this proxy serves, found another",
        ))
    }
}

/// Without tokens (`--no-auth` on loopback, or behind a gateway's authorizer), any page the user
/// visits could make the browser send requests here: refuse those that a browser marks as coming
/// from another site, unless their origin is one CORS allows.
fn check_site(config: &Config, headers: &HeaderMap) -> Result<(), ProxyError> {
    if !config.allow_unauthenticated {
        return Ok(());
    }
    let cross = || {
        ProxyError::new(
            StatusCode::FORBIDDEN,
            "EnlistProxy.CrossSite",
            "expected a request from this proxy's own page or an allowed origin, found one from another site",
        )
    };
    let origin = headers.get(header::ORIGIN).map(|o| o.to_str().unwrap_or("null"));
    let allowed_origin = origin.is_some_and(|o| config.allowed_origins.iter().any(|a| a == o));
    if let Some(origin) = origin
        && !allowed_origin
    {
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
        let authority = origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://"));
        if authority.is_none_or(|a| host.is_empty() || !a.eq_ignore_ascii_case(host)) {
            return Err(cross());
        }
    }
    let site = headers.get("sec-fetch-site").map(|s| s.to_str().unwrap_or("cross-site"));
    match site {
        Some("cross-site" | "same-site") if !allowed_origin => Err(cross()),
        Some("cross-site" | "same-site" | "same-origin" | "none") | None => Ok(()),
        Some(_) => Err(cross()),
    }
}

/// Refuses a body declared larger than the proxy reads, before reading any of it (so a client
/// that asks `Expect: 100-continue` is refused instead of told to go on).
fn check_declared_length(headers: &HeaderMap) -> Result<(), ProxyError> {
    let declared =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    match declared {
        Some(length) if length > BODY_LIMIT as u64 => Err(ProxyError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "EnlistProxy.BodyTooLarge",
            format!("expected a body of at most {BODY_LIMIT} bytes, found a Content-Length of {length}"),
        )),
        _ => Ok(()),
    }
}

async fn require_token(
    State(shared): State<Arc<Shared>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    match authorize(&shared, request.headers()) {
        Ok(()) => next.run(request).await,
        Err(error) => refused(error),
    }
}

fn authorize(shared: &Shared, headers: &HeaderMap) -> Result<(), ProxyError> {
    if shared.config.allow_unauthenticated {
        return Ok(());
    }
    let unauthorized = |message: &str| ProxyError::new(StatusCode::UNAUTHORIZED, "EnlistProxy.Unauthorized", message);
    // Exactly one Authorization header: with two, which one counts would depend on who reads them.
    if headers.get_all(header::AUTHORIZATION).iter().count() > 1 {
        return Err(unauthorized("expected one `Authorization` header, found several"));
    }
    let presented =
        headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    let Some(presented) = presented else {
        return Err(unauthorized("expected `Authorization: Bearer <token>`, found none"));
    };
    // HTTP/1.1 servers strip trailing spaces from a header; other paths to here may not.
    let presented = presented.trim();
    if presented.is_empty() {
        return Err(unauthorized("expected a bearer token after `Bearer`, found an empty one"));
    }
    // Compare with every token, in constant time, so timing tells nothing about any of them. An
    // empty configured token never matches.
    let matched = shared
        .config
        .tokens
        .iter()
        .filter(|t| !t.is_empty())
        .fold(0u8, |found, token| found | u8::from(bool::from(token.as_bytes().ct_eq(presented.as_bytes()))));
    if matched == 1 { Ok(()) } else { Err(unauthorized("expected a valid bearer token, found another")) }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ProxyConfigView {
    services: Vec<Service>,
    regions: Vec<Region>,
    upstream: &'static str,
    /// The account whose credentials the proxy signs with: never to be sent as a member.
    #[serde(skip_serializing_if = "Option::is_none")]
    administrator_account_id: Option<String>,
}

async fn proxy_config(State(shared): State<Arc<Shared>>) -> Response {
    let upstream = match shared.config.upstream {
        Upstream::Aws { .. } => "aws",
        Upstream::Emulator(_) => "emulator",
        Upstream::Loopback(_) => "loopback",
    };
    let administrator = match shared.administrator.get_or_try_init(|| identity::caller_account(&shared)).await {
        Ok(account) => Some(account.clone()),
        Err(error) => {
            tracing::warn!(status = error.status.as_u16(), error = error.kind, "the administrator account is unknown");
            None
        }
    };
    axum::Json(ProxyConfigView {
        services: shared.config.services.clone(),
        regions: shared.config.regions.clone(),
        upstream,
        administrator_account_id: administrator,
    })
    .into_response()
}

async fn forward(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let started = Instant::now();
    match forward_inner(&shared, &method, &uri, &headers, &body).await {
        Ok((answer, operation, region, accounts)) => {
            let answer = upstream::sanitize(answer);
            let request_id =
                answer.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("x-amzn-requestid")).map(|(_, v)| v.clone());
            tracing::info!(
                operation = %operation,
                region = %region,
                accounts,
                status = answer.status.as_u16(),
                request_id = request_id.as_deref().unwrap_or("").escape_debug().to_string(),
                duration_ms = started.elapsed().as_millis() as u64,
                "forwarded"
            );
            let mut response = Response::builder().status(answer.status);
            for (name, value) in &answer.headers {
                response = response.header(name, value);
            }
            response.body(Body::from(answer.body)).unwrap_or_else(|_| StatusCode::BAD_GATEWAY.into_response())
        }
        Err(error) => {
            tracing::info!(
                status = error.status.as_u16(),
                error = error.kind,
                duration_ms = started.elapsed().as_millis() as u64,
                "refused"
            );
            error.into_response()
        }
    }
}

/// `/v1/{service}/{region}` and the rest of the path, as sent (nothing decoded).
fn split_route(path: &str) -> Option<(&str, &str, &str)> {
    let rest = path.strip_prefix("/v1/")?;
    let (service, rest) = rest.split_once('/')?;
    let slash = rest.find('/')?;
    Some((service, &rest[..slash], &rest[slash..]))
}

async fn forward_inner(
    shared: &Shared,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(upstream::Answer, enlist_core::wire::Operation, Region, usize), ProxyError> {
    let config = &shared.config;
    let Some((service, region, path)) = split_route(uri.path()) else {
        return Err(ProxyError::new(
            StatusCode::NOT_FOUND,
            "EnlistProxy.UnknownService",
            "expected /v1/{service}/{region}/ and the service's path",
        ));
    };
    // The route names a service exactly as the core writes it: no case or spelling variants.
    let named = service;
    let service = config.services.iter().copied().find(|s| s.as_str() == named).ok_or_else(|| {
        let served: Vec<String> = config.services.iter().map(|s| format!("`{}`", s.as_str())).collect();
        ProxyError::new(
            StatusCode::NOT_FOUND,
            "EnlistProxy.UnknownService",
            format!("expected one of {} after /v1/", served.join(", ")),
        )
    })?;
    let region: Region = region.parse().map_err(|e: enlist_core::InvalidIdentifier| {
        ProxyError::new(StatusCode::NOT_FOUND, "EnlistProxy.UnknownRegion", e.to_string())
    })?;
    if config.regions.is_empty() {
        if !region.is_known() {
            return Err(ProxyError::new(
                StatusCode::NOT_FOUND,
                "EnlistProxy.UnknownRegion",
                format!(
                    "expected an AWS region (or one this proxy is configured to serve, for a region opened since), found `{region}`"
                ),
            ));
        }
    } else if !config.regions.contains(&region) {
        return Err(ProxyError::new(
            StatusCode::FORBIDDEN,
            "EnlistProxy.RegionNotServed",
            format!("expected one of the regions this proxy serves, found `{region}`"),
        ));
    }
    if *method == Method::POST {
        if uri.query().is_some() {
            return Err(ProxyError::new(
                StatusCode::BAD_REQUEST,
                "EnlistProxy.InvalidRequest",
                "expected no query string on a POST (every input is in its body), found one",
            ));
        }
        let single = headers.get_all(header::CONTENT_TYPE).iter().count() == 1;
        let json = single
            && headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| {
                v.split(';').next().is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
            });
        if !json {
            return Err(ProxyError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "EnlistProxy.UnsupportedMediaType",
                "expected `Content-Type: application/json`",
            ));
        }
    }
    let rebuilt = operation::rebuild(service, &region, method, path, uri.query(), body)?;
    let host = match &config.upstream {
        Upstream::Loopback(address) => address.to_string(),
        Upstream::Aws { fips } => aws_host(service, &region, *fips)?,
        Upstream::Emulator(_) => aws_host(service, &region, false)?,
    };
    let signed_send = |request: enlist_core::wire::Request| {
        let host = host.clone();
        async move {
            // The proxy does I/O by design: it needs the time to sign.
            #[allow(clippy::disallowed_methods)]
            let now = SystemTime::now();
            let credentials = shared.signer.credentials(now).await?;
            let signature = signer::signature_headers(&request, &host, &credentials, now)?;
            upstream::send(&config.upstream, &shared.client, &request, &host, &signature, config.upstream_timeout).await
        }
    };
    if let Some((get, ids)) = rebuilt.check_first {
        // Deleting is destructive: only members whose email verification failed, as the service
        // says right now, may be deleted (to be created again with the right email).
        let operation = get.operation;
        let answer = signed_send(get).await?;
        if !answer.status.is_success() {
            return Ok((answer, operation, region, rebuilt.accounts));
        }
        let read =
            enlist_core::wire::parse_members(operation, &String::from_utf8_lossy(&answer.body)).map_err(|_| {
                ProxyError::new(
                    StatusCode::BAD_GATEWAY,
                    "EnlistProxy.UpstreamUnreadable",
                    "expected a GetMembers answer before a delete, found another",
                )
            })?;
        let refused: Vec<String> = ids
            .iter()
            .filter_map(|id| {
                let id = id.to_string();
                match read.members.iter().find(|m| m.account_id == id) {
                    Some(m) if m.status == enlist_core::MemberStatus::VerificationFailed => None,
                    Some(m) => Some(format!("{id} ({})", m.status.describe())),
                    None => Some(format!("{id} (not a member)")),
                }
            })
            .collect();
        if !refused.is_empty() {
            return Err(ProxyError::new(
                StatusCode::FORBIDDEN,
                "EnlistProxy.DeleteRefused",
                format!(
                    "expected only members whose email verification failed (the only ones Enlist deletes, to create them again), found {}",
                    refused.join(", ")
                ),
            ));
        }
    }
    let operation = rebuilt.request.operation;
    let answer = signed_send(rebuilt.request).await?;
    Ok((answer, operation, region, rebuilt.accounts))
}
