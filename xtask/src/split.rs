//! The site's wasm in two modules: what the page needs to paste a list and see its problems, and
//! what it needs only once the list goes somewhere (`web/src/later.rs`: discovery, the run, the
//! outcome table), fetched after the page is drawn.
//!
//! trunk 0.21 cannot split wasm (trunk-rs/trunk#1022), and splitting has to happen between the
//! linker and wasm-bindgen, which trunk runs as one step. So after trunk has built the site, this
//! builds `enlist-web` again with its `split` feature (only that crate recompiles; the linker keeps
//! its relocations), splits it at the `wasm_split` points (`wasm_split_cli_support`, the splitter
//! cargo-leptos uses), runs the wasm-bindgen CLI and wasm-opt with the flags of `index.html`, and
//! puts the result in place of trunk's one module, under content-hashed names.

use std::path::Path;

use crate::{root, run};

/// The wasm-opt flags of `index.html`'s rust link: `-O<data-wasm-opt>` and `data-wasm-opt-params`.
fn wasm_opt_flags() -> Result<Vec<String>, String> {
    let index =
        std::fs::read_to_string(root().join("index.html")).map_err(|e| format!("cannot read index.html: {e}"))?;
    let attribute = |name: &str| {
        index
            .split(&format!(" {name}=\""))
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .ok_or_else(|| format!("expected {name} on index.html's rust link, found none"))
    };
    let level = attribute("data-wasm-opt")?;
    let params = attribute("data-wasm-opt-params")?;
    Ok(std::iter::once(format!("-O{level}")).chain(params.split_whitespace().map(str::to_owned)).collect())
}

/// Cargo's target folder (`CARGO_TARGET_DIR` when set, as trunk and cargo use it).
fn target_dir() -> std::path::PathBuf {
    #[allow(clippy::disallowed_methods)]
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root().join("target"), std::path::PathBuf::from)
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn read_text(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn write(path: &Path, bytes: impl AsRef<[u8]>) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn utf8(path: &Path) -> Result<&str, String> {
    path.to_str().ok_or_else(|| format!("expected a UTF-8 path, found {}", path.display()))
}

/// trunk's module in `site`: the name of its JS glue (`enlist-web-<hash>.js`).
fn trunk_module(site: &Path) -> Result<String, String> {
    let mut names: Vec<String> = std::fs::read_dir(site)
        .map_err(|e| format!("cannot read {}: {e}", site.display()))?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with("enlist-web-") && n.ends_with(".js"))
        .collect();
    match names.len() {
        1 => Ok(names.remove(0)),
        n => Err(format!("expected trunk's one enlist-web-….js in {}, found {n}", site.display())),
    }
}

/// Replaces trunk's one module in `site` with the split build.
pub(crate) fn split_site(site: &Path) -> Result<(), String> {
    let path = crate::web::tool_path();
    // Only this crate is compiled again: the link argument reaches no dependency.
    run(
        "cargo",
        &[
            "rustc",
            "--quiet",
            "-p",
            "enlist-web",
            "--bin",
            "enlist-web",
            "--profile",
            "web",
            "--target",
            "wasm32-unknown-unknown",
            "--features",
            "split",
            "--",
            "-Clink-args=--emit-relocs",
        ],
        &[],
    )?;
    let work = root().join("target/split");
    if work.exists() {
        std::fs::remove_dir_all(&work).map_err(|e| format!("cannot empty {}: {e}", work.display()))?;
    }
    let input = read(&target_dir().join("wasm32-unknown-unknown/web/enlist-web.wasm"))?;
    let main = work.join("main.wasm");
    let split = {
        let mut options = wasm_split_cli_support::Options::new(&input);
        options.output_dir = &work;
        options.main_out_path = &main;
        options.main_module = "./enlist-web.js";
        options.link_name = "./__wasm_split.js";
        wasm_split_cli_support::transform(options).map_err(|e| format!("cannot split the wasm module: {e:#}"))?
    };
    let [later] = split.split_modules.as_slice() else {
        return Err(format!(
            "expected one module split off at web/src/later.rs, found {}: {:?}",
            split.split_modules.len(),
            split.split_modules
        ));
    };
    let bindgen = work.join("bindgen");
    run(
        "wasm-bindgen",
        &[
            "--target",
            "web",
            "--keep-lld-exports",
            "--no-demangle",
            "--out-name",
            "enlist-web",
            "--out-dir",
            utf8(&bindgen)?,
            utf8(&main)?,
        ],
        &[("PATH", &path)],
    )?;
    let flags = wasm_opt_flags()?;
    let optimized = |from: &Path, to: &Path| -> Result<Vec<u8>, String> {
        let mut args: Vec<&str> = flags.iter().map(String::as_str).collect();
        args.extend([utf8(from)?, "-o", utf8(to)?]);
        run("wasm-opt", &args, &[("PATH", &path)])?;
        read(to)
    };
    let main_wasm = optimized(&bindgen.join("enlist-web_bg.wasm"), &work.join("main.opt.wasm"))?;
    let later_wasm = optimized(later, &work.join("later.opt.wasm"))?;
    // What runs after Send is most of the app: a later module that shrank below two-fifths of the
    // whole means code reached from the first module pulled it back (a call around `later.rs`).
    if later_wasm.len() * 5 < (main_wasm.len() + later_wasm.len()) * 2 {
        return Err(format!(
            "expected the later module to hold at least two-fifths of the app's wasm, found {} of {} bytes: does the first module call the run's code other than through web/src/later.rs?",
            later_wasm.len(),
            main_wasm.len() + later_wasm.len()
        ));
    }
    let glue = read_text(&bindgen.join("enlist-web.js"))?;
    let loader = read_text(&work.join("__wasm_split.js"))?;

    // One hash over everything names every file: the two JS files import each other.
    let hash = [&main_wasm[..], &later_wasm, glue.as_bytes(), loader.as_bytes()]
        .iter()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, bytes| fnv1a(h, bytes));
    let names = Names {
        glue: format!("enlist-web-{hash:016x}.js"),
        main: format!("enlist-web-{hash:016x}_bg.wasm"),
        later: format!("enlist-later-{hash:016x}.wasm"),
        loader: format!("enlist-split-{hash:016x}.js"),
    };
    let later_name = later.file_name().and_then(|n| n.to_str()).ok_or("a split module without a name")?;
    // The import, not the key of the wasm's import object (the module's own name for it).
    let glue = replace_once(&glue, "from \"./__wasm_split.js\"", &format!("from \"./{}\"", names.loader))?;
    let loader = replace_once(&loader, "\"./enlist-web.js\"", &format!("\"./{}\"", names.glue))?;
    let loader = replace_once(&loader, &format!("\"./{later_name}\""), &format!("\"./{}\"", names.later))?;

    let old = trunk_module(site)?;
    let old_wasm = old.trim_end_matches(".js").to_owned() + "_bg.wasm";
    for stale in [&old, &old_wasm] {
        for suffix in ["", ".br", ".gz"] {
            let file = site.join(format!("{stale}{suffix}"));
            if file.exists() {
                std::fs::remove_file(&file).map_err(|e| format!("cannot remove {}: {e}", file.display()))?;
            }
        }
    }
    write(&site.join(&names.glue), glue)?;
    write(&site.join(&names.main), main_wasm)?;
    write(&site.join(&names.later), later_wasm)?;
    write(&site.join(&names.loader), loader)?;
    let index = site.join("index.html");
    let html = page(&read_text(&index)?, &old, &old_wasm, &names)?;
    write(&index, html)
}

struct Names {
    glue: String,
    main: String,
    later: String,
    loader: String,
}

/// trunk's page loading the split build: its loader and preload links name the new files. The
/// preload links lose trunk's `integrity` (it was computed for trunk's files).
fn page(html: &str, old_glue: &str, old_wasm: &str, names: &Names) -> Result<String, String> {
    let html = html.replace(old_wasm, &names.main).replace(old_glue, &names.glue);
    if !html.contains(&format!("'/{}'", names.glue)) || !html.contains(&format!("'/{}'", names.main)) {
        return Err(format!(
            "expected trunk's loader to import '/{old_glue}' and load '/{old_wasm}' in index.html; it does not"
        ));
    }
    let mut out = String::with_capacity(html.len());
    let mut preloads = 0;
    for part in html.split_inclusive('>') {
        if part.contains("<link") && (part.contains(&names.glue) || part.contains(&names.main)) {
            preloads += 1;
            out.push_str(&strip_attribute(part, "integrity"));
        } else {
            out.push_str(part);
        }
    }
    if preloads != 2 {
        return Err(format!(
            "expected trunk's two preload links to {old_glue} and {old_wasm} in index.html, found {preloads}"
        ));
    }
    Ok(out)
}

fn strip_attribute(tag: &str, name: &str) -> String {
    let key = format!(" {name}=\"");
    match tag.find(&key) {
        Some(start) => match tag[start + key.len()..].find('"') {
            Some(end) => format!("{}{}", &tag[..start], &tag[start + key.len() + end + 1..]),
            None => tag.to_owned(),
        },
        None => tag.to_owned(),
    }
}

fn replace_once(text: &str, from: &str, to: &str) -> Result<String, String> {
    match text.matches(from).count() {
        1 => Ok(text.replacen(from, to, 1)),
        n => Err(format!("expected {from} once in the split build's JavaScript, found it {n} times")),
    }
}

fn fnv1a(hash: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(hash, |hash, &b| (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_loads_the_split_build() {
        let html = "<head><script type=\"module\">\nimport init, * as bindings from '/enlist-web-aa.js';\nconst wasm = await init({ module_or_path: '/enlist-web-aa_bg.wasm' });\n</script>\n<link rel=\"stylesheet\" href=\"/style-1.css\" integrity=\"sha384-x\"/>\n<link rel=\"modulepreload\" href=\"/enlist-web-aa.js\" crossorigin=\"anonymous\" integrity=\"sha384-y\"><link rel=\"preload\" href=\"/enlist-web-aa_bg.wasm\" crossorigin=\"anonymous\" integrity=\"sha384-z\" as=\"fetch\" type=\"application/wasm\"></head>";
        let names = Names {
            glue: "enlist-web-bb.js".into(),
            main: "enlist-web-bb_bg.wasm".into(),
            later: "enlist-later-bb.wasm".into(),
            loader: "enlist-split-bb.js".into(),
        };
        let page = page(html, "enlist-web-aa.js", "enlist-web-aa_bg.wasm", &names).unwrap();
        assert!(!page.contains("-aa"), "{page}");
        assert!(page.contains("import init, * as bindings from '/enlist-web-bb.js'"), "{page}");
        assert!(page.contains("module_or_path: '/enlist-web-bb_bg.wasm'"), "{page}");
        assert!(
            page.contains("<link rel=\"modulepreload\" href=\"/enlist-web-bb.js\" crossorigin=\"anonymous\">"),
            "{page}"
        );
        assert!(
            page.contains(
                "<link rel=\"preload\" href=\"/enlist-web-bb_bg.wasm\" crossorigin=\"anonymous\" as=\"fetch\""
            ),
            "{page}"
        );
        // Other links keep their integrity.
        assert!(page.contains("href=\"/style-1.css\" integrity=\"sha384-x\""), "{page}");
    }

    #[test]
    fn a_page_without_trunks_loader_is_refused() {
        let names = Names { glue: "g.js".into(), main: "m.wasm".into(), later: "l.wasm".into(), loader: "s.js".into() };
        let error = page("<head></head>", "enlist-web-aa.js", "enlist-web-aa_bg.wasm", &names).unwrap_err();
        assert!(error.contains("expected trunk's loader"), "{error}");
    }

    /// The first module's files call the later code only through `later.rs`'s table: a direct
    /// call would link it into the first module again.
    #[test]
    fn the_first_module_reaches_the_later_code_only_through_its_table() {
        let later = [
            "send",
            "resume",
            "forget",
            "go_on",
            "retry_failures",
            "discover",
            "look_for_saved_run",
            "cancel",
            "repair",
            "check_repair",
            "load_failures",
            "open_journal",
            "drive",
            "focus_stage",
            "stopped",
        ];
        for file in ["lib.rs", "editor.rs", "targets.rs", "settings.rs", "model.rs", "state.rs", "main.rs"] {
            let source = std::fs::read_to_string(root().join("web/src").join(file)).unwrap();
            for (n, line) in source.lines().enumerate() {
                let code = line.split("//").next().unwrap_or("");
                for name in later {
                    assert!(
                        !code.contains(&format!("app.{name}(")) && !code.contains(&format!("self.{name}(")),
                        "web/src/{file}:{}: calls `{name}` directly; go through `app.later(…)`",
                        n + 1
                    );
                }
                assert!(
                    !code.contains("results::Results"),
                    "web/src/{file}:{}: draws the outcome table directly",
                    n + 1
                );
            }
        }
    }

    #[test]
    fn a_reference_is_replaced_exactly_once() {
        assert_eq!(replace_once("import \"./a.js\"", "\"./a.js\"", "\"./b.js\"").unwrap(), "import \"./b.js\"");
        assert!(replace_once("x", "\"./a.js\"", "y").unwrap_err().contains("found it 0 times"));
    }
}
