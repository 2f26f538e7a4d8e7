//! Which requests the proxy forwards: exactly the member operations Enlist uses, matched on method
//! and path, with their inputs parsed into the core's validated types and serialized again.
//! Anything else is refused before it is signed. DeleteMembers comes with a GetMembers the proxy
//! sends first, so it can refuse to delete any member whose email verification did not fail.

use axum::http::{Method, StatusCode};
use enlist_core::wire::{self, Request};
use enlist_core::{AccountId, DetectorId, GraphArn, Invitation, Region, Service, Target, check_email};
use serde::Deserialize;

use crate::error::ProxyError;

fn refuse(message: impl Into<String>) -> ProxyError {
    ProxyError::new(StatusCode::BAD_REQUEST, "EnlistProxy.InvalidRequest", message)
}

fn not_allowed(method: &Method, path: &str, service: Service) -> ProxyError {
    ProxyError::new(
        StatusCode::FORBIDDEN,
        "EnlistProxy.OperationNotAllowed",
        format!(
            "expected one of the {} member operations Enlist uses, found `{method} {}`",
            service.display_name(),
            enlist_core_quote(path)
        ),
    )
}

fn enlist_core_quote(text: &str) -> String {
    text.chars().take(80).filter(|c| !c.is_control()).collect()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GuardDutyAccount {
    #[serde(rename = "accountId")]
    account_id: AccountId,
    email: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GuardDutyCreateMembers {
    #[serde(rename = "accountDetails")]
    account_details: Vec<GuardDutyAccount>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct DetectiveAccount {
    account_id: AccountId,
    #[serde(default)]
    email_address: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct DetectiveCreateMembers {
    graph_arn: GraphArn,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    disable_email_notification: Option<bool>,
    accounts: Vec<DetectiveAccount>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct GuardDutyAccountIds {
    account_ids: Vec<AccountId>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct GuardDutyInviteMembers {
    account_ids: Vec<AccountId>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    disable_email_notification: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct DetectiveAccountIds {
    graph_arn: GraphArn,
    account_ids: Vec<AccountId>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct DetectivePage {
    #[serde(default)]
    graph_arn: Option<GraphArn>,
    #[serde(default)]
    next_token: Option<String>,
    #[serde(default)]
    max_results: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct SecurityHubAccount {
    account_id: AccountId,
    #[serde(default)]
    email: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct SecurityHubCreateMembers {
    account_details: Vec<SecurityHubAccount>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct SecurityHubAccountIds {
    account_ids: Vec<AccountId>,
}

fn json<T: for<'de> Deserialize<'de>>(body: &[u8], what: &str) -> Result<T, ProxyError> {
    serde_json::from_slice(body).map_err(|e| refuse(format!("expected a {what} body, found: {e}")))
}

fn check_count(n: usize) -> Result<(), ProxyError> {
    if (1..=50).contains(&n) {
        Ok(())
    } else {
        Err(refuse(format!("expected 1 to 50 accounts in one request, found {n}")))
    }
}

/// Query parameters, decoded, refusing repeats and unknown names.
fn query_params(query: Option<&str>, allowed: &[&str]) -> Result<Vec<(String, String)>, ProxyError> {
    let mut params: Vec<(String, String)> = Vec::new();
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let value = percent_decode(value).ok_or_else(|| refuse("expected a percent-encoded query string"))?;
        if !allowed.contains(&name) || params.iter().any(|(n, _)| n == name) {
            return Err(refuse(format!(
                "expected only the query parameters {}, found `{}`",
                allowed.join(", "),
                enlist_core_quote(name)
            )));
        }
        params.push((name.to_owned(), value));
    }
    Ok(params)
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = text.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

fn page_size(value: Option<&str>, max: u32) -> Result<Option<u32>, ProxyError> {
    value
        .map(|v| match v.parse::<u32>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(refuse(format!("expected maxResults from 1 to {max}, found `{}`", enlist_core_quote(v)))),
        })
        .transpose()
}

/// A request rebuilt from validated values.
pub(crate) struct Rebuilt {
    /// What to sign and send.
    pub(crate) request: Request,
    /// How many accounts it carries (for the log).
    pub(crate) accounts: usize,
    /// For DeleteMembers: the GetMembers to send first, and the accounts it must show in a failed
    /// email verification.
    pub(crate) check_first: Option<(Request, Vec<AccountId>)>,
}

fn rebuilt(request: Request, accounts: usize) -> Rebuilt {
    Rebuilt { request, accounts, check_first: None }
}

fn guarded(target: &Target, ids: Vec<AccountId>) -> Option<Rebuilt> {
    Some(Rebuilt {
        request: wire::delete_members(target, ids.iter().copied())?,
        accounts: ids.len(),
        check_first: Some((wire::get_members(target, ids.iter().copied()), ids)),
    })
}

fn target_error(e: &enlist_core::InvalidIdentifier) -> ProxyError {
    refuse(e.to_string())
}

/// Matches an incoming request to one of the operations and rebuilds it from validated values.
/// `path` is the part after `/v1/{service}/{region}`.
pub(crate) fn rebuild(
    service: Service,
    region: &Region,
    method: &Method,
    path: &str,
    query: Option<&str>,
    body: &[u8],
) -> Result<Rebuilt, ProxyError> {
    // Path segments must be plain: no dot segments, no encoded separators, no empty segments.
    let segments: Vec<&str> = path.strip_prefix('/').unwrap_or(path).split('/').collect();
    if segments.iter().any(|s| s.is_empty() || *s == "." || *s == ".." || s.contains('%') || s.contains('\\')) {
        return Err(not_allowed(method, path, service));
    }
    match (service, method.as_str(), segments.as_slice()) {
        (Service::GuardDuty, "GET", ["detector"]) => {
            let params = query_params(query, &["maxResults", "nextToken"])?;
            let get = |n: &str| params.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
            Ok(rebuilt(wire::list_detectors(region, page_size(get("maxResults"), 50)?, get("nextToken")), 0))
        }
        (Service::GuardDuty, _, ["detector", id, "member"]) => {
            let detector: DetectorId = id.parse().map_err(|e: enlist_core::InvalidIdentifier| refuse(e.to_string()))?;
            match method.as_str() {
                "GET" => {
                    let params = query_params(query, &["maxResults", "nextToken", "onlyAssociated"])?;
                    let get = |n: &str| params.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
                    if get("onlyAssociated").is_some_and(|v| v != "false" && v != "true") {
                        return Err(refuse("expected onlyAssociated to be `true` or `false`"));
                    }
                    let mut request = wire::list_guardduty_members(
                        region,
                        &detector,
                        page_size(get("maxResults"), 50)?,
                        get("nextToken"),
                    );
                    if get("onlyAssociated") == Some("true") {
                        request.query.retain(|(k, _)| k != "onlyAssociated");
                        request.query.push(("onlyAssociated".to_owned(), "true".to_owned()));
                    }
                    Ok(rebuilt(request, 0))
                }
                "POST" => {
                    let input: GuardDutyCreateMembers = json(body, "GuardDuty CreateMembers")?;
                    check_count(input.account_details.len())?;
                    for account in &input.account_details {
                        check_email(&account.email, Service::GuardDuty).map_err(|p| refuse(p.message))?;
                    }
                    let target = Target::guardduty(region.clone(), detector, Invitation::default())
                        .map_err(|e| target_error(&e))?;
                    let accounts = input.account_details.iter().map(|a| (a.account_id, Some(a.email.as_str())));
                    Ok(rebuilt(wire::create_members_for(&target, accounts), input.account_details.len()))
                }
                _ => Err(not_allowed(method, path, service)),
            }
        }
        (Service::GuardDuty, "POST", ["detector", id, "member", action @ ("get" | "invite" | "delete")]) => {
            let detector: DetectorId = id.parse().map_err(|e: enlist_core::InvalidIdentifier| refuse(e.to_string()))?;
            if *action == "invite" {
                let input: GuardDutyInviteMembers = json(body, "GuardDuty InviteMembers")?;
                check_count(input.account_ids.len())?;
                let invitation = Invitation {
                    message: input.message,
                    disable_email_notification: input.disable_email_notification.unwrap_or(false),
                };
                let target = Target::guardduty(region.clone(), detector, invitation).map_err(|e| target_error(&e))?;
                let count = input.account_ids.len();
                let request = wire::invite_members(&target, input.account_ids)
                    .ok_or_else(|| not_allowed(method, path, service))?;
                return Ok(rebuilt(request, count));
            }
            let input: GuardDutyAccountIds = json(body, "GuardDuty GetMembers or DeleteMembers")?;
            check_count(input.account_ids.len())?;
            let target =
                Target::guardduty(region.clone(), detector, Invitation::default()).map_err(|e| target_error(&e))?;
            if *action == "get" {
                let count = input.account_ids.len();
                Ok(rebuilt(wire::get_members(&target, input.account_ids), count))
            } else {
                guarded(&target, input.account_ids).ok_or_else(|| not_allowed(method, path, service))
            }
        }
        (Service::Detective, "POST", ["graph", "members"]) => {
            let input: DetectiveCreateMembers = json(body, "Detective CreateMembers")?;
            check_count(input.accounts.len())?;
            for email in input.accounts.iter().filter_map(|a| a.email_address.as_deref()) {
                check_email(email, Service::Detective).map_err(|p| refuse(p.message))?;
            }
            let invitation = Invitation {
                message: input.message,
                disable_email_notification: input.disable_email_notification.unwrap_or(false),
            };
            // Accounts without an email are sent without one, as the caller sent them.
            let target =
                Target::detective(region.clone(), input.graph_arn, invitation, false).map_err(|e| target_error(&e))?;
            let accounts = input.accounts.iter().map(|a| (a.account_id, a.email_address.as_deref()));
            Ok(rebuilt(wire::create_members_for(&target, accounts), input.accounts.len()))
        }
        (Service::Detective, "POST", ["graph", "members", action @ ("get" | "removal")]) => {
            let input: DetectiveAccountIds = json(body, "Detective GetMembers or DeleteMembers")?;
            check_count(input.account_ids.len())?;
            let target = Target::detective(region.clone(), input.graph_arn, Invitation::default(), false)
                .map_err(|e| target_error(&e))?;
            if *action == "get" {
                let count = input.account_ids.len();
                Ok(rebuilt(wire::get_members(&target, input.account_ids), count))
            } else {
                guarded(&target, input.account_ids).ok_or_else(|| not_allowed(method, path, service))
            }
        }
        (Service::Detective, "POST", ["graphs", "list"]) => {
            let input: DetectivePage =
                if body.is_empty() { json(b"{}", "")? } else { json(body, "Detective ListGraphs")? };
            if input.graph_arn.is_some() {
                return Err(refuse("expected no GraphArn in a ListGraphs body"));
            }
            let max = page_size(input.max_results.map(|n| n.to_string()).as_deref(), 200)?;
            Ok(rebuilt(wire::list_graphs(region, max, input.next_token.as_deref()), 0))
        }
        (Service::Detective, "POST", ["graph", "members", "list"]) => {
            let input: DetectivePage = json(body, "Detective ListMembers")?;
            let graph = input.graph_arn.ok_or_else(|| refuse("expected a GraphArn in a ListMembers body"))?;
            // The same rule as every other graph operation: the graph of the route's region.
            Target::detective(region.clone(), graph.clone(), Invitation::default(), false)
                .map_err(|e| target_error(&e))?;
            let max = page_size(input.max_results.map(|n| n.to_string()).as_deref(), 200)?;
            Ok(rebuilt(wire::list_detective_members(region, &graph, max, input.next_token.as_deref()), 0))
        }
        (Service::SecurityHub, "GET", ["accounts"]) => {
            // DescribeHub, without the optional HubArn: the caller's hub.
            query_params(query, &[])?;
            Ok(rebuilt(wire::describe_hub(region), 0))
        }
        (Service::SecurityHub, "GET", ["members"]) => {
            let params = query_params(query, &["OnlyAssociated", "MaxResults", "NextToken"])?;
            let get = |n: &str| params.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
            if get("OnlyAssociated").is_some_and(|v| v != "false" && v != "true") {
                return Err(refuse("expected OnlyAssociated to be `true` or `false`"));
            }
            let mut request =
                wire::list_security_hub_members(region, page_size(get("MaxResults"), 50)?, get("NextToken"));
            if get("OnlyAssociated") == Some("true") {
                request.query.retain(|(k, _)| k != "OnlyAssociated");
                request.query.insert(0, ("OnlyAssociated".to_owned(), "true".to_owned()));
            }
            Ok(rebuilt(request, 0))
        }
        (Service::SecurityHub, "POST", ["members"]) => {
            let input: SecurityHubCreateMembers = json(body, "Security Hub CreateMembers")?;
            check_count(input.account_details.len())?;
            for email in input.account_details.iter().filter_map(|a| a.email.as_deref()) {
                check_email(email, Service::SecurityHub).map_err(|p| refuse(p.message))?;
            }
            let accounts = input.account_details.iter().map(|a| (a.account_id, a.email.as_deref()));
            Ok(rebuilt(wire::security_hub_create_members(region, accounts), input.account_details.len()))
        }
        (Service::SecurityHub, "POST", ["members", action @ ("get" | "invite")]) => {
            let input: SecurityHubAccountIds = json(body, "Security Hub GetMembers or InviteMembers")?;
            check_count(input.account_ids.len())?;
            let count = input.account_ids.len();
            let request = if *action == "get" {
                wire::security_hub_get_members(region, input.account_ids)
            } else {
                wire::security_hub_invite_members(region, input.account_ids)
            };
            Ok(rebuilt(request, count))
        }
        _ => Err(not_allowed(method, path, service)),
    }
}
