//! GuardDuty's member operations: CreateMembers, ListDetectors, ListMembers, GetMembers,
//! InviteMembers, DeleteMembers, with the service's wording for unprocessed accounts and its 400 error shape.

use std::time::SystemTime;

use axum::http::{Method, StatusCode, Uri};
use axum::response::Response;
use enlist_core::{Service, check_email};
use serde_json::{Value, json};

use crate::{Inner, Member, account_id, aws_error, current, detector_id, ok};

/// Members per detector: invited ones, and ones of an organization (delegated administrator).
const QUOTA: usize = 1_000;
const ORGANIZATION_QUOTA: usize = 50_000;

fn bad_request(message: &str) -> Response {
    // A real 400 names BadRequestException in the header and InvalidInputException in the body.
    let mut response = aws_error(StatusCode::BAD_REQUEST, "BadRequestException", message, "guardduty");
    *response.body_mut() =
        axum::body::Body::from(json!({"message": message, "__type": "InvalidInputException"}).to_string());
    response
}

fn query<'a>(uri: &'a Uri, name: &str) -> Option<&'a str> {
    uri.query()?.split('&').find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
}

fn max_results(uri: &Uri) -> Result<usize, Response> {
    match query(uri, "maxResults") {
        None => Ok(50),
        Some(v) => match v.parse::<usize>() {
            Ok(n) if (1..=50).contains(&n) => Ok(n),
            _ => Err(bad_request(
                "The request is rejected because an invalid or out-of-range value is specified as an input parameter.",
            )),
        },
    }
}

pub(crate) fn handle(
    inner: &mut Inner,
    region: &str,
    method: &Method,
    uri: &Uri,
    body: &[u8],
    now: SystemTime,
) -> Response {
    let path: Vec<&str> = uri.path().trim_matches('/').split('/').collect();
    if path == ["detector"] && method == Method::GET {
        if let Err(e) = max_results(uri) {
            return e;
        }
        return ok(json!({"detectorIds": [detector_id(&inner.config.admin_account)]}));
    }
    let (Some(&"detector"), Some(&id), Some(&"member")) = (path.first(), path.get(1), path.get(2)) else {
        return aws_error(
            StatusCode::NOT_FOUND,
            "UnknownOperationException",
            "The requested operation is not supported by GuardDuty.",
            "guardduty",
        );
    };
    if id != detector_id(&inner.config.admin_account) {
        return bad_request(
            "The request is rejected because the input detectorId is not owned by the current account.",
        );
    }
    let key = (region.to_owned(), id.to_owned());
    let input: Value = if body.is_empty() { json!({}) } else { serde_json::from_slice(body).unwrap_or(Value::Null) };
    if !input.is_object() {
        return bad_request("The request is rejected because the JSON could not be processed.");
    }
    match (method.clone(), path.get(3).copied(), path.len()) {
        (Method::POST, None, 3) => create_members(inner, key, &input, now),
        (Method::GET, None, 3) => list_members(inner, &key, uri, now),
        (Method::POST, Some("get"), 4) => get_members(inner, &key, &input, now),
        (Method::POST, Some("invite"), 4) => invite_members(inner, &key, &input, now),
        (Method::POST, Some("delete"), 4) => delete_members(inner, &key, &input),
        _ => aws_error(
            StatusCode::NOT_FOUND,
            "UnknownOperationException",
            "The requested operation is not supported by GuardDuty.",
            "guardduty",
        ),
    }
}

fn list_of<'a>(input: &'a Value, key: &str) -> Result<&'a Vec<Value>, Response> {
    match input.get(key).and_then(Value::as_array) {
        Some(list) if list.len() > 50 => Err(bad_request(&format!(
            "1 validation error detected: Value at '{key}' failed to satisfy constraint: Member must have length less than or equal to 50"
        ))),
        Some(list) if list.is_empty() => Err(bad_request(&format!(
            "1 validation error detected: Value at '{key}' failed to satisfy constraint: Member must have length greater than or equal to 1"
        ))),
        Some(list) => Ok(list),
        None => {
            Err(bad_request(&format!("The request is rejected because the required parameter '{key}' is missing.")))
        }
    }
}

fn create_members(inner: &mut Inner, key: (String, String), input: &Value, now: SystemTime) -> Response {
    let details = match list_of(input, "accountDetails") {
        Ok(list) => list,
        Err(e) => return e,
    };
    let mut accounts = Vec::new();
    for detail in details {
        let id = detail.get("accountId").and_then(Value::as_str).unwrap_or("");
        let email = detail.get("email").and_then(Value::as_str).unwrap_or("");
        if account_id(id).is_none() || check_email(email, Service::GuardDuty).is_err() {
            return bad_request(
                "The request is rejected because an invalid or out-of-range value is specified as an input parameter.",
            );
        }
        accounts.push((id.to_owned(), email.to_owned()));
    }
    let admin = inner.config.admin_account.clone();
    let foreign = inner.config.foreign_members.clone();
    let quota = if inner.config.organization { ORGANIZATION_QUOTA } else { QUOTA };
    let config = inner.config.clone();
    let members = inner.guardduty.entry(key).or_default();
    let mut unprocessed = Vec::new();
    for (id, email) in accounts {
        let reason = if id == admin {
            Some("The request is rejected because the current account cannot become a member of itself.")
        } else if foreign.contains(&id) {
            Some(
                "The request is rejected because the input account is already a member of another administrator account.",
            )
        } else if members.contains_key(&id) {
            Some(
                "The request is rejected because the input account is already a member or associated member of the current account.",
            )
        } else if members.len() >= quota {
            Some("The request is rejected because the current account cannot create more members.")
        } else {
            None
        };
        match reason {
            Some(result) => unprocessed.push(json!({"accountId": id, "result": result})),
            None => {
                // A delegated administrator's organization accounts are enabled at once.
                let status = if config.in_organization(&id) { "Enabled" } else { "Created" };
                members.insert(
                    id.clone(),
                    Member {
                        account_id: id,
                        email: Some(email),
                        status: status.into(),
                        created: now,
                        verified_at: None,
                    },
                );
            }
        }
    }
    ok(json!({"unprocessedAccounts": unprocessed}))
}

fn member_json(member: &Member, admin: &str) -> Value {
    json!({
        "accountId": member.account_id,
        "masterId": admin,
        "administratorId": admin,
        "email": member.email,
        "relationshipStatus": member.status,
        "invitedAt": member.verified_at.map(crate::time::iso8601),
        "updatedAt": crate::time::iso8601(member.created),
    })
}

fn list_members(inner: &Inner, key: &(String, String), uri: &Uri, now: SystemTime) -> Response {
    let max = match max_results(uri) {
        Ok(n) => n,
        Err(e) => return e,
    };
    let only_associated = query(uri, "onlyAssociated").is_none_or(|v| v != "false");
    let start: usize = query(uri, "nextToken").and_then(|t| t.parse().ok()).unwrap_or(0);
    let all: Vec<Member> = inner
        .guardduty
        .get(key)
        .map(|m| {
            m.values()
                .map(|member| current(member, now, &inner.config))
                .filter(|m| !only_associated || m.status == "Enabled")
                .collect()
        })
        .unwrap_or_default();
    let page: Vec<Value> =
        all.iter().skip(start).take(max).map(|m| member_json(m, &inner.config.admin_account)).collect();
    let next = (start + max < all.len()).then(|| (start + max).to_string());
    ok(json!({"members": page, "nextToken": next}))
}

fn get_members(inner: &Inner, key: &(String, String), input: &Value, now: SystemTime) -> Response {
    let ids = match list_of(input, "accountIds") {
        Ok(list) => list,
        Err(e) => return e,
    };
    let members = inner.guardduty.get(key);
    let (mut found, mut unprocessed) = (Vec::new(), Vec::new());
    for id in ids.iter().filter_map(Value::as_str) {
        match members.and_then(|m| m.get(id)) {
            Some(member) => found.push(member_json(&current(member, now, &inner.config), &inner.config.admin_account)),
            None => unprocessed.push(json!({"accountId": id, "result": "The request is rejected because the input account ID is not a member of the current account."})),
        }
    }
    ok(json!({"members": found, "unprocessedAccounts": unprocessed}))
}

fn invite_members(inner: &mut Inner, key: &(String, String), input: &Value, now: SystemTime) -> Response {
    let ids: Vec<String> = match list_of(input, "accountIds") {
        Ok(list) => list.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
        Err(e) => return e,
    };
    if let Some(message) = input.get("message")
        && !message.is_string()
    {
        return bad_request("The request is rejected because the JSON could not be processed.");
    }
    let delay = std::time::Duration::from_millis(inner.config.verification_delay_ms);
    let config = inner.config.clone();
    let members = inner.guardduty.entry(key.clone()).or_default();
    let mut unprocessed = Vec::new();
    for id in ids {
        match members.get_mut(&id) {
            Some(member) => {
                let now_status = current(member, now, &config).status;
                match now_status.as_str() {
                    // An invitation starts the email verification; inviting again re-sends it.
                    "Created" | "Invited" | "Removed" | "Resigned" | "EmailVerificationInProgress" => {
                        member.status = "EmailVerificationInProgress".to_owned();
                        member.verified_at = Some(now + delay);
                    }
                    _ => unprocessed.push(json!({"accountId": id, "result": format!("The request is rejected because the input account is already associated with the current account (relationship status {now_status}).")})),
                }
            }
            None => unprocessed.push(json!({"accountId": id, "result": "The request is rejected because the input account ID is not a member of the current account."})),
        }
    }
    ok(json!({"unprocessedAccounts": unprocessed}))
}

fn delete_members(inner: &mut Inner, key: &(String, String), input: &Value) -> Response {
    let ids: Vec<String> = match list_of(input, "accountIds") {
        Ok(list) => list.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
        Err(e) => return e,
    };
    let members = inner.guardduty.entry(key.clone()).or_default();
    let mut unprocessed = Vec::new();
    for id in ids {
        if members.remove(&id).is_none() {
            unprocessed.push(json!({"accountId": id, "result": "The request is rejected because the input account ID is not a member of the current account."}));
        }
    }
    ok(json!({"unprocessedAccounts": unprocessed}))
}
