//! The credentials cache refreshes only shortly before expiry, and the UI folder is served at `/`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider, future};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use enlist_emulator::Emulator;
use enlist_proxy::{Config, CredentialSource, app};
use tower::ServiceExt;

/// Hands out the emulator's keys, expiring `lifetime` from now, and counts the calls.
#[derive(Debug)]
struct Counting {
    calls: Arc<AtomicUsize>,
    lifetime: Duration,
}

impl ProvideCredentials for Counting {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        self.calls.fetch_add(1, Ordering::SeqCst);
        #[allow(clippy::disallowed_methods)]
        let expiry = SystemTime::now() + self.lifetime;
        future::ProvideCredentials::ready(Ok(Credentials::new(
            enlist_emulator::ACCESS_KEY,
            enlist_emulator::SECRET_KEY,
            None,
            Some(expiry),
            "counting",
        )))
    }
}

async fn list_detectors(router: &axum::Router) -> StatusCode {
    let request = Request::builder()
        .uri("/v1/guardduty/us-east-1/detector")
        .header("authorization", "Bearer t")
        .body(Body::empty())
        .unwrap();
    router.clone().oneshot(request).await.unwrap().status()
}

async fn calls_for(lifetime: Duration) -> usize {
    let calls = Arc::new(AtomicUsize::new(0));
    let mut config = Config::emulator(Emulator::new(enlist_emulator::Config::default()));
    config.tokens = vec!["t".into()];
    config.credentials =
        CredentialSource::Provider(SharedCredentialsProvider::new(Counting { calls: Arc::clone(&calls), lifetime }));
    let router = app(config);
    for _ in 0..3 {
        assert_eq!(list_detectors(&router).await, StatusCode::OK);
    }
    calls.load(Ordering::SeqCst)
}

#[tokio::test]
async fn credentials_are_cached_until_five_minutes_before_expiry() {
    assert_eq!(calls_for(Duration::from_secs(3600)).await, 1, "an hour left: fetched once");
    assert_eq!(calls_for(Duration::from_secs(240)).await, 3, "four minutes left: fetched for every request");
}

#[tokio::test]
async fn serves_the_ui_folder_at_the_root() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("ui-dir");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.html"), "<!doctype html><title>Enlist</title>").unwrap();
    let mut config = Config::emulator(Emulator::new(enlist_emulator::Config::default()));
    config.ui_dir = Some(dir);
    let router = app(config);
    let response = router.clone().oneshot(Request::builder().uri("/").body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body = axum::body::to_bytes(response.into_body(), 1 << 16).await.unwrap();
    assert!(String::from_utf8_lossy(&body).contains("<title>Enlist</title>"));
    let missing =
        router.clone().oneshot(Request::builder().uri("/nothing.js").body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    // The page always asks for config.json: without one in the folder, an empty configuration.
    let config = router.oneshot(Request::builder().uri("/config.json").body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(config.status(), StatusCode::OK);
    assert_eq!(config.headers()["content-type"], "application/json");
    assert_eq!(&axum::body::to_bytes(config.into_body(), 1 << 16).await.unwrap()[..], b"{}");
}

#[tokio::test]
async fn serves_the_smallest_copy_the_browser_takes() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("ui-dir-compressed");
    std::fs::create_dir_all(&dir).unwrap();
    // Stand-ins for what `cargo xtask` writes: the file and its brotli and gzip copies.
    std::fs::write(dir.join("app_bg.wasm"), b"raw wasm").unwrap();
    std::fs::write(dir.join("app_bg.wasm.br"), b"brotli wasm").unwrap();
    std::fs::write(dir.join("app_bg.wasm.gz"), b"gzip wasm").unwrap();
    std::fs::write(dir.join("config.json"), b"{}").unwrap();
    let mut config = Config::emulator(Emulator::new(enlist_emulator::Config::default()));
    config.ui_dir = Some(dir);
    let router = app(config);
    let get = |path: &'static str, accept: Option<&'static str>| {
        let router = router.clone();
        async move {
            let mut request = Request::builder().uri(path);
            if let Some(accept) = accept {
                request = request.header("accept-encoding", accept);
            }
            let response = router.oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{path} {accept:?}");
            let header = |name: &str| response.headers().get(name).map(|v| v.to_str().unwrap().to_owned());
            let (encoding, kind) = (header("content-encoding"), header("content-type"));
            if path.ends_with(".wasm") {
                assert_eq!(header("vary").as_deref(), Some("accept-encoding"), "{path} {accept:?}");
            }
            let body = axum::body::to_bytes(response.into_body(), 1 << 16).await.unwrap();
            (encoding, kind, String::from_utf8(body.to_vec()).unwrap())
        }
    };
    let wasm = Some("application/wasm".to_owned());
    assert_eq!(
        get("/app_bg.wasm", Some("gzip, deflate, br, zstd")).await,
        (Some("br".to_owned()), wasm.clone(), "brotli wasm".to_owned())
    );
    assert_eq!(
        get("/app_bg.wasm", Some("gzip")).await,
        (Some("gzip".to_owned()), wasm.clone(), "gzip wasm".to_owned())
    );
    assert_eq!(get("/app_bg.wasm", None).await, (None, wasm, "raw wasm".to_owned()));
    // A file without copies (config.json is edited after the build) is sent as it is.
    assert_eq!(get("/config.json", Some("br")).await, (None, Some("application/json".to_owned()), "{}".to_owned()));
}
