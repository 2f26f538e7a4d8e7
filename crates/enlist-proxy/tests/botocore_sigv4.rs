//! botocore's SigV4Auth, given the same request, time and credentials, produces the same
//! Authorization header as the proxy (the AWS SigV4 test suite's credentials and time).

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, UNIX_EPOCH};

use aws_credential_types::Credentials;
use enlist_core::wire::{self, Request};
use enlist_core::{AccountId, Invitation, Region, Target};
use enlist_proxy::{aws_host, signature_headers};
use serde_json::{Value, json};

#[test]
fn the_proxy_signs_exactly_as_botocore_does() {
    let region: Region = "eu-central-1".parse().unwrap();
    let id: AccountId = "111122223333".parse().unwrap();
    let invitation = Invitation::new(Some("Join ✓ \"us\""), false);
    let guardduty =
        Target::guardduty(region.clone(), "12abc34d567e8fa901bc2d34e56789f0".parse().unwrap(), invitation.clone())
            .unwrap();
    let detective = Target::detective(
        region.clone(),
        "arn:aws:detective:eu-central-1:111122223333:graph:027c7c4610ea4aacaf0b883093cab899".parse().unwrap(),
        invitation,
        false,
    )
    .unwrap();
    let requests: Vec<Request> = vec![
        wire::create_members_for(&guardduty, [(id, Some("ops+tag@example.com"))]),
        wire::create_members_for(&detective, [(id, Some("ops@example.com"))]),
        wire::list_detectors(&region, Some(50), Some("a b/c+d=e")),
        wire::list_guardduty_members(
            &region,
            &"12abc34d567e8fa901bc2d34e56789f0".parse().unwrap(),
            None,
            Some("tok~en"),
        ),
        wire::list_graphs(&region, None, None),
        wire::get_members(&guardduty, [id]),
        wire::invite_members(&guardduty, [id]).unwrap(),
        wire::delete_members(&detective, [id]).unwrap(),
        wire::security_hub_create_members(&region, [(id, Some("ops@example.com"))]),
        wire::security_hub_invite_members(&region, [id]),
        wire::list_security_hub_members(&region, Some(50), Some("a b")),
        wire::describe_hub(&region),
    ];
    let credentials = Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None, None, "test");
    let time = UNIX_EPOCH + Duration::from_secs(1_440_938_160); // 2015-08-30T12:36:00Z
    let mut ours = Vec::new();
    let mut cases = Vec::new();
    for request in &requests {
        let host = aws_host(request.operation.service(), &region, false).unwrap();
        let signed = signature_headers(request, &host, &credentials, time).unwrap();
        ours.push(signed.iter().find(|(k, _)| k.eq_ignore_ascii_case("authorization")).unwrap().1.clone());
        let headers: serde_json::Map<String, Value> =
            request.headers.iter().map(|(k, v)| (k.clone(), Value::from(v.clone()))).collect();
        cases.push(json!({
            "method": request.method.as_str(),
            "url": format!("https://{host}{}", request.path_and_query()),
            "body": request.body.clone().unwrap_or_default(),
            "headers": headers,
            "service": request.operation.service().as_str(),
            "region": region.as_str(),
        }));
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/botocore/sign.py");
    let mut child = Command::new("python3")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    child.stdin.take().unwrap().write_all(Value::from(cases).to_string().as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "botocore failed (python3 -m pip install botocore):\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let theirs: Vec<String> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(ours, theirs);
    assert!(ours[0].starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/eu-central-1/guardduty/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature="));
    assert!(ours[9].contains("/eu-central-1/securityhub/aws4_request"), "Security Hub signs as `securityhub`");
}
