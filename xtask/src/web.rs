//! The browser UI's tools and build: trunk, the wasm-bindgen CLI at the exact version in
//! `Cargo.lock`, wasm-opt from npm's binaryen, Debian's Chromium, and the Playwright tests.
//! Nothing is downloaded outside the package registries: trunk runs with `--offline`.

use std::path::PathBuf;
use std::process::Command;

use crate::{output, root, run};

const TRUNK: &str = "0.21.14";

/// The wasm-bindgen version the workspace locks (the CLI must be the very same).
fn locked_wasm_bindgen() -> Result<String, String> {
    let lock =
        std::fs::read_to_string(root().join("Cargo.lock")).map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\""
            && let Some(version) =
                lines.next().and_then(|l| l.strip_prefix("version = \"")).and_then(|v| v.strip_suffix('"'))
        {
            return Ok(version.to_owned());
        }
    }
    Err("Cargo.lock has no wasm-bindgen".to_owned())
}

pub(crate) fn cargo_bin(name: &str) -> PathBuf {
    #[allow(clippy::disallowed_methods)]
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    home.unwrap_or_default().join("bin").join(name)
}

fn has_version(program: &str, version: &str) -> bool {
    output(program, &["--version"]).is_some_and(|v| v.contains(version))
}

/// Installs whatever of the UI's tools is missing, and says which were there.
pub(crate) fn ensure_tools() -> Result<(), String> {
    crate::ensure_rustup_target("wasm32-unknown-unknown")?;
    if has_version("trunk", TRUNK) {
        println!("ok: trunk {TRUNK} is installed");
    } else {
        // Fat LTO makes this build take a quarter of an hour on two cores; the tool need not be fast.
        run(
            "cargo",
            &["install", "--locked", "trunk", "--version", TRUNK],
            &[("CARGO_PROFILE_RELEASE_LTO", "false"), ("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")],
        )?;
    }
    let bindgen = locked_wasm_bindgen()?;
    if has_version("wasm-bindgen", &bindgen) {
        println!("ok: wasm-bindgen {bindgen} is installed");
    } else {
        // Not --locked: its lock file names a webpki-roots version the registry here lacks.
        run("cargo", &["install", "wasm-bindgen-cli", "--version", &bindgen], &[])?;
    }
    let tests = root().join("web/tests");
    if ["node_modules/.bin/wasm-opt", "node_modules/playwright-core", "node_modules/papaparse", "node_modules/axe-core"]
        .iter()
        .all(|p| tests.join(p).exists())
    {
        println!("ok: the npm packages of the browser tests are installed");
    } else {
        run("npm", &["ci", "--prefix", "web/tests", "--no-audit", "--no-fund"], &[])?;
    }
    let works = |program: &str| Command::new(program).arg("--version").output().is_ok_and(|o| o.status.success());
    if works("/usr/bin/chromium") && works("/usr/bin/chromedriver") {
        println!("ok: chromium and chromedriver are installed");
    } else if run("apt-get", &["install", "-y", "chromium", "chromium-driver"], &[]).is_err() {
        run("apt-get", &["update"], &[])?;
        run("apt-get", &["install", "-y", "chromium", "chromium-driver"], &[])?;
    }
    Ok(())
}

/// PATH with the npm tools (wasm-opt) and cargo's bin folder first.
pub(crate) fn tool_path() -> String {
    #[allow(clippy::disallowed_methods)]
    let path = std::env::var("PATH").unwrap_or_default();
    format!("{}:{}:{path}", root().join("web/tests/node_modules/.bin").display(), cargo_bin("").display())
}

/// Builds the UI in release mode into `target/site`, offline, in two modules (`split.rs`), with brotli and gzip copies of its
/// files beside them (`enlist serve` sends those to browsers that take them).
pub(crate) fn build_site() -> Result<PathBuf, String> {
    let path = tool_path();
    run(
        cargo_bin("trunk").to_str().unwrap_or("trunk"),
        &["build", "--release", "--offline"],
        &[("PATH", &path), ("TRUNK_OFFLINE", "true")],
    )?;
    let site = root().join("target/site");
    crate::split::split_site(&site)?;
    crate::compress::precompress(&site)?;
    Ok(site)
}

/// The Playwright tests under `web/tests`, against `enlist serve --emulator --ui-dir target/site`.
pub(crate) fn browser_tests(enlist: &std::path::Path, site: &std::path::Path) -> Result<(usize, usize), String> {
    println!("\n$ npm test --prefix web/tests");
    let out = Command::new("npm")
        .args(["test", "--prefix", "web/tests"])
        .env("ENLIST_BIN", enlist)
        .env("ENLIST_SITE", site)
        .env("ENLIST_DIST_SITE", root().join("dist/site"))
        .env("ENLIST_EMBED", root().join("dist/embed"))
        .env("ENLIST_SCREENSHOTS", root().join("target/screenshots"))
        .current_dir(root())
        .output()
        .map_err(|e| format!("cannot run npm: {e}"))?;
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    print!("{text}");
    // node prints `# pass 3` (TAP, when not on a terminal) or `ℹ pass 3`.
    let count = |word: &str| {
        text.lines()
            .find_map(|l| {
                l.trim()
                    .strip_prefix('#')
                    .or_else(|| l.trim().strip_prefix('ℹ'))
                    .and_then(|r| r.trim().strip_prefix(word))
                    .and_then(|n| n.trim().parse().ok())
            })
            .unwrap_or(0)
    };
    let (passed, failed) = (count("pass"), count("fail"));
    if !out.status.success() || failed > 0 || passed == 0 {
        return Err(format!("the browser tests failed ({passed} passed, {failed} failed)"));
    }
    Ok((passed, failed))
}

/// Builds the UI and the release `enlist`, then serves both with the emulator in the foreground.
pub(crate) fn demo() -> Result<(), String> {
    ensure_tools()?;
    let site = build_site()?;
    run("cargo", &["build", "--release", "--quiet", "-p", "enlist-cli"], &[])?;
    let enlist = root().join("target/release/enlist");
    println!("\nStarting Enlist on the embedded emulator. Open the URL it prints (Ctrl-C stops it).\n");
    let status = Command::new(enlist)
        .args(["serve", "--emulator", "--ui-dir", site.to_str().unwrap_or("target/site"), "--bind", "127.0.0.1:8080"])
        .status()
        .map_err(|e| format!("cannot start enlist: {e}"))?;
    if status.success() || status.code() == Some(130) {
        Ok(())
    } else {
        Err(format!("enlist serve stopped ({status})"))
    }
}
