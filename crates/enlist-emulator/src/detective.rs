//! Detective's member operations: CreateMembers, ListGraphs, ListMembers, GetMembers,
//! DeleteMembers, with
//! asynchronous email verification, the 1,200-member quota (HTTP 402) and Detective's error shape.

use std::time::{Duration, SystemTime};

use axum::http::{Method, StatusCode};
use axum::response::Response;
use enlist_core::{GraphArn, Service, check_email};
use serde_json::{Value, json};

use crate::{Inner, Member, account_id, aws_error, current, graph_arn, ok};

fn error(status: StatusCode, kind: &str, message: &str, code: Option<&str>) -> Response {
    let mut response = aws_error(status, kind, message, "detective");
    let mut body = json!({"Message": message});
    if let Some(code) = code {
        body["ErrorCode"] = code.into();
    }
    *response.body_mut() = axum::body::Body::from(body.to_string());
    response
}

fn invalid_body(message: &str) -> Response {
    error(StatusCode::BAD_REQUEST, "ValidationException", message, Some("INVALID_REQUEST_BODY"))
}

fn detail(member: &Member, arn: &str, admin: &str) -> Value {
    json!({
        "AccountId": member.account_id,
        "EmailAddress": member.email,
        "GraphArn": arn,
        "AdministratorId": admin,
        "MasterId": admin,
        "Status": member.status,
        "InvitationType": if member.email.is_some() { "INVITATION" } else { "ORGANIZATION" },
        "InvitedTime": crate::time::iso8601(member.created),
        "UpdatedTime": crate::time::iso8601(member.verified_at.filter(|_| member.status != "VERIFICATION_IN_PROGRESS").unwrap_or(member.created)),
    })
}

pub(crate) fn handle(
    inner: &mut Inner,
    region: &str,
    method: &Method,
    path: &str,
    body: &[u8],
    now: SystemTime,
) -> Response {
    if method != Method::POST {
        return error(
            StatusCode::NOT_FOUND,
            "UnknownOperationException",
            "The requested operation is not supported by Detective.",
            None,
        );
    }
    let input: Value = if body.is_empty() { json!({}) } else { serde_json::from_slice(body).unwrap_or(Value::Null) };
    if !input.is_object() {
        return invalid_body("The request body could not be parsed as JSON.");
    }
    let own = graph_arn(&inner.config.admin_account, region);
    if path == "/graphs/list" {
        return ok(json!({"GraphList": [{"Arn": own, "CreatedTime": "2024-01-15T08:00:00.000Z"}]}));
    }
    let arn = input.get("GraphArn").and_then(Value::as_str).unwrap_or("");
    if arn.parse::<GraphArn>().is_err() {
        return error(
            StatusCode::BAD_REQUEST,
            "ValidationException",
            "The behavior graph ARN is not valid.",
            Some("INVALID_GRAPH_ARN"),
        );
    }
    if arn != own {
        return error(
            StatusCode::NOT_FOUND,
            "ResourceNotFoundException",
            "The request refers to a nonexistent resource.",
            None,
        );
    }
    match path {
        "/graph/members" => create_members(inner, &own, &input, now),
        "/graph/members/list" => list_members(inner, &own, &input, now),
        "/graph/members/get" => get_members(inner, &own, &input, now),
        "/graph/members/removal" => delete_members(inner, &own, &input),
        _ => error(
            StatusCode::NOT_FOUND,
            "UnknownOperationException",
            "The requested operation is not supported by Detective.",
            None,
        ),
    }
}

fn create_members(inner: &mut Inner, arn: &str, input: &Value, now: SystemTime) -> Response {
    let Some(accounts) = input.get("Accounts").and_then(Value::as_array) else {
        return invalid_body("Accounts is required.");
    };
    if accounts.is_empty() || accounts.len() > 50 {
        return invalid_body(&format!("Accounts must have length between 1 and 50, found {}.", accounts.len()));
    }
    if let Some(message) = input.get("Message").and_then(Value::as_str)
        && !(1..=1000).contains(&message.chars().count())
    {
        return invalid_body("Message must have length between 1 and 1000.");
    }
    let mut wanted = Vec::new();
    for account in accounts {
        let id = account.get("AccountId").and_then(Value::as_str).unwrap_or("");
        let email = account.get("EmailAddress").and_then(Value::as_str);
        if account_id(id).is_none() {
            return invalid_body(&format!("AccountId must match ^[0-9]{{12}}$, found '{id}'."));
        }
        match email {
            Some(email) if check_email(email, Service::Detective).is_err() => {
                return invalid_body(&format!("EmailAddress is not valid: '{email}'."));
            }
            _ => wanted.push((id.to_owned(), email.map(str::to_owned))),
        }
    }
    let admin = inner.config.admin_account.clone();
    let delay = Duration::from_millis(inner.config.verification_delay_ms);
    let quota = inner.config.detective_quota;
    let members = inner.detective.entry(arn.to_owned()).or_default();
    let new = wanted.iter().filter(|(id, _)| *id != admin && !members.contains_key(id)).count();
    if members.len() + new > quota {
        return error(
            StatusCode::PAYMENT_REQUIRED,
            "ServiceQuotaExceededException",
            "This request would cause the number of member accounts in the behavior graph to exceed the maximum allowed.",
            None,
        );
    }
    let (mut created, mut unprocessed) = (Vec::new(), Vec::new());
    for (id, email) in wanted {
        if id == admin {
            unprocessed.push(
                json!({"AccountId": id, "Reason": "The account is the administrator account of the behavior graph."}),
            );
            continue;
        }
        match members.entry(id) {
            std::collections::btree_map::Entry::Occupied(existing) => unprocessed
                .push(json!({"AccountId": existing.key(), "Reason": "The account is already a member of the behavior graph."})),
            std::collections::btree_map::Entry::Vacant(slot) => {
                // Organization accounts (no email) are enabled at once; invitations are verified first.
                let (status, verified_at) = match email {
                    Some(_) => ("VERIFICATION_IN_PROGRESS", Some(now + delay)),
                    None => ("ENABLED", Some(now)),
                };
                let member = Member { account_id: slot.key().clone(), email, status: status.into(), created: now, verified_at };
                created.push(detail(&member, arn, &admin));
                slot.insert(member);
            }
        }
    }
    ok(json!({"Members": created, "UnprocessedAccounts": unprocessed}))
}

fn list_members(inner: &Inner, arn: &str, input: &Value, now: SystemTime) -> Response {
    let max = match input.get("MaxResults").map(Value::as_u64) {
        None => 100,
        Some(Some(n)) if (1..=200).contains(&n) => n as usize,
        Some(_) => return invalid_body("MaxResults must be between 1 and 200."),
    };
    let start: usize = input.get("NextToken").and_then(Value::as_str).and_then(|t| t.parse().ok()).unwrap_or(0);
    let all: Vec<&Member> = inner.detective.get(arn).map(|m| m.values().collect()).unwrap_or_default();
    let page: Vec<Value> = all
        .iter()
        .skip(start)
        .take(max)
        .map(|m| detail(&current(m, now, &inner.config), arn, &inner.config.admin_account))
        .collect();
    let next = (start + max < all.len()).then(|| (start + max).to_string());
    ok(json!({"MemberDetails": page, "NextToken": next}))
}

fn get_members(inner: &Inner, arn: &str, input: &Value, now: SystemTime) -> Response {
    let Some(ids) = input.get("AccountIds").and_then(Value::as_array).filter(|l| (1..=50).contains(&l.len())) else {
        return invalid_body("AccountIds must have length between 1 and 50.");
    };
    let members = inner.detective.get(arn);
    let (mut found, mut unprocessed) = (Vec::new(), Vec::new());
    for id in ids.iter().filter_map(Value::as_str) {
        match members.and_then(|m| m.get(id)) {
            Some(member) => found.push(detail(&current(member, now, &inner.config), arn, &inner.config.admin_account)),
            None => unprocessed
                .push(json!({"AccountId": id, "Reason": "The account is not a member of the behavior graph."})),
        }
    }
    ok(json!({"MemberDetails": found, "UnprocessedAccounts": unprocessed}))
}

fn delete_members(inner: &mut Inner, arn: &str, input: &Value) -> Response {
    let Some(ids) = input.get("AccountIds").and_then(Value::as_array).filter(|l| (1..=50).contains(&l.len())) else {
        return invalid_body("AccountIds must have length between 1 and 50.");
    };
    let members = inner.detective.entry(arn.to_owned()).or_default();
    let (mut deleted, mut unprocessed) = (Vec::new(), Vec::new());
    for id in ids.iter().filter_map(Value::as_str) {
        if members.remove(id).is_some() {
            deleted.push(id.to_owned());
        } else {
            unprocessed.push(json!({"AccountId": id, "Reason": "The account is not a member of the behavior graph."}));
        }
    }
    ok(json!({"AccountIds": deleted, "UnprocessedAccounts": unprocessed}))
}
