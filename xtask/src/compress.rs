//! Precompressed copies of a built site: `name.br` (brotli, quality 11) and `name.gz` (gzip -9)
//! beside every file a browser downloads, so `enlist serve` (tower-http's `ServeDir`) and S3 send the
//! smallest form without compressing per request.

use std::io::Write;
use std::path::Path;

/// The kinds of file that are compressed; `config.json` is left alone because a host edits it
/// after the build (a stale compressed copy would win over the edit).
const COMPRESSED: [&str; 6] = ["html", "js", "wasm", "css", "svg", "json"];

/// Whether `name` gets compressed copies.
pub(crate) fn compressible(name: &str) -> bool {
    name != "config.json" && name.rsplit_once('.').is_some_and(|(_, ext)| COMPRESSED.contains(&ext))
}

/// Brotli at its best quality with a 4 MB window (the largest file, the wasm, is under 1 MB).
pub(crate) fn brotli(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams { quality: 11, lgwin: 22, ..Default::default() };
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params).map_err(|e| format!("brotli failed: {e}"))?;
    Ok(out)
}

/// Gzip at level 9, as `gzip -9` writes it.
pub(crate) fn gzip(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).map_err(|e| format!("gzip failed: {e}"))?;
    encoder.finish().map_err(|e| format!("gzip failed: {e}"))
}

/// Writes `name.br` and `name.gz` beside every compressible file of `dir` (not into folders),
/// replacing older copies; removes copies whose file is gone or no longer compressed.
pub(crate) fn precompress(dir: &Path) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    names.sort();
    for name in &names {
        if let Some(original) = name.strip_suffix(".br").or_else(|| name.strip_suffix(".gz")) {
            if !(compressible(original) && names.iter().any(|n| n == original)) {
                std::fs::remove_file(dir.join(name)).map_err(|e| format!("cannot remove {name}: {e}"))?;
            }
            continue;
        }
        if !compressible(name) {
            continue;
        }
        let bytes = std::fs::read(dir.join(name)).map_err(|e| format!("cannot read {name}: {e}"))?;
        std::fs::write(dir.join(format!("{name}.br")), brotli(&bytes)?)
            .map_err(|e| format!("cannot write {name}.br: {e}"))?;
        std::fs::write(dir.join(format!("{name}.gz")), gzip(&bytes)?)
            .map_err(|e| format!("cannot write {name}.gz: {e}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_go_beside_what_browsers_download_and_never_beside_config_json() {
        let dir = std::env::temp_dir().join(format!("enlist-precompress-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let wasm: Vec<u8> = (0..20_000u32).flat_map(|i| (i % 251).to_le_bytes()).collect();
        std::fs::write(dir.join("app_bg.wasm"), &wasm).unwrap();
        std::fs::write(dir.join("config.json"), "{}").unwrap();
        std::fs::write(dir.join("notes.txt"), "not served").unwrap();
        std::fs::write(dir.join("gone.js.br"), "stale").unwrap();
        precompress(&dir).unwrap();
        let mut names: Vec<String> =
            std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        names.sort();
        assert_eq!(names, ["app_bg.wasm", "app_bg.wasm.br", "app_bg.wasm.gz", "config.json", "notes.txt"]);
        let br = std::fs::read(dir.join("app_bg.wasm.br")).unwrap();
        let mut back = Vec::new();
        brotli::BrotliDecompress(&mut &br[..], &mut back).unwrap();
        assert_eq!(back, wasm);
        let gz = std::fs::read(dir.join("app_bg.wasm.gz")).unwrap();
        let mut back = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut back).unwrap();
        assert_eq!(back, wasm);
        assert!(
            br.len() < gz.len() && gz.len() < wasm.len(),
            "brotli {} < gzip {} < raw {}",
            br.len(),
            gz.len(),
            wasm.len()
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
