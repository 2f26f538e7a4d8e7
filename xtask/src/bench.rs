//! `cargo xtask bench`: the core's parse benchmark next to the Python baseline, on the same
//! generated inputs, recorded in `docs/BENCHMARKS.md` with the machine and the date.
//!
//! Figures, not tests: nothing here fails on speed, but a ratio more than 20% below the last
//! recorded one is printed loudly.

use std::collections::BTreeMap;
use std::process::Command;

use crate::root;

const BEGIN: &str = "<!-- xtask-bench:parse:begin -->";
const END: &str = "<!-- xtask-bench:parse:end -->";

#[derive(Debug, Default, Clone)]
struct Figure {
    lines: u64,
    accounts: u64,
    bytes: u64,
    median_ms: f64,
}

/// `bench NAME key=value …` lines, as both benchmarks print them.
fn read_figures(text: &str) -> BTreeMap<String, Figure> {
    let mut figures = BTreeMap::new();
    for line in text.lines() {
        let mut words = line.split_whitespace();
        if words.next() != Some("bench") {
            continue;
        }
        let Some(name) = words.next() else { continue };
        let mut figure = Figure::default();
        for word in words {
            match word.split_once('=') {
                Some(("lines", v)) => figure.lines = v.parse().unwrap_or(0),
                Some(("accounts", v)) => figure.accounts = v.parse().unwrap_or(0),
                Some(("bytes", v)) => figure.bytes = v.parse().unwrap_or(0),
                Some(("median_ms", v)) => figure.median_ms = v.parse().unwrap_or(f64::NAN),
                _ => {}
            }
        }
        figures.insert(name.to_owned(), figure);
    }
    figures
}

fn capture(program: &str, args: &[&str]) -> Result<String, String> {
    println!("\n$ {program} {}", args.join(" "));
    let out = Command::new(program)
        .args(args)
        .current_dir(root())
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run `{program}`: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    print!("{stdout}");
    if out.status.success() {
        Ok(stdout)
    } else {
        Err(format!("`{program} {}` failed ({})", args.join(" "), out.status))
    }
}

fn first_line(program: &str, args: &[&str]) -> String {
    crate::output(program, args)
        .and_then(|o| o.lines().next().map(str::to_owned))
        .unwrap_or_else(|| "unknown".to_owned())
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{cpu}, {cores} cores")
}

/// The ratios recorded last time, from the table in `docs/BENCHMARKS.md`.
fn previous_ratios(doc: &str) -> BTreeMap<String, f64> {
    let Some(section) = doc.split(BEGIN).nth(1).and_then(|rest| rest.split(END).next()) else {
        return BTreeMap::new();
    };
    section
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let name = cells.get(1)?.trim_matches('`');
            let ratio = cells.get(7)?.trim_end_matches('×').parse().ok()?;
            Some((name.to_owned(), ratio))
        })
        .collect()
}

pub(crate) fn run() -> Result<(), String> {
    let inputs = root().join("target/bench-inputs");
    let inputs = inputs.to_str().ok_or("the target folder's path is not UTF-8")?;
    let rust = read_figures(&capture(
        "cargo",
        &["bench", "-p", "enlist-core", "--bench", "parse", "--", "--write-inputs", inputs],
    )?);
    let python = read_figures(&capture("python3", &["bench/baseline.py", inputs])?);
    let doc_path = root().join("docs/BENCHMARKS.md");
    let doc = std::fs::read_to_string(&doc_path).unwrap_or_default();
    let previous = previous_ratios(&doc);

    let mut table = String::from(
        "| input | lines | accounts | MB | enlist-core (ms) | Python baseline (ms) | ratio |\n|---|---:|---:|---:|---:|---:|---:|\n",
    );
    let mut warnings = Vec::new();
    for (name, ours) in &rust {
        let Some(theirs) = python.get(name) else { continue };
        let ratio = theirs.median_ms / ours.median_ms;
        table.push_str(&format!(
            "| `{name}` | {} | {} | {:.1} | {:.2} | {:.1} | {ratio:.1}× |\n",
            ours.lines,
            ours.accounts,
            ours.bytes as f64 / 1e6,
            ours.median_ms,
            theirs.median_ms
        ));
        if let Some(&before) = previous.get(name)
            && ratio < before * 0.8
        {
            warnings.push(format!(
                "REGRESSION: {name} is now {ratio:.0}× the baseline, down from {before:.0}× (more than 20%)"
            ));
        }
    }
    let date = first_line("date", &["-u", "+%Y-%m-%d"]);
    let section = format!(
        "{BEGIN}\nMeasured {date} by `cargo xtask bench` on {} ({}; {}).\nMedians of repeated runs over the same generated 100,000-line inputs (`target/bench-inputs/`; the JSON\nis `list-accounts` output at nine lines per account). The baseline, `bench/baseline.py`, does what the\naws-samples scripts do: `csv` (or `json`) and a regular expression for the ID, no email check, chunks of\n50. Enlist also normalizes every field, checks emails by the service's rules, merges duplicates, applies\nexclusions and keeps a span for every value. Ratio = baseline time ÷ Enlist time.\n\n{table}{END}",
        machine(),
        first_line("rustc", &["--version"]),
        first_line("python3", &["--version"]),
    );
    let new_doc = match (doc.find(BEGIN), doc.find(END)) {
        (Some(begin), Some(end)) if begin < end => format!("{}{section}{}", &doc[..begin], &doc[end + END.len()..]),
        _ => format!("{}\n## Core: parse, validate and batch 100k lines\n\n{section}\n", doc.trim_end()),
    };
    let new_doc = engine_section(&new_doc, &date)?;
    std::fs::write(&doc_path, new_doc).map_err(|e| format!("cannot write {}: {e}", doc_path.display()))?;
    println!("\n{table}\nwritten to docs/BENCHMARKS.md");
    for warning in &warnings {
        eprintln!("\n!!!!!!!! {warning} !!!!!!!!");
    }
    Ok(())
}

const ENGINE_BEGIN: &str = "<!-- xtask-bench:engine:begin -->";
const ENGINE_END: &str = "<!-- xtask-bench:engine:end -->";

/// Runs the engine-overhead benchmark and puts its figure into the document.
fn engine_section(doc: &str, date: &str) -> Result<String, String> {
    let out = capture("cargo", &["bench", "-p", "enlist-core", "--bench", "engine"])?;
    let line = out
        .lines()
        .find(|l| l.starts_with("bench engine-per-batch"))
        .ok_or("the engine benchmark printed no figure")?;
    let value = |key: &str| line.split_whitespace().find_map(|w| w.strip_prefix(key)).unwrap_or("?").to_owned();
    let section = format!(
        "{ENGINE_BEGIN}\nMeasured {date} by `cargo xtask bench` (`cargo bench -p enlist-core --bench engine`): a whole run of\n{} accounts to 3 targets ({} outcomes, {} batches) with answers made in advance and delivered at once, so only the\nengine's own work is timed — planning, building each request, reading each answer, recording 50\noutcomes per batch.\n\n| run | per batch |\n|---:|---:|\n| {} ms | {} µs |\n\nNext to a CreateMembers round trip (tens to hundreds of milliseconds) that is well under 0.1%.\n{ENGINE_END}",
        value("accounts="),
        value("outcomes="),
        value("batches="),
        value("run_ms="),
        value("per_batch_us="),
    );
    Ok(match (doc.find(ENGINE_BEGIN), doc.find(ENGINE_END)) {
        (Some(begin), Some(end)) if begin < end => {
            format!("{}{section}{}", &doc[..begin], &doc[end + ENGINE_END.len()..])
        }
        _ => format!("{}\n\n## Engine: overhead per batch\n\n{section}\n", doc.trim_end()),
    })
}
