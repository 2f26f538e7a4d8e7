//! SigV4 verification, as AWS answers it: the emulator re-signs the request with the caller's
//! secret (using `aws-sigv4`, the signer the AWS SDK for Rust uses) and compares.

use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use http::HeaderMap;
use subtle::ConstantTimeEq;

use crate::time::parse_amz_date;

/// How far a request's time may be from the emulator's clock, as AWS allows.
const SKEW: Duration = Duration::from_secs(5 * 60);

/// Who signed a request, and for which service and region.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Scope {
    pub(crate) access_key: String,
    pub(crate) region: String,
    pub(crate) service: String,
}

/// A refusal, with AWS's error type and wording.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct AuthError {
    pub(crate) kind: &'static str,
    pub(crate) message: String,
}

fn refuse(kind: &'static str, message: impl Into<String>) -> AuthError {
    AuthError { kind, message: message.into() }
}

/// The scope named in the `Authorization` header, before anything is verified (for routing).
pub(crate) fn claimed_scope(headers: &HeaderMap) -> Result<(Scope, Vec<String>, String), AuthError> {
    let Some(auth) = headers.get(http::header::AUTHORIZATION).and_then(|v| v.to_str().ok()) else {
        return Err(refuse("MissingAuthenticationTokenException", "Missing Authentication Token"));
    };
    let Some(rest) = auth.strip_prefix("AWS4-HMAC-SHA256 ") else {
        return Err(refuse(
            "IncompleteSignatureException",
            "Authorization header requires the AWS4-HMAC-SHA256 algorithm",
        ));
    };
    let (mut credential, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let part = part.trim();
        if let Some(v) = part.strip_prefix("Credential=") {
            credential = Some(v);
        } else if let Some(v) = part.strip_prefix("SignedHeaders=") {
            signed = Some(v);
        } else if let Some(v) = part.strip_prefix("Signature=") {
            signature = Some(v);
        }
    }
    let (Some(credential), Some(signed), Some(signature)) = (credential, signed, signature) else {
        return Err(refuse(
            "IncompleteSignatureException",
            "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters",
        ));
    };
    let parts: Vec<&str> = credential.split('/').collect();
    if parts.len() != 5 || parts[4] != "aws4_request" {
        return Err(refuse(
            "IncompleteSignatureException",
            format!("Credential should be scoped correctly: '{credential}'"),
        ));
    }
    let scope = Scope { access_key: parts[0].to_owned(), region: parts[2].to_owned(), service: parts[3].to_owned() };
    let signed = signed.split(';').map(str::to_owned).collect();
    Ok((scope, signed, signature.to_owned()))
}

/// Verifies the request's signature with `secret`, at the emulator's time `now`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn verify(
    method: &str,
    path_and_query: &str,
    headers: &HeaderMap,
    body: &[u8],
    scope: &Scope,
    signed_headers: &[String],
    signature: &str,
    secret: &str,
    now: SystemTime,
) -> Result<(), AuthError> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let Some(amz_date) = header("x-amz-date") else {
        return Err(refuse(
            "IncompleteSignatureException",
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header",
        ));
    };
    let Some(time) = parse_amz_date(amz_date) else {
        return Err(refuse(
            "IncompleteSignatureException",
            format!("Date must be in ISO-8601 'basic format'. Got '{amz_date}'"),
        ));
    };
    let skew = now.duration_since(time).or_else(|e| Ok::<_, ()>(e.duration())).unwrap_or(Duration::MAX);
    if skew > SKEW {
        return Err(refuse(
            "InvalidSignatureException",
            format!(
                "Signature expired: {amz_date} is now earlier or later than the 5 minute window the service accepts"
            ),
        ));
    }
    let host = header("host").unwrap_or("");
    let uri = format!("http://{host}{path_and_query}");
    let session_token = header("x-amz-security-token").map(str::to_owned);
    // The signer adds x-amz-date and the session token itself; give it the other signed headers.
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    for name in signed_headers {
        if matches!(name.as_str(), "x-amz-date" | "x-amz-security-token") {
            continue;
        }
        let Some(value) = header(name) else {
            return Err(refuse(
                "InvalidSignatureException",
                format!("the signed header '{name}' is missing from the request"),
            ));
        };
        pairs.push((name.as_str(), value));
    }
    let identity = Credentials::new(&scope.access_key, secret, session_token, None, "enlist-emulator").into();
    let mut settings = SigningSettings::default();
    settings.excluded_headers = None;
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(&scope.region)
        .name(&scope.service)
        .time(time)
        .settings(settings)
        .build()
        .map_err(|e| refuse("IncompleteSignatureException", e.to_string()))?
        .into();
    let signable = SignableRequest::new(method, uri, pairs.into_iter(), SignableBody::Bytes(body))
        .map_err(|e| refuse("InvalidSignatureException", e.to_string()))?;
    let (_, expected) =
        sign(signable, &params).map_err(|e| refuse("InvalidSignatureException", e.to_string()))?.into_parts();
    if bool::from(expected.as_bytes().ct_eq(signature.as_bytes())) {
        Ok(())
    } else {
        Err(refuse(
            "InvalidSignatureException",
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
        ))
    }
}
