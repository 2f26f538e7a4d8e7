//! `cargo bench -p enlist-core --bench engine`: the engine's own work per request (decide, build
//! the request, read the answer, write the journal records), with the network taken out: a
//! simulated service answers at once on a virtual clock. It must be negligible next to a network
//! round trip, and what a request costs must not grow with the size of the run.

// A benchmark harness needs a clock; the core itself does not.
#![allow(clippy::disallowed_methods, clippy::print_stdout)]

#[path = "../tests/sim/mod.rs"]
mod sim;

use std::time::{Duration, Instant};

use enlist_core::engine::{Run, RunConfig, to_text};
use enlist_core::{Destination, Invitation, Options, Plan, Policy, Target, parse};
use sim::{Behaviour, DETECTOR, Driver, Faults, Sim, accounts};

fn destinations(regions: &[&str]) -> Vec<Destination> {
    regions
        .iter()
        .flat_map(|r| {
            let region = r.parse().unwrap();
            let graph = format!("arn:aws:detective:{r}:111122223333:graph:027c7c4610ea4aacaf0b883093cab899");
            [
                Destination::Target(
                    Target::guardduty(region, DETECTOR.parse().unwrap(), Invitation::default()).unwrap(),
                ),
                Destination::Target(
                    Target::detective(r.parse().unwrap(), graph.parse().unwrap(), Invitation::default(), false)
                        .unwrap(),
                ),
            ]
        })
        .collect()
}

fn main() {
    for (n, regions) in [(5_000, &["us-east-1", "eu-west-1"][..]), (20_000, &["us-east-1", "eu-west-1"][..])] {
        let input = accounts(n);
        let parsed = parse(&input, &Options::default());
        let plan = Plan::new(&parsed, destinations(regions), Policy::default()).unwrap();
        let once = || {
            let mut sim = Sim::new(1, Faults::default(), Behaviour::default());
            let mut run = plan.start(RunConfig::default(), 0);
            let mut driver = Driver::new(0);
            driver.latency = 0;
            let started = Instant::now();
            driver.drive(&mut run, &mut sim, None);
            let took = started.elapsed();
            assert!(run.all_good());
            // Loading the run again, as a resume does: from its compacted snapshot, and from the
            // append-only journal written along the way (every record of a key, the last winning).
            let snapshot = to_text(&run.snapshot());
            let started = Instant::now();
            let loaded = Run::from_journal(&snapshot).unwrap();
            let snapshot_load = started.elapsed();
            assert!(loaded.all_good());
            let lines: Vec<&str> = driver.journal.iter().map(String::as_str).collect();
            let started = Instant::now();
            let loaded = Run::from_lines(&lines).unwrap();
            let journal_load = started.elapsed();
            assert!(loaded.all_good());
            let written = driver.journal.iter().map(String::len).sum::<usize>();
            (took, driver.sends, written, snapshot_load, snapshot.len(), journal_load)
        };
        let mut times = Vec::new();
        let mut loads = (Vec::new(), Vec::new());
        let (mut sends, mut journal, mut snapshot) = (0, 0, 0);
        let started = Instant::now();
        while times.len() < 3 || (started.elapsed() < Duration::from_secs(5) && times.len() < 20) {
            let (took, s, j, snapshot_load, snapshot_len, journal_load) = once();
            times.push(took);
            loads.0.push(snapshot_load);
            loads.1.push(journal_load);
            (sends, journal, snapshot) = (s, j, snapshot_len);
        }
        let median = |times: &mut Vec<Duration>| {
            times.sort();
            times[times.len() / 2].as_secs_f64() * 1e3
        };
        let run_ms = median(&mut times);
        let outcomes = n * regions.len() * 2;
        println!(
            "bench engine-per-request accounts={n} outcomes={outcomes} requests={sends} run_ms={run_ms:.1} per_request_us={:.1} journal_bytes={journal} snapshot_bytes={snapshot} snapshot_load_ms={:.1} journal_load_ms={:.1}",
            run_ms * 1e3 / sends as f64,
            median(&mut loads.0),
            median(&mut loads.1),
        );
    }
}
