//! The commands. Each is a thin layer over one or two `arr_session::Client` calls: polling, retry, auth
//! and the JSON shape all live in the core.

use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Write};
use std::sync::{Arc, Mutex};

use arr_session::{Client, CreateSessionOptions, Error, PriceTable, Result, Session, WaitOptions};
use serde_json::json;

use crate::args::{Command, CreateFlags, OutputFormat, SessionCommand};
use crate::conversions;
use crate::exit::{self, Exit};
use crate::keep;
use crate::output;
use crate::settings::Settings;
use crate::spinner::{Spinner, SpinnerHandle};

/// Runs `command`. Failures of the command as a whole come back as `Err` (reported by the caller);
/// commands over several sessions report each failure themselves and return the first one's exit code.
/// `prices`: the price table of `--prices` / `ARR_PRICES`, for costs.
pub async fn run(command: Command, settings: &Settings, prices: Option<PriceTable>, client: &Client) -> Result<Exit> {
    let format = settings.output;
    match command {
        Command::Token => {
            let token = client.access_token().await?;
            match format {
                OutputFormat::Json => println!("{}", json!({ "accessToken": token.expose() })),
                OutputFormat::Table => println!("{}", token.expose()),
            }
            Ok(Exit::Ok)
        }
        Command::Conversion { command } => conversions::run(command, settings, client).await,
        Command::Storage { command } => crate::preflight::storage(command, settings),
        // Answered by main before a client is made.
        Command::Doctor { .. } | Command::History { .. } => Ok(Exit::Ok),
        Command::Session(args) => match args.command {
            // RenderingSession.ps1 without switches: create, then poll until Ready.
            None => Ok(create(args.create, true, settings, client).await?.0),
            Some(SessionCommand::Create {
                flags,
                wait,
                keep: false,
                keeping,
            }) => {
                if let Some(flag) = keeping.first_given() {
                    return Err(Error::invalid_argument(
                        flag,
                        "applies only with --keep (or use `arr session keep`)",
                    ));
                }
                Ok(create(flags, wait, settings, client).await?.0)
            }
            Some(SessionCommand::Create {
                flags,
                keep: true,
                mut keeping,
                ..
            }) => {
                // Checked before anything is created.
                keeping.resolved_budget = crate::needs_settings::keep_budget(&keeping, prices)?.map(Box::new);
                match create(flags, true, settings, client).await? {
                    (Exit::Ok, Some(id)) => keep::keep(&[id], &keeping, settings, client).await,
                    (exit, _) => Ok(exit),
                }
            }
            Some(SessionCommand::Get { id, wait: true }) => wait_one(&id, settings, client).await,
            Some(SessionCommand::Get { id, wait: false }) => {
                output::session(&client.get_session(&id).await?.into_value(), format);
                Ok(Exit::Ok)
            }
            Some(SessionCommand::List { cost: false }) => {
                output::sessions(&client.list_sessions().await?.into_value(), format);
                Ok(Exit::Ok)
            }
            Some(SessionCommand::List { cost: true }) => {
                crate::cost::print(&client.list_sessions().await?.into_value(), prices.as_ref(), format);
                Ok(Exit::Ok)
            }
            Some(SessionCommand::Reap {
                older_than,
                dry_run,
                size,
            }) => crate::reap::reap(older_than, dry_run, size, prices, format, client).await,
            Some(SessionCommand::Update { id, lease }) => {
                output::session(&client.update_session(&id, lease).await?.into_value(), format);
                Ok(Exit::Ok)
            }
            Some(SessionCommand::Extend { id, by }) => {
                output::session(&client.extend_session(&id, by).await?.into_value(), format);
                Ok(Exit::Ok)
            }
            Some(SessionCommand::Stop { id: Some(id), .. }) => {
                client.stop_session(&id).await?.into_value();
                output::stopped(&id, format);
                Ok(Exit::Ok)
            }
            Some(SessionCommand::Stop { id: None, yes, .. }) => stop_all(yes, settings, client).await,
            Some(SessionCommand::Wait { ids }) => wait_many(&ids, settings, client).await,
            Some(SessionCommand::Keep { ids, mut keeping }) => {
                keeping.resolved_budget = crate::needs_settings::keep_budget(&keeping, prices)?.map(Box::new);
                keep::keep(&ids, &keeping, settings, client).await
            }
        },
    }
}

/// Creates a session (and waits for it); also returns its id once it is Ready.
async fn create(
    flags: CreateFlags,
    wait: bool,
    settings: &Settings,
    client: &Client,
) -> Result<(Exit, Option<String>)> {
    let size = match flags.size {
        Some(size) => size,
        None => settings.default_size()?,
    };
    let lease = match flags.lease {
        Some(lease) => lease,
        None => settings.default_lease()?,
    };
    let mut options = CreateSessionOptions::new(size, lease);
    options.id = flags.id;
    if !flags.fallback.is_empty() || !flags.fallback_endpoint.is_empty() {
        if !wait {
            return Err(Error::invalid_argument(
                "--fallback",
                "applies only with --wait (or --keep)",
            ));
        }
        return crate::fallback::create(&options, flags.fallback, &flags.fallback_endpoint, settings, client).await;
    }
    let created = client.create_session(&options).await?.into_value();
    if !wait {
        output::session(&created, settings.output);
        return Ok((Exit::Ok, None));
    }
    if settings.output == OutputFormat::Table {
        eprintln!(
            "Created session {} ({}, {} min); waiting until it is Ready.",
            created.id, created.size, lease
        );
    }
    let exit = wait_one(&created.id, settings, client).await?;
    Ok((exit, Some(created.id)))
}

/// Waits for one session; prints it when Ready, and also when the wait ends without Ready (the session
/// as last seen), before the error.
async fn wait_one(id: &str, settings: &Settings, client: &Client) -> Result<Exit> {
    let spinner = Spinner::start(format!("session {id}: waiting"));
    let handle = spinner.handle();
    let label = id.to_owned();
    let options = wait_options(
        settings,
        Arc::new(move |s: &Session| handle.set(format!("session {label}: {}", s.status))),
    );
    let result = client.wait_until_ready(id, &options).await;
    drop(spinner);
    match result {
        Ok(ready) => {
            output::session(ready.value(), settings.output);
            Ok(Exit::Ok)
        }
        Err(e) => {
            if let Some(last) = e.session() {
                output::session(last, settings.output);
            }
            Err(e)
        }
    }
}

/// Waits for several sessions with one list request per poll.
async fn wait_many(ids: &[String], settings: &Settings, client: &Client) -> Result<Exit> {
    let spinner = Spinner::start(format!("waiting for {} sessions", ids.len()));
    let progress = Progress {
        seen: Mutex::new(BTreeMap::new()),
        spinner: spinner.handle(),
        total: ids.len(),
    };
    let progress = Arc::new(progress);
    let options = wait_options(settings, Arc::new(move |s: &Session| progress.update(s)));
    let outcomes = client.wait_for_sessions(ids, &options).await;
    drop(spinner);
    let mut shown = Vec::new();
    let mut exit = Exit::Ok;
    for (id, outcome) in ids.iter().zip(outcomes?) {
        match outcome {
            Ok(session) => shown.push(session),
            Err(e) => {
                if let Some(last) = e.session() {
                    shown.push(last.clone());
                }
                report_item(id, &e, settings.output);
                exit = exit.or(Exit::for_error(&e));
            }
        }
    }
    output::sessions(&shown, settings.output);
    Ok(exit)
}

/// The status of each awaited session, summarised on the spinner line.
struct Progress {
    seen: Mutex<BTreeMap<String, String>>,
    spinner: SpinnerHandle,
    total: usize,
}

impl Progress {
    fn update(&self, session: &Session) {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        seen.insert(session.id.clone(), session.status.to_string());
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for status in seen.values() {
            *counts.entry(status.as_str()).or_default() += 1;
        }
        let summary: Vec<String> = counts.iter().map(|(status, n)| format!("{n} {status}")).collect();
        self.spinner
            .set(format!("waiting for {} sessions: {}", self.total, summary.join(", ")));
    }
}

async fn stop_all(yes: bool, settings: &Settings, client: &Client) -> Result<Exit> {
    let listed = client.list_sessions().await?.into_value();
    let live: Vec<Session> = listed.into_iter().filter(|s| !s.status.is_terminal()).collect();
    if live.is_empty() {
        match settings.output {
            OutputFormat::Json => println!("[]"),
            OutputFormat::Table => println!("No Starting or Ready sessions to stop."),
        }
        return Ok(Exit::Ok);
    }
    if !yes && !confirm(&live)? {
        eprintln!("Aborted; no session was stopped.");
        return Ok(Exit::Usage);
    }
    let mut exit = Exit::Ok;
    let mut results = Vec::new();
    for session in &live {
        match client.stop_session(&session.id).await {
            Ok(_) => {
                if settings.output == OutputFormat::Table {
                    output::stopped(&session.id, settings.output);
                }
                results.push(json!({ "id": session.id, "stopped": true }));
            }
            Err(e) => {
                report_item(&session.id, &e, settings.output);
                exit = exit.or(Exit::for_error(&e));
                results.push(json!({ "id": session.id, "stopped": false }));
            }
        }
    }
    if settings.output == OutputFormat::Json {
        println!("{}", serde_json::Value::Array(results));
    }
    Ok(exit)
}

/// Lists what would be stopped and asks on the terminal. Without a terminal there is nobody to ask.
fn confirm(live: &[Session]) -> Result<bool> {
    let n = live.len();
    let noun = if n == 1 { "session" } else { "sessions" };
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(Error::invalid_argument(
            "--yes",
            format_args!("refusing to stop {n} {noun} without confirmation: stdin is not a terminal; pass --yes"),
        ));
    }
    for s in live {
        eprintln!("  {}  {}  {}", s.id, s.status, s.size);
    }
    eprint!("Stop {n} {noun}? [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    stdin
        .lock()
        .read_line(&mut answer)
        .map_err(|e| Error::invalid_argument("stdin", format_args!("cannot read the answer: {e}")))?;
    Ok(matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes"))
}

fn wait_options(settings: &Settings, on_progress: arr_session::ProgressFn) -> WaitOptions {
    let mut options = WaitOptions::default();
    options.timeout = settings.timeout;
    options.poll_interval = settings.poll_interval;
    options.on_progress = Some(on_progress);
    options
}

/// Reports the failure of one session among several.
fn report_item(id: &str, error: &Error, format: OutputFormat) {
    eprintln!("session {id}:");
    exit::report(error, OutputFormat::Table);
    if format == OutputFormat::Json {
        let mut value = exit::error_json(error);
        value["id"] = json!(id);
        eprintln!("{value}");
    }
}
