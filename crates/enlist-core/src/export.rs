//! Results as CSV and JSON (one row per account and target, plus one per skipped input line), and
//! the accounts that need another try as a list ready to paste back.

use serde::Serialize;

use crate::engine::Run;
use crate::outcome::Outcome;

/// One row of the results table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResultRow {
    /// 1-based input line.
    pub line: usize,
    /// The account ID; for a skipped line, the line as given.
    pub account: String,
    /// The email, if any.
    pub email: Option<String>,
    /// `guardduty` or `detective`; empty for a skipped line.
    pub service: String,
    /// The region; empty for a skipped line.
    pub region: String,
    /// A stable word: `created`, `invited`, `unprocessed`, `failed`, `skipped`, …
    pub outcome: String,
    /// The reason or status in plain words.
    pub detail: String,
    /// The error code, for failures.
    pub error_code: Option<String>,
    /// Attempts made.
    pub attempts: u32,
    /// `x-amzn-RequestId` of the last answer.
    pub request_id: Option<String>,
}

/// Every row: accounts target by target, then the skipped lines.
pub fn result_rows(run: &Run) -> Vec<ResultRow> {
    let mut rows: Vec<ResultRow> = run
        .cells()
        .map(|view| ResultRow {
            line: view.line,
            account: view.account.id().to_string(),
            email: view.account.email().map(str::to_owned),
            service: view.target.service().as_str().to_owned(),
            region: view.target.region().to_string(),
            outcome: view.cell.outcome.label().to_owned(),
            detail: view.cell.outcome.detail(),
            error_code: match &view.cell.outcome {
                Outcome::Failed { code, .. } => Some(code.clone()),
                _ => None,
            },
            attempts: view.cell.attempts,
            request_id: view.cell.request_id.clone(),
        })
        .collect();
    rows.extend(run.skipped().iter().map(|s| ResultRow {
        line: s.line,
        account: s.text.clone(),
        email: None,
        service: String::new(),
        region: String::new(),
        outcome: "skipped".to_owned(),
        detail: s.reason.clone(),
        error_code: None,
        attempts: 0,
        request_id: None,
    }));
    rows
}

/// The results as CSV with a header row.
///
/// Text fields that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, a tab
/// or a carriage return) get a leading `'`, so opening the export never executes pasted content.
pub fn results_csv(run: &Run) -> String {
    let mut out = String::from("line,account,email,service,region,outcome,detail,error_code,attempts,request_id\n");
    for row in result_rows(run) {
        let fields = [
            row.line.to_string(),
            guard(&row.account),
            guard(row.email.as_deref().unwrap_or("")),
            row.service,
            row.region,
            row.outcome,
            guard(&row.detail),
            guard(row.error_code.as_deref().unwrap_or("")),
            row.attempts.to_string(),
            guard(row.request_id.as_deref().unwrap_or("")),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

/// The results as a JSON array of rows.
pub fn results_json(run: &Run) -> String {
    serde_json::to_string_pretty(&result_rows(run)).unwrap_or_else(|_| "[]".to_owned())
}

/// The accounts whose outcome on any target calls for another try (failed, cancelled, not
/// processed for an unknown reason or the limit, email verification failed), as a console CSV
/// ready to paste back into Enlist. Each account once, in input order.
pub fn retry_list(run: &Run) -> String {
    let n = run.accounts().len();
    let mut out = String::from("Account ID,Email\n");
    for (index, account) in run.accounts().iter().enumerate() {
        let needs = (0..run.targets().len()).any(|t| run.cell(t, index).is_some_and(|c| c.outcome.needs_retry()));
        if needs && index < n {
            out.push_str(&account.id().to_string());
            out.push(',');
            out.push_str(&csv_field(account.email().unwrap_or("")));
            out.push('\n');
        }
    }
    out
}

fn guard(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.to_owned() }
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) || text.starts_with(' ') || text.ends_with(' ') {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}
