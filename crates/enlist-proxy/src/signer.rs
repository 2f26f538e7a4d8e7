//! Credentials and SigV4: the AWS default credential chain (environment, profile, SSO, web identity,
//! container, IMDS) or static keys, cached until five minutes before they expire, and a fresh
//! signature for every forwarded request.

use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use axum::http::StatusCode;
use enlist_core::wire::Request;
use tokio::sync::Mutex;

use crate::error::ProxyError;

/// Where the proxy's AWS credentials come from.
#[derive(Clone, Debug)]
pub enum CredentialSource {
    /// The AWS default chain, optionally assuming a role.
    DefaultChain {
        /// A role to assume with the chain's credentials.
        role_arn: Option<String>,
    },
    /// Any AWS credentials provider (for embedding, and for tests of the cache).
    Provider(SharedCredentialsProvider),
    /// Fixed keys (the embedded emulator's, or tests').
    Static {
        /// Access key ID.
        access_key: String,
        /// Secret access key.
        secret_key: String,
    },
}

/// Refresh credentials this long before they expire.
const REFRESH_BEFORE: Duration = Duration::from_secs(5 * 60);

pub(crate) struct Signer {
    source: CredentialSource,
    provider: tokio::sync::OnceCell<SharedCredentialsProvider>,
    cached: Mutex<Option<Credentials>>,
}

impl Signer {
    pub(crate) fn new(source: CredentialSource) -> Signer {
        Signer { source, provider: tokio::sync::OnceCell::new(), cached: Mutex::new(None) }
    }

    async fn provider(&self) -> Result<&SharedCredentialsProvider, ProxyError> {
        self.provider
            .get_or_try_init(|| async {
                match &self.source {
                    CredentialSource::Provider(provider) => Ok(provider.clone()),
                    CredentialSource::Static { access_key, secret_key } => Ok(SharedCredentialsProvider::new(
                        Credentials::new(access_key, secret_key, None, None, "enlist-static"),
                    )),
                    CredentialSource::DefaultChain { role_arn } => {
                        let region =
                            aws_config::meta::region::RegionProviderChain::default_provider().or_else("us-east-1");
                        let sdk =
                            aws_config::defaults(aws_config::BehaviorVersion::latest()).region(region).load().await;
                        match role_arn {
                            None => sdk
                                .credentials_provider()
                                .ok_or_else(|| unavailable("the AWS default chain offers no credentials provider")),
                            Some(arn) => Ok(SharedCredentialsProvider::new(
                                aws_config::sts::AssumeRoleProvider::builder(arn)
                                    .session_name("enlist-proxy")
                                    .configure(&sdk)
                                    .build()
                                    .await,
                            )),
                        }
                    }
                }
            })
            .await
    }

    /// Credentials that stay valid for at least five more minutes.
    pub(crate) async fn credentials(&self, now: SystemTime) -> Result<Credentials, ProxyError> {
        let mut cached = self.cached.lock().await;
        if let Some(credentials) = cached.as_ref()
            && credentials.expiry().is_none_or(|expiry| expiry > now + REFRESH_BEFORE)
        {
            return Ok(credentials.clone());
        }
        let fresh = self.provider().await?.provide_credentials().await.map_err(|e| {
            // The chain's error says which sources it tried; it holds no secret.
            unavailable(&format!("no AWS credentials: {e}"))
        })?;
        *cached = Some(fresh.clone());
        Ok(fresh)
    }
}

fn unavailable(message: &str) -> ProxyError {
    ProxyError::new(StatusCode::SERVICE_UNAVAILABLE, "EnlistProxy.NoCredentials", message)
}

/// The SigV4 headers (`authorization`, `x-amz-date`, and `x-amz-security-token` for temporary
/// credentials) for `request` sent to `host` at `now`.
pub fn signature_headers(
    request: &Request,
    host: &str,
    credentials: &Credentials,
    now: SystemTime,
) -> Result<Vec<(String, String)>, ProxyError> {
    sign_parts(
        Unsigned {
            method: request.method.as_str(),
            path_and_query: &request.path_and_query(),
            headers: &request.headers,
            body: request.body.as_deref().unwrap_or("").as_bytes(),
            region: request.region.as_str(),
            service: request.operation.service().as_str(),
        },
        host,
        credentials,
        now,
    )
}

/// A request to sign that is not one of the member operations (STS GetCallerIdentity).
#[derive(Clone, Copy)]
pub(crate) struct Unsigned<'a> {
    pub(crate) method: &'a str,
    pub(crate) path_and_query: &'a str,
    pub(crate) headers: &'a [(String, String)],
    pub(crate) body: &'a [u8],
    pub(crate) region: &'a str,
    /// The signing name, such as `guardduty` or `sts`.
    pub(crate) service: &'a str,
}

pub(crate) fn sign_parts(
    request: Unsigned<'_>,
    host: &str,
    credentials: &Credentials,
    now: SystemTime,
) -> Result<Vec<(String, String)>, ProxyError> {
    let failed = |e: &dyn std::fmt::Display| {
        ProxyError::new(StatusCode::INTERNAL_SERVER_ERROR, "EnlistProxy.SigningFailed", e.to_string())
    };
    let identity = credentials.clone().into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(request.region)
        .name(request.service)
        .time(now)
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| failed(&e))?
        .into();
    let mut headers: Vec<(&str, &str)> = vec![("host", host)];
    headers.extend(request.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let uri = format!("https://{host}{}", request.path_and_query);
    let signable = SignableRequest::new(request.method, uri, headers.into_iter(), SignableBody::Bytes(request.body))
        .map_err(|e| failed(&e))?;
    let (instructions, _) = sign(signable, &params).map_err(|e| failed(&e))?.into_parts();
    Ok(instructions.headers().map(|(k, v)| (k.to_owned(), v.to_owned())).collect())
}
