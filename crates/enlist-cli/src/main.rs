//! The `enlist` command: `enlist check` reads an account list and reports what Enlist would send.

mod check;
mod driver;
mod emulator;
mod journal;
mod render;
mod serve;
mod submit;

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Add AWS accounts to GuardDuty and Detective: check lists before anything is sent.
#[derive(Debug, Parser)]
#[command(name = "enlist", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check an account list: every problem on the line it came from, and the batches to send.
    Check(check::CheckArgs),
    /// Run the signing proxy (in front of AWS, or the embedded emulator with --emulator).
    Serve(serve::ServeArgs),
    /// Add the accounts of a list as members, through the proxy, and report every outcome.
    Submit(submit::SubmitArgs),
    /// Run the GuardDuty and Detective emulator alone (for boto3, the AWS CLI, load tests).
    Emulator(emulator::EmulatorArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            use clap::error::ErrorKind;
            if matches!(
                error.kind(),
                ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            ) {
                // Help goes to stdout with status 0 (or 2 when a subcommand was missing).
                let _ = error.print();
                return if error.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                    ExitCode::from(2)
                } else {
                    ExitCode::SUCCESS
                };
            }
            return usage_error(&first_line(&error.render().to_string()));
        }
    };
    match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Serve(args) => {
            init_logs();
            serve::run(args)
        }
        Command::Submit(args) => submit::run(args),
        Command::Emulator(args) => {
            init_logs();
            emulator::run(&args)
        }
    }
}

/// Exit status 2 with a one-line message on stderr.
pub(crate) fn usage_error(message: &str) -> ExitCode {
    let message = message.strip_prefix("error: ").unwrap_or(message);
    let _ = writeln!(std::io::stderr(), "enlist: {message}");
    ExitCode::from(2)
}

fn first_line(text: &str) -> String {
    text.lines().find(|l| !l.trim().is_empty()).unwrap_or("invalid arguments").trim().to_owned()
}

/// Logs go to stderr; `RUST_LOG` chooses the level (default `info`).
fn init_logs() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}

/// A message for the person at the terminal, on stderr (stdout stays for results).
pub(crate) fn say(message: &str) {
    let _ = std::io::stderr().write_all(message.as_bytes());
}
