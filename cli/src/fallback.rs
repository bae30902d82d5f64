//! `arr session create --wait --fallback premium [--fallback-endpoint URL]`: the core's capacity
//! fallback. Each step (a session that failed for lack of capacity, stopped, and what is tried next) is
//! one line on stderr; the Ready session is printed as `create --wait` prints it.

use arr_session::{CapacityFallback, Client, CreateSessionOptions, FallbackEvent, Result, SessionSize, WaitOptions};

use crate::args::OutputFormat;
use crate::exit::Exit;
use crate::output;
use crate::settings::Settings;

/// Creates and waits with fallback; returns the exit code and the Ready session's id.
pub async fn create(
    options: &CreateSessionOptions,
    sizes: Vec<SessionSize>,
    endpoints: &[String],
    settings: &Settings,
    client: &Client,
) -> Result<(Exit, Option<String>)> {
    let mut others = Vec::new();
    for endpoint in endpoints {
        others.push(client.for_endpoint(endpoint)?);
    }
    let format = settings.output;
    let fallback = CapacityFallback::sizes(sizes)
        .endpoints(others)
        .on_event(move |event| report(event, format));
    let mut wait = WaitOptions::default();
    wait.timeout = settings.timeout;
    wait.poll_interval = settings.poll_interval;
    match client.create_and_wait_with_fallback(options, &wait, &fallback).await {
        Ok(ready) => {
            output::session(ready.value(), settings.output);
            Ok((Exit::Ok, Some(ready.value().id.clone())))
        }
        Err(e) => {
            if let Some(last) = e.session() {
                output::session(last, settings.output);
            }
            Err(e)
        }
    }
}

fn report(event: &FallbackEvent, format: OutputFormat) {
    if format == OutputFormat::Json {
        eprintln!("{}", serde_json::to_string(event).expect("an event serialises"));
        return;
    }
    let stopped = if event.stopped {
        "stopped"
    } else {
        "could not be stopped"
    };
    let next = match (&event.next_size, &event.next_endpoint) {
        (Some(size), Some(endpoint)) => format!("trying {size} at {endpoint}"),
        _ => "nothing left to try".to_owned(),
    };
    eprintln!(
        "capacity: session {} ({}) at {} failed with {} ({}); {stopped}; {next}",
        event.failed_session_id, event.failed_size, event.failed_endpoint, event.code, event.message
    );
}
