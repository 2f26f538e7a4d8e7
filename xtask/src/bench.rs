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

pub(crate) fn run(only: Option<&str>) -> Result<(), String> {
    if only == Some("ui") {
        let doc_path = root().join("docs/BENCHMARKS.md");
        let doc = std::fs::read_to_string(&doc_path).unwrap_or_default();
        let date = first_line("date", &["-u", "+%Y-%m-%d"]);
        let doc = browser_section(&bundle_section(&doc, &date)?, &date)?;
        let doc = embed_section(&doc, &date)?;
        return std::fs::write(&doc_path, doc).map_err(|e| format!("cannot write {}: {e}", doc_path.display()));
    }
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
    let new_doc = proxy_section(&new_doc, &date)?;
    let new_doc = bundle_section(&new_doc, &date)?;
    let new_doc = browser_section(&new_doc, &date)?;
    let new_doc = embed_section(&new_doc, &date)?;
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

const PROXY_BEGIN: &str = "<!-- xtask-bench:proxy:begin -->";
const PROXY_END: &str = "<!-- xtask-bench:proxy:end -->";

/// A server started for the benchmark, stopped when dropped.
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `enlist ARGS` and reads the first line of its stderr that starts with `banner`.
fn start(binary: &std::path::Path, args: &[&str], banner: &str) -> Result<(Server, String), String> {
    use std::io::BufRead;
    let mut child = Command::new(binary)
        .args(args)
        .env("RUST_LOG", "info")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
    let stderr = child.stderr.take().ok_or("no stderr")?;
    let server = Server(child);
    let mut lines = std::io::BufReader::new(stderr).lines();
    let mut text = String::new();
    for line in lines.by_ref() {
        let line = line.map_err(|e| e.to_string())?;
        text.push_str(&line);
        text.push('\n');
        if line.starts_with(banner) {
            // Drain the rest (request logs) so the server never blocks on a full pipe.
            std::thread::spawn(move || lines.for_each(drop));
            return Ok((server, text));
        }
    }
    Err(format!("{} stopped before it was ready:\n{text}", binary.display()))
}

/// Requests per second and the 50th and 99th percentile latency in milliseconds, from `wrk --latency`.
fn wrk(script: &std::path::Path, url: &str) -> Result<(f64, f64, f64), String> {
    let script = script.to_str().ok_or("script path")?;
    let out = capture("wrk", &["-t1", "-c8", "-d8s", "--latency", "-s", script, url])?;
    let millis = |text: &str| -> Option<f64> {
        let (number, unit) = text.split_at(text.find(|c: char| c.is_ascii_alphabetic())?);
        let value: f64 = number.parse().ok()?;
        Some(match unit {
            "us" => value / 1000.0,
            "ms" => value,
            "s" => value * 1000.0,
            _ => return None,
        })
    };
    let percentile = |p: &str| out.lines().find_map(|l| l.trim().strip_prefix(p).and_then(|rest| millis(rest.trim())));
    let rate = out.lines().find_map(|l| l.strip_prefix("Requests/sec:").and_then(|r| r.trim().parse().ok()));
    let non_2xx = out.lines().any(|l| l.contains("Non-2xx or 3xx responses"));
    if non_2xx {
        return Err(format!("wrk saw error answers from {url}:\n{out}"));
    }
    match (rate, percentile("50%"), percentile("99%")) {
        (Some(rate), Some(p50), Some(p99)) => Ok((rate, p50, p99)),
        _ => Err(format!("cannot read wrk's output:\n{out}")),
    }
}

fn ensure_wrk() -> Result<(), String> {
    if crate::output("wrk", &["--version"]).is_some()
        || Command::new("wrk").arg("--version").output().is_ok_and(|o| !o.stdout.is_empty() || !o.stderr.is_empty())
    {
        return Ok(());
    }
    crate::run("apt-get", &["install", "-y", "wrk"], &[])
}

/// wrk against `enlist emulator` alone and against `enlist serve --emulator` (proxy + emulator in one
/// process), with the same 50-account CreateMembers; the difference is what the proxy adds.
fn proxy_section(doc: &str, date: &str) -> Result<String, String> {
    ensure_wrk()?;
    crate::run("cargo", &["build", "--release", "--quiet", "-p", "enlist-cli"], &[])?;
    let binary = root().join("target/release/enlist");
    let folder = root().join("target/bench-inputs");
    std::fs::create_dir_all(&folder).map_err(|e| e.to_string())?;
    let (_emulator, banner) = start(&binary, &["emulator", "--bind", "127.0.0.1:0"], "Enlist emulator on ")?;
    let address = banner.split_whitespace().nth(3).ok_or("no emulator address")?.to_owned();
    let detector = banner.split("detector ").nth(1).and_then(|r| r.split(')').next()).ok_or("no detector")?.to_owned();
    let token = "bench-token-0000000000000000";
    let (_proxy, banner) =
        start(&binary, &["serve", "--emulator", "--bind", "127.0.0.1:0", "--token", token], "Enlist proxy on ")?;
    let proxy = banner.split_whitespace().nth(3).ok_or("no proxy address")?.to_owned();
    let signed = capture("python3", &["bench/presign.py", &address, &detector])?;
    let emulator_script = folder.join("emulator.lua");
    std::fs::write(&emulator_script, signed).map_err(|e| e.to_string())?;
    let accounts: Vec<String> = (0..50)
        .map(|i| {
            format!(
                "{{\\\"accountId\\\":\\\"{:012}\\\",\\\"email\\\":\\\"load{i}@example.com\\\"}}",
                500_000_000_000u64 + i
            )
        })
        .collect();
    let proxy_script = folder.join("proxy.lua");
    std::fs::write(
        &proxy_script,
        format!(
            "wrk.method = \"POST\"\nwrk.body = \"{{\\\"accountDetails\\\":[{}]}}\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\nwrk.headers[\"Authorization\"] = \"Bearer {token}\"\n",
            accounts.join(",")
        ),
    )
    .map_err(|e| e.to_string())?;
    let (alone_rate, alone_p50, alone_p99) = wrk(&emulator_script, &format!("{address}/detector/{detector}/member"))?;
    let (proxy_rate, proxy_p50, proxy_p99) =
        wrk(&proxy_script, &format!("{proxy}/v1/guardduty/us-east-1/detector/{detector}/member"))?;
    let section = format!(
        "{PROXY_BEGIN}\nMeasured {date} by `cargo xtask bench` on {}: `wrk -t1 -c8 -d8s --latency` on loopback, a GuardDuty\nCreateMembers of 50 accounts each time. \"Emulator alone\" is `enlist emulator` verifying a request botocore\nsigned once; \"proxy → emulator\" is `enlist serve --emulator`: the token check, the rebuild from\nvalidated types, a fresh SigV4 signature and one log line per request, then the same emulator\nin-process. wrk shares the 2 cores with the server, so these are floors, not ceilings.\n\n| path | requests/s | p50 | p99 |\n|---|---:|---:|---:|\n| emulator alone | {alone_rate:.0} | {alone_p50:.2} ms | {alone_p99:.2} ms |\n| proxy → emulator | {proxy_rate:.0} | {proxy_p50:.2} ms | {proxy_p99:.2} ms |\n\nAdded by the proxy at p50: {:.2} ms (goal ≤ 1 ms); proxy throughput {proxy_rate:.0} requests/s (goal ≥ 5,000).\n{PROXY_END}",
        machine(),
        proxy_p50 - alone_p50
    );
    Ok(match (doc.find(PROXY_BEGIN), doc.find(PROXY_END)) {
        (Some(begin), Some(end)) if begin < end => {
            format!("{}{section}{}", &doc[..begin], &doc[end + PROXY_END.len()..])
        }
        _ => format!("{}\n\n## Proxy: throughput and added latency\n\n{section}\n", doc.trim_end()),
    })
}

const BUNDLE_BEGIN: &str = "<!-- xtask-bench:bundle:begin -->";
const BUNDLE_END: &str = "<!-- xtask-bench:bundle:end -->";

/// The gzip (-9) size of a file, in bytes.
fn gzipped(path: &std::path::Path) -> Result<usize, String> {
    let out =
        Command::new("gzip").args(["-9", "-c"]).arg(path).output().map_err(|e| format!("cannot run gzip: {e}"))?;
    Ok(out.stdout.len())
}

/// Transfer size of the release UI: the wasm, the JS glue and the CSS, gzip -9 each.
fn bundle_section(doc: &str, date: &str) -> Result<String, String> {
    crate::web::ensure_tools()?;
    let site = crate::web::build_site()?;
    let mut sizes: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for entry in std::fs::read_dir(&site).map_err(|e| e.to_string())? {
        let path = entry.map_err(|e| e.to_string())?.path();
        let kind = match path.extension().and_then(|e| e.to_str()) {
            Some("wasm") => "wasm",
            Some("js") => "js",
            Some("css") => "css",
            _ => continue,
        };
        let raw = std::fs::metadata(&path).map_err(|e| e.to_string())?.len() as usize;
        let slot = sizes.entry(kind).or_default();
        slot.0 += raw;
        slot.1 += gzipped(&path)?;
    }
    let total: usize = sizes.values().map(|s| s.1).sum();
    let rows: String = sizes
        .iter()
        .map(|(kind, (raw, gz))| {
            format!("| {kind} | {:.1} KB | {:.1} KB |\n", *raw as f64 / 1000.0, *gz as f64 / 1000.0)
        })
        .collect();
    let section = format!(
        "{BUNDLE_BEGIN}\nMeasured {date} by `cargo xtask bench`: the release UI as `trunk build --release --offline` writes it to\n`target/site` (Cargo profile `web`: opt-level z, fat LTO, one codegen unit, abort on panic; wasm-opt -Oz).\n\n| asset | raw | gzip -9 |\n|---|---:|---:|\n{rows}| **total** | | **{:.1} KB** |\n\nGoal: ≤ 150 KB gzip.\n{BUNDLE_END}",
        total as f64 / 1000.0
    );
    Ok(match (doc.find(BUNDLE_BEGIN), doc.find(BUNDLE_END)) {
        (Some(begin), Some(end)) if begin < end => {
            format!("{}{section}{}", &doc[..begin], &doc[end + BUNDLE_END.len()..])
        }
        _ => format!("{}\n\n## UI: transfer size\n\n{section}\n", doc.trim_end()),
    })
}

const BROWSER_BEGIN: &str = "<!-- xtask-bench:browser:begin -->";
const BROWSER_END: &str = "<!-- xtask-bench:browser:end -->";

/// Puts `section` (which starts with `begin` and ends with `end`) in place of the last recorded one,
/// or appends it under `heading`.
fn replace_section(doc: &str, begin: &str, end: &str, heading: &str, section: &str) -> String {
    match (doc.find(begin), doc.find(end)) {
        (Some(b), Some(e)) if b < e => format!("{}{section}{}", &doc[..b], &doc[e + end.len()..]),
        _ => format!("{}\n\n## {heading}\n\n{section}\n", doc.trim_end()),
    }
}

/// Paste, typing and scrolling in headless Chromium (`web/tests/bench.mjs`), against the release
/// site that `bundle_section` built.
fn browser_section(doc: &str, date: &str) -> Result<String, String> {
    let status = Command::new("cargo")
        .args(["build", "--release", "-p", "enlist-cli"])
        .current_dir(root())
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err("cargo build -p enlist-cli failed".to_owned());
    }
    let out = Command::new("node")
        .arg("web/tests/bench.mjs")
        .env("ENLIST_BIN", root().join("target/release/enlist"))
        .env("ENLIST_SITE", root().join("target/site"))
        .current_dir(root())
        .output()
        .map_err(|e| format!("cannot run node: {e}"))?;
    let table = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    if !out.status.success() || table.is_empty() {
        return Err(format!("web/tests/bench.mjs failed:\n{}{}", table, String::from_utf8_lossy(&out.stderr)));
    }
    println!("\n{table}");
    let section = format!(
        "{BROWSER_BEGIN}\nMeasured {date} by `cargo xtask bench` (`web/tests/bench.mjs`, the release site served by `enlist serve\n--emulator`). {table}\n{BROWSER_END}"
    );
    Ok(replace_section(doc, BROWSER_BEGIN, BROWSER_END, "UI: paste, typing and scrolling in Chromium", &section))
}

const EMBED_BEGIN: &str = "<!-- xtask-bench:embed:begin -->";
const EMBED_END: &str = "<!-- xtask-bench:embed:end -->";

/// Transfer sizes of `cargo xtask dist-embed`'s modules.
fn embed_section(doc: &str, date: &str) -> Result<String, String> {
    let out = crate::embed::run()?;
    let size = |names: &[&str]| -> Result<(usize, usize), String> {
        let mut total = (0, 0);
        for name in names {
            let path = out.join(name);
            total.0 += std::fs::metadata(&path).map_err(|e| e.to_string())?.len() as usize;
            total.1 += gzipped(&path)?;
        }
        Ok(total)
    };
    let kb = |n: usize| n as f64 / 1000.0;
    let (core_raw, core_gz) = size(&["enlist_bg.wasm", "enlist.js"])?;
    let (ui_raw, ui_gz) = size(&["enlist-ui_bg.wasm", "enlist-ui.js", "enlist-members.js", "enlist.css"])?;
    let section = format!(
        "{EMBED_BEGIN}\nMeasured {date} by `cargo xtask bench` (`cargo xtask dist-embed`: Cargo profile `web`, wasm-bindgen `--target web`,\nwasm-opt with the site's flags).\n\n| module | raw | gzip -9 | goal |\n|---|---:|---:|---|\n| validator: `enlist_bg.wasm` + `enlist.js` | {:.1} KB | {:.1} KB | ≤ 80 KB |\n| whole app for `<enlist-members>`: `enlist-ui_bg.wasm` + `enlist-ui.js` + element + css | {:.1} KB | {:.1} KB | |\n{EMBED_END}",
        kb(core_raw),
        kb(core_gz),
        kb(ui_raw),
        kb(ui_gz)
    );
    Ok(replace_section(doc, EMBED_BEGIN, EMBED_END, "Embed: module sizes", &section))
}
