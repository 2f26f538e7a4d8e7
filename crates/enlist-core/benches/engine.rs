//! `cargo bench -p enlist-core --bench engine`: the engine's own work per batch (plan, build the
//! request, read the answer, record 50 outcomes), with the network taken out: answers are made
//! in advance and delivered at once. It must be negligible next to a network round trip.

// A benchmark harness needs a clock; the core itself does not.
#![allow(clippy::disallowed_methods, clippy::print_stdout)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use enlist_core::engine::{Action, Run, RunConfig};
use enlist_core::wire::Response;
use enlist_core::{Options, Target, parse};

fn main() {
    let input: String =
        (0..5_000u64).map(|i| format!("{:012},member{i}@example.com\n", 300_000_000_000 + i * 3)).collect();
    let parsed = parse(&input, &Options::default());
    let graph = "arn:aws:detective:us-east-1:111122223333:graph:027c7c4610ea4aacaf0b883093cab899";
    let targets = vec![
        Target::GuardDuty {
            region: "us-east-1".parse().unwrap(),
            detector_id: "12abc34d567e8fa901bc2d34e56789f0".parse().unwrap(),
        },
        Target::GuardDuty {
            region: "eu-west-1".parse().unwrap(),
            detector_id: "12abc34d567e8fa901bc2d34e56789f0".parse().unwrap(),
        },
        Target::Detective {
            region: "us-east-1".parse().unwrap(),
            graph_arn: graph.parse().unwrap(),
            options: Default::default(),
        },
    ];
    // Answers made in advance: GuardDuty takes everything; Detective lists 50 members per batch.
    let guardduty_ok = Response { status: 200, headers: vec![], body: r#"{"unprocessedAccounts":[]}"#.into() };
    let detective_ok: Vec<Response> = parsed
        .accounts
        .chunks(50)
        .map(|chunk| {
            let members: Vec<serde_json::Value> = chunk
                .iter()
                .map(|a| serde_json::json!({"AccountId": a.id().to_string(), "EmailAddress": a.email(), "GraphArn": graph, "Status": "VERIFICATION_IN_PROGRESS"}))
                .collect();
            Response { status: 200, headers: vec![], body: serde_json::json!({"Members": members, "UnprocessedAccounts": []}).to_string() }
        })
        .collect();
    let run_once = || {
        let mut run = Run::new(&input, &parsed, targets.clone(), RunConfig::default()).unwrap();
        let mut batches = 0;
        loop {
            let actions = run.poll(0);
            if actions == [Action::Done] {
                break;
            }
            for action in actions {
                if let Action::Send { key, request, .. } = action {
                    batches += 1;
                    let response = if request.path == "/graph/members" {
                        &detective_ok[key.0 % detective_ok.len()]
                    } else {
                        &guardduty_ok
                    };
                    run.on_response(key, black_box(response), 0);
                }
            }
        }
        batches
    };
    let batches = run_once();
    let mut times = Vec::new();
    let started = Instant::now();
    while times.len() < 5 || (started.elapsed() < Duration::from_secs(2) && times.len() < 100) {
        let start = Instant::now();
        black_box(run_once());
        times.push(start.elapsed());
    }
    times.sort();
    let median = times[times.len() / 2];
    println!(
        "bench engine-per-batch batches={batches} accounts=5000 outcomes=15000 run_ms={:.3} per_batch_us={:.1}",
        median.as_secs_f64() * 1e3,
        median.as_secs_f64() * 1e6 / batches as f64
    );
}
