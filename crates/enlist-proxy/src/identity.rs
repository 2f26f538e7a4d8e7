//! Whose credentials the proxy signs with: STS GetCallerIdentity, asked once (the caller caches
//! the answer), so `/v1/config` can name the administrator account and every frontend can keep it
//! out of the members it sends.

use std::time::SystemTime;

use axum::http::StatusCode;
use enlist_core::{AccountId, Region};

use crate::Shared;
use crate::error::ProxyError;
use crate::signer::{Unsigned, sign_parts};
use crate::upstream::{Outgoing, Upstream, send_parts, sts_host};

const BODY: &str = "Action=GetCallerIdentity&Version=2011-06-15";

/// The 12-digit account of the credentials the proxy signs with.
pub(crate) async fn caller_account(shared: &Shared) -> Result<String, ProxyError> {
    let config = &shared.config;
    // The first region served, or us-east-1: GetCallerIdentity answers the same everywhere.
    let region =
        config.regions.first().cloned().or_else(|| Region::known().find(|r| r.as_str() == "us-east-1")).ok_or_else(
            || ProxyError::new(StatusCode::INTERNAL_SERVER_ERROR, "EnlistProxy.IdentityUnknown", "no region"),
        )?;
    let host = match &config.upstream {
        Upstream::Loopback(address) => address.to_string(),
        Upstream::Aws { .. } | Upstream::Emulator(_) => sts_host(&region),
    };
    let headers = vec![("content-type".to_owned(), "application/x-www-form-urlencoded; charset=utf-8".to_owned())];
    // The proxy does I/O by design: it needs the time to sign.
    #[allow(clippy::disallowed_methods)]
    let now = SystemTime::now();
    let credentials = shared.signer.credentials(now).await?;
    let unsigned = Unsigned {
        method: "POST",
        path_and_query: "/",
        headers: &headers,
        body: BODY.as_bytes(),
        region: region.as_str(),
        service: "sts",
    };
    let signature = sign_parts(unsigned, &host, &credentials, now)?;
    let outgoing = Outgoing { method: "POST", path_and_query: "/", headers: &headers, body: BODY.as_bytes().to_vec() };
    let answer =
        send_parts(&config.upstream, &shared.client, outgoing, &host, &signature, config.upstream_timeout).await?;
    let text = String::from_utf8_lossy(&answer.body);
    if !answer.status.is_success() {
        return Err(ProxyError::new(
            StatusCode::BAD_GATEWAY,
            "EnlistProxy.IdentityUnknown",
            format!("expected STS GetCallerIdentity to answer, found HTTP {}", answer.status.as_u16()),
        ));
    }
    account_of(&text).ok_or_else(|| {
        ProxyError::new(
            StatusCode::BAD_GATEWAY,
            "EnlistProxy.IdentityUnknown",
            "expected an <Account> of 12 digits in STS's GetCallerIdentity answer, found none",
        )
    })
}

/// The `<Account>` of a GetCallerIdentity answer (XML, as STS's query protocol writes it).
fn account_of(xml: &str) -> Option<String> {
    let start = xml.find("<Account>")? + "<Account>".len();
    let end = start + xml[start..].find("</Account>")?;
    let account: AccountId = xml[start..end].trim().parse().ok()?;
    Some(account.to_string())
}

#[cfg(test)]
mod tests {
    use super::account_of;

    #[test]
    fn reads_the_account() {
        let xml = "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetCallerIdentityResult><Arn>arn:aws:iam::012345678901:user/a</Arn><UserId>AIDA</UserId><Account>012345678901</Account></GetCallerIdentityResult></GetCallerIdentityResponse>";
        assert_eq!(account_of(xml).as_deref(), Some("012345678901"));
        assert_eq!(account_of("<Account>12345</Account>"), None);
        assert_eq!(account_of("<Account>012345678901"), None);
    }
}
