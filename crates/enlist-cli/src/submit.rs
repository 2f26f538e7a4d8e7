//! `enlist submit`: the core engine driven headlessly through the proxy — the same machine the
//! browser drives — with a progress bar, a journal to resume from, and the results at the end.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use axum::body::Body;
use clap::Args;
use enlist_core::engine::{Action, BatchKey, Millis, Run, RunConfig, TransportError};
use enlist_core::wire::{self, Request, Response};
use enlist_core::{AccountId, DetectiveOptions, DetectorId, GraphArn, Options, Region, Service, Target, parse};
use tokio::task::JoinSet;
use tower::ServiceExt;

#[derive(Debug, Args)]
pub(crate) struct SubmitArgs {
    /// The account list.
    path: PathBuf,
    /// Where to add the accounts (repeat for both; `both` for both).
    #[arg(long, value_name = "SERVICE", required = true)]
    service: Vec<String>,
    /// Regions to add them in (repeatable).
    #[arg(long = "region", value_name = "REGION", required = true)]
    regions: Vec<String>,
    /// GuardDuty detector ID (default: discovered with ListDetectors in each region).
    #[arg(long, value_name = "ID")]
    detector_id: Option<String>,
    /// Detective behavior graph ARN (default: discovered with ListGraphs in each region).
    #[arg(long, value_name = "ARN")]
    graph_arn: Option<String>,
    /// Detective invitation message.
    #[arg(long)]
    message: Option<String>,
    /// Detective: send no invitation email.
    #[arg(long)]
    disable_email_notification: bool,
    /// Detective organization mode: accounts are sent without emails.
    #[arg(long)]
    org_mode: bool,
    /// The administrator account, excluded from the list.
    #[arg(long, value_name = "ID")]
    admin_account: Option<String>,
    /// A running Enlist proxy to send through (default: one in this process).
    #[arg(long, value_name = "URL")]
    proxy: Option<String>,
    /// Bearer token for --proxy (also ENLIST_TOKEN).
    #[arg(long, value_name = "TOKEN")]
    token: Option<String>,
    /// Use the embedded emulator instead of AWS (when no --proxy is given).
    #[arg(long)]
    emulator: bool,
    /// Show the plan and the first request, and send nothing.
    #[arg(long)]
    dry_run: bool,
    /// Keep the run here as it goes; an existing journal is resumed.
    #[arg(long, value_name = "PATH")]
    journal: Option<PathBuf>,
    /// Send only the valid accounts of a list that has errors.
    #[arg(long)]
    skip_invalid: bool,
    /// Write the results as CSV.
    #[arg(long, value_name = "PATH")]
    results_csv: Option<PathBuf>,
    /// Write the results as JSON.
    #[arg(long, value_name = "PATH")]
    results_json: Option<PathBuf>,
    /// Write the accounts to retry as a list to check and submit again.
    #[arg(long, value_name = "PATH")]
    retry_list: Option<PathBuf>,
    /// Attempts per batch, throttled ones not counted (a throttled batch is retried up to 10 times
    /// in all, at the pace the service allows).
    #[arg(long, value_name = "N", default_value_t = 3)]
    max_attempts: u32,
}

/// How requests reach the proxy.
#[derive(Clone)]
enum Transport {
    InProcess(axum::Router),
    Remote { client: reqwest::Client, base: String, token: String },
}

impl Transport {
    async fn send(&self, request: &Request) -> Result<Response, TransportError> {
        let path =
            format!("/v1/{}/{}{}", request.operation.service().as_str(), request.region, request.path_and_query());
        match self {
            Transport::InProcess(router) => {
                let mut builder = http::Request::builder()
                    .method(request.method.as_str())
                    .uri(&path)
                    .header("authorization", "Bearer in-process");
                for (k, v) in &request.headers {
                    builder = builder.header(k, v);
                }
                let http_request = builder
                    .body(Body::from(request.body.clone().unwrap_or_default()))
                    .map_err(|e| TransportError::Connection(e.to_string()))?;
                let response = router
                    .clone()
                    .oneshot(http_request)
                    .await
                    .map_err(|e| TransportError::Connection(e.to_string()))?;
                let status = response.status().as_u16();
                let headers = response
                    .headers()
                    .iter()
                    .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
                    .collect();
                let body = axum::body::to_bytes(response.into_body(), 8 << 20)
                    .await
                    .map_err(|e| TransportError::Connection(e.to_string()))?;
                Ok(Response { status, headers, body: String::from_utf8_lossy(&body).into_owned() })
            }
            Transport::Remote { client, base, token } => {
                let method =
                    reqwest::Method::from_bytes(request.method.as_str().as_bytes()).unwrap_or(reqwest::Method::POST);
                let mut outgoing =
                    client.request(method, format!("{}{path}", base.trim_end_matches('/'))).bearer_auth(token);
                for (k, v) in &request.headers {
                    outgoing = outgoing.header(k, v);
                }
                let response = outgoing.body(request.body.clone().unwrap_or_default()).send().await.map_err(|e| {
                    if e.is_timeout() {
                        TransportError::Timeout
                    } else {
                        TransportError::Connection("the proxy could not be reached".to_owned())
                    }
                })?;
                let status = response.status().as_u16();
                let headers = response
                    .headers()
                    .iter()
                    .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
                    .collect();
                let body = response
                    .text()
                    .await
                    .map_err(|_| TransportError::Connection("the answer was cut off".to_owned()))?;
                Ok(Response { status, headers, body })
            }
        }
    }
}

pub(crate) fn run(args: SubmitArgs) -> ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => return crate::usage_error(&format!("cannot start: {e}")),
    };
    match runtime.block_on(submit(args)) {
        Ok(code) => code,
        Err(message) => crate::usage_error(&message),
    }
}

fn services(names: &[String]) -> Result<Vec<Service>, String> {
    let mut services = Vec::new();
    for name in names {
        if name.eq_ignore_ascii_case("both") {
            services.extend(Service::ALL);
        } else {
            services.push(name.parse::<Service>().map_err(|e| format!("--service: {e}"))?);
        }
    }
    services.sort();
    services.dedup();
    Ok(services)
}

async fn submit(args: SubmitArgs) -> Result<ExitCode, String> {
    let services = services(&args.service)?;
    let regions: Vec<Region> =
        args.regions.iter().map(|r| r.parse().map_err(|e| format!("--region: {e}"))).collect::<Result<_, String>>()?;
    let transport = match &args.proxy {
        Some(base) => {
            #[allow(clippy::disallowed_methods)]
            let token = args
                .token
                .clone()
                .or_else(|| std::env::var("ENLIST_TOKEN").ok())
                .ok_or("--proxy needs --token (or ENLIST_TOKEN)")?;
            let client =
                reqwest::Client::builder().timeout(Duration::from_secs(60)).build().map_err(|e| e.to_string())?;
            Transport::Remote { client, base: base.clone(), token }
        }
        None => {
            let mut config = if args.emulator {
                enlist_proxy::Config::emulator(enlist_emulator::Emulator::new(enlist_emulator::Config::default()))
            } else {
                enlist_proxy::Config::aws(enlist_proxy::CredentialSource::DefaultChain { role_arn: None }, false)
            };
            config.allow_unauthenticated = true;
            Transport::InProcess(enlist_proxy::app(config))
        }
    };
    let bytes = std::fs::read(&args.path).map_err(|e| format!("cannot read {}: {e}", args.path.display()))?;
    let text = enlist_core::decode_text(&bytes).map_err(|e| format!("{}: {e}", args.path.display()))?;
    let admin_account = args
        .admin_account
        .as_deref()
        .map(|a| a.parse::<AccountId>().map_err(|e| format!("--admin-account: {e}")))
        .transpose()?;
    let options = Options {
        services: services.iter().copied().collect(),
        organization_mode: args.org_mode,
        admin_account,
        format: None,
    };
    let parsed = parse(&text, &options);
    let name = args.path.display().to_string();
    if parsed.has_errors() && !args.skip_invalid {
        let report = crate::render::text(&name, &parsed);
        crate::say(&report);
        crate::say("enlist: fix the errors above, or pass --skip-invalid to send only the valid accounts\n");
        return Ok(ExitCode::from(1));
    }
    let journal_text = args
        .journal
        .as_ref()
        .filter(|p| p.exists())
        .map(std::fs::read_to_string)
        .transpose()
        .map_err(|e| format!("cannot read the journal: {e}"))?;
    let mut run = match journal_text {
        Some(journal) => {
            let run = Run::from_journal(&journal).map_err(|e| {
                format!("{}: {e}", args.journal.as_ref().map_or(String::new(), |p| p.display().to_string()))
            })?;
            crate::say(&format!(
                "resuming the run in {}\n",
                args.journal.as_ref().map_or(String::new(), |p| p.display().to_string())
            ));
            run
        }
        None => {
            let targets = discover(&transport, &args, &services, &regions).await?;
            let config = RunConfig {
                retry: enlist_core::engine::RetryPolicy {
                    max_attempts: args.max_attempts.max(1),
                    ..Default::default()
                },
                seed: 0x5eed,
                ..RunConfig::default()
            };
            Run::new(&text, &parsed, targets, config).map_err(|e| e.to_string())?
        }
    };
    let progress = run.progress();
    crate::say(&format!(
        "{} accounts to {} target{} in {} batch{}: {}\n",
        run.accounts().len(),
        run.targets().len(),
        if run.targets().len() == 1 { "" } else { "s" },
        progress.batches,
        if progress.batches == 1 { "" } else { "es" },
        run.targets().iter().map(Target::label).collect::<Vec<_>>().join(", ")
    ));
    if args.dry_run {
        if let Some(Action::Send { request, .. }) = run.clone().poll(0).into_iter().next() {
            crate::say(&format!(
                "first request: {} {}\n{}\n(dry run: nothing was sent)\n",
                request.method.as_str(),
                request.path_and_query(),
                request
                    .body
                    .as_deref()
                    .and_then(|b| serde_json::from_str::<serde_json::Value>(b).ok())
                    .and_then(|v| serde_json::to_string_pretty(&v).ok())
                    .unwrap_or_default()
            ));
        }
        return Ok(ExitCode::SUCCESS);
    }
    drive(&mut run, &transport, args.journal.as_ref()).await?;
    finish(&run, &args)
}

async fn discover(
    transport: &Transport,
    args: &SubmitArgs,
    services: &[Service],
    regions: &[Region],
) -> Result<Vec<Target>, String> {
    let detector = args
        .detector_id
        .as_deref()
        .map(|d| d.parse::<DetectorId>().map_err(|e| format!("--detector-id: {e}")))
        .transpose()?;
    let graph = args
        .graph_arn
        .as_deref()
        .map(|g| g.parse::<GraphArn>().map_err(|e| format!("--graph-arn: {e}")))
        .transpose()?;
    let options = DetectiveOptions {
        message: args.message.clone(),
        disable_email_notification: args.disable_email_notification,
        organization_mode: args.org_mode,
    };
    options.validate().map_err(|e| format!("--message: {e}"))?;
    let mut targets = Vec::new();
    for region in regions {
        for service in services {
            let attempts = args.max_attempts.max(1);
            let answer = |request: Request| async move { discovery_call(transport, &request, attempts).await };
            match service {
                Service::GuardDuty => {
                    let detector_id = match &detector {
                        Some(d) => d.clone(),
                        None => {
                            let page =
                                wire::parse_list_detectors(&answer(wire::list_detectors(region, None, None)).await?)
                                    .map_err(|e| e.to_string())?;
                            let first = page.items.first().ok_or_else(|| {
                                format!(
                                    "no GuardDuty detector in {region}: enable GuardDuty there, or pass --detector-id"
                                )
                            })?;
                            first.parse().map_err(|e: enlist_core::InvalidIdentifier| e.to_string())?
                        }
                    };
                    targets.push(Target::GuardDuty { region: region.clone(), detector_id });
                }
                Service::Detective => {
                    let graph_arn = match &graph {
                        Some(g) => g.clone(),
                        None => {
                            let page = wire::parse_list_graphs(&answer(wire::list_graphs(region, None, None)).await?)
                                .map_err(|e| e.to_string())?;
                            let first = page.items.first().ok_or_else(|| format!("no Detective behavior graph in {region}: enable Detective there, or pass --graph-arn"))?;
                            first.arn.parse().map_err(|e: enlist_core::InvalidIdentifier| e.to_string())?
                        }
                    };
                    targets.push(Target::Detective { region: region.clone(), graph_arn, options: options.clone() });
                }
            }
        }
    }
    Ok(targets)
}

/// One discovery call, retried like a batch would be: throttling, 5xx and lost answers are tried
/// again with exponential backoff, anything else is reported at once.
async fn discovery_call(transport: &Transport, request: &Request, attempts: u32) -> Result<String, String> {
    let mut last = String::new();
    for attempt in 0..attempts {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_millis((200u64 << attempt.min(6)).min(5_000))).await;
        }
        match transport.send(request).await {
            Ok(response) if response.is_success() => return Ok(response.body),
            Ok(response) => {
                let error = wire::decode_error(&response);
                last = format!("{} in {}: {error}", request.operation, request.region);
                if !wire::classify(&error).is_retryable() {
                    break;
                }
            }
            Err(error) => last = format!("{} in {}: {error:?}", request.operation, request.region),
        }
    }
    Err(last)
}

async fn drive(run: &mut Run, transport: &Transport, journal: Option<&PathBuf>) -> Result<(), String> {
    let bar = indicatif::ProgressBar::new(run.progress().batches as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} batches {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let started = Instant::now();
    let now = || started.elapsed().as_millis() as Millis;
    let mut in_flight: JoinSet<(BatchKey, Result<Response, TransportError>)> = JoinSet::new();
    loop {
        let mut wake = None;
        for action in run.poll(now()) {
            match action {
                Action::Done => {
                    bar.finish_and_clear();
                    save(run, journal)?;
                    return Ok(());
                }
                Action::WaitUntil(at) => wake = Some(at),
                Action::Send { key, request, .. } => {
                    let transport = transport.clone();
                    in_flight.spawn(async move {
                        (
                            key,
                            tokio::time::timeout(Duration::from_secs(60), transport.send(&request))
                                .await
                                .unwrap_or(Err(TransportError::Timeout)),
                        )
                    });
                }
            }
        }
        let sleep = wake.map_or(Duration::from_secs(3600), |at| Duration::from_millis(at.saturating_sub(now())));
        tokio::select! {
            Some(done) = in_flight.join_next() => {
                let (key, result) = done.map_err(|e| format!("a request task failed: {e}"))?;
                match result {
                    Ok(response) => run.on_response(key, &response, now()),
                    Err(error) => run.on_transport_error(key, error, now()),
                }
                save(run, journal)?;
            }
            () = tokio::time::sleep(sleep) => {}
        }
        let progress = run.progress();
        bar.set_position(progress.done as u64);
        bar.set_message(format!(
            "{} in flight, {} waiting, {} throttled",
            progress.in_flight, progress.waiting, progress.throttled
        ));
    }
}

fn save(run: &Run, journal: Option<&PathBuf>) -> Result<(), String> {
    let Some(path) = journal else { return Ok(()) };
    // Write next to it and rename, so a crash never leaves half a journal.
    let partial = path.with_extension("partial");
    std::fs::write(&partial, run.to_journal())
        .and_then(|()| std::fs::rename(&partial, path))
        .map_err(|e| format!("cannot write the journal {}: {e}", path.display()))
}

fn finish(run: &Run, args: &SubmitArgs) -> Result<ExitCode, String> {
    let mut counts: BTreeMap<(String, &str), usize> = BTreeMap::new();
    for view in run.cells() {
        *counts.entry((view.target.label(), view.cell.outcome.label())).or_default() += 1;
    }
    let mut report = String::new();
    for ((target, outcome), n) in &counts {
        report.push_str(&format!("{target:<24} {outcome:<26} {n}\n"));
    }
    let problems: Vec<_> = run.cells().filter(|v| !v.cell.outcome.is_member()).collect();
    for view in problems.iter().take(20) {
        report.push_str(&format!(
            "  line {}: {} on {}: {}\n",
            view.line,
            view.account.id(),
            view.target.label(),
            view.cell.outcome.detail()
        ));
    }
    if problems.len() > 20 {
        report.push_str(&format!("  … and {} more (see --results-csv)\n", problems.len() - 20));
    }
    for skipped in run.skipped() {
        report.push_str(&format!("  line {}: skipped: {}\n", skipped.line, skipped.reason));
    }
    crate::say(&report);
    let write = |path: &Option<PathBuf>, text: String| -> Result<(), String> {
        match path {
            Some(path) => std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display())),
            None => Ok(()),
        }
    };
    write(&args.results_csv, enlist_core::export::results_csv(run))?;
    write(&args.results_json, enlist_core::export::results_json(run))?;
    write(&args.retry_list, enlist_core::export::retry_list(run))?;
    Ok(if problems.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
