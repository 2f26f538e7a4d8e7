//! Project tasks behind `cargo xtask`: `ci` (the one test command), `bench`, `demo`.
//!
//! Every task installs what it needs and is missing, and skips what is already there, so a fresh
//! clone on a fresh machine needs nothing but Rust.

#![allow(clippy::print_stdout, clippy::print_stderr)]

mod bench;
mod compress;
mod dist;
mod embed;
mod split;
mod web;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

const USAGE: &str = "usage: cargo xtask <task>

tasks:
  ci      install what is missing, then fmt, clippy (native and wasm32), docs, fuzz build, the static
          Lambda binary, and every test
  bench   every benchmark (parse against Python, engine, proxy with wrk, UI and embed sizes, UI in
          Chromium against PapaParse, a whole run against the aws-samples way); writes
          docs/BENCHMARKS.md and prints any figure 20% worse than last time. `bench ui`: only the
          UI's sizes and Chromium figures; `bench run`: only the whole run; `bench engine`: the
          engine's own cost per request; `bench faults`: the
          real binaries under faults, killed and resumed, checked against the emulator;
          `bench scale`: 340,000 outcomes (journal cost, size, memory, resume); `bench scale-ui`:
          the same 340,000 outcomes sent from the page in Chromium, reloaded halfway and resumed
  site    build the release UI into target/site (trunk, then the wasm split in two) without serving it
  demo    build the UI and serve it with the proxy and the embedded emulator on 127.0.0.1:8080
  dist    dist/site (the UI for S3 and CloudFront, with headers.json) and dist/lambda/bootstrap.zip
  dist-embed  dist/embed: the validator as an npm package (ES module, wasm, .d.ts) and <enlist-members>";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci(),
        Some("bench") => match args.get(1).map(String::as_str) {
            None => bench::run(None),
            Some(only @ ("ui" | "run" | "engine" | "faults" | "scale" | "scale-ui" | "proxy")) => {
                bench::run(Some(only))
            }
            Some(other) => Err(format!(
                "expected `cargo xtask bench` or `cargo xtask bench ui|run|engine|faults|scale|scale-ui|proxy`, found `{other}`"
            )),
        },
        Some("site") => {
            web::ensure_tools().and_then(|()| web::build_site()).map(|site| println!("built {}", site.display()))
        }
        Some("demo") => web::demo(),
        Some("dist") => dist::run(),
        Some("dist-embed") => embed::run().map(|_| ()),
        Some("help" | "--help" | "-h") => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(format!("unknown task `{other}`\n\n{USAGE}")),
        None => Err(USAGE.to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (the parent of this crate's folder).
pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// Runs a command in the workspace root, echoing it, and fails on a non-zero exit.
pub(crate) fn run(program: &str, args: &[&str], env: &[(&str, &str)]) -> Result<(), String> {
    let shown: Vec<String> = env
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .chain([program.to_owned()])
        .chain(args.iter().map(|a| (*a).to_owned()))
        .collect();
    println!("\n$ {}", shown.join(" "));
    let status = Command::new(program)
        .args(args)
        .envs(env.iter().copied())
        .current_dir(root())
        .status()
        .map_err(|e| format!("cannot run `{program}`: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("`{}` failed ({status})", shown.join(" "))) }
}

/// The standard output of a command, if it ran and succeeded.
pub(crate) fn output(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).current_dir(root()).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

pub(crate) fn ensure_rustup_target(target: &str) -> Result<(), String> {
    let installed = output("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if installed.lines().any(|l| l.trim() == target) {
        println!("ok: rust target {target} is installed");
        return Ok(());
    }
    run("rustup", &["target", "add", target], &[])
}

fn ensure_rustup_component(component: &str) -> Result<(), String> {
    let installed = output("rustup", &["component", "list", "--installed"]).unwrap_or_default();
    if installed.lines().any(|l| l.starts_with(component)) {
        println!("ok: rust component {component} is installed");
        return Ok(());
    }
    run("rustup", &["component", "add", component], &[])
}

/// boto3 and botocore, the AWS reference clients, for the wire cross-checks and the emulator's
/// client tests (from PyPI; they talk only to loopback).
fn ensure_boto3() -> Result<(), String> {
    if output("python3", &["-c", "import boto3, botocore"]).is_some() {
        println!("ok: python3 has boto3 and botocore");
        return Ok(());
    }
    run("python3", &["-m", "pip", "install", "--quiet", "boto3"], &[])
}

/// cfn-lint (PyPI), which checks deploy/template.yaml.
fn ensure_cfn_lint() -> Result<(), String> {
    if output("cfn-lint", &["--version"]).is_some() {
        println!("ok: cfn-lint is installed");
        return Ok(());
    }
    run("python3", &["-m", "pip", "install", "--quiet", "cfn-lint"], &[])
}

/// moto's server (PyPI), a third party that verifies the proxy's signatures.
fn ensure_moto() -> Result<(), String> {
    if output("python3", &["-c", "import moto.server, flask"]).is_some() {
        println!("ok: python3 has moto's server");
        return Ok(());
    }
    run("python3", &["-m", "pip", "install", "--quiet", "moto[server]"], &[])
}

/// The AWS CLI (v1, from PyPI), for the emulator's client tests.
fn ensure_aws_cli() -> Result<(), String> {
    if output("aws", &["--version"]).is_some() {
        println!("ok: the AWS CLI is installed");
        return Ok(());
    }
    run("python3", &["-m", "pip", "install", "--quiet", "awscli"], &[])
}

/// The musl target and its C toolchain, for the static Lambda `bootstrap`.
fn ensure_musl() -> Result<(), String> {
    ensure_rustup_target(MUSL)?;
    if output("musl-gcc", &["--version"]).is_some() || Command::new("musl-gcc").arg("-v").output().is_ok() {
        println!("ok: musl-gcc is installed");
        return Ok(());
    }
    if run("apt-get", &["install", "-y", "musl-tools"], &[]).is_err() {
        run("apt-get", &["update"], &[])?;
        run("apt-get", &["install", "-y", "musl-tools"], &[])?;
    }
    Ok(())
}

const MUSL: &str = "x86_64-unknown-linux-musl";

/// Builds the proxy's Lambda `bootstrap` as a static binary and returns its path.
pub(crate) fn build_lambda() -> Result<PathBuf, String> {
    ensure_musl()?;
    run("cargo", &["build", "--release", "--locked", "-p", "enlist-lambda", "--target", MUSL], &[])?;
    Ok(root().join("target").join(MUSL).join("release/bootstrap"))
}

fn ci() -> Result<(), String> {
    ensure_boto3()?;
    ensure_aws_cli()?;
    ensure_moto()?;
    ensure_cfn_lint()?;
    ensure_rustup_component("rustfmt")?;
    ensure_rustup_component("clippy")?;
    ensure_rustup_target("wasm32-unknown-unknown")?;
    web::ensure_tools()?;
    run("cargo", &["fmt", "--all", "--check"], &[])?;
    run("cargo", &["clippy", "--workspace", "--all-targets", "--locked", "--", "-D", "warnings"], &[])?;
    // The core and the UI must build for the browser: no I/O, no threads, no OS.
    run(
        "cargo",
        &[
            "clippy",
            "-p",
            "enlist-core",
            "-p",
            "enlist-web",
            "--target",
            "wasm32-unknown-unknown",
            "--locked",
            "--",
            "-D",
            "warnings",
        ],
        &[],
    )?;
    run(
        "cargo",
        &[
            "clippy",
            "-p",
            "enlist-web",
            "-p",
            "enlist-wasm",
            "--tests",
            "--target",
            "wasm32-unknown-unknown",
            "--locked",
            "--",
            "-D",
            "warnings",
        ],
        &[],
    )?;
    // The UI as the site ships it: what runs after Send split into a module of its own.
    run(
        "cargo",
        &[
            "clippy",
            "-p",
            "enlist-web",
            "--features",
            "split",
            "--target",
            "wasm32-unknown-unknown",
            "--locked",
            "--",
            "-D",
            "warnings",
        ],
        &[],
    )?;
    // The bindings with the whole app, and with `parse` alone (the parse-only module).
    for features in [&["--features", "ui"][..], &["--no-default-features"][..]] {
        let mut args = vec!["clippy", "-p", "enlist-wasm", "--target", "wasm32-unknown-unknown", "--locked"];
        args.extend_from_slice(features);
        args.extend_from_slice(&["--", "-D", "warnings"]);
        run("cargo", &args, &[])?;
    }
    run("cargo", &["doc", "--workspace", "--no-deps", "--locked"], &[("RUSTDOCFLAGS", "-D warnings")])?;
    // The fuzz target must keep compiling; running it is a documented command (README).
    run("cargo", &["check", "--manifest-path", "fuzz/Cargo.toml", "--locked"], &[])?;
    // The Lambda binary is built static, and the runtime-protocol test runs that very binary.
    let bootstrap = build_lambda()?;
    // The UI is built as it ships (release, offline) and tested in Chromium against the real server.
    let site = web::build_site()?;
    // The site as `cargo xtask dist` ships it, for the CSP test; and the template, linted.
    dist::site_from(&site, &root().join("dist/site"))?;
    // The embed package, for its example page's browser test.
    embed::run()?;
    run("cfn-lint", &["deploy/template.yaml"], &[])?;
    run("cargo", &["build", "--locked", "-p", "enlist-cli"], &[])?;
    let (browser_passed, browser_failed) = web::browser_tests(&root().join("target/debug/enlist"), &site)?;
    // The UI's component tests in headless Chromium (wasm-bindgen-test-runner through chromedriver),
    // and the JavaScript API's tests in Node.js.
    let (component_passed, component_failed) = run_tests(
        &["test", "-p", "enlist-web", "-p", "enlist-wasm", "--target", "wasm32-unknown-unknown", "--locked"],
        &[("CHROMEDRIVER", "/usr/bin/chromedriver".as_ref()), ("PATH", web::tool_path().as_ref())],
    )?;
    // Snapshots are compared, never written, under CI. Tests run last so their totals close the log.
    let (passed, failed) = run_tests(
        &["test", "--workspace", "--locked"],
        &[("INSTA_UPDATE", "no".as_ref()), ("ENLIST_LAMBDA_BOOTSTRAP", bootstrap.as_os_str())],
    )?;
    let (passed, failed) = (passed + browser_passed + component_passed, failed + browser_failed + component_failed);
    println!("\nci: all checks passed");
    println!("tests: {passed} passed, {failed} failed");
    Ok(())
}

/// Runs `cargo ARGS` with `env`, echoing its output, and adds up every `test result:` line.
fn run_tests(args: &[&str], env: &[(&str, &std::ffi::OsStr)]) -> Result<(usize, usize), String> {
    use std::io::{BufRead, BufReader};
    println!("\n$ cargo {}", args.join(" "));
    let mut child = Command::new("cargo")
        .args(args)
        .envs(env.iter().copied())
        .current_dir(root())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run cargo test: {e}"))?;
    let (mut passed, mut failed) = (0, 0);
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            println!("{line}");
            if let Some(rest) = line.strip_prefix("test result: ") {
                let count = |word: &str| {
                    rest.split(';').find_map(|part| {
                        part.trim().strip_suffix(word)?.trim().rsplit(' ').next()?.parse::<usize>().ok()
                    })
                };
                passed += count(" passed").unwrap_or(0);
                failed += count(" failed").unwrap_or(0);
            }
        }
    }
    let status = child.wait().map_err(|e| format!("cargo test did not finish: {e}"))?;
    if !status.success() || failed > 0 {
        println!("tests: {passed} passed, {failed} failed");
        return Err(format!("cargo {} failed ({status})", args.join(" ")));
    }
    Ok((passed, failed))
}
