//! `enlist emulator`: the emulator alone on a loopback port, for boto3, the AWS CLI or a load test.

use std::net::SocketAddr;
use std::process::ExitCode;

use clap::Args;

#[derive(Debug, Args)]
pub(crate) struct EmulatorArgs {
    /// Address to listen on (loopback only: it is a test double).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:4566")]
    bind: SocketAddr,
    /// Faults, as JSON (see `enlist serve --emulator-faults`).
    #[arg(long, value_name = "JSON")]
    faults: Option<String>,
    /// The administrator is an organization's delegated administrator: GuardDuty takes up to
    /// 50,000 members per region instead of 1,000 invited ones, and enables organization accounts
    /// without an invitation.
    #[arg(long)]
    organization: bool,
    /// The whole configuration, as JSON, every field optional: `adminAccount`, `disabledRegions`,
    /// `securityHubDisabledRegions`,
    /// `verificationDelayMs`, `failingEmails`, `foreignMembers`, `organization`,
    /// `organizationAccounts` (empty: every account), `acceptanceRate`, `acceptanceDelayMs`,
    /// `faults`.
    #[arg(long, value_name = "JSON")]
    config: Option<String>,
}

/// Reads an emulator configuration given as JSON; the defaults for what it leaves out.
pub(crate) fn config(json: Option<&str>, flag: &str) -> Result<enlist_emulator::Config, String> {
    match json {
        Some(json) => serde_json::from_str(json).map_err(|e| {
            format!("{flag}: expected JSON such as {{\"failingEmails\":[\"wrong@example.com\"]}}, found: {e}")
        }),
        None => Ok(enlist_emulator::Config::default()),
    }
}

pub(crate) fn run(args: &EmulatorArgs) -> ExitCode {
    if !args.bind.ip().is_loopback() {
        return crate::usage_error(&format!("expected a loopback address for the emulator, found {}", args.bind));
    }
    let faults = match args.faults.as_deref().map(serde_json::from_str::<enlist_emulator::Faults>).transpose() {
        Ok(faults) => faults.unwrap_or_default(),
        Err(e) => {
            return crate::usage_error(&format!(
                "--faults: expected JSON such as {{\"throttleRate\":0.1}}, found: {e}"
            ));
        }
    };
    let mut config = match config(args.config.as_deref(), "--config") {
        Ok(config) => config,
        Err(message) => return crate::usage_error(&message),
    };
    if args.faults.is_some() {
        config.faults = faults;
    }
    config.organization |= args.organization;
    let emulator = enlist_emulator::Emulator::new(config);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => return crate::usage_error(&format!("cannot start: {e}")),
    };
    runtime.block_on(async move {
        let listener = match tokio::net::TcpListener::bind(args.bind).await {
            Ok(listener) => listener,
            Err(e) => return crate::usage_error(&format!("cannot listen on {}: {e}", args.bind)),
        };
        let address = listener.local_addr().unwrap_or(args.bind);
        crate::say(&format!(
            "Enlist emulator on http://{address} (access key {}, secret key {}, administrator {}, detector {})\n",
            enlist_emulator::ACCESS_KEY,
            enlist_emulator::SECRET_KEY,
            enlist_emulator::ADMIN_ACCOUNT,
            emulator.detector_id()
        ));
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        match axum::serve(listener, enlist_emulator::app(emulator)).with_graceful_shutdown(shutdown).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => crate::usage_error(&format!("the emulator stopped: {e}")),
        }
    })
}
