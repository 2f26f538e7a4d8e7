//! A third party verifies the proxy's signatures: moto's server, with its IAM authentication on,
//! accepts a GuardDuty request signed by `enlist_proxy::signature_headers` and refuses the same
//! request signed with the wrong secret.
//!
//! The request is CreateDetector, a POST. moto 5 rebuilds GET requests for verification with their
//! query parameters as the body, so it refuses every signed GET — boto3's own ListDetectors
//! included — and cannot judge ListDetectors.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use aws_credential_types::Credentials;
use enlist_core::wire::{Method, Operation, Request};
use enlist_proxy::signature_headers;

struct Moto(Child);

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_moto() -> (Moto, String) {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new("python3")
        .args(["-m", "moto.server", "-H", "127.0.0.1", "-p", &port.to_string()])
        .env("INITIAL_NO_AUTH_ACTION_COUNT", "3")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3 runs moto (`python3 -m pip install 'moto[server]'`; `cargo xtask ci` installs it)");
    let moto = Moto(child);
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "moto's server did not start (is `moto[server]` installed?)");
        std::thread::sleep(Duration::from_millis(100));
    }
    (moto, format!("127.0.0.1:{port}"))
}

fn create_detector(host: &str, credentials: &Credentials) -> (u16, String) {
    // Signing needs only the service (from the operation), method, path, headers and body.
    let request = Request {
        operation: Operation::GuardDutyCreateMembers,
        region: "us-east-1".parse().unwrap(),
        method: Method::Post,
        path: "/detector".to_owned(),
        query: Vec::new(),
        headers: vec![("Content-Type".to_owned(), "application/json".to_owned())],
        body: Some(r#"{"enable":true}"#.to_owned()),
    };
    #[allow(clippy::disallowed_methods)]
    let now = SystemTime::now();
    let signed = signature_headers(&request, host, credentials, now).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let mut outgoing = reqwest::Client::new()
            .post(format!("http://{host}/detector"))
            .header("content-type", "application/json")
            .body(request.body.clone().unwrap());
        for (name, value) in &signed {
            outgoing = outgoing.header(name, value);
        }
        let response = outgoing.send().await.unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    })
}

#[test]
fn moto_accepts_what_the_proxy_signs() {
    let (_moto, host) = start_moto();
    let setup = Command::new("python3")
        .args([concat!(env!("CARGO_MANIFEST_DIR"), "/tests/moto/setup.py"), &format!("http://{host}")])
        .output()
        .unwrap();
    assert!(setup.status.success(), "{}", String::from_utf8_lossy(&setup.stderr));
    let keys = String::from_utf8(setup.stdout).unwrap();
    let (key, secret) = keys.trim().split_once(' ').unwrap();
    let (status, body) = create_detector(&host, &Credentials::new(key, secret, None, None, "moto"));
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("detectorId"), "{body}");
    let (status, body) = create_detector(&host, &Credentials::new(key, "not-the-secret", None, None, "moto"));
    assert_eq!(status, 403, "moto checks signatures: {body}");
    assert!(body.contains("SignatureDoesNotMatch"), "{body}");
}
