//! Results as CSV and JSON (one row per account and destination, plus one per skipped input
//! line), the accounts worth another try as a list ready to paste back, and the accounts whose
//! email verification failed, to correct and repair. Every text export ends with a newline.

use serde::Serialize;

use crate::engine::Run;

/// One row of the results table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResultRow {
    /// 1-based input line.
    pub line: usize,
    /// The account ID (for a skipped line, what could be read of it, if anything).
    pub account: String,
    /// The email, if any.
    pub email: Option<String>,
    /// `guardduty` or `detective`; empty for a skipped line.
    pub service: String,
    /// The region; empty for a skipped line.
    pub region: String,
    /// A stable word: the member status (`enabled`, `invited`, `verification-failed`, …), or
    /// `not-added`, `failed`, `unknown`, `cancelled`, `unavailable`, `skipped`, …
    pub status: String,
    /// What this run did: `created and invited by this run`, `already a member`, or empty.
    pub action: String,
    /// The outcome in plain words, with what to do when something is wrong.
    pub detail: String,
    /// The error code of a failure.
    pub error_code: Option<String>,
    /// `x-amzn-RequestId` of the last answer for the account's batch.
    pub request_id: Option<String>,
}

/// Every row: accounts destination by destination, then the skipped lines.
pub fn result_rows(run: &Run) -> Vec<ResultRow> {
    rows(run).collect()
}

/// How many rows the results have: one per account and destination, one per skipped line.
pub fn row_count(run: &Run) -> usize {
    run.accounts().len() * run.destinations().len() + run.skipped().len()
}

/// The `index`th row (in the order of [`result_rows`]), computed alone: a table that draws only the
/// rows in view asks for those.
pub fn result_row(run: &Run, index: usize) -> Option<ResultRow> {
    let cells = run.accounts().len() * run.destinations().len();
    match run.view(index) {
        Some(view) => Some(ResultRow {
            line: view.line,
            account: view.account.id().to_string(),
            email: view.account.email().map(str::to_owned),
            service: view.destination.service().as_str().to_owned(),
            region: view.destination.region().to_string(),
            status: view.outcome.label().to_owned(),
            action: view.outcome.action().to_owned(),
            detail: view.outcome.detail(),
            error_code: view.outcome.error_code().map(str::to_owned),
            request_id: view.request_id.map(str::to_owned),
        }),
        None => run.skipped().get(index.checked_sub(cells)?).map(|s| ResultRow {
            line: s.line,
            account: s.account.clone().unwrap_or_default(),
            email: s.email.clone(),
            service: String::new(),
            region: String::new(),
            status: "skipped".to_owned(),
            action: String::new(),
            detail: format!("{} (line: {})", s.reason, s.text),
            error_code: None,
            request_id: None,
        }),
    }
}

/// The status label of the `index`th row, without building the row.
pub fn row_status(run: &Run, index: usize) -> Option<&'static str> {
    let cells = run.accounts().len() * run.destinations().len();
    match run.view(index) {
        Some(view) => Some(view.outcome.label()),
        None => (index >= cells && index < row_count(run)).then_some("skipped"),
    }
}

/// The rows one at a time, so an export of hundreds of thousands of rows never holds them all.
fn rows(run: &Run) -> impl Iterator<Item = ResultRow> + '_ {
    (0..row_count(run)).filter_map(|i| result_row(run, i))
}

/// The results as CSV with a header row.
///
/// Text fields that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, a tab
/// or a carriage return) get a leading `'`, so opening the export never executes pasted content.
pub fn results_csv(run: &Run) -> String {
    let mut out = String::from("line,account,email,service,region,status,action,detail,error_code,request_id\n");
    for row in rows(run) {
        let fields = [
            row.line.to_string(),
            guard(&row.account),
            guard(row.email.as_deref().unwrap_or("")),
            row.service,
            row.region,
            row.status,
            row.action,
            guard(&row.detail),
            guard(row.error_code.as_deref().unwrap_or("")),
            guard(row.request_id.as_deref().unwrap_or("")),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

/// The results as a JSON array of rows (written a row at a time).
pub fn results_json(run: &Run) -> String {
    let mut text = String::from("[");
    for (i, row) in rows(run).enumerate() {
        text.push_str(if i == 0 { "\n  " } else { ",\n  " });
        text.push_str(&serde_json::to_string(&row).unwrap_or_else(|_| "null".to_owned()));
    }
    text.push_str(if text.len() > 1 { "\n]\n" } else { "]\n" });
    text
}

/// What is left to do, as a console CSV to paste back into Enlist: the accounts whose outcome on
/// any destination another try could change (a failure, an account that could not be read back,
/// a cancel), each once in input order, then the lines that were not sent for an error, as they
/// were given, so their problems show again and can be fixed. Excluded accounts are not in it.
pub fn retry_list(run: &Run) -> String {
    let mut out = list(run, |run, d, a| run.outcome(d, a).is_some_and(|o| o.needs_retry()));
    for skipped in run.skipped().iter().filter(|s| !s.is_exclusion()) {
        out.push_str(&skipped.text);
        out.push('\n');
    }
    out
}

/// The accounts whose email verification failed anywhere, with their email in the list, as a
/// console CSV: correct the emails and send it with the repair option.
pub fn repair_list(run: &Run) -> String {
    list(run, |run, d, a| {
        run.cell(d, a).is_some_and(|c| c.held == crate::engine::Held::Member(crate::MemberStatus::VerificationFailed))
    })
}

fn list(run: &Run, wanted: impl Fn(&Run, usize, usize) -> bool) -> String {
    let mut out = String::from("Account ID,Email\n");
    for (index, account) in run.accounts().iter().enumerate() {
        if (0..run.destinations().len()).any(|d| wanted(run, d, index)) {
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
