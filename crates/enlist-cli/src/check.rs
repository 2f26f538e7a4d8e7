//! `enlist check`: read a file or stdin, parse it with the core, print diagnostics or JSON.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use enlist_core::{AccountId, Format, Options, Service, Services, parse};

use crate::render;

#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// The account list; `-` or nothing reads standard input.
    path: Option<PathBuf>,
    /// The service the accounts will be added to (`both` checks GuardDuty's and Detective's rules,
    /// `all` Security Hub's too).
    #[arg(long, value_enum)]
    service: ServiceArg,
    /// The administrator account, which is excluded from the list.
    #[arg(long, value_name = "ID")]
    admin_account: Option<String>,
    /// Detective organization mode: accounts need no email.
    #[arg(long)]
    org_mode: bool,
    /// Read the input as this format instead of detecting it.
    #[arg(long, value_name = "FORMAT")]
    format: Option<String>,
    /// Print one JSON object instead of compiler-style text.
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ServiceArg {
    Guardduty,
    Detective,
    Securityhub,
    Both,
    All,
}

pub(crate) fn run(args: &CheckArgs) -> ExitCode {
    let services = match args.service {
        ServiceArg::Guardduty => Services::only(Service::GuardDuty),
        ServiceArg::Detective => Services::only(Service::Detective),
        ServiceArg::Securityhub => Services::only(Service::SecurityHub),
        ServiceArg::Both => Services::BOTH,
        ServiceArg::All => Services::ALL,
    };
    let admin_account = match args.admin_account.as_deref().map(str::parse::<AccountId>) {
        None => None,
        Some(Ok(id)) => Some(id),
        Some(Err(error)) => return crate::usage_error(&format!("--admin-account: {error}")),
    };
    let format = match args.format.as_deref().map(str::parse::<Format>) {
        None => None,
        Some(Ok(format)) => Some(format),
        Some(Err(error)) => return crate::usage_error(&format!("--format: {error}")),
    };
    if args.org_mode && !services.contains(Service::Detective) {
        return crate::usage_error("--org-mode is a Detective option; add --service detective");
    }
    let (name, bytes) = match read_input(args.path.as_ref()) {
        Ok(input) => input,
        Err(message) => return crate::usage_error(&message),
    };
    let text = match enlist_core::decode_text(&bytes) {
        Ok(decoded) => {
            // Said once, on stderr, so `--json` stays the contract on stdout.
            if let Some(note) = &decoded.note {
                crate::say(&format!("enlist: note: {name}: {note}\n"));
            }
            decoded.text
        }
        Err(error) => return crate::usage_error(&format!("{name}: {error}")),
    };
    let options = Options { services, organization_mode: args.org_mode, admin_account, format };
    let parsed = parse(&text, &options);
    let output = if args.json { render::json(&parsed) } else { render::text(&name, &parsed) };
    let mut stdout = std::io::stdout().lock();
    if stdout.write_all(output.as_bytes()).and_then(|()| stdout.flush()).is_err() {
        return ExitCode::from(2);
    }
    if parsed.has_errors() { ExitCode::from(1) } else { ExitCode::SUCCESS }
}

fn read_input(path: Option<&PathBuf>) -> Result<(String, Vec<u8>), String> {
    match path.filter(|p| p.as_os_str() != "-") {
        None => {
            let mut bytes = Vec::new();
            std::io::stdin().read_to_end(&mut bytes).map_err(|e| format!("cannot read standard input: {e}"))?;
            Ok(("<stdin>".to_owned(), bytes))
        }
        Some(path) => {
            let name = path.display().to_string();
            let bytes = std::fs::read(path).map_err(|e| format!("cannot read {name}: {}", io_reason(&e)))?;
            Ok((name, bytes))
        }
    }
}

fn io_reason(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        std::io::ErrorKind::IsADirectory => "it is a directory".to_owned(),
        _ => error.to_string(),
    }
}
