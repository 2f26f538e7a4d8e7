//! `cargo xtask bench`: every figure of `docs/BENCHMARKS.md`, each next to what users would pick
//! instead, measured in the same run on the same machine and recorded with the machine and the date.
//!
//! Figures, not tests: nothing here fails on speed. Each section records its headline figures in a
//! hidden `<!-- figures: … -->` line; a figure more than 20% worse than the one recorded last time is
//! printed loudly at the end.

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::Mutex;

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

pub(crate) fn run(only: Option<&str>) -> Result<(), String> {
    if let Some(only) = only {
        let doc_path = root().join("docs/BENCHMARKS.md");
        let doc = std::fs::read_to_string(&doc_path).unwrap_or_default();
        let date = first_line("date", &["-u", "+%Y-%m-%d"]);
        let doc = match only {
            "ui" => embed_section(&browser_section(&bundle_section(&doc, &date)?, &date)?, &date)?,
            "run" => whole_run_section(&doc, &date)?,
            "faults" => faults_section(&doc, &date)?,
            "engine" => engine_section(&doc, &date)?,
            "scale" => scale_section(&doc, &date)?,
            "proxy" => proxy_section(&doc, &date)?,
            "scale-ui" => scale_ui_section(&doc, &date)?,
            other => {
                return Err(format!(
                    "expected `ui`, `run`, `engine`, `faults`, `scale`, `scale-ui` or `proxy`, found `{other}`"
                ));
            }
        };
        std::fs::write(&doc_path, doc).map_err(|e| format!("cannot write {}: {e}", doc_path.display()))?;
        print_regressions();
        return Ok(());
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

    let mut table = String::from(
        "| input | lines | accounts | MB | enlist-core (ms) | Python baseline (ms) | ratio |\n|---|---:|---:|---:|---:|---:|---:|\n",
    );
    let mut figures = Vec::new();
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
        figures.push((format!("{name}_vs_python_x"), ratio));
    }
    let date = first_line("date", &["-u", "+%Y-%m-%d"]);
    let section = format!(
        "{BEGIN}\nMeasured {date} by `cargo xtask bench` on {} ({}; {}).\nMedians of repeated runs over the same generated 100,000-line inputs (`target/bench-inputs/`; the JSON\nis `list-accounts` output at nine lines per account). The baseline, `bench/baseline.py`, does what the\naws-samples scripts do: `csv` (or `json`) and a regular expression for the ID, no email check, chunks of\n50. Enlist also normalizes every field, checks emails by the service's rules, merges duplicates, applies\nexclusions and keeps a span for every value. Ratio = baseline time ÷ Enlist time.\n\n{table}{}\n{END}",
        machine(),
        first_line("rustc", &["--version"]),
        first_line("python3", &["--version"]),
        figures_line(&figures.iter().map(|(n, v)| (n.as_str(), *v)).collect::<Vec<_>>()),
    );
    let new_doc = replace_section(&doc, BEGIN, END, "Core: parse, validate and batch 100k lines", &section);
    let new_doc = engine_section(&new_doc, &date)?;
    let new_doc = proxy_section(&new_doc, &date)?;
    let new_doc = bundle_section(&new_doc, &date)?;
    let new_doc = browser_section(&new_doc, &date)?;
    let new_doc = embed_section(&new_doc, &date)?;
    let new_doc = whole_run_section(&new_doc, &date)?;
    let new_doc = faults_section(&new_doc, &date)?;
    let new_doc = scale_section(&new_doc, &date)?;
    let new_doc = scale_ui_section(&new_doc, &date)?;
    std::fs::write(&doc_path, new_doc).map_err(|e| format!("cannot write {}: {e}", doc_path.display()))?;
    println!("\n{table}\nwritten to docs/BENCHMARKS.md");
    print_regressions();
    Ok(())
}

/// Figures that got more than 20% worse than the recorded ones, collected by [`replace_section`].
static REGRESSIONS: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn print_regressions() {
    let regressions = REGRESSIONS.lock().map(|r| r.clone()).unwrap_or_default();
    for regression in &regressions {
        eprintln!("\n!!!!!!!! REGRESSION: {regression} !!!!!!!!");
    }
    if regressions.is_empty() {
        println!("no figure is more than 20% worse than the one recorded last time");
    }
}

/// The hidden line in which a section records its headline figures: `<!-- figures: name=value … -->`.
/// A name ending in `_x` (a ratio) or `_per_s` gets better as it grows; every other figure (times,
/// sizes, losses) as it shrinks. A name starting with `ref_` is a reference's figure (PapaParse,
/// Leptos's hello world): recorded, never called a regression of ours.
fn figures_line(figures: &[(&str, f64)]) -> String {
    let list: Vec<String> = figures.iter().map(|(name, value)| format!("{name}={value:.3}")).collect();
    format!("<!-- figures: {} -->", list.join(" "))
}

/// The figures a section recorded.
fn recorded_figures(section: &str) -> BTreeMap<String, f64> {
    section
        .lines()
        .filter_map(|line| line.trim().strip_prefix("<!-- figures:")?.strip_suffix("-->"))
        .flat_map(str::split_whitespace)
        .filter_map(|word| {
            let (name, value) = word.split_once('=')?;
            Some((name.to_owned(), value.parse().ok()?))
        })
        .collect()
}

/// The figures of `after` more than 20% worse than the same figures in `before`, in words.
fn regressions(before: &BTreeMap<String, f64>, after: &BTreeMap<String, f64>) -> Vec<String> {
    after
        .iter()
        .filter(|(name, _)| !name.starts_with("ref_"))
        .filter_map(|(name, &now)| {
            let then = *before.get(name)?;
            let higher_is_better = name.ends_with("_x") || name.ends_with("_per_s");
            let worse = if higher_is_better { now < then * 0.8 } else { now > then * 1.2 };
            worse.then(|| format!("{name} is {now:.3}, was {then:.3} last time (more than 20% worse)"))
        })
        .collect()
}

const ENGINE_BEGIN: &str = "<!-- xtask-bench:engine:begin -->";
const ENGINE_END: &str = "<!-- xtask-bench:engine:end -->";

/// Runs the engine-overhead benchmark and puts its figures into the document.
fn engine_section(doc: &str, date: &str) -> Result<String, String> {
    let out = capture("cargo", &["bench", "-p", "enlist-core", "--bench", "engine"])?;
    let lines: Vec<&str> = out.lines().filter(|l| l.starts_with("bench engine-per-request")).collect();
    if lines.is_empty() {
        return Err("the engine benchmark printed no figure".to_owned());
    }
    let value =
        |line: &str, key: &str| line.split_whitespace().find_map(|w| w.strip_prefix(key)).unwrap_or("?").to_owned();
    let mut table = String::from(
        "| accounts | outcomes | requests | whole run | per request | journal written | load: snapshot | load: journal written |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    let mb = |line: &str, key: &str| value(line, key).parse::<f64>().unwrap_or(f64::NAN) / 1_048_576.0;
    for line in &lines {
        table.push_str(&format!(
            "| {} | {} | {} | {} ms | {} µs | {:.1} MB | {} ms ({:.1} MB) | {} ms |\n",
            value(line, "accounts="),
            value(line, "outcomes="),
            value(line, "requests="),
            value(line, "run_ms="),
            value(line, "per_request_us="),
            mb(line, "journal_bytes="),
            value(line, "snapshot_load_ms="),
            mb(line, "snapshot_bytes="),
            value(line, "journal_load_ms="),
        ));
    }
    let largest = lines.last().map_or(f64::NAN, |l| value(l, "per_request_us=").parse().unwrap_or(f64::NAN));
    let section = format!(
        "{ENGINE_BEGIN}\nMeasured {date} by `cargo xtask bench` (`cargo bench -p enlist-core --bench engine`): whole runs to\nGuardDuty and Detective in two regions against the simulated services of the engine's tests, answering at\nonce, so only Enlist's own work is timed — deciding each batch's next request (read, create, invite, read\nback), building it, reading its answer, and producing the journal records (appended in memory). The\nsimulated services' own work is included, so these figures are an upper bound. \"Load\" is `Run::from_journal` on the\nfinished run's compacted snapshot, and `Run::from_lines` on every record the run wrote (a resume reads one or the\nother, once).\n\n{table}\nWhat a request costs does not grow with the run; next to a round trip to AWS (tens to hundreds of\nmilliseconds) it is well under 1%.\n{}\n{ENGINE_END}",
        figures_line(&[("engine_per_request_us", largest)]),
    );
    Ok(replace_section(doc, ENGINE_BEGIN, ENGINE_END, "Engine: overhead per request", &section))
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
    let token = "bench-token-00000000000000000000000000";
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
        "{PROXY_BEGIN}\nMeasured {date} by `cargo xtask bench` on {}: `wrk -t1 -c8 -d8s --latency` on loopback, a GuardDuty\nCreateMembers of 50 accounts each time. \"Emulator alone\" is `enlist emulator` verifying a request botocore\nsigned once; \"proxy → emulator\" is `enlist serve --emulator`: the token check, the rebuild from\nvalidated types, a fresh SigV4 signature and one log line per request, then the same emulator\nin-process. wrk shares the 2 cores with the server, so these are floors, not ceilings.\n\n| path | requests/s | p50 | p99 |\n|---|---:|---:|---:|\n| emulator alone | {alone_rate:.0} | {alone_p50:.2} ms | {alone_p99:.2} ms |\n| proxy → emulator | {proxy_rate:.0} | {proxy_p50:.2} ms | {proxy_p99:.2} ms |\n\nAdded by the proxy at p50: {:.2} ms (goal ≤ 1 ms); proxy throughput {proxy_rate:.0} requests/s (goal ≥ 5,000).\n{}\n{PROXY_END}",
        machine(),
        proxy_p50 - alone_p50,
        figures_line(&[
            ("proxy_requests_per_s", proxy_rate),
            ("proxy_added_p50_ms", proxy_p50 - alone_p50),
            ("proxy_p99_ms", proxy_p99),
        ]),
    );
    Ok(replace_section(doc, PROXY_BEGIN, PROXY_END, "Proxy: throughput and added latency", &section))
}

const BUNDLE_BEGIN: &str = "<!-- xtask-bench:bundle:begin -->";
const BUNDLE_END: &str = "<!-- xtask-bench:bundle:end -->";

/// The gzip (-9) size of a file, in bytes.
fn gzipped(path: &std::path::Path) -> Result<usize, String> {
    let out =
        Command::new("gzip").args(["-9", "-c"]).arg(path).output().map_err(|e| format!("cannot run gzip: {e}"))?;
    Ok(out.stdout.len())
}

/// Raw and gzip -9 bytes of a built site's wasm, JS and CSS, by kind.
fn site_sizes(site: &std::path::Path) -> Result<BTreeMap<&'static str, (usize, usize)>, String> {
    Ok(site_sizes_with_brotli(site)?.into_iter().map(|(kind, (raw, gz, _))| (kind, (raw, gz))).collect())
}

/// Raw, gzip -9 and brotli (quality 11, as `cargo xtask` precompresses) bytes of a built site's
/// wasm, JS and CSS, by kind; the later module (`enlist-later-….wasm`, fetched once the page is
/// drawn) is a kind of its own.
fn site_sizes_with_brotli(site: &std::path::Path) -> Result<BTreeMap<&'static str, (usize, usize, usize)>, String> {
    let mut sizes: BTreeMap<&str, (usize, usize, usize)> = BTreeMap::new();
    for entry in std::fs::read_dir(site).map_err(|e| format!("cannot read {}: {e}", site.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        let later = path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("enlist-later-"));
        let kind = match path.extension().and_then(|e| e.to_str()) {
            Some("wasm") if later => "wasm, later module",
            Some("wasm") => "wasm",
            Some("js") => "js",
            Some("css") => "css",
            _ => continue,
        };
        let bytes = std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let slot = sizes.entry(kind).or_default();
        slot.0 += bytes.len();
        slot.1 += gzipped(&path)?;
        slot.2 += crate::compress::brotli(&bytes)?.len();
    }
    Ok(sizes)
}

/// Transfer size of the release UI (the wasm, the JS glue and the CSS, gzip -9 each), next to
/// Leptos's hello world built by the same trunk with the same settings (`bench/leptos-hello`).
fn bundle_section(doc: &str, date: &str) -> Result<String, String> {
    crate::web::ensure_tools()?;
    let site = crate::web::build_site()?;
    let hello = root().join("target/leptos-hello");
    crate::run(
        crate::web::cargo_bin("trunk").to_str().unwrap_or("trunk"),
        &[
            "build",
            "--release",
            "--offline",
            "--dist",
            hello.to_str().ok_or("the target folder's path is not UTF-8")?,
            "bench/leptos-hello/index.html",
        ],
        &[("PATH", &crate::web::tool_path()), ("TRUNK_OFFLINE", "true")],
    )?;
    let (ours, theirs) = (site_sizes_with_brotli(&site)?, site_sizes(&hello)?);
    let kb = |n: usize| n as f64 / 1000.0;
    let total = |sizes: &BTreeMap<&str, (usize, usize)>| sizes.values().map(|s| s.1).sum::<usize>();
    let rows: String = ["wasm", "js", "css", "wasm, later module"]
        .iter()
        .map(|kind| {
            let (raw, gz, br) = ours.get(kind).copied().unwrap_or_default();
            let hello = theirs.get(kind).map_or_else(|| "—".to_owned(), |(_, gz)| format!("{:.1} KB", kb(*gz)));
            format!("| {kind} | {:.1} KB | {:.1} KB | {:.1} KB | {hello} |\n", kb(raw), kb(gz), kb(br))
        })
        .collect();
    let ours_total = ours.values().map(|s| s.1).sum::<usize>();
    let ours_brotli = ours.values().map(|s| s.2).sum::<usize>();
    let later = ours.get("wasm, later module").copied().unwrap_or_default();
    let (first_load, first_load_brotli) = (ours_total - later.1, ours_brotli - later.2);
    let hello_total = total(&theirs);
    let section = format!(
        "{BUNDLE_BEGIN}\nMeasured {date} by `cargo xtask bench`: the release UI as `cargo xtask` builds it into `target/site`\n(`trunk build --release --offline`, then the wasm split in two by `xtask/src/split.rs`; Cargo profile `web`: opt-level z,\nfat LTO, one codegen unit, abort on panic; wasm-opt -Oz), and Leptos's hello world (`bench/leptos-hello`: one `<p>`,\nthe same Leptos, trunk, profile and wasm-opt flags). The first load is everything but the later module, which the\npage fetches once it is drawn. Brotli (quality 11) is what a browser receives: `enlist serve` and the S3 upload send\nthe precompressed copies.\n\n| asset | Enlist raw | Enlist gzip -9 | Enlist brotli | hello world gzip -9 |\n|---|---:|---:|---:|---:|\n{rows}| **first load** (all but the later module) | | **{:.1} KB** | **{:.1} KB** | **{:.1} KB** |\n| **whole app** | | **{:.1} KB** | **{:.1} KB** | |\n\nGoals: first load ≤ 150 KB gzip, whole app ≤ 300 KB. The first load is {:.1}× Leptos's floor.\n{}\n{BUNDLE_END}",
        kb(first_load),
        kb(first_load_brotli),
        kb(hello_total),
        kb(ours_total),
        kb(ours_brotli),
        first_load as f64 / hello_total.max(1) as f64,
        figures_line(&[
            ("ui_first_load_gzip_kb", kb(first_load)),
            ("ui_gzip_kb", kb(ours_total)),
            ("ui_brotli_kb", kb(ours_brotli)),
            ("ref_hello_world_gzip_kb", kb(hello_total)),
        ]),
    );
    Ok(replace_section(doc, BUNDLE_BEGIN, BUNDLE_END, "UI: transfer size", &section))
}

const BROWSER_BEGIN: &str = "<!-- xtask-bench:browser:begin -->";
const BROWSER_END: &str = "<!-- xtask-bench:browser:end -->";

/// Puts `section` (which starts with `begin` and ends with `end`) in place of the last recorded one,
/// or appends it under `heading`; notes every figure more than 20% worse than the recorded one.
fn replace_section(doc: &str, begin: &str, end: &str, heading: &str, section: &str) -> String {
    match (doc.find(begin), doc.find(end)) {
        (Some(b), Some(e)) if b < e => {
            let found = regressions(&recorded_figures(&doc[b..e]), &recorded_figures(section));
            if let Ok(mut all) = REGRESSIONS.lock() {
                all.extend(found);
            }
            format!("{}{section}{}", &doc[..b], &doc[e + end.len()..])
        }
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
    // The first load and the whole app, for issue 19's goals: the transfer-size table's gzip -9 sizes.
    let site = root().join("target/site");
    let sizes = site_sizes(&site)?;
    let gzip: usize = sizes.values().map(|s| s.1).sum();
    let first_load = gzip - sizes.get("wasm, later module").map_or(0, |s| s.1);
    let table = browser_script(
        "web/tests/bench.mjs",
        &site,
        &[("ENLIST_UI_GZIP_BYTES", gzip.to_string()), ("ENLIST_FIRST_LOAD_GZIP_BYTES", first_load.to_string())],
    )?;
    let section = format!(
        "{BROWSER_BEGIN}\nMeasured {date} by `cargo xtask bench` on {} (`web/tests/bench.mjs`, the release site served by `enlist serve\n--emulator`). {table}\n{BROWSER_END}",
        machine()
    );
    Ok(replace_section(doc, BROWSER_BEGIN, BROWSER_END, "UI: paste, typing and scrolling in Chromium", &section))
}

/// Runs a browser benchmark script with the release CLI and `site`, and returns the Markdown it
/// printed; its error output too if it failed or printed nothing.
fn browser_script(script: &str, site: &std::path::Path, env: &[(&str, String)]) -> Result<String, String> {
    println!("\n$ node {script}");
    let out = Command::new("node")
        .arg(script)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .env("ENLIST_BIN", root().join("target/release/enlist"))
        .env("ENLIST_SITE", site)
        .current_dir(root())
        .output()
        .map_err(|e| format!("cannot run node: {e}"))?;
    let table = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    if !out.status.success() || table.is_empty() {
        return Err(format!("{script} failed:\n{}{}", table, String::from_utf8_lossy(&out.stderr)));
    }
    println!("\n{table}");
    Ok(table)
}

const SCALE_UI_BEGIN: &str = "<!-- xtask-bench:scale-ui:begin -->";
const SCALE_UI_END: &str = "<!-- xtask-bench:scale-ui:end -->";

/// 340,000 outcomes sent from the page in Chromium, reloaded halfway and resumed
/// (`web/tests/scale.mjs`), against the release site and the release CLI.
fn scale_ui_section(doc: &str, date: &str) -> Result<String, String> {
    crate::web::ensure_tools()?;
    let site = crate::web::build_site()?;
    crate::run("cargo", &["build", "--release", "--quiet", "-p", "enlist-cli"], &[])?;
    let table = browser_script("web/tests/scale.mjs", &site, &[])?;
    let section = format!(
        "{SCALE_UI_BEGIN}\nMeasured {date} by `cargo xtask bench scale-ui` on {} (`web/tests/scale.mjs`: the release site served by the release\n`enlist serve --emulator` playing the delegated administrator, as in the section above). {table}\n{SCALE_UI_END}",
        machine()
    );
    Ok(replace_section(doc, SCALE_UI_BEGIN, SCALE_UI_END, "Scale in the browser: 340,000 outcomes", &section))
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
    let (parse_raw, parse_gz) = size(&["enlist-parse_bg.wasm", "enlist-parse.js"])?;
    let (ui_raw, ui_gz) = size(&["enlist-ui_bg.wasm", "enlist-ui.js", "enlist-members.js", "enlist.css"])?;
    let section = format!(
        "{EMBED_BEGIN}\nMeasured {date} by `cargo xtask bench` (`cargo xtask dist-embed`: Cargo profile `web`, wasm-bindgen `--target web`,\nwasm-opt with the site's flags).\n\n| module | raw | gzip -9 | goal |\n|---|---:|---:|---|\n| validator: `enlist_bg.wasm` + `enlist.js` | {:.1} KB | {:.1} KB | ≤ 80 KB |\n| validator, `parse` only: `enlist-parse_bg.wasm` + `enlist-parse.js` | {:.1} KB | {:.1} KB | ≤ 80 KB |\n| whole app for `<enlist-members>`: `enlist-ui_bg.wasm` + `enlist-ui.js` + element + css | {:.1} KB | {:.1} KB | |\n{}\n{EMBED_END}",
        kb(core_raw),
        kb(core_gz),
        kb(parse_raw),
        kb(parse_gz),
        kb(ui_raw),
        kb(ui_gz),
        figures_line(&[
            ("embed_validator_gzip_kb", kb(core_gz)),
            ("embed_parse_only_gzip_kb", kb(parse_gz)),
            ("embed_app_gzip_kb", kb(ui_gz)),
        ]),
    );
    Ok(replace_section(doc, EMBED_BEGIN, EMBED_END, "Embed: module sizes", &section))
}

const RUN_BEGIN: &str = "<!-- xtask-bench:run:begin -->";
const RUN_END: &str = "<!-- xtask-bench:run:end -->";

/// A whole run as a user makes it, and the same list pushed the aws-samples way.
///
/// Enlist: `enlist submit --proxy` through `enlist serve --emulator`, 5,000 accounts to GuardDuty in
/// three regions, the emulator allowing a fixed rate per region and throttling 10% of requests at
/// random on top. The floor is the batches of one region ÷ the allowed rate (regions run side by
/// side). The aws-samples way (`bench/aws_samples_way.py`: boto3, one account per call, region after
/// region, the SDK's standard retries) runs on the same emulator with the same faults, on the first
/// `SAMPLE` accounts only: at one account per call the whole list would take the better part of an
/// hour, so its time for the whole list is projected from the sample, and said so.
fn whole_run_section(doc: &str, date: &str) -> Result<String, String> {
    const ACCOUNTS: u64 = 5_000;
    const RATE: f64 = 5.0;
    const LATENCY_MS: u64 = 30;
    const SAMPLE: u64 = 100;
    const REGIONS: [&str; 3] = ["us-east-1", "eu-west-1", "ap-southeast-2"];
    crate::run("cargo", &["build", "--release", "--quiet", "-p", "enlist-cli"], &[])?;
    let binary = root().join("target/release/enlist");
    let folder = root().join("target/bench-inputs");
    std::fs::create_dir_all(&folder).map_err(|e| e.to_string())?;
    let list = folder.join("whole-run.csv");
    let mut text = String::from("Account ID,Email\n");
    for i in 0..ACCOUNTS {
        text.push_str(&format!("{},run{i}@example.com\n", 600_000_000_000 + i));
    }
    std::fs::write(&list, text).map_err(|e| e.to_string())?;
    let faults = format!(r#"{{"ratePerRegion":{RATE},"throttleRate":0.1,"latencyMs":{LATENCY_MS},"seed":11}}"#);
    let path = |p: &std::path::Path| p.to_str().map(str::to_owned).ok_or("a path that is not UTF-8");

    // Enlist.
    let token = "bench-token-00000000000000000000000000";
    let (proxy_server, banner) = start(
        &binary,
        &[
            "serve",
            "--emulator",
            "--emulator-organization",
            "--emulator-faults",
            &faults,
            "--bind",
            "127.0.0.1:0",
            "--token",
            token,
        ],
        "Enlist proxy on ",
    )?;
    let proxy = banner.split_whitespace().nth(3).ok_or("no proxy address")?.to_owned();
    let results = folder.join("whole-run-results.csv");
    let mut args = vec!["submit".to_owned(), "--proxy".to_owned(), proxy, "--token".to_owned(), token.to_owned()];
    args.extend(["--service", "guardduty", "--results-csv"].map(str::to_owned));
    args.push(path(&results)?);
    for region in REGIONS {
        args.extend(["--region".to_owned(), region.to_owned()]);
    }
    args.push(path(&list)?);
    println!("\n$ enlist {}", args.join(" "));
    let started = std::time::Instant::now();
    let out = Command::new(&binary).args(&args).output().map_err(|e| format!("cannot run enlist submit: {e}"))?;
    let wall = started.elapsed().as_secs_f64();
    drop(proxy_server);
    let table = results_table(&results)
        .map_err(|e| format!("enlist submit wrote no results ({e}):\n{}", String::from_utf8_lossy(&out.stderr)))?;
    let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
    for status in table.values() {
        *outcomes.entry(status.clone()).or_default() += 1;
    }
    let attempts = String::from_utf8_lossy(&out.stderr)
        .lines()
        .find_map(|l| {
            l.split(" requests").next().filter(|_| l.contains(" requests ("))?.replace(',', "").parse::<f64>().ok()
        })
        .unwrap_or(f64::NAN);
    let expected = ACCOUNTS as usize * REGIONS.len();
    let enabled = outcomes.get("enabled").copied().unwrap_or(0);
    let lost = expected - enabled.min(expected);
    // A read, a create and a read back per batch: the organization's accounts are enabled at creation.
    let batches = ACCOUNTS.div_ceil(50) as f64 * 3.0;
    let floor = batches / RATE;
    println!("enlist submit: {wall:.1} s, outcomes {outcomes:?}");

    // The aws-samples way, on a sample.
    let (_emulator, banner) = start(
        &binary,
        &["emulator", "--organization", "--bind", "127.0.0.1:0", "--faults", &faults],
        "Enlist emulator on ",
    )?;
    let address = banner.split_whitespace().nth(3).ok_or("no emulator address")?.to_owned();
    let mut script = vec!["bench/aws_samples_way.py".to_owned(), address, path(&list)?, SAMPLE.to_string()];
    script.extend(REGIONS.map(str::to_owned));
    let script: Vec<&str> = script.iter().map(String::as_str).collect();
    let line = capture("python3", &script)?;
    let value = |key: &str| -> f64 {
        line.split_whitespace().find_map(|w| w.strip_prefix(key)?.parse().ok()).unwrap_or(f64::NAN)
    };
    let (sample_seconds, sample_lost, sample_calls) = (value("seconds="), value("lost="), value("calls="));
    let scale = ACCOUNTS as f64 / SAMPLE as f64;

    let outcome_words: Vec<String> = outcomes.iter().map(|(k, v)| format!("{v} {k}")).collect();
    let section = format!(
        "{RUN_BEGIN}\nMeasured {date} by `cargo xtask bench` on {}: {ACCOUNTS} accounts to GuardDuty in {} regions ({}), the emulator\nallowing {RATE} requests per second per region (a token bucket), answering 10% of requests with throttling at random on\ntop, {LATENCY_MS} ms per answer; the administrator is the organization's delegated administrator (5,000 members are
over the 1,000 one may invite, and GuardDuty enables organization accounts at creation). Enlist: `enlist submit --proxy`\nthrough `enlist serve --emulator` (batches of 50, each read before it is created and read back after, the core's pacing\nand retries; the floor counts those three requests a batch). The aws-samples way: `bench/aws_samples_way.py` — boto3, one CreateMembers per\naccount, region after region, the SDK's standard retries (3 attempts) — on the first {SAMPLE} accounts of the same list\nagainst `enlist emulator` with the same faults, and projected to the whole list ({scale:.0}×).\n\n| | calls | wall time | accounts lost |\n|---|---:|---:|---:|\n| floor: {batches:.0} requests per region ÷ {RATE}/s | {:.0} | {floor:.1} s | |\n| Enlist | {attempts:.0} | **{wall:.1} s** ({:.2}× the floor) | **{lost}** of {expected} ({}) |\n| aws-samples way, {SAMPLE} accounts × {} regions (measured) | {sample_calls:.0} | {sample_seconds:.1} s | {sample_lost:.0} of {sample_calls:.0} |\n| aws-samples way, projected to {ACCOUNTS} × {} | {:.0} | {:.0} s ({:.0} min) | about {:.0} |\n\nGoal: ≤ 1.2× the floor, 0 accounts lost.\n{}\n{RUN_END}",
        machine(),
        REGIONS.len(),
        REGIONS.join(", "),
        batches * REGIONS.len() as f64,
        wall / floor,
        outcome_words.join(", "),
        REGIONS.len(),
        REGIONS.len(),
        sample_calls * scale,
        sample_seconds * scale,
        sample_seconds * scale / 60.0,
        sample_lost * scale,
        figures_line(&[("whole_run_vs_floor", wall / floor), ("whole_run_lost", lost as f64)]),
    );
    Ok(replace_section(doc, RUN_BEGIN, RUN_END, "A whole run: 5,000 accounts × 3 regions", &section))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_round_trip_through_the_hidden_line() {
        let line = figures_line(&[("paste_ms", 1387.5), ("core_vs_papaparse_x", 6.25)]);
        assert_eq!(line, "<!-- figures: paste_ms=1387.500 core_vs_papaparse_x=6.250 -->");
        let section = format!("{BROWSER_BEGIN}\n| a | table |\n{line}\n{BROWSER_END}");
        let read = recorded_figures(&section);
        assert_eq!(read.len(), 2);
        assert_eq!(read["paste_ms"], 1387.5);
        assert_eq!(read["core_vs_papaparse_x"], 6.25);
    }

    #[test]
    fn only_figures_more_than_20_percent_worse_are_regressions() {
        let figures = |list: &[(&str, f64)]| recorded_figures(&figures_line(list));
        let before =
            figures(&[("paste_ms", 100.0), ("ratio_x", 10.0), ("rate_per_s", 5000.0), ("lost", 0.0), ("ref_ms", 50.0)]);
        // Within 20%, or better: nothing.
        let fine = figures(&[("paste_ms", 119.0), ("ratio_x", 8.1), ("rate_per_s", 9000.0), ("lost", 0.0)]);
        assert_eq!(regressions(&before, &fine), Vec::<String>::new());
        // Times and losses get worse upwards; ratios and rates downwards.
        // A reference getting slower is not a regression of ours.
        let worse =
            figures(&[("paste_ms", 121.0), ("ratio_x", 7.9), ("rate_per_s", 3999.0), ("lost", 1.0), ("ref_ms", 90.0)]);
        let found = regressions(&before, &worse);
        assert_eq!(found.len(), 4, "{found:?}");
        assert!(found[0].starts_with("lost is 1.000, was 0.000"), "{found:?}");
        // A figure recorded for the first time has nothing to be compared with.
        assert_eq!(regressions(&BTreeMap::new(), &worse), Vec::<String>::new());
    }

    #[test]
    fn replacing_a_section_notes_its_regressions() {
        let old = format!("# Doc\n\n{ENGINE_BEGIN}\nold\n{}\n{ENGINE_END}\n\ntail\n", figures_line(&[("e_us", 10.0)]));
        let new = format!("{ENGINE_BEGIN}\nnew\n{}\n{ENGINE_END}", figures_line(&[("e_us", 30.0)]));
        let doc = replace_section(&old, ENGINE_BEGIN, ENGINE_END, "Engine", &new);
        assert_eq!(doc, format!("# Doc\n\n{new}\n\ntail\n"));
        assert!(REGRESSIONS.lock().unwrap().iter().any(|r| r.starts_with("e_us is 30.000")));
    }
}

const FAULTS_BEGIN: &str = "<!-- xtask-bench:faults:begin -->";
const FAULTS_END: &str = "<!-- xtask-bench:faults:end -->";
const SCALE_BEGIN: &str = "<!-- xtask-bench:scale:begin -->";
const SCALE_END: &str = "<!-- xtask-bench:scale:end -->";

/// The label Enlist shows for a status as a service writes it.
fn status_label(wire: &str) -> &str {
    match wire {
        "Created" => "created",
        "Invited" | "INVITED" => "invited",
        "Enabled" | "ENABLED" => "enabled",
        "EmailVerificationFailed" | "VERIFICATION_FAILED" => "verification-failed",
        "EmailVerificationInProgress" | "VERIFICATION_IN_PROGRESS" => "verifying-email",
        other => other,
    }
}

type Cells = BTreeMap<(String, String, String), String>;

/// `(service, region, account)` → status, from `enlist submit --results-csv` (the bench's lists
/// have no commas or quotes before the status column).
fn results_table(path: &std::path::Path) -> Result<Cells, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(text
        .lines()
        .skip(1)
        .filter_map(|row| {
            let fields: Vec<&str> = row.splitn(8, ',').collect();
            (fields.len() == 8 && !fields[3].is_empty())
                .then(|| ((fields[3].to_owned(), fields[4].to_owned(), fields[1].to_owned()), fields[5].to_owned()))
        })
        .collect())
}

/// What the emulator behind `proxy` holds, read with the services' own ListMembers (`bench/truth.py`).
fn truth(proxy: &str, token: &str, detector: &str, regions: &[&str]) -> Result<Cells, String> {
    let mut args = vec!["bench/truth.py", proxy, token, detector];
    args.extend(regions);
    let out = Command::new("python3")
        .args(&args)
        .current_dir(root())
        .output()
        .map_err(|e| format!("cannot run bench/truth.py: {e}"))?;
    if !out.status.success() {
        return Err(format!("bench/truth.py failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() == 4).then(|| ((f[0].to_owned(), f[1].to_owned(), f[2].to_owned()), status_label(f[3]).to_owned()))
        })
        .collect())
}

/// Accounts that should be members and are not (lost), and rows whose status is not what the
/// service holds (wrong).
fn compare(results: &Cells, truth: &Cells, expected: usize) -> (usize, usize) {
    let good = |s: &str| s == "invited" || s == "enabled";
    let lost = expected - truth.values().filter(|s| good(s)).count().min(expected);
    // A row says what the service holds: the member status, or for an account it does not hold,
    // why it is not a member.
    let right = |key: &(String, String, String), status: &str| match truth.get(key) {
        Some(held) => held == status,
        None => matches!(status, "failed" | "not-added" | "not-a-member" | "cancelled" | "unavailable"),
    };
    let wrong =
        results.iter().filter(|(key, status)| !right(key, status)).count() + expected.saturating_sub(results.len());
    (lost, wrong)
}

fn write_list(name: &str, accounts: u64, first: u64) -> Result<std::path::PathBuf, String> {
    let folder = root().join("target/bench-inputs");
    std::fs::create_dir_all(&folder).map_err(|e| e.to_string())?;
    let path = folder.join(name);
    let mut text = String::from("Account ID,Email\n");
    for i in 0..accounts {
        text.push_str(&format!("{},{name}{i}@example.com\n", first + i * 3));
    }
    std::fs::write(&path, text).map_err(|e| e.to_string())?;
    Ok(path)
}

/// `enlist submit …` as a child, with `ENLIST_TOKEN` and optional journal statistics.
fn submit_child(
    binary: &std::path::Path,
    args: &[String],
    token: &str,
    stats: Option<&std::path::Path>,
) -> Result<std::process::Child, String> {
    let mut command = Command::new(binary);
    command
        .args(args)
        .env("ENLIST_TOKEN", token)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    if let Some(stats) = stats {
        command.env("ENLIST_JOURNAL_STATS", stats);
    }
    command.spawn().map_err(|e| format!("cannot run enlist submit: {e}"))
}

/// The fault test of the reconciling engine with the real binaries: `enlist serve --emulator` with
/// a rate limit per region, throttling, 5xx and dropped connections; `enlist submit --journal`
/// killed with SIGKILL three times and resumed; every final status compared with what the emulator
/// holds.
fn faults_section(doc: &str, date: &str) -> Result<String, String> {
    const ACCOUNTS: u64 = 2_000;
    const RATE: f64 = 20.0;
    const REGIONS: [&str; 3] = ["us-east-1", "eu-west-1", "ap-southeast-2"];
    const KILLS_AFTER_MS: [u64; 3] = [2_500, 2_500, 2_500];
    crate::run("cargo", &["build", "--release", "--quiet", "-p", "enlist-cli"], &[])?;
    let binary = root().join("target/release/enlist");
    let list = write_list("faults", ACCOUNTS, 710_000_000_000)?;
    let folder = root().join("target/bench-inputs");
    let journal = folder.join("faults.jsonl");
    let results = folder.join("faults-results.csv");
    let _ = std::fs::remove_file(&journal);
    let _ = std::fs::remove_file(&results);
    let config = format!(
        r#"{{"organization":true,"verificationDelayMs":0,"detectiveQuota":20000,"faults":{{"ratePerRegion":{RATE},"throttleRate":0.2,"errorRate":0.1,"dropRate":0.05,"seed":7}}}}"#
    );
    let token = "bench-faults-token-0000000000000000";
    let (_server, banner) = start(
        &binary,
        &["serve", "--emulator", "--emulator-config", &config, "--bind", "127.0.0.1:0", "--token", token],
        "Enlist proxy on ",
    )?;
    let proxy = banner.split_whitespace().nth(3).ok_or("no proxy address")?.to_owned();
    let detector = banner.split("detector ").nth(1).and_then(|r| r.split(',').next()).ok_or("no detector")?.to_owned();
    let text = |p: &std::path::Path| p.to_str().map(str::to_owned).ok_or("a path that is not UTF-8");
    let mut args: Vec<String> =
        vec!["submit".into(), text(&list)?, "--service".into(), "all".into(), "--proxy".into(), proxy.clone()];
    for region in REGIONS {
        args.extend(["--region".into(), region.into()]);
    }
    args.extend(["--journal".into(), text(&journal)?, "--results-csv".into(), text(&results)?]);
    println!("\n$ enlist {} (killed with SIGKILL after {KILLS_AFTER_MS:?} ms, then resumed)", args.join(" "));
    let started = std::time::Instant::now();
    let mut kills = 0;
    for after in KILLS_AFTER_MS {
        let mut child = submit_child(&binary, &args, token, None)?;
        std::thread::sleep(std::time::Duration::from_millis(after));
        if child.try_wait().map_err(|e| e.to_string())?.is_none() {
            child.kill().map_err(|e| e.to_string())?;
            kills += 1;
        }
        let _ = child.wait();
    }
    let out = submit_child(&binary, &args, token, None)?.wait_with_output().map_err(|e| e.to_string())?;
    let wall = started.elapsed().as_secs_f64();
    let held = truth(&proxy, token, &detector, &REGIONS)?;
    // The same faults, no kill: what the kills themselves cost.
    let unkilled = {
        let (_server, banner) = start(
            &binary,
            &["serve", "--emulator", "--emulator-config", &config, "--bind", "127.0.0.1:0", "--token", token],
            "Enlist proxy on ",
        )?;
        let mut plain = args.clone();
        plain[5] = banner.split_whitespace().nth(3).ok_or("no proxy address")?.to_owned();
        plain.truncate(plain.len() - 4);
        let started = std::time::Instant::now();
        submit_child(&binary, &plain, token, None)?.wait().map_err(|e| e.to_string())?;
        started.elapsed().as_secs_f64()
    };
    let expected = ACCOUNTS as usize * REGIONS.len() * 3;
    let (lost, wrong) = compare(&results_table(&results)?, &held, expected);
    let requests = String::from_utf8_lossy(&out.stderr)
        .lines()
        .find_map(|l| {
            l.split(" requests").next().filter(|_| l.contains(" requests ("))?.replace(',', "").parse::<f64>().ok()
        })
        .unwrap_or(f64::NAN);
    // GuardDuty and Security Hub (the organization's delegated administrator) need a read, a
    // create and a read of each batch; Detective a read, a create and one read to see
    // verification done.
    let floor = ACCOUNTS.div_ceil(50) as f64 * 3.0 / RATE;
    println!("faults: {wall:.1} s, {kills} kills, lost {lost}, wrong {wrong}, exit {:?}", out.status.code());
    let section = format!(
        "{FAULTS_BEGIN}\nMeasured {date} by `cargo xtask bench faults` on {}, with the release binaries: `enlist serve --emulator` allowing\n{RATE} requests per second per service and region, answering 20% of requests with throttling at random on top, 10% with\nHTTP 500, and dropping 5% of connections after the work is done; {ACCOUNTS} accounts to GuardDuty, Detective and Security Hub\n(`--service all`) in {} regions ({} outcomes; the administrator is the organization's delegated administrator, and Detective's 1,200 members per graph\nare raised for the run); `enlist submit --journal` killed with SIGKILL {kills} times ({KILLS_AFTER_MS:?} ms after each start) and\nstarted again on the same journal until it finished. Every final status is compared with what the emulator holds,\nread through the proxy with the services' own ListMembers (`bench/truth.py`).\n\n| accounts lost | wrong statuses | wall time | same faults, no kill | floor | requests | exit status |\n|---:|---:|---:|---:|---:|---:|---:|\n| **{lost}** | **{wrong}** | {wall:.1} s ({:.2}× the floor) | {unkilled:.1} s | {floor:.1} s | {requests:.0} | {} |\n\nThe floor is the requests one lane needs at the least (3 a batch × {} batches) at {RATE}/s, with no fault. Each\nthrottled, failed or dropped request uses up one of the lane's {RATE} a second as well, and a dropped one adds a read:\nthose, and the three kills and restarts (what was in flight is lost, the pace starts again), are the rest of the\nwall time. Requests are counted across the four processes (the journal keeps each batch's count).\n{}\n{FAULTS_END}",
        machine(),
        REGIONS.len(),
        expected,
        wall / floor,
        out.status.code().map_or("killed".to_owned(), |c| c.to_string()),
        ACCOUNTS.div_ceil(50),
        figures_line(&[
            ("faults_lost", lost as f64),
            ("faults_wrong", wrong as f64),
            ("faults_vs_floor", wall / floor)
        ]),
    );
    Ok(replace_section(doc, FAULTS_BEGIN, FAULTS_END, "Faults, kills and resumes: nothing lost", &section))
}

/// Peak resident memory (VmHWM) of a running process, in bytes.
fn peak_memory(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse::<u64>().ok().map(|kb| kb * 1024)
}

/// Runs `enlist submit` to the end, watching its peak memory.
fn watched(child: std::process::Child) -> Result<(std::process::Output, u64), String> {
    let pid = child.id();
    let peak = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let watching = std::sync::Arc::clone(&peak);
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop = std::sync::Arc::clone(&done);
    let watcher = std::thread::spawn(move || {
        while !stop.load(std::sync::atomic::Ordering::Relaxed) {
            if let Some(bytes) = peak_memory(pid) {
                watching.fetch_max(bytes, std::sync::atomic::Ordering::Relaxed);
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    });
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let _ = watcher.join();
    Ok((out, peak.load(std::sync::atomic::Ordering::Relaxed)))
}

/// The scale of a delegated administrator: 10,000 accounts × 17 regions × both services
/// (340,000 outcomes), what the journal costs per answer at the start and the end, its size, the
/// peak memory of `enlist submit`, and a resume after SIGKILL near the end.
fn scale_section(doc: &str, date: &str) -> Result<String, String> {
    const ACCOUNTS: u64 = 10_000;
    const REGIONS: [&str; 17] = [
        "us-east-1",
        "us-east-2",
        "us-west-1",
        "us-west-2",
        "ca-central-1",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
        "eu-central-1",
        "eu-north-1",
        "ap-northeast-1",
        "ap-northeast-2",
        "ap-northeast-3",
        "ap-southeast-1",
        "ap-southeast-2",
        "ap-south-1",
        "sa-east-1",
    ];
    crate::run("cargo", &["build", "--release", "--quiet", "-p", "enlist-cli"], &[])?;
    let binary = root().join("target/release/enlist");
    let list = write_list("scale", ACCOUNTS, 720_000_000_000)?;
    let folder = root().join("target/bench-inputs");
    let text = |p: &std::path::Path| p.to_str().map(str::to_owned).ok_or("a path that is not UTF-8");
    // Detective's 1,200 members per graph is raised for this run: the figure is the engine's.
    let config = r#"{"organization":true,"detectiveQuota":20000}"#;
    let token = "bench-scale-token-00000000000000000";
    let outcomes = ACCOUNTS as usize * REGIONS.len() * 2;
    let once = |journal: &std::path::Path,
                results: &std::path::Path,
                kill_after: Option<f64>|
     -> Result<(f64, std::process::Output, u64, Option<u64>), String> {
        let _ = std::fs::remove_file(journal);
        let (_server, banner) = start(
            &binary,
            &["serve", "--emulator", "--emulator-config", config, "--bind", "127.0.0.1:0", "--token", token],
            "Enlist proxy on ",
        )?;
        let proxy = banner.split_whitespace().nth(3).ok_or("no proxy address")?.to_owned();
        let mut args: Vec<String> = vec![
            "submit".into(),
            text(&list)?,
            "--service".into(),
            "both".into(),
            "--org-mode".into(),
            "--proxy".into(),
            proxy,
        ];
        for region in REGIONS {
            args.extend(["--region".into(), region.into()]);
        }
        args.extend(["--journal".into(), text(journal)?, "--results-csv".into(), text(results)?]);
        let stats = folder.join("scale-journal-stats.json");
        let started = std::time::Instant::now();
        let mut killed_at = None;
        if let Some(after) = kill_after {
            let mut child = submit_child(&binary, &args, token, None)?;
            std::thread::sleep(std::time::Duration::from_secs_f64(after));
            killed_at = std::fs::metadata(journal).ok().map(|m| m.len());
            child.kill().map_err(|e| e.to_string())?;
            let _ = child.wait();
        }
        let (out, peak) = watched(submit_child(&binary, &args, token, Some(&stats))?)?;
        Ok((started.elapsed().as_secs_f64(), out, peak, killed_at))
    };
    let journal = folder.join("scale.jsonl");
    let results = folder.join("scale-results.csv");
    println!("\n$ enlist submit {ACCOUNTS} accounts --service both --org-mode, {} regions", REGIONS.len());
    let (wall, out, peak, _) = once(&journal, &results, None)?;
    let enabled = results_table(&results)?.values().filter(|s| *s == "enabled").count();
    let size = std::fs::metadata(&journal).map(|m| m.len()).unwrap_or(0);
    let stats: serde_json_lite::Stats = serde_json_lite::read(&folder.join("scale-journal-stats.json"))?;
    let tenth = stats.writes_us.len() / 10;
    let spread = |slice: &[u64]| -> (f64, f64, f64) {
        let mut s = slice.to_vec();
        s.sort_unstable();
        let at = |q: f64| s.get(((s.len() as f64 - 1.0) * q) as usize).copied().unwrap_or(0) as f64 / 1000.0;
        (at(0.5), at(0.99), at(1.0))
    };
    let (start_p50, start_p99, start_max) = spread(&stats.writes_us[..tenth]);
    let (end_p50, end_p99, end_max) = spread(&stats.writes_us[stats.writes_us.len() - tenth..]);
    let compaction_max = stats.compactions_us.iter().copied().max().unwrap_or(0) as f64 / 1000.0;
    println!(
        "scale: {wall:.1} s, {enabled} enabled, journal {size} bytes (peak {}), peak memory {peak}",
        stats.peak_bytes
    );
    // A second run, killed with SIGKILL at 85% of the first one's time, then resumed.
    let resumed_results = folder.join("scale-resumed-results.csv");
    let (_, resumed, _, killed_at) = once(&folder.join("scale-killed.jsonl"), &resumed_results, Some(wall * 0.85))?;
    let resumed_enabled = results_table(&resumed_results)?.values().filter(|s| *s == "enabled").count();
    let mb = |b: u64| b as f64 / 1_048_576.0;
    let section = format!(
        "{SCALE_BEGIN}\nMeasured {date} by `cargo xtask bench scale` on {}: {ACCOUNTS} accounts × {} regions × GuardDuty and Detective\n({outcomes} outcomes) through `enlist serve --emulator` playing the organization's delegated administrator (GuardDuty\nenables organization accounts at creation; Detective in organization mode; Detective's 1,200 members per graph raised\nfor the run), with the release `enlist submit --journal`. Journal cost is the time to take an answer's records, format\nthem and append them to the file (`ENLIST_JOURNAL_STATS`), over the first and the last tenth of the run's {} writes;\ncompactions (the file rewritten as a snapshot once it has grown past twice a snapshot) are counted apart.\n\n| figure | value | goal |\n|---|---:|---:|\n| whole run | {wall:.1} s, {} of {outcomes} enabled, {} requests, exit {} | |\n| journal write, first tenth: median / p99 / max | {start_p50:.3} / {start_p99:.3} / {start_max:.1} ms | ≤ 1 ms |\n| journal write, last tenth: median / p99 / max | {end_p50:.3} / {end_p99:.3} / {end_max:.1} ms | ≤ 1 ms, as at the start |\n| compactions | {}, the longest {compaction_max:.0} ms | |\n| journal at the end / at its largest | {:.1} MB / {:.1} MB | ≤ 40 MB |\n| peak memory of `enlist submit` (VmHWM) | {:.0} MB | ≤ 300 MB |\n| SIGKILL at 85% of the run ({}), then resumed | {resumed_enabled} of {outcomes} enabled, exit {} | all, 0 |\n{}\n{SCALE_END}",
        machine(),
        REGIONS.len(),
        stats.writes_us.len(),
        enabled,
        String::from_utf8_lossy(&out.stderr)
            .lines()
            .find(|l| l.contains(" requests ("))
            .and_then(|l| l.split(" requests").next())
            .unwrap_or("?"),
        out.status.code().map_or("killed".to_owned(), |c| c.to_string()),
        stats.compactions_us.len(),
        mb(size),
        mb(stats.peak_bytes),
        mb(peak),
        killed_at.map_or("journal not yet written".to_owned(), |b| format!("journal at {:.1} MB", mb(b))),
        resumed.status.code().map_or("killed".to_owned(), |c| c.to_string()),
        figures_line(&[
            ("scale_journal_end_p99_ms", end_p99),
            ("scale_journal_mb", mb(stats.peak_bytes)),
            ("scale_peak_memory_mb", mb(peak)),
            ("scale_run_s", wall),
        ]),
    );
    Ok(replace_section(doc, SCALE_BEGIN, SCALE_END, "Scale: 340,000 outcomes", &section))
}

/// Reads the journal statistics `enlist submit` writes, without a JSON library in xtask.
mod serde_json_lite {
    pub(super) struct Stats {
        pub(super) writes_us: Vec<u64>,
        pub(super) compactions_us: Vec<u64>,
        pub(super) peak_bytes: u64,
    }

    fn list(text: &str, key: &str) -> Vec<u64> {
        let Some(start) = text.find(&format!("\"{key}\":[")) else { return Vec::new() };
        let rest = &text[start + key.len() + 4..];
        rest[..rest.find(']').unwrap_or(0)].split(',').filter_map(|n| n.trim().parse().ok()).collect()
    }

    pub(super) fn read(path: &std::path::Path) -> Result<Stats, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let peak = text
            .split("\"peak_bytes\":")
            .nth(1)
            .and_then(|r| r.trim_end_matches(['}', ' ', '\n']).parse().ok())
            .unwrap_or(0);
        Ok(Stats {
            writes_us: list(&text, "writes_us"),
            compactions_us: list(&text, "compactions_us"),
            peak_bytes: peak,
        })
    }
}
