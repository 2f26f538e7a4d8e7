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
    /// 50,000 members per region instead of 1,000 invited ones.
    #[arg(long)]
    organization: bool,
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
    let emulator = enlist_emulator::Emulator::new(enlist_emulator::Config {
        faults,
        organization: args.organization,
        ..enlist_emulator::Config::default()
    });
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
