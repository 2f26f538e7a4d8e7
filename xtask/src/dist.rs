//! `cargo xtask dist`: what a user uploads. `dist/site/` is the release UI ready for S3 and
//! CloudFront (the inline loader moved into a file so the CSP needs neither a hash nor
//! `'unsafe-inline'`, a `config.json` to fill in, and `headers.json`: the Content-Type and
//! Cache-Control each file must be served with). `dist/lambda/bootstrap.zip` is the proxy as a static
//! `bootstrap` for the `provided.al2023` runtime.

use std::path::Path;

use crate::root;

/// Builds everything into `dist/`.
pub(crate) fn run() -> Result<(), String> {
    crate::web::ensure_tools()?;
    let built = crate::web::build_site()?;
    let dist = root().join("dist");
    let site = dist.join("site");
    site_from(&built, &site)?;
    let bootstrap = crate::build_lambda()?;
    let lambda = dist.join("lambda");
    std::fs::create_dir_all(&lambda).map_err(|e| format!("cannot create {}: {e}", lambda.display()))?;
    // The release profile keeps line tables for backtraces; Lambda needs none of it.
    let stripped = root().join("target/bootstrap-stripped");
    let (from, to) =
        (bootstrap.to_str().ok_or("a path that is not UTF-8")?, stripped.to_str().ok_or("a path that is not UTF-8")?);
    crate::run("strip", &["--strip-all", "-o", to, from], &[])?;
    zip_bootstrap(&stripped, &lambda.join("bootstrap.zip"))?;
    println!("\nwrote {} and {}", site.display(), lambda.join("bootstrap.zip").display());
    Ok(())
}

/// Copies trunk's output from `built` to `out`, moves the inline loader into a file, and writes
/// `config.json` and `headers.json`.
pub(crate) fn site_from(built: &Path, out: &Path) -> Result<(), String> {
    if out.exists() {
        std::fs::remove_dir_all(out).map_err(|e| format!("cannot empty {}: {e}", out.display()))?;
    }
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    for entry in std::fs::read_dir(built).map_err(|e| format!("cannot read {}: {e}", built.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        let compressed = path.extension().is_some_and(|e| e == "br" || e == "gz");
        if path.is_file() && !compressed {
            let name = path.file_name().ok_or("a file without a name")?;
            std::fs::copy(&path, out.join(name)).map_err(|e| format!("cannot copy {}: {e}", path.display()))?;
        }
    }
    let index = out.join("index.html");
    let html = std::fs::read_to_string(&index).map_err(|e| format!("cannot read {}: {e}", index.display()))?;
    let (html, loader_name, loader) = extract_loader(&html)?;
    std::fs::write(out.join(&loader_name), loader).map_err(|e| e.to_string())?;
    std::fs::write(&index, html).map_err(|e| e.to_string())?;
    std::fs::write(out.join("config.json"), CONFIG_TEMPLATE).map_err(|e| e.to_string())?;
    crate::compress::precompress(out)?;
    let mut files: Vec<String> = std::fs::read_dir(out)
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|name| name != "headers.json" && !name.ends_with(".br") && !name.ends_with(".gz"))
        .collect();
    files.sort();
    std::fs::write(out.join("headers.json"), headers_manifest(&files)?).map_err(|e| e.to_string())?;
    Ok(())
}

/// Every field is optional; an empty `proxyUrl` means the proxy answers on the site's own origin
/// (the template routes `/v1/*` there).
const CONFIG_TEMPLATE: &str =
    "{\n  \"proxyUrl\": \"\",\n  \"regions\": [\"us-east-1\"],\n  \"services\": [\"guardduty\"]\n}\n";

/// Takes trunk's one inline `<script type="module">` out of `html`; returns the page, the loader's
/// file name (content-hashed) and its text.
fn extract_loader(html: &str) -> Result<(String, String, String), String> {
    const OPEN: &str = "<script type=\"module\">";
    let start =
        html.find(OPEN).ok_or("expected trunk's inline <script type=\"module\"> loader in index.html, found none")?;
    let end =
        html[start..].find("</script>").map(|e| start + e).ok_or("expected the loader's </script>, found none")?;
    let loader = html[start + OPEN.len()..end].trim().to_owned() + "\n";
    if html[end..].contains("<script") {
        return Err("expected one inline script in index.html, found more; the CSP allows none".to_owned());
    }
    let name = format!("loader-{:016x}.js", fnv1a(loader.as_bytes()));
    let page = format!(
        "{}<script type=\"module\" src=\"/{name}\"></script>{}",
        &html[..start],
        &html[end + "</script>".len()..]
    );
    Ok((page, name, loader))
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// The Content-Type and Cache-Control of every file: hashed assets are immutable, `index.html` and
/// `config.json` are revalidated on every load. Unknown kinds are refused rather than guessed.
/// A compressed file is uploaded from its brotli copy (`body`) with `Content-Encoding: br`: S3 does
/// not negotiate, and every browser that runs WebAssembly takes brotli over HTTPS.
fn headers_manifest(files: &[String]) -> Result<String, String> {
    let mut entries = Vec::new();
    for name in files {
        let content_type = match name.rsplit_once('.').map(|(_, e)| e) {
            Some("html") => "text/html; charset=utf-8",
            Some("js") => "text/javascript; charset=utf-8",
            Some("wasm") => "application/wasm",
            Some("css") => "text/css; charset=utf-8",
            Some("svg") => "image/svg+xml",
            Some("json") => "application/json",
            _ => return Err(format!("expected html, js, wasm, css, svg or json files in the site, found {name}")),
        };
        let cache = if name == "index.html" || name == "config.json" {
            "no-cache"
        } else {
            "public, max-age=31536000, immutable"
        };
        let (body, encoding) =
            if crate::compress::compressible(name) { (format!("{name}.br"), "br") } else { (name.clone(), "identity") };
        entries.push(format!(
            "  {{ \"file\": \"{name}\", \"body\": \"{body}\", \"contentType\": \"{content_type}\", \"contentEncoding\": \"{encoding}\", \"cacheControl\": \"{cache}\" }}"
        ));
    }
    Ok(format!("[\n{}\n]\n", entries.join(",\n")))
}

/// Zips `bootstrap` at the archive's root with its executable bit, as Lambda expects.
fn zip_bootstrap(bootstrap: &Path, zip: &Path) -> Result<(), String> {
    let script = "import sys, zipfile\nwith zipfile.ZipFile(sys.argv[2], 'w', zipfile.ZIP_DEFLATED) as z:\n    info = zipfile.ZipInfo('bootstrap', (2026, 1, 1, 0, 0, 0))\n    info.external_attr = 0o100755 << 16\n    info.compress_type = zipfile.ZIP_DEFLATED\n    z.writestr(info, open(sys.argv[1], 'rb').read())\n";
    let bootstrap = bootstrap.to_str().ok_or("the bootstrap's path is not UTF-8")?;
    let zip = zip.to_str().ok_or("the zip's path is not UTF-8")?;
    crate::run("python3", &["-c", script, bootstrap, zip], &[])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_loader_leaves_the_page() {
        let html = "<head>\n<script type=\"module\">\nimport init from '/a.js';\nawait init();\n</script>\n<link rel=\"stylesheet\"></head>";
        let (page, name, loader) = extract_loader(html).unwrap();
        assert_eq!(loader, "import init from '/a.js';\nawait init();\n");
        assert!(name.starts_with("loader-") && name.ends_with(".js"));
        assert_eq!(
            page,
            format!("<head>\n<script type=\"module\" src=\"/{name}\"></script>\n<link rel=\"stylesheet\"></head>")
        );
        assert!(extract_loader("<head></head>").is_err());
        assert!(extract_loader(&format!("{html}<script>x</script>")).unwrap_err().contains("found more"));
    }

    #[test]
    fn wasm_is_served_as_wasm_and_only_the_page_is_revalidated() {
        let manifest = headers_manifest(&["a_bg.wasm".into(), "index.html".into(), "config.json".into()]).unwrap();
        assert!(manifest.contains(r#"{ "file": "a_bg.wasm", "body": "a_bg.wasm.br", "contentType": "application/wasm", "contentEncoding": "br", "cacheControl": "public, max-age=31536000, immutable" }"#));
        assert!(manifest.contains(
            r#"{ "file": "index.html", "body": "index.html.br", "contentType": "text/html; charset=utf-8", "contentEncoding": "br", "cacheControl": "no-cache" }"#
        ));
        // The host edits config.json after the build: it is uploaded as it is.
        assert!(manifest.contains(
            r#"{ "file": "config.json", "body": "config.json", "contentType": "application/json", "contentEncoding": "identity", "cacheControl": "no-cache" }"#
        ));
        assert!(headers_manifest(&["x.exe".into()]).unwrap_err().contains("found x.exe"));
    }

    /// deploy/template.yaml as JSON, decoded by cfn-lint (the tags `!Sub`, `!Ref` become `Fn::…`).
    fn template() -> serde_json::Value {
        let script = "import json, sys\nfrom cfnlint.decode import decode\ntemplate, problems = decode(sys.argv[1])\nassert not problems, problems\nprint(json.dumps(template))";
        let path = root().join("deploy/template.yaml");
        let out = std::process::Command::new("python3")
            .args(["-c", script, path.to_str().unwrap()])
            .output()
            .expect("python3 with cfn-lint (cargo xtask ci installs it)");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    }

    fn strings(value: &serde_json::Value) -> Vec<String> {
        match value {
            serde_json::Value::String(s) => vec![s.clone()],
            serde_json::Value::Array(items) => items.iter().flat_map(strings).collect(),
            other => vec![other.to_string()],
        }
    }

    #[test]
    fn the_proxy_role_allows_the_operations_enlist_sends_and_its_logs_and_nothing_else() {
        let template = template();
        let mut granted = Vec::new();
        for (name, resource) in template["Resources"].as_object().unwrap() {
            let kind = resource["Type"].as_str().unwrap();
            assert!(
                !matches!(kind, "AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy") || name == "ProxyRole",
                "{name}: a policy outside the proxy's role"
            );
            if kind != "AWS::IAM::Role" {
                continue;
            }
            assert_eq!(name, "ProxyRole", "the template has one role");
            assert!(resource["Properties"].get("ManagedPolicyArns").is_none(), "no managed policies");
            for policy in resource["Properties"]["Policies"].as_array().unwrap() {
                for statement in policy["PolicyDocument"]["Statement"].as_array().unwrap() {
                    assert_eq!(statement["Effect"], "Allow");
                    assert!(statement.get("NotAction").is_none() && statement.get("NotResource").is_none());
                    let resources = strings(&statement["Resource"]);
                    for action in strings(&statement["Action"]) {
                        assert!(!action.contains('*'), "no wildcard actions: {action}");
                        granted.push((action, resources.clone()));
                    }
                }
            }
        }
        let mut actions: Vec<&str> = granted.iter().map(|(a, _)| a.as_str()).collect();
        actions.sort_unstable();
        // Exactly what the proxy forwards (the core's list of operations), and the logs.
        let mut expected: Vec<String> = enlist_core::wire::Operation::ALL
            .iter()
            .map(|o| format!("{}:{}", o.service().as_str(), o.name()))
            .chain(["logs:CreateLogStream".to_owned(), "logs:PutLogEvents".to_owned()])
            .collect();
        expected.sort_unstable();
        expected.dedup();
        assert_eq!(actions, expected);
        // Only the two listing calls, which have no resource to scope to, get "*".
        for (action, resources) in &granted {
            let anywhere = resources.iter().any(|r| r == "*");
            assert_eq!(
                anywhere,
                action.ends_with(":ListDetectors") || action.ends_with(":ListGraphs"),
                "{action}: {resources:?}"
            );
        }
    }

    #[test]
    fn the_template_serves_wasm_under_a_csp_without_inline_script() {
        let template = template();
        let config = &template["Resources"]["SecurityHeaders"]["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"];
        let csp = config["ContentSecurityPolicy"]["ContentSecurityPolicy"].as_str().unwrap();
        assert!(csp.contains("script-src 'self' 'wasm-unsafe-eval'"), "{csp}");
        assert!(!csp.contains("unsafe-inline") && !csp.contains("'unsafe-eval'"), "{csp}");
        assert!(csp.contains("default-src 'none'") && csp.contains("connect-src 'self'"), "{csp}");
        assert_eq!(config["ContentTypeOptions"]["Override"], true);
        assert!(config["StrictTransportSecurity"]["AccessControlMaxAgeSec"].as_u64().unwrap() >= 31_536_000);
        let bucket = &template["Resources"]["SiteBucket"]["Properties"]["PublicAccessBlockConfiguration"];
        for key in ["BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"] {
            assert_eq!(bucket[key], true, "{key}");
        }
    }
}
