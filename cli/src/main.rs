//! `arr`: create, inspect, extend and stop Azure Remote Rendering sessions, and convert models, from a
//! terminal or a script, at parity with ARR's PowerShell `RenderingSession.ps1` and `Conversion.ps1`. Run `arr --help` for settings and exit codes.

mod args;
mod arrconfig;
mod commands;
mod conversion_settings;
mod conversions;
mod cost;
mod doctor;
mod durations;
mod exit;
mod fallback;
mod history;
mod keep;
mod needs_settings;
mod output;
mod preflight;
mod reap;
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
            | Command::History { .. }
            | Command::Conversion {
                command: ConversionCommand::Check { .. }
            }
    );
    if let Command::History { failed, session } = &cli.command {
        let path = needs_settings::history_path(&cli.global, &env).map(|p| cwd.join(p));
        return match history::show(path.as_deref(), *failed, session.as_deref(), output) {
            Ok(exit) => exit.into(),
            Err(e) => fail(&e, output),
        };
    }
    let mut settings = match Settings::resolve_for(&cli.global, &env, &cwd, needs_service) {
        Ok(settings) => settings,
        Err(e) => return fail(&e, output),
    };
    needs_settings::enable_history(&cli.global, &env, &cwd, &mut settings.client);
    let prices = match needs_settings::prices(&cli.global, &env) {
        Ok(prices) => prices,
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
    if let Command::Doctor { session } = cli.command {
        return runtime.block_on(doctor::run(&settings.client, session, output));
    }
    let result = runtime.block_on(async {
        let client = Client::new(settings.client.clone())?;
        commands::run(cli.command, &settings, prices, &client).await
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
