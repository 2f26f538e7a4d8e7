//! Enlist's signing proxy. The browser never holds AWS credentials: it sends the member
//! operations Enlist uses here, as `/v1/{service}/{region}/` followed by the AWS path, and the proxy checks the
//! caller, rebuilds the request from validated values, signs it with SigV4 and forwards it to the
//! fixed AWS endpoint (or the emulator). Anything else is refused before it is signed.
//!
//! [`app`] builds the `Router` that the local server (`enlist serve`) and the AWS Lambda entry point
//! share; tests call it with `oneshot`, without a socket.

mod error;
pub mod exchange;
mod operation;
mod signer;
mod upstream;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
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
}

/// The proxy's router: `/healthz`, `/v1/config`, `/v1/{service}/{region}/…`, and the UI when a
/// folder is configured.
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
    let shared = Arc::new(Shared { signer: signer::Signer::new(config.credentials.clone()), config, client });
    let api = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/v1/config", get(proxy_config))
        .route("/v1/{service}/{region}/{*path}", any(forward))
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(Arc::clone(&shared), check_host))
        .with_state(shared);
    let router = match ui_dir {
        Some(dir) => {
            api.fallback_service(tower_http::services::ServeDir::new(&dir).append_index_html_on_directories(true))
        }
        None => api,
    };
    router.layer(cors)
}

/// Refuses requests whose `Host` is not one of ours: a page that rebinds its DNS name to
/// 127.0.0.1 still sends its own name.
async fn check_host(
    State(shared): State<Arc<Shared>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let allowed = &shared.config.allowed_hosts;
    if !allowed.is_empty() {
        // HTTP/1.1 allows exactly one Host; with several, which one counts would be a guess.
        let mut hosts = request.headers().get_all(header::HOST).iter();
        let host = match (hosts.next(), hosts.next()) {
            (Some(host), None) => host.to_str().unwrap_or(""),
            _ => "",
        };
        if !allowed.iter().any(|a| a.eq_ignore_ascii_case(host)) {
            return ProxyError::new(
                StatusCode::MISDIRECTED_REQUEST,
                "EnlistProxy.UnknownHost",
                "expected a Host this proxy serves, found another",
            )
            .into_response();
        }
    }
    next.run(request).await
}

fn authorize(shared: &Shared, headers: &HeaderMap) -> Result<(), ProxyError> {
    if shared.config.allow_unauthenticated {
        return Ok(());
    }
    // Exactly one Authorization header: with two, which one counts would depend on who reads them.
    if headers.get_all(header::AUTHORIZATION).iter().count() > 1 {
        return Err(ProxyError::new(
            StatusCode::UNAUTHORIZED,
            "EnlistProxy.Unauthorized",
            "expected one `Authorization` header, found several",
        ));
    }
    let presented =
        headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    let Some(presented) = presented else {
        return Err(ProxyError::new(
            StatusCode::UNAUTHORIZED,
            "EnlistProxy.Unauthorized",
            "expected `Authorization: Bearer <token>`, found none",
        ));
    };
    // Compare with every token, in constant time, so timing tells nothing about any of them.
    let matched = shared
        .config
        .tokens
        .iter()
        .fold(0u8, |found, token| found | u8::from(bool::from(token.as_bytes().ct_eq(presented.as_bytes()))));
    if matched == 1 {
        Ok(())
    } else {
        Err(ProxyError::new(
            StatusCode::UNAUTHORIZED,
            "EnlistProxy.Unauthorized",
            "expected a valid bearer token, found another",
        ))
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ProxyConfigView {
    services: Vec<Service>,
    regions: Vec<Region>,
    upstream: &'static str,
}

async fn proxy_config(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    if let Err(e) = authorize(&shared, &headers) {
        return e.into_response();
    }
    let upstream = match shared.config.upstream {
        Upstream::Aws { .. } => "aws",
        Upstream::Emulator(_) => "emulator",
        Upstream::Loopback(_) => "loopback",
    };
    axum::Json(ProxyConfigView {
        services: shared.config.services.clone(),
        regions: shared.config.regions.clone(),
        upstream,
    })
    .into_response()
}

async fn forward(
    State(shared): State<Arc<Shared>>,
    Path((service, region, _)): Path<(String, String, String)>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let started = Instant::now();
    match forward_inner(&shared, &service, &region, &method, &uri, &headers, &body).await {
        Ok((answer, operation, accounts)) => {
            let request_id =
                answer.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("x-amzn-requestid")).map(|(_, v)| v.clone());
            tracing::info!(
                operation = %operation,
                region = %region,
                accounts,
                status = answer.status.as_u16(),
                request_id = request_id.as_deref().unwrap_or(""),
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
            tracing::info!(region = %region, status = error.status.as_u16(), error = error.kind, duration_ms = started.elapsed().as_millis() as u64, "refused");
            error.into_response()
        }
    }
}

async fn forward_inner(
    shared: &Shared,
    service: &str,
    region: &str,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(upstream::Answer, enlist_core::wire::Operation, usize), ProxyError> {
    authorize(shared, headers)?;
    let config = &shared.config;
    let service: Service = service.parse().ok().filter(|s| config.services.contains(s)).ok_or_else(|| {
        ProxyError::new(
            StatusCode::NOT_FOUND,
            "EnlistProxy.UnknownService",
            "expected `guardduty` or `detective` after /v1/",
        )
    })?;
    let region: Region = region.parse().map_err(|e: enlist_core::InvalidIdentifier| {
        ProxyError::new(StatusCode::NOT_FOUND, "EnlistProxy.UnknownRegion", e.to_string())
    })?;
    if !config.regions.is_empty() && !config.regions.contains(&region) {
        return Err(ProxyError::new(
            StatusCode::FORBIDDEN,
            "EnlistProxy.RegionNotServed",
            format!("expected one of the regions this proxy serves, found `{region}`"),
        ));
    }
    if *method == Method::POST {
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
    let prefix = format!("/v1/{}/{}", service.as_str(), region);
    let path = uri.path().strip_prefix(&prefix).unwrap_or("");
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
            return Ok((answer, operation, rebuilt.accounts));
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
    Ok((answer, operation, rebuilt.accounts))
}
