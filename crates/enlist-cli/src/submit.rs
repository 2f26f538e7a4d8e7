//! `enlist submit`: the core's machines driven headlessly through the proxy — the same ones the
//! browser drives: discovery per region, then the run (read what each service holds, create,
//! invite, read back, watch until settled), with a progress bar, an append-only journal to resume
//! from, and every account's outcome at the end.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use enlist_core::engine::{RetryPolicy, Run, RunConfig, WatchPolicy};
use enlist_core::wire::Request;
use enlist_core::{
    AccountId, Destination, Discovery, Given, Invitation, Options, Plan, Policy, Region, Service, Services,
    describe_counts, describe_survey, parse,
};

use crate::driver::{Transport, drive, now};
use crate::journal::JournalFile;

#[derive(Debug, Args)]
pub(crate) struct SubmitArgs {
    /// The account list.
    path: PathBuf,
    /// Where to add the accounts: `guardduty`, `detective`, `securityhub`, `both` (GuardDuty and
    /// Detective) or `all` (repeatable).
    #[arg(long, value_name = "SERVICE", required = true)]
    service: Vec<String>,
    /// Regions to add them in (repeatable).
    #[arg(long = "region", value_name = "REGION", required = true)]
    regions: Vec<String>,
    /// A GuardDuty detector, as REGION=ID (repeatable; a bare ID with a single region). Regions
    /// without one are discovered with ListDetectors.
    #[arg(long = "detector-id", value_name = "REGION=ID")]
    detector_ids: Vec<String>,
    /// A Detective behavior graph ARN (repeatable; the ARN names its region). Regions without one
    /// are discovered with ListGraphs.
    #[arg(long = "graph-arn", value_name = "ARN")]
    graph_arns: Vec<String>,
    /// The invitation message (GuardDuty InviteMembers, Detective CreateMembers; Security Hub's
    /// invitation takes none).
    #[arg(long)]
    message: Option<String>,
    /// Send no invitation email (the accounts still have to accept).
    #[arg(long)]
    disable_email_notification: bool,
    /// Detective organization behavior graph: accounts are sent without emails.
    #[arg(long)]
    org_mode: bool,
    /// The administrator account, left out of the list.
    #[arg(long, value_name = "ID")]
    admin_account: Option<String>,
    /// A running Enlist proxy to send through (default: one in this process).
    #[arg(long, value_name = "URL")]
    proxy: Option<String>,
    /// Bearer token for --proxy. Prefer ENLIST_TOKEN: a command line is visible to other users.
    #[arg(long, value_name = "TOKEN")]
    token: Option<String>,
    /// Use the embedded emulator instead of AWS (when no --proxy is given).
    #[arg(long)]
    emulator: bool,
    /// The embedded emulator's configuration, as JSON (see `enlist emulator --help`).
    #[arg(long, value_name = "JSON", requires = "emulator")]
    emulator_config: Option<String>,
    /// Read what each service holds and say what a run would do; change nothing.
    #[arg(long)]
    dry_run: bool,
    /// With --dry-run: write every CreateMembers request a run would send if no account were a
    /// member yet, as JSON (the same the page's preview and `buildRequests` give).
    #[arg(long, value_name = "PATH", requires = "dry_run")]
    requests: Option<PathBuf>,
    /// Keep the run here as it goes; an existing journal is resumed (what failed is tried again).
    #[arg(long, value_name = "PATH")]
    journal: Option<PathBuf>,
    /// Send only the valid accounts of a list that has errors.
    #[arg(long)]
    skip_invalid: bool,
    /// Delete and create again the members whose email verification failed, when the list gives
    /// them another email (deleting is refused for any other member).
    #[arg(long)]
    repair_failed: bool,
    /// Write the results as CSV.
    #[arg(long, value_name = "PATH")]
    results_csv: Option<PathBuf>,
    /// Write the results as JSON.
    #[arg(long, value_name = "PATH")]
    results_json: Option<PathBuf>,
    /// Write the accounts another try could help, as a list to submit again.
    #[arg(long, value_name = "PATH")]
    retry_list: Option<PathBuf>,
    /// Write the accounts whose email verification failed, as a list to correct and submit with
    /// --repair-failed.
    #[arg(long, value_name = "PATH")]
    repair_list: Option<PathBuf>,
    /// How long to watch accounts whose status has not settled, in minutes.
    #[arg(long, value_name = "MINUTES", default_value_t = 10)]
    watch_minutes: u64,
    /// Attempts of one kind of request for an account before giving up (throttling not counted).
    #[arg(long, value_name = "N", default_value_t = RetryPolicy::default().max_attempts)]
    max_attempts: u32,
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

fn services(names: &[String]) -> Result<Services, String> {
    let mut services = Vec::new();
    for name in names {
        if name.eq_ignore_ascii_case("both") {
            services.extend(Services::BOTH.iter());
        } else if name.eq_ignore_ascii_case("all") {
            services.extend(Service::ALL);
        } else {
            services.push(name.parse::<Service>().map_err(|e| format!("--service: {e}"))?);
        }
    }
    Ok(services.into_iter().collect())
}

fn transport(args: &SubmitArgs) -> Result<Transport, String> {
    Ok(match &args.proxy {
        Some(base) => {
            let token = args
                .token
                .clone()
                .or_else(|| std::env::var("ENLIST_TOKEN").ok())
                .ok_or("--proxy needs a token: set ENLIST_TOKEN (or pass --token)")?;
            // The engine times requests out itself (40 s); this only frees a stuck connection.
            let client =
                reqwest::Client::builder().timeout(Duration::from_secs(120)).build().map_err(|e| e.to_string())?;
            Transport::Remote { client, base: base.clone(), token }
        }
        None => {
            let mut config = if args.emulator {
                let emulator = crate::emulator::config(args.emulator_config.as_deref(), "--emulator-config")?;
                enlist_proxy::Config::emulator(enlist_emulator::Emulator::new(emulator))
            } else {
                enlist_proxy::Config::aws(enlist_proxy::CredentialSource::DefaultChain { role_arn: None }, false)
            };
            config.allow_unauthenticated = true;
            Transport::InProcess(enlist_proxy::app(config))
        }
    })
}

async fn submit(args: SubmitArgs) -> Result<ExitCode, String> {
    let services = services(&args.service)?;
    let regions: Vec<Region> =
        args.regions.iter().map(|r| r.parse().map_err(|e| format!("--region: {e}"))).collect::<Result<_, String>>()?;
    let given = Given::from_flags(&args.detector_ids, &args.graph_arns, &regions)?;
    let invitation = Invitation::new(args.message.as_deref(), args.disable_email_notification);
    for service in services.iter() {
        invitation.check(service).map_err(|e| format!("--message: {e}"))?;
    }
    let invites = services.iter().any(|s| s == Service::GuardDuty || (s == Service::Detective && !args.org_mode));
    if invitation != Invitation::default() && !invites {
        crate::say(
            "enlist: note: --message and --disable-email-notification apply to GuardDuty and Detective's invitations; Security Hub sends its own, and an organization behavior graph invites nobody\n",
        );
    }
    let transport = transport(&args)?;
    let config = RunConfig {
        retry: RetryPolicy { max_attempts: args.max_attempts.max(1), ..RetryPolicy::default() },
        watch: WatchPolicy { timeout_ms: args.watch_minutes.saturating_mul(60_000), ..WatchPolicy::default() },
        seed: now(),
        survey: args.dry_run,
        repair_failed: args.repair_failed,
        ..RunConfig::default()
    };
    let mut journal = None;
    let mut run = match args.journal.as_deref().filter(|p| p.exists()) {
        Some(path) => {
            let (run, file) = JournalFile::resume(path)?;
            crate::say(&format!("resuming the run in {} (what failed is tried again)\n", path.display()));
            journal = Some(file);
            run
        }
        None => {
            let bytes = std::fs::read(&args.path).map_err(|e| format!("cannot read {}: {e}", args.path.display()))?;
            let decoded = enlist_core::decode_text(&bytes).map_err(|e| format!("{}: {e}", args.path.display()))?;
            if let Some(note) = &decoded.note {
                crate::say(&format!("enlist: note: {}: {note}\n", args.path.display()));
            }
            let text = decoded.text;
            let mut admin_account = args
                .admin_account
                .as_deref()
                .map(|a| a.parse::<AccountId>().map_err(|e| format!("--admin-account: {e}")))
                .transpose()?;
            if admin_account.is_none() {
                // The proxy knows whose credentials it signs with: that account is never a member.
                admin_account = transport.administrator().await;
                if let Some(admin) = admin_account {
                    crate::say(&format!(
                        "administrator account {admin} (the proxy's credentials): left out of the list\n"
                    ));
                }
            }
            let options = Options { services, organization_mode: args.org_mode, admin_account, format: None };
            let parsed = parse(&text, &options);
            if parsed.has_errors() && !args.skip_invalid {
                crate::say(&crate::render::text(&args.path.display().to_string(), &parsed));
                crate::say("enlist: fix the errors above, or pass --skip-invalid to send only the valid accounts\n");
                return Ok(ExitCode::from(1));
            }
            let mut discovery = Discovery::new(services, &regions, &given, config.clone());
            drive(&mut discovery, &transport, |_| Ok(()), |_| {}).await?;
            for found in discovery.found() {
                crate::say(&format!("{found}\n"));
            }
            let destinations = discovery.destinations(&invitation, args.org_mode);
            let plan = Plan::new(&parsed, destinations, Policy { skip_invalid: args.skip_invalid })
                .map_err(|e| if args.skip_invalid { e.to_string() } else { format!("{e} (--skip-invalid)") })?;
            if let Some(path) = &args.requests {
                std::fs::write(path, enlist_core::requests_json(&plan.requests()))
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            }
            let run = plan.start(config.clone(), now());
            if let Some(path) = &args.journal
                && !args.dry_run
            {
                journal = Some(JournalFile::create(path)?);
            }
            run
        }
    };
    let progress = run.progress();
    crate::say(&format!(
        "{} accounts to {} destination{}{}\n",
        run.accounts().len(),
        progress.destinations.len(),
        if progress.destinations.len() == 1 { "" } else { "s" },
        if args.dry_run { " (dry run: reading only)" } else { "" }
    ));
    let bar = indicatif::ProgressBar::new(progress.accounts as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let result = drive(
        &mut run,
        &transport,
        |run| match journal.as_mut() {
            Some(file) => file.write(run),
            None => {
                run.take_records();
                Ok(())
            }
        },
        |run| {
            let p = run.progress();
            let sum =
                |f: fn(&enlist_core::engine::DestinationProgress) -> usize| p.destinations.iter().map(f).sum::<usize>();
            bar.set_position(p.done as u64);
            bar.set_message(format!(
                "reading {} · creating {} · inviting {} · watching {} · {} in flight · {} throttled",
                sum(|d| d.to_read),
                sum(|d| d.to_create + d.to_delete),
                sum(|d| d.to_invite),
                sum(|d| d.watching),
                p.in_flight,
                p.throttled
            ));
        },
    )
    .await;
    bar.finish_and_clear();
    result?;
    if args.dry_run {
        return Ok(dry_run_report(&run));
    }
    finish(&run, &args)
}

fn dry_run_report(run: &Run) -> ExitCode {
    let mut report = String::from("what a run would do, from what the services hold now:\n");
    for (d, destination) in run.progress().destinations.iter().enumerate() {
        let line = match &destination.unreachable {
            Some(why) => format!("unavailable: {why}"),
            None => describe_survey(destination.service, &destination.labels),
        };
        report.push_str(&format!("  {:<24} {line}\n", destination.label));
        if d == 0
            && let Some(request) = first_request(run)
        {
            report.push_str(&format!("  first request: {} {}\n", request.method.as_str(), request.proxy_path()));
        }
    }
    report.push_str("(dry run: nothing was changed)\n");
    crate::say(&report);
    ExitCode::SUCCESS
}

/// The first CreateMembers the run would send, to show its shape.
fn first_request(run: &Run) -> Option<Request> {
    let target = run.destinations().iter().find_map(Destination::target)?;
    let accounts: Vec<_> = run.accounts().iter().take(enlist_core::MAX_BATCH).cloned().collect();
    Some(enlist_core::wire::create_members(target, &accounts))
}

fn finish(run: &Run, args: &SubmitArgs) -> Result<ExitCode, String> {
    let progress = run.progress();
    let mut report = format!(
        "{} requests ({} throttled in this process)\n",
        enlist_core::thousands(progress.requests as usize),
        progress.throttled
    );
    for destination in &progress.destinations {
        let line = match &destination.unreachable {
            Some(why) => format!("unavailable: {why}"),
            None => describe_counts(&destination.labels),
        };
        report.push_str(&format!("{:<24} {line}\n", destination.label));
    }
    let problems: Vec<_> = run.cells().filter(|v| !v.outcome.is_good()).collect();
    for view in problems.iter().take(20) {
        report.push_str(&format!(
            "  line {}: {} on {}: {}\n",
            view.line,
            view.account.id(),
            view.destination.label(),
            view.outcome.detail()
        ));
    }
    if problems.len() > 20 {
        report.push_str(&format!("  … and {} more (see --results-csv)\n", problems.len() - 20));
    }
    for skipped in run.skipped() {
        report.push_str(&format!("  line {}: skipped: {}\n", skipped.line, skipped.reason));
    }
    let failed_verification = enlist_core::export::repair_list(run).lines().count().saturating_sub(1);
    if failed_verification > 0 {
        report.push_str(&format!(
            "{failed_verification} account{} failed email verification: correct the emails ({}) and run again with --repair-failed\n",
            if failed_verification == 1 { "" } else { "s" },
            args.repair_list.as_ref().map_or("write them with --repair-list".to_owned(), |p| format!("listed in {}", p.display()))
        ));
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
    write(&args.repair_list, enlist_core::export::repair_list(run))?;
    Ok(if run.all_good() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
