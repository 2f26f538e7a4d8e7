//! Security Hub's member operations: DescribeHub, CreateMembers, InviteMembers, GetMembers,
//! ListMembers, DeleteMembers, with the service's wording for unprocessed accounts, invitations
//! that verify no email, the 1,000-invitation quota, hubs that are not enabled (401) and Security
//! Hub's error shape (`{"Message","Code"}`).

use std::time::{Duration, SystemTime};

use axum::http::{Method, StatusCode, Uri};
use axum::response::Response;
use serde_json::{Value, json};

use crate::{Config, Inner, Member, account_id, aws_error, current, hub_arn, ok};

/// Members a hub takes by invitation (organization accounts enabled at creation do not count).
const QUOTA: usize = 1_000;

/// When the administrator enabled Security Hub, in every region where it did.
const SUBSCRIBED_AT: &str = "2024-01-15T08:00:00.000Z";

/// `ProcessingResult` for the administrator itself.
const ITSELF: &str = "The request is rejected because the current account cannot become a member of itself.";
/// `ProcessingResult` for an account another administrator has.
const FOREIGN: &str =
    "The request is rejected because the given account ID is already a member of another administrator account.";
/// `ProcessingResult` for an account ID that is not 12 digits.
const INVALID_ID: &str =
    "The request is rejected because an invalid or out-of-range value is specified as an input parameter.";
/// `ProcessingResult` past the quota of invited members.
const FULL: &str = "The request is rejected because the current account cannot create anymore members since it cannot exceed the maximum number of allowed members.";
/// `ProcessingResult` for an account that is a member already (the wording real Security Hub was
/// seen answering: aws-samples/aws-secure-environment-accelerator#814).
const ALREADY_MEMBER: &str = "The request is rejected because the given account ID is already a member or associated member of the current account.";
/// `ProcessingResult` for an account that is not a member.
const NOT_A_MEMBER: &str =
    "The request is rejected because the given account ID is not a member of the current account.";
/// `ProcessingResult` when inviting an account that is already enabled.
const ALREADY_ADMINISTRATOR: &str = "The request is rejected because the current account is already the SecurityHub master of the given member account ID.";

fn error(status: StatusCode, kind: &str, message: &str) -> Response {
    aws_error(status, kind, message, "securityhub")
}

fn invalid(message: &str) -> Response {
    error(StatusCode::BAD_REQUEST, "InvalidInputException", message)
}

/// A query parameter, percent-decoded.
fn query(uri: &Uri, name: &str) -> Option<String> {
    let raw = uri.query()?.split('&').find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))?;
    let bytes = raw.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = raw.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                decoded.push(byte);
                i += 3;
            }
            (byte, _) => {
                decoded.push(byte);
                i += 1;
            }
        }
    }
    Some(String::from_utf8_lossy(&decoded).into_owned())
}

pub(crate) fn handle(
    inner: &mut Inner,
    region: &str,
    method: &Method,
    uri: &Uri,
    body: &[u8],
    now: SystemTime,
) -> Response {
    if inner.config.security_hub_disabled_regions.iter().any(|r| r == region) {
        return error(
            StatusCode::UNAUTHORIZED,
            "InvalidAccessException",
            &format!("Account {} is not subscribed to AWS Security Hub", inner.config.admin_account),
        );
    }
    let input: Value = if body.is_empty() { json!({}) } else { serde_json::from_slice(body).unwrap_or(Value::Null) };
    if !input.is_object() {
        return invalid("The request body could not be parsed as a JSON object.");
    }
    match (method.clone(), uri.path()) {
        (Method::GET, "/accounts") => describe_hub(inner, region, uri),
        (Method::POST, "/members") => create_members(inner, region, &input, now),
        (Method::GET, "/members") => list_members(inner, region, uri, now),
        (Method::POST, "/members/get") => get_members(inner, region, &input, now),
        (Method::POST, "/members/invite") => invite_members(inner, region, &input, now),
        (Method::POST, "/members/delete") => delete_members(inner, region, &input),
        _ => error(
            StatusCode::NOT_FOUND,
            "UnknownOperationException",
            "The requested operation is not supported by Security Hub.",
        ),
    }
}

fn describe_hub(inner: &Inner, region: &str, uri: &Uri) -> Response {
    let own = hub_arn(&inner.config.admin_account, region);
    match query(uri, "HubArn") {
        Some(arn) if arn.trim().is_empty() => {
            invalid("Invalid parameter 'HubArn'. data.HubArn should match pattern \".*\\S.*\"")
        }
        Some(arn) if arn != own => {
            error(StatusCode::NOT_FOUND, "ResourceNotFoundException", &format!("Hub {arn} not found"))
        }
        _ => ok(json!({
            "HubArn": own,
            "SubscribedAt": SUBSCRIBED_AT,
            "AutoEnableControls": true,
            "ControlFindingGenerator": "SECURITY_CONTROL",
        })),
    }
}

/// The list at `key`, 1–50 items, as Security Hub validates it.
fn list_of<'a>(input: &'a Value, key: &str) -> Result<&'a Vec<Value>, Response> {
    let refuse = |problem: &str| Err(invalid(&format!("Invalid parameter '{key}'. data.{key} {problem}")));
    match input.get(key).map(Value::as_array) {
        None => Err(invalid(&format!("Invalid parameter '{key}'. data should have required property '{key}'"))),
        Some(None) => refuse("should be array"),
        Some(Some(list)) if list.is_empty() => refuse("should NOT have fewer than 1 items"),
        Some(Some(list)) if list.len() > 50 => refuse("should NOT have more than 50 items"),
        Some(Some(list)) => Ok(list),
    }
}

/// The account IDs at `key` (`AccountIds`), strings all.
fn ids(input: &Value, key: &str) -> Result<Vec<String>, Response> {
    list_of(input, key)?
        .iter()
        .enumerate()
        .map(|(i, id)| {
            id.as_str()
                .map(str::to_owned)
                .ok_or_else(|| invalid(&format!("Invalid parameter '{key}'. data.{key}[{i}] should be string")))
        })
        .collect()
}

fn create_members(inner: &mut Inner, region: &str, input: &Value, now: SystemTime) -> Response {
    let details = match list_of(input, "AccountDetails") {
        Ok(list) => list,
        Err(e) => return e,
    };
    let mut accounts = Vec::new();
    for (i, detail) in details.iter().enumerate() {
        let at =
            |problem: &str| invalid(&format!("Invalid parameter 'AccountDetails'. data.AccountDetails[{i}]{problem}"));
        if !detail.is_object() {
            return at(" should be object");
        }
        let id = match detail.get("AccountId").map(Value::as_str) {
            None => return at(" should have required property 'AccountId'"),
            Some(None) => return at(".AccountId should be string"),
            Some(Some(id)) => id,
        };
        let email = match detail.get("Email").map(Value::as_str) {
            None => None,
            Some(None) => return at(".Email should be string"),
            // NonEmptyString: `.*\S.*`.
            Some(Some(email)) if email.trim().is_empty() => return at(".Email should match pattern \".*\\S.*\""),
            Some(Some(email)) => Some(email.to_owned()),
        };
        accounts.push((id.to_owned(), email));
    }
    let config = inner.config.clone();
    let members = inner.securityhub.entry(region.to_owned()).or_default();
    let mut invited = members.values().filter(|m| !config.in_organization(&m.account_id)).count();
    let mut unprocessed = Vec::new();
    for (id, email) in accounts {
        let organization = config.in_organization(&id);
        let reason = if account_id(&id).is_none() {
            Some(INVALID_ID)
        } else if id == config.admin_account {
            Some(ITSELF)
        } else if config.foreign_members.contains(&id) {
            Some(FOREIGN)
        } else if members.contains_key(&id) {
            // The member is left as it is.
            Some(ALREADY_MEMBER)
        } else if !organization && invited >= QUOTA {
            Some(FULL)
        } else {
            None
        };
        if let Some(result) = reason {
            unprocessed.push(json!({"AccountId": id, "ProcessingResult": result}));
            continue;
        }
        // A delegated administrator's organization accounts are enabled at once, uninvited.
        let status = if organization { "Enabled" } else { "Created" };
        invited += usize::from(!organization);
        members.insert(
            id.clone(),
            Member { account_id: id, email, status: status.into(), created: now, verified_at: None },
        );
    }
    ok(json!({"UnprocessedAccounts": unprocessed}))
}

fn member_json(member: &Member, config: &Config) -> Value {
    let admin = &config.admin_account;
    // Invited members change when invited and again when they accept.
    let updated = match member.verified_at {
        Some(invited) if member.status == "Enabled" => invited + Duration::from_millis(config.acceptance_delay_ms),
        Some(invited) => invited,
        None => member.created,
    };
    let mut value = json!({
        "AccountId": member.account_id,
        "AdministratorId": admin,
        "MasterId": admin,
        "MemberStatus": member.status,
        "UpdatedAt": crate::time::iso8601(updated),
    });
    if let Some(email) = &member.email {
        value["Email"] = email.as_str().into();
    }
    if let Some(invited) = member.verified_at {
        value["InvitedAt"] = crate::time::iso8601(invited).into();
    }
    value
}

fn list_members(inner: &Inner, region: &str, uri: &Uri, now: SystemTime) -> Response {
    let only_associated = match query(uri, "OnlyAssociated").as_deref() {
        None | Some("true") => true,
        Some("false") => false,
        Some(_) => return invalid("Invalid parameter 'OnlyAssociated'. data.OnlyAssociated should be boolean"),
    };
    let max = match query(uri, "MaxResults").map(|v| v.parse::<i64>()) {
        None => 50,
        Some(Ok(n)) if n < 1 => return invalid("Invalid parameter 'MaxResults'. data.MaxResults should be >= 1"),
        Some(Ok(n)) if n > 50 => return invalid("Invalid parameter 'MaxResults'. data.MaxResults should be <= 50"),
        Some(Ok(n)) => n as usize,
        Some(Err(_)) => return invalid("Invalid parameter 'MaxResults'. data.MaxResults should be integer"),
    };
    let start: usize = match query(uri, "NextToken").map(|t| t.parse::<usize>()) {
        None => 0,
        Some(Ok(start)) => start,
        Some(Err(_)) => return invalid("Invalid parameter 'NextToken'. The token is not valid."),
    };
    let all: Vec<Member> = inner
        .securityhub
        .get(region)
        .map(|m| {
            m.values()
                .map(|member| current(member, now, &inner.config))
                .filter(|m| !only_associated || m.status == "Enabled")
                .collect()
        })
        .unwrap_or_default();
    let page: Vec<Value> = all.iter().skip(start).take(max).map(|m| member_json(m, &inner.config)).collect();
    let mut body = json!({"Members": page});
    if start + max < all.len() {
        body["NextToken"] = (start + max).to_string().into();
    }
    ok(body)
}

fn get_members(inner: &Inner, region: &str, input: &Value, now: SystemTime) -> Response {
    let ids = match ids(input, "AccountIds") {
        Ok(ids) => ids,
        Err(e) => return e,
    };
    let members = inner.securityhub.get(region);
    let (mut found, mut unprocessed) = (Vec::new(), Vec::new());
    for id in ids {
        match members.and_then(|m| m.get(&id)) {
            Some(member) => found.push(member_json(&current(member, now, &inner.config), &inner.config)),
            None => unprocessed.push(json!({"AccountId": id, "ProcessingResult": NOT_A_MEMBER})),
        }
    }
    ok(json!({"Members": found, "UnprocessedAccounts": unprocessed}))
}

fn invite_members(inner: &mut Inner, region: &str, input: &Value, now: SystemTime) -> Response {
    let ids = match ids(input, "AccountIds") {
        Ok(ids) => ids,
        Err(e) => return e,
    };
    let config = inner.config.clone();
    let members = inner.securityhub.entry(region.to_owned()).or_default();
    let mut unprocessed = Vec::new();
    for id in ids {
        let Some(member) = members.get_mut(&id) else {
            unprocessed.push(json!({"AccountId": id, "ProcessingResult": NOT_A_MEMBER}));
            continue;
        };
        match current(member, now, &config).status.as_str() {
            // Security Hub verifies no email: the invitation is out at once (inviting again
            // re-sends it), and `current` has accounts that accept it become enabled.
            "Created" | "Invited" | "Removed" | "Resigned" => {
                member.status = "Invited".to_owned();
                member.verified_at = Some(now);
            }
            _ => unprocessed.push(json!({"AccountId": id, "ProcessingResult": ALREADY_ADMINISTRATOR})),
        }
    }
    ok(json!({"UnprocessedAccounts": unprocessed}))
}

fn delete_members(inner: &mut Inner, region: &str, input: &Value) -> Response {
    let ids = match ids(input, "AccountIds") {
        Ok(ids) => ids,
        Err(e) => return e,
    };
    let members = inner.securityhub.entry(region.to_owned()).or_default();
    let mut unprocessed = Vec::new();
    for id in ids {
        if members.remove(&id).is_none() {
            unprocessed.push(json!({"AccountId": id, "ProcessingResult": NOT_A_MEMBER}));
        }
    }
    ok(json!({"UnprocessedAccounts": unprocessed}))
}
