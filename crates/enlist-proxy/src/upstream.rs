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
const SECURITY_HUB_FIPS: &[&str] =
    &["us-east-1", "us-east-2", "us-west-1", "us-west-2", "us-gov-east-1", "us-gov-west-1"];

/// The AWS host name for `service` in `region`, with its partition's DNS suffix.
pub fn aws_host(service: Service, region: &Region, fips: bool) -> Result<String, ProxyError> {
    let suffix = region.dns_suffix();
    let partition = region.partition();
    let region = region.as_str();
    match service {
        Service::GuardDuty => {
            let name = if fips && GUARDDUTY_FIPS.contains(&region) { "guardduty-fips" } else { "guardduty" };
            Ok(format!("{name}.{region}.{suffix}"))
        }
        // botocore knows Detective endpoints in these two partitions only.
        Service::Detective if !matches!(partition, "aws" | "aws-us-gov") => Err(ProxyError::new(
            StatusCode::BAD_REQUEST,
            "EnlistProxy.RegionNotServed",
            format!(
                "expected a region where Detective runs, found `{region}` (Detective has no regions in the {partition} partition)"
            ),
        )),
        Service::Detective => {
            let name = if fips && DETECTIVE_FIPS.contains(&region) { "api.detective-fips" } else { "api.detective" };
            Ok(format!("{name}.{region}.{suffix}"))
        }
        Service::SecurityHub => {
            let name = if fips && SECURITY_HUB_FIPS.contains(&region) { "securityhub-fips" } else { "securityhub" };
            Ok(format!("{name}.{region}.{suffix}"))
        }
    }
}

/// The STS host of `region` (GetCallerIdentity answers the same in every region).
pub(crate) fn sts_host(region: &Region) -> String {
    format!("sts.{}.{}", region.as_str(), region.dns_suffix())
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
    let outgoing = Outgoing {
        method: request.method.as_str(),
        path_and_query: &request.path_and_query(),
        headers: &request.headers,
        body: request.body.clone().unwrap_or_default().into_bytes(),
    };
    send_parts(upstream, client, outgoing, host, signature, timeout).await
}

/// A request on its way upstream, already rebuilt from validated values.
pub(crate) struct Outgoing<'a> {
    pub(crate) method: &'a str,
    pub(crate) path_and_query: &'a str,
    pub(crate) headers: &'a [(String, String)],
    pub(crate) body: Vec<u8>,
}

pub(crate) async fn send_parts(
    upstream: &Upstream,
    client: &reqwest::Client,
    request: Outgoing<'_>,
    host: &str,
    signature: &[(String, String)],
    timeout: Duration,
) -> Result<Answer, ProxyError> {
    let mut headers: Vec<(String, String)> = vec![("host".to_owned(), host.to_owned())];
    headers.extend(request.headers.iter().cloned());
    headers.extend(signature.iter().cloned());
    let body = request.body;
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
            let mut builder = http::Request::builder().method(request.method).uri(request.path_and_query);
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
                Upstream::Loopback(address) => format!("http://{address}{}", request.path_and_query),
                _ => format!("https://{host}{}", request.path_and_query),
            };
            let method =
                reqwest::Method::from_bytes(request.method.as_bytes()).map_err(|_| gone("method is unknown"))?;
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
            // At most 8 MiB, as from the emulator: a member page is well under 1 MiB.
            let mut bytes = Vec::new();
            let mut response = response;
            loop {
                match tokio::time::timeout(timeout, response.chunk()).await {
                    Err(_) => return Err(late()),
                    Ok(Err(e)) => return Err(if e.is_timeout() { late() } else { gone("dropped the connection") }),
                    Ok(Ok(None)) => break,
                    Ok(Ok(Some(chunk))) => {
                        if bytes.len() + chunk.len() > 8 << 20 {
                            return Err(gone("answered with more than 8 MiB"));
                        }
                        bytes.extend_from_slice(&chunk);
                    }
                }
            }
            Ok(Answer { status, headers, body: bytes })
        }
    }
}

fn passed<'a>(headers: impl Iterator<Item = (&'a str, &'a str)>) -> Vec<(String, String)> {
    headers
        .filter(|(k, _)| PASSED.contains(&k.to_ascii_lowercase().as_str()))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// The longest service error message passed on, in characters.
const MESSAGE_MAX: usize = 300;

/// An error answer as callers get it: the AWS error code and a bounded message, and nothing else
/// of the body. Signature errors quote the canonical request and the string to sign after a
/// blank line, and those can carry a session token: everything from there on is cut, control
/// characters are dropped, and the message is bounded. Successful answers pass unchanged.
pub(crate) fn sanitize(answer: Answer) -> Answer {
    if answer.status.is_success() {
        return answer;
    }
    let mut headers: Vec<(String, String)> = answer
        .headers
        .iter()
        .filter(|(k, _)| {
            ["x-amzn-requestid", "x-amz-retry-after", "retry-after"].contains(&k.to_ascii_lowercase().as_str())
        })
        .cloned()
        .collect();
    if answer.body.iter().all(u8::is_ascii_whitespace) {
        return Answer { status: answer.status, headers, body: Vec::new() };
    }
    let error = enlist_core::wire::decode_error(&enlist_core::wire::Response {
        status: answer.status.as_u16(),
        headers: answer.headers.clone(),
        body: String::from_utf8_lossy(&answer.body).into_owned(),
    });
    let code: String =
        error.code.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')).take(64).collect();
    // The message under the service's own name for it (`Message` for Detective).
    let key = match serde_json::from_slice::<serde_json::Value>(&answer.body) {
        Ok(serde_json::Value::Object(map)) if map.contains_key("Message") && !map.contains_key("message") => "Message",
        _ => "message",
    };
    let mut body = serde_json::Map::new();
    body.insert("__type".to_owned(), code.clone().into());
    body.insert(key.to_owned(), clean_message(&error.message).into());
    let body = serde_json::Value::Object(body);
    headers.push(("content-type".to_owned(), "application/json".to_owned()));
    if !code.is_empty() {
        headers.push(("x-amzn-ErrorType".to_owned(), code));
    }
    Answer { status: answer.status, headers, body: body.to_string().into_bytes() }
}

fn clean_message(message: &str) -> String {
    let mut end = message.len();
    for marker in ["\n\n", "\r\n\r\n", "The Canonical String", "The String-to-Sign", "Canonical request"] {
        if let Some(at) = message.find(marker) {
            end = end.min(at);
        }
    }
    let kept = message[..end].trim();
    let mut out = String::with_capacity(kept.len().min(MESSAGE_MAX + 3));
    for (count, c) in
        kept.chars().map(|c| if c.is_whitespace() { ' ' } else { c }).filter(|c| !c.is_control()).enumerate()
    {
        if count == MESSAGE_MAX {
            out.push('…');
            break;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, headers: &[(&str, &str)], body: &str) -> Answer {
        Answer {
            status: StatusCode::from_u16(status).unwrap(),
            headers: headers.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
            body: body.as_bytes().to_vec(),
        }
    }

    fn body(answer: &Answer) -> serde_json::Value {
        serde_json::from_slice(&answer.body).unwrap()
    }

    #[test]
    fn signature_errors_lose_the_canonical_request() {
        let raw = "{\"message\":\"The request signature we calculated does not match the signature you provided.\\n\\nThe Canonical String for this request should have been\\n'POST\\n/detector\\n\\nx-amz-security-token:IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN\\n'\",\"__type\":\"InvalidSignatureException\"}";
        let sanitized = sanitize(answer(
            403,
            &[
                ("x-amzn-ErrorType", "InvalidSignatureException:http://internal"),
                ("x-amzn-RequestId", "r-1"),
                ("x-debug", "x"),
            ],
            raw,
        ));
        let text = String::from_utf8(sanitized.body.clone()).unwrap();
        assert!(!text.contains("IQoJb3JpZ2luX2Vj") && !text.contains("Canonical"), "{text}");
        assert_eq!(
            body(&sanitized),
            serde_json::json!({"__type": "InvalidSignatureException", "message": "The request signature we calculated does not match the signature you provided."})
        );
        let names: Vec<&str> = sanitized.headers.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["x-amzn-RequestId", "content-type", "x-amzn-ErrorType"]);
    }

    #[test]
    fn messages_are_bounded_and_plain() {
        let long = format!("{{\"Message\":\"a\\u0000b\\u001b[31m {}\"}}", "x".repeat(1_000));
        let sanitized = sanitize(answer(400, &[("x-amzn-ErrorType", "ValidationException")], &long));
        // Detective's casing is kept.
        let message = body(&sanitized)["Message"].as_str().unwrap().to_owned();
        assert_eq!(message.chars().count(), MESSAGE_MAX + 1);
        assert!(message.starts_with("ab[31m x"), "{message}");
        // Throttling keeps what the client needs to pace itself.
        let throttled =
            sanitize(answer(429, &[("x-amzn-ErrorType", "TooManyRequestsException"), ("Retry-After", "2")], "{}"));
        assert_eq!(body(&throttled)["__type"], "TooManyRequestsException");
        assert!(throttled.headers.iter().any(|(k, v)| k == "Retry-After" && v == "2"));
        // An empty 503 stays empty; success passes unchanged.
        assert!(sanitize(answer(503, &[], "")).body.is_empty());
        let ok = sanitize(answer(200, &[("x-anything", "1")], "{\"members\":[]}"));
        assert_eq!((ok.headers.len(), ok.body.as_slice()), (1, b"{\"members\":[]}".as_slice()));
    }
}
