//! `arr`: create, inspect, extend and stop Azure Remote Rendering sessions, and convert models, from a
//! terminal or a script, at parity with ARR's PowerShell `RenderingSession.ps1` and `Conversion.ps1`. Run `arr --help` for settings and exit codes.

mod args;
mod arrconfig;
mod commands;
mod conversions;
mod exit;
mod keep;
mod lease;
mod output;
mod preflight;
mod settings;
mod spinner;

use std::process::ExitCode;

use arr_session::{Client, Error, ErrorKind};
use clap::Parser;

use crate::args::{Cli, Command, ConversionCommand};
use crate::exit::Exit;
use crate::settings::Settings;

fn main() -> ExitCode {
    // clap exits with 2 on usage errors and 0 for --help/--version.
    let cli = Cli::try_parse().unwrap_or_else(|e| e.exit());
    let output = cli.global.output;
    let cwd = std::env::current_dir().unwrap_or_default();
    let env = |name: &str| std::env::var(name).ok();
    // Checking conversion settings and signing SAS tokens never talk to the ARR service.
    let needs_service = !matches!(
        cli.command,
        Command::Storage { .. }
            | Command::Conversion {
                command: ConversionCommand::Check { .. }
            }
    );
    let settings = match Settings::resolve_for(&cli.global, &env, &cwd, needs_service) {
        Ok(settings) => settings,
        Err(e) => return fail(&e, output),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            return fail(
                &Error::new(ErrorKind::Service, format!("cannot start the async runtime: {e}")),
                output,
            )
        }
    };
    let result = runtime.block_on(async {
        let client = Client::new(settings.client.clone())?;
        commands::run(cli.command, &settings, &client).await
    });
    match result {
        Ok(exit) => exit.into(),
        Err(e) => fail(&e, output),
    }
}

fn fail(error: &Error, output: args::OutputFormat) -> ExitCode {
    exit::report(error, output);
    Exit::for_error(error).into()
}
