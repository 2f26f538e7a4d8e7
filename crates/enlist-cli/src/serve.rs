//! `enlist serve`: the signing proxy on this machine, in front of AWS or the embedded emulator,
//! optionally serving the built UI from the same origin.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use enlist_core::Region;
use enlist_proxy::{Config, CredentialSource, Upstream};

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// Answer with the embedded emulator instead of AWS (no AWS account needed).
    #[arg(long)]
    emulator: bool,
    /// Faults for the emulator, as JSON: `{"throttleRate":0.1,"errorRate":0.05,"ratePerRegion":5,
    /// "latencyMs":50,"dropRate":0.01,"seed":7}`.
    #[arg(long, value_name = "JSON", requires = "emulator")]
    emulator_faults: Option<String>,
    /// The emulated administrator is an organization's delegated administrator: GuardDuty takes
    /// up to 50,000 members per region instead of 1,000 invited ones, and enables organization
    /// accounts without an invitation.
    #[arg(long, requires = "emulator")]
    emulator_organization: bool,
    /// The whole emulator configuration, as JSON (see `enlist emulator --help`): for example
    /// `{"failingEmails":["wrong@example.com"],"verificationDelayMs":2000,"acceptanceRate":0.5}`.
    #[arg(long, value_name = "JSON", requires = "emulator")]
    emulator_config: Option<String>,
    /// Serve the built UI from this folder at `/`.
    #[arg(long, value_name = "DIR")]
    ui_dir: Option<PathBuf>,
    /// Address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// A bearer token callers must send, at least 32 characters (repeatable). Prefer
    /// ENLIST_TOKENS (comma-separated) or --token-file: a command line is visible to every user
    /// of this machine (`ps`). Without any, a random token is made and printed.
    #[arg(long = "token", value_name = "TOKEN")]
    tokens: Vec<String>,
    /// A file with bearer tokens, one per line (blank lines and `#` comments ignored).
    #[arg(long, value_name = "FILE")]
    token_file: Option<PathBuf>,
    /// Connections open at once; more wait until one closes.
    #[arg(long, value_name = "N", default_value_t = 256)]
    max_connections: usize,
    /// Serve without tokens; refused unless the address is loopback.
    #[arg(long)]
    no_auth: bool,
    /// An origin allowed by CORS, exactly as the browser sends it (repeatable).
    #[arg(long = "allow-origin", value_name = "ORIGIN")]
    origins: Vec<String>,
    /// A Host name callers may use, with its port (repeatable; loopback names are added for a
    /// loopback address).
    #[arg(long = "allow-host", value_name = "HOST")]
    hosts: Vec<String>,
    /// Serve only these regions (repeatable; default: all).
    #[arg(long = "region", value_name = "REGION")]
    regions: Vec<String>,
    /// Sign requests of only these services: `guardduty`, `detective`, `securityhub` (repeatable;
    /// default: all three).
    #[arg(long = "service", value_name = "SERVICE")]
    services: Vec<String>,
    /// Use FIPS endpoints where they exist.
    #[arg(long)]
    fips: bool,
    /// Assume this role with the default credentials before signing.
    #[arg(long, value_name = "ARN")]
    role_arn: Option<String>,
    /// Seconds to wait for the service.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    timeout: u64,
}

/// A random bearer token: 128 bits, hex.
pub(crate) fn random_token() -> Result<String, String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| format!("cannot make a random token: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

pub(crate) fn run(args: ServeArgs) -> ExitCode {
    match configure(args) {
        Ok((config, bind, token, max_connections)) => serve(config, bind, token, max_connections),
        Err(message) => crate::usage_error(&message),
    }
}

fn configure(args: ServeArgs) -> Result<(Config, SocketAddr, Option<String>, usize), String> {
    let loopback = args.bind.ip().is_loopback();
    if args.no_auth && !loopback {
        return Err(format!("--no-auth is only allowed on a loopback address, found {}", args.bind));
    }
    let regions = args
        .regions
        .iter()
        .map(|r| r.parse::<Region>().map_err(|e| format!("--region: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(dir) = &args.ui_dir
        && !dir.join("index.html").is_file()
    {
        return Err(format!("--ui-dir: expected a folder with index.html, found {}", dir.display()));
    }
    let faults: enlist_emulator::Faults = match &args.emulator_faults {
        Some(json) => serde_json::from_str(json)
            .map_err(|e| format!("--emulator-faults: expected JSON such as {{\"throttleRate\":0.1}}, found: {e}"))?,
        None => enlist_emulator::Faults::default(),
    };
    let mut config = if args.emulator {
        let mut emulator = crate::emulator::config(args.emulator_config.as_deref(), "--emulator-config")?;
        if args.emulator_faults.is_some() {
            emulator.faults = faults;
        }
        emulator.organization |= args.emulator_organization;
        Config::emulator(enlist_emulator::Emulator::new(emulator))
    } else {
        Config::aws(CredentialSource::DefaultChain { role_arn: args.role_arn.clone() }, args.fips)
    };
    config.regions = regions;
    if !args.services.is_empty() {
        let mut services = Vec::new();
        for name in &args.services {
            let service = name.parse::<enlist_core::Service>().map_err(|e| format!("--service: {e}"))?;
            if !services.contains(&service) {
                services.push(service);
            }
        }
        config.services = services;
    }
    config.allowed_origins = args.origins;
    config.upstream_timeout = Duration::from_secs(args.timeout.max(1));
    config.ui_dir = args.ui_dir;
    let from_env = std::env::var("ENLIST_TOKENS").unwrap_or_default();
    let mut tokens: Vec<(String, String)> = args.tokens.into_iter().map(|t| ("--token".to_owned(), t)).collect();
    tokens.extend(
        from_env
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| ("ENLIST_TOKENS".to_owned(), t.to_owned())),
    );
    if let Some(file) = &args.token_file {
        let text =
            std::fs::read_to_string(file).map_err(|e| format!("--token-file: cannot read {}: {e}", file.display()))?;
        let before = tokens.len();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if !line.is_empty() && !line.starts_with('#') {
                tokens.push((format!("--token-file {} line {}", file.display(), n + 1), line.to_owned()));
            }
        }
        if tokens.len() == before {
            return Err(format!("--token-file: expected a token on a line of {}, found none", file.display()));
        }
    }
    for (source, token) in &tokens {
        enlist_proxy::check_token(token).map_err(|e| format!("{source}: {e}"))?;
    }
    let mut tokens: Vec<String> = tokens.into_iter().map(|(_, t)| t).collect();
    if args.no_auth && !tokens.is_empty() {
        return Err("expected either --no-auth or tokens, found both".to_owned());
    }
    let mut generated = None;
    if args.no_auth {
        config.allow_unauthenticated = true;
    } else if tokens.is_empty() {
        let token = random_token()?;
        tokens.push(token.clone());
        generated = Some(token);
    }
    config.tokens = tokens;
    // Loopback names are added once the port is known (the address may ask for port 0).
    config.allowed_hosts = args.hosts;
    if args.max_connections == 0 {
        return Err("--max-connections: expected at least 1, found 0".to_owned());
    }
    Ok((config, args.bind, generated, args.max_connections))
}

fn serve(config: Config, bind: SocketAddr, token: Option<String>, max_connections: usize) -> ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => return crate::usage_error(&format!("cannot start: {e}")),
    };
    runtime.block_on(async move {
        let listener = match tokio::net::TcpListener::bind(bind).await {
            Ok(listener) => listener,
            Err(e) => return crate::usage_error(&format!("cannot listen on {bind}: {e}")),
        };
        let address = listener.local_addr().unwrap_or(bind);
        let mut config = config;
        if address.ip().is_loopback() {
            let port = address.port();
            config.allowed_hosts.extend([
                format!("127.0.0.1:{port}"),
                format!("localhost:{port}"),
                format!("[::1]:{port}"),
            ]);
        }
        let upstream = match &config.upstream {
            Upstream::Emulator(emulator) => {
                format!(
                    "the embedded emulator (detector {}, graph {})",
                    emulator.detector_id(),
                    emulator.graph_arn("REGION")
                )
            }
            Upstream::Aws { fips: true } => "AWS (FIPS endpoints)".to_owned(),
            _ => "AWS".to_owned(),
        };
        let mut banner = format!("Enlist proxy on http://{address} → {upstream}\n");
        if config.ui_dir.is_some() {
            banner.push_str(&format!("UI: http://{address}/\n"));
        }
        if let Some(token) = &token {
            banner.push_str(&format!("token: {token}\n"));
            if config.ui_dir.is_some() {
                banner.push_str(&format!("open http://{address}/#token={token}\n"));
            }
        }
        crate::say(&banner);
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        let limits = enlist_proxy::server::Limits { max_connections, ..enlist_proxy::server::Limits::default() };
        match enlist_proxy::server::serve(listener, enlist_proxy::app(config), limits, shutdown).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => crate::usage_error(&format!("the server stopped: {e}")),
        }
    })
}
