//! Where signed requests go: AWS (the endpoint comes from a fixed table of service × region ×
//! partition, never from the client; redirects are not followed), or the emulator in this process.

use std::time::Duration;

use axum::body::Body;
use axum::http::StatusCode;
use enlist_core::wire::Request;
use enlist_core::{Region, Service};
use tower::ServiceExt;

use crate::error::ProxyError;

/// The service endpoints the proxy signs for.
#[derive(Clone, Debug)]
pub enum Upstream {
    /// AWS itself, optionally through FIPS endpoints where they exist.
    Aws {
        /// Use FIPS endpoints.
        fips: bool,
    },
    /// The emulator, in this process.
    Emulator(enlist_emulator::Emulator),
    /// A plain-HTTP endpoint on loopback (a test double such as moto's server).
    Loopback(std::net::SocketAddr),
}

const GUARDDUTY_FIPS: &[&str] =
    &["us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-west-1", "us-gov-east-1", "us-gov-west-1"];
const DETECTIVE_FIPS: &[&str] =
    &["us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "us-gov-east-1", "us-gov-west-1"];

/// The AWS host name for `service` in `region`.
pub fn aws_host(service: Service, region: &Region, fips: bool) -> Result<String, ProxyError> {
    let region = region.as_str();
    let china = region.starts_with("cn-");
    let suffix = if china { "amazonaws.com.cn" } else { "amazonaws.com" };
    match service {
        Service::GuardDuty => {
            let name = if fips && GUARDDUTY_FIPS.contains(&region) { "guardduty-fips" } else { "guardduty" };
            Ok(format!("{name}.{region}.{suffix}"))
        }
        Service::Detective if china => Err(ProxyError::new(
            StatusCode::BAD_REQUEST,
            "EnlistProxy.RegionNotServed",
            format!("expected a region where Detective runs, found `{region}` (Detective has no China regions)"),
        )),
        Service::Detective => {
            let name = if fips && DETECTIVE_FIPS.contains(&region) { "api.detective-fips" } else { "api.detective" };
            Ok(format!("{name}.{region}.{suffix}"))
        }
    }
}

/// What came back, before it is passed on.
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

/// Headers of the service's answer that the proxy passes through.
const PASSED: &[&str] = &["content-type", "x-amzn-errortype", "x-amzn-requestid", "x-amz-retry-after", "retry-after"];

/// Sends a signed request upstream.
pub(crate) async fn send(
    upstream: &Upstream,
    client: &reqwest::Client,
    request: &Request,
    host: &str,
    signature: &[(String, String)],
    timeout: Duration,
) -> Result<Answer, ProxyError> {
    let mut headers: Vec<(String, String)> = vec![("host".to_owned(), host.to_owned())];
    headers.extend(request.headers.iter().cloned());
    headers.extend(signature.iter().cloned());
    let body = request.body.clone().unwrap_or_default();
    let gone = |what: &str| {
        ProxyError::new(StatusCode::BAD_GATEWAY, "EnlistProxy.UpstreamUnavailable", format!("the service {what}"))
    };
    let late = || {
        ProxyError::new(
            StatusCode::GATEWAY_TIMEOUT,
            "EnlistProxy.UpstreamTimeout",
            format!("the service did not answer within {} s", timeout.as_secs()),
        )
    };
    match upstream {
        Upstream::Emulator(emulator) => {
            let mut builder = http::Request::builder().method(request.method.as_str()).uri(request.path_and_query());
            for (name, value) in &headers {
                builder = builder.header(name, value);
            }
            let http_request = builder.body(Body::from(body)).map_err(|_| gone("request could not be built"))?;
            let call = enlist_emulator::app(emulator.clone()).oneshot(http_request);
            let response =
                tokio::time::timeout(timeout, call).await.map_err(|_| late())?.map_err(|_| gone("failed"))?;
            let (parts, body) = response.into_parts();
            let bytes = tokio::time::timeout(timeout, axum::body::to_bytes(body, 8 << 20))
                .await
                .map_err(|_| late())?
                .map_err(|_| gone("dropped the connection"))?;
            Ok(Answer {
                status: parts.status,
                headers: passed(parts.headers.iter().map(|(k, v)| (k.as_str(), v.to_str().unwrap_or("")))),
                body: bytes.to_vec(),
            })
        }
        Upstream::Aws { .. } | Upstream::Loopback(_) => {
            let url = match upstream {
                Upstream::Loopback(address) => format!("http://{address}{}", request.path_and_query()),
                _ => format!("https://{host}{}", request.path_and_query()),
            };
            let method = reqwest::Method::from_bytes(request.method.as_str().as_bytes())
                .map_err(|_| gone("method is unknown"))?;
            let mut outgoing = client.request(method, url).timeout(timeout).body(body);
            for (name, value) in &headers {
                outgoing = outgoing.header(name, value);
            }
            let response = outgoing
                .send()
                .await
                .map_err(|e| if e.is_timeout() { late() } else { gone("could not be reached") })?;
            let status = StatusCode::from_u16(response.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
            let headers = passed(response.headers().iter().map(|(k, v)| (k.as_str(), v.to_str().unwrap_or(""))));
            let bytes = response
                .bytes()
                .await
                .map_err(|e| if e.is_timeout() { late() } else { gone("dropped the connection") })?;
            Ok(Answer { status, headers, body: bytes.to_vec() })
        }
    }
}

fn passed<'a>(headers: impl Iterator<Item = (&'a str, &'a str)>) -> Vec<(String, String)> {
    headers
        .filter(|(k, _)| PASSED.contains(&k.to_ascii_lowercase().as_str()))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}
