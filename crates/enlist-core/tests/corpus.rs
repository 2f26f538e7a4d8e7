//! Snapshot tests over the fixture corpus: one realistic paste per format and per nasty case.
//! Each snapshot shows the format read, every diagnostic with its line, the accounts, the
//! exclusions and the batches, so a change in behaviour shows up as a readable diff.

// The test harness reads fixture files; the core it tests does not.
#![allow(clippy::disallowed_methods)]

use std::fmt::Write;

use enlist_core::{AccountId, ColumnEncoding, Options, Parsed, Service, Services, parse};

fn id(text: &str) -> AccountId {
    text.parse().unwrap()
}

/// The options a fixture is checked with: GuardDuty unless its name says otherwise.
fn options_for(name: &str) -> Vec<(&'static str, Options)> {
    let guardduty = Options { services: Services::only(Service::GuardDuty), ..Options::default() };
    let detective = Options { services: Services::only(Service::Detective), ..Options::default() };
    match name {
        "ids-only.txt" => vec![("detective, organization mode", Options { organization_mode: true, ..detective })],
        "console-detective-header.csv"
        | "detective-body.json"
        | "detective-get-members.json"
        | "detective-list-members-table.txt"
        | "detective-list-members.yaml" => vec![("detective", detective)],
        "list-accounts.json"
        | "list-accounts-text.txt"
        | "list-accounts-query.txt"
        | "list-accounts-table.txt"
        | "list-accounts.yaml"
        | "list-accounts-stream.yaml" => {
            vec![("guardduty, admin 111111111111", Options { admin_account: Some(id("111111111111")), ..guardduty })]
        }
        "own-account.csv" => {
            vec![("guardduty, admin 111122223333", Options { admin_account: Some(id("111122223333")), ..guardduty })]
        }
        "mixed-problems.csv" => {
            vec![("guardduty, admin 999988887777", Options { admin_account: Some(id("999988887777")), ..guardduty })]
        }
        "unicode-emails.csv" => vec![("guardduty", guardduty), ("detective", detective)],
        _ => vec![("guardduty", guardduty)],
    }
}

fn report(input: &str, parsed: &Parsed) -> String {
    let mut out = String::new();
    let summary = parsed.summary();
    let _ = writeln!(
        out,
        "format: {}\nsummary: {} accounts, {} batches, {} errors, {} warnings, {} infos",
        parsed.format, summary.accounts, summary.batches, summary.errors, summary.warnings, summary.infos
    );
    let _ = writeln!(out, "diagnostics:");
    for d in &parsed.diagnostics {
        let at = parsed.line_index.line_col(input, d.span.start, ColumnEncoding::Chars);
        let _ = writeln!(out, "  {}:{} {}[{}] {}", at.line, at.column, d.severity(), d.code, d.message);
        let _ = writeln!(out, "      on `{}`", d.span.slice(input).escape_debug());
        if let Some(fix) = d.fix.as_ref().filter(|f| f.is_choice()) {
            let _ = writeln!(
                out,
                "      fix: keep this line, delete lines {:?}",
                fix.removed_lines(input, &parsed.line_index)
            );
        } else if let Some(fix) = &d.fix {
            let _ = writeln!(out, "      fix: `{}`", fix.replacement);
        }
    }
    let line = |span: enlist_core::Span| parsed.line_index.line(span.start);
    if parsed.accounts.len() <= 60 {
        let _ = writeln!(out, "accounts:");
        for a in parsed.accounts.iter() {
            let _ = writeln!(out, "  line {}: {} {}", line(a.span()), a.id(), a.email().unwrap_or("(no email)"));
        }
    } else {
        let (first, last) = (&parsed.accounts[0], &parsed.accounts[parsed.accounts.len() - 1]);
        let _ = writeln!(
            out,
            "accounts: {} from {} (line {}) to {} (line {})",
            parsed.accounts.len(),
            first.id(),
            line(first.span()),
            last.id(),
            line(last.span())
        );
    }
    if !parsed.excluded.is_empty() {
        let _ = writeln!(out, "excluded:");
        for e in &parsed.excluded {
            let _ = writeln!(out, "  line {}: {} {:?}", line(e.span), e.account_id, e.reason);
        }
    }
    // Batch sizes, run-length encoded: `50 × 200` rather than two hundred 50s.
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for batch in &parsed.batches {
        match runs.last_mut() {
            Some((size, count)) if *size == batch.len() => *count += 1,
            _ => runs.push((batch.len(), 1)),
        }
    }
    let runs: Vec<String> = runs
        .iter()
        .map(|(size, count)| if *count == 1 { size.to_string() } else { format!("{size} × {count}") })
        .collect();
    let _ = writeln!(out, "batches: [{}]", runs.join(", "));
    out
}

#[test]
fn corpus() {
    insta::glob!("fixtures/*", |path| {
        let name = path.file_name().unwrap().to_str().unwrap();
        // As the CLI and the browser read a file: UTF-8, UTF-16 or else Windows-1252, with a note.
        let decoded = enlist_core::decode_text(&std::fs::read(path).unwrap()).unwrap();
        let input = decoded.text;
        let mut out = String::new();
        if let Some(note) = decoded.note {
            let _ = writeln!(out, "decoded: {note}");
        }
        for (label, options) in options_for(name) {
            let parsed = parse(&input, &options);
            let _ = writeln!(out, "== {label}\n{}", report(&input, &parsed));
        }
        insta::assert_snapshot!(out);
    });
}
