//! `cargo xtask dist-embed`: `dist/embed/`, an npm-ready package for docs sites and portals — the
//! validator (`enlist.js`, `enlist_bg.wasm`, `enlist.d.ts`: `crates/enlist-wasm`), the same with
//! `parse` alone (`enlist-parse.js`, for pages that only check lists), the whole app for
//! the `<enlist-members>` element (`enlist-ui.js`, `enlist-ui_bg.wasm`, `enlist.css`), the element,
//! `package.json`, a README and `example.html`.

use std::path::{Path, PathBuf};

use crate::root;

const WASM: &str = "wasm32-unknown-unknown";
/// The flags the site's build gives wasm-opt (index.html), so both are measured the same way.
const WASM_OPT: &[&str] = &[
    "-Oz",
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--strip-debug",
    "--strip-producers",
];

/// Builds `dist/embed` and returns its path.
pub(crate) fn run() -> Result<PathBuf, String> {
    crate::web::ensure_tools()?;
    let out = root().join("dist/embed");
    if out.exists() {
        std::fs::remove_dir_all(&out).map_err(|e| format!("cannot empty {}: {e}", out.display()))?;
    }
    std::fs::create_dir_all(&out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    module(&[], "enlist", &out)?;
    module(&["--no-default-features"], "enlist-parse", &out)?;
    module(&["--features", "ui"], "enlist-ui", &out)?;
    let copy = |from: &Path, to: &str| {
        std::fs::copy(from, out.join(to)).map(|_| ()).map_err(|e| format!("cannot copy {}: {e}", from.display()))
    };
    copy(&root().join("web/style.css"), "enlist.css")?;
    for name in ["enlist-members.js", "example.html", "README.md", "package.json"] {
        copy(&root().join("web/embed").join(name), name)?;
    }
    println!("\nwrote {}", out.display());
    Ok(out)
}

/// One wasm-bindgen module of `enlist-wasm` (with `features`) as `NAME.js`, `NAME_bg.wasm`, `NAME.d.ts`.
fn module(features: &[&str], name: &str, out: &Path) -> Result<(), String> {
    let mut args = vec!["build", "--locked", "-p", "enlist-wasm", "--lib", "--target", WASM, "--profile", "web"];
    args.extend_from_slice(features);
    crate::run("cargo", &args, &[])?;
    let built = root().join("target").join(WASM).join("web/enlist_wasm.wasm");
    let path = crate::web::tool_path();
    let (built, out_dir) =
        (built.to_str().ok_or("a path that is not UTF-8")?, out.to_str().ok_or("a path that is not UTF-8")?);
    crate::run(
        "wasm-bindgen",
        &["--target", "web", "--out-dir", out_dir, "--out-name", name, built],
        &[("PATH", &path)],
    )?;
    let wasm = out.join(format!("{name}_bg.wasm"));
    let wasm = wasm.to_str().ok_or("a path that is not UTF-8")?;
    let mut opt = WASM_OPT.to_vec();
    opt.extend_from_slice(&[wasm, "-o", wasm]);
    crate::run("wasm-opt", &opt, &[("PATH", &path)])?;
    // wasm-bindgen's declarations of the raw wasm exports are not part of the package.
    let _ = std::fs::remove_file(out.join(format!("{name}_bg.wasm.d.ts")));
    Ok(())
}
