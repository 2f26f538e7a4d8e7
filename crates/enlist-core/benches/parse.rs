//! `cargo bench -p enlist-core --bench parse`: parse + validate + batch 100k lines in three
//! formats and print the median time of each.
//!
//! `-- --write-inputs DIR` also writes the generated inputs to DIR, so `cargo xtask bench` can run
//! the Python baseline on exactly the same bytes.

// A benchmark harness needs a clock and files; the core itself uses neither.
#![allow(clippy::disallowed_methods, clippy::print_stdout)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use std::sync::Arc;

use enlist_core::{Options, Service, Services, parse, parse_shared, reparse};

const LINES: usize = 100_000;

/// A deterministic stream of distinct 12-digit IDs (a full-period LCG modulo 10^12).
fn ids() -> impl Iterator<Item = u64> {
    let mut x: u64 = 123_456_789;
    std::iter::repeat_with(move || {
        x = (x.wrapping_mul(1_103_515_245).wrapping_add(12_345)) % 1_000_000_000_000;
        x
    })
}

fn console_csv() -> String {
    console_csv_of(LINES)
}

fn console_csv_of(lines: usize) -> String {
    let mut out = String::from("Account ID,Email\n");
    for (i, id) in ids().take(lines).enumerate() {
        out.push_str(&format!("{id:012},member-{i}@example.com\n"));
    }
    out
}

fn spreadsheet_tsv() -> String {
    let mut out = String::from("Account ID\tEmail\tName\n");
    for (i, id) in ids().take(LINES).enumerate() {
        out.push_str(&format!("{id:012}\tmember-{i}@example.com\tAccount {i}\n"));
    }
    out
}

/// Nine lines per account, as the AWS CLI prints it: 100k lines are 11,111 accounts.
fn list_accounts_json() -> String {
    let mut out = String::from("{\n    \"Accounts\": [\n");
    for (i, id) in ids().take(LINES / 9).enumerate() {
        if i > 0 {
            out.push_str(",\n");
        }
        out.push_str(&format!(
            "        {{\n            \"Id\": \"{id:012}\",\n            \"Arn\": \"arn:aws:organizations::111111111111:account/o-exampleorgid/{id:012}\",\n            \"Email\": \"member-{i}@example.com\",\n            \"Name\": \"Account {i}\",\n            \"Status\": \"ACTIVE\",\n            \"JoinedMethod\": \"CREATED\",\n            \"JoinedTimestamp\": \"2020-11-20T09:14:57.524000+00:00\"\n        }}"
        ));
    }
    out.push_str("\n    ]\n}\n");
    out
}

/// Median and minimum of repeated runs: at least 5, and at most about two seconds' worth.
fn measure(input: &str, options: &Options) -> (Duration, Duration, usize) {
    let accounts = parse(input, options).accounts.len();
    let mut times = Vec::new();
    let started = Instant::now();
    while times.len() < 5 || (started.elapsed() < Duration::from_secs(2) && times.len() < 200) {
        let start = Instant::now();
        let parsed = parse(black_box(input), options);
        black_box(&parsed.batches);
        times.push(start.elapsed());
    }
    times.sort();
    (times[times.len() / 2], times[0], accounts)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let write_to = args.iter().position(|a| a == "--write-inputs").and_then(|i| args.get(i + 1));
    let inputs = [
        ("console-csv", "csv", console_csv(), LINES),
        ("spreadsheet-tsv", "tsv", spreadsheet_tsv(), LINES),
        ("list-accounts-json", "json", list_accounts_json(), LINES / 9),
    ];
    if let Some(dir) = write_to {
        std::fs::create_dir_all(dir).expect("create the inputs folder");
        for (name, ext, text, _) in &inputs {
            std::fs::write(format!("{dir}/{name}.{ext}"), text).expect("write an input");
        }
    }
    let options = Options { services: Services::only(Service::GuardDuty), ..Options::default() };
    // `-- --only NAME` measures one input, for profiling.
    let only = args.iter().position(|a| a == "--only").and_then(|i| args.get(i + 1));
    for (name, _, text, expected) in inputs.iter().filter(|input| only.is_none_or(|o| o == input.0)) {
        let (median, min, accounts) = measure(text, &options);
        assert_eq!(accounts, *expected, "{name}: every generated account must be read");
        let mb_per_s = text.len() as f64 / 1e6 / median.as_secs_f64();
        println!(
            "bench {name} lines={} accounts={accounts} bytes={} median_ms={:.3} min_ms={:.3} mb_per_s={mb_per_s:.0}",
            text.lines().count(),
            text.len(),
            median.as_secs_f64() * 1e3,
            min.as_secs_f64() * 1e3
        );
    }
    // A keystroke in a long list: one character typed in the middle line, checked again with
    // `reparse` (what the browser does) and with `parse_shared` (the whole list).
    for lines in [20_000, 100_000] {
        if only.is_some_and(|o| o != "keystroke") {
            continue;
        }
        let text = console_csv_of(lines);
        let middle = text[..text.len() / 2].rfind('\n').map_or(0, |i| i + 1);
        let typed: Arc<str> = Arc::from(format!("{}x{}", &text[..middle], &text[middle..]).as_str());
        // As the browser checks: each check a `reparse` of the last one.
        let before = reparse(&parse_shared(Arc::from(""), &options), Arc::from(text.as_str()), &options);
        let times = |f: &dyn Fn() -> usize| {
            let mut times: Vec<Duration> = (0..41)
                .map(|_| {
                    let start = Instant::now();
                    black_box(f());
                    start.elapsed()
                })
                .collect();
            times.sort();
            times[times.len() / 2].as_secs_f64() * 1e3
        };
        let incremental = times(&|| reparse(&before, Arc::clone(&typed), &options).diagnostics.len());
        let whole = times(&|| parse_shared(Arc::clone(&typed), &options).diagnostics.len());
        println!("keystroke lines={lines} reparse_median_ms={incremental:.3} parse_median_ms={whole:.3}");
    }
}
