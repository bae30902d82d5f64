//! `arr-bench-client`: the parts of the benchmark that need a fresh process of their own.
//!
//! - `first-call floor|core BASE SESSION_ID`: from process start to the first successful `GET session`
//!   (STS exchange included); prints `ok` when it has succeeded.
//! - `scale BASE SESSIONS POLL_MS WORKERS`: one core client creates SESSIONS sessions, waits for all of
//!   them to be Ready, and stops them all; prints one JSON line with times, requests per route and phase
//!   (from the emulator's `/_emulator/counts`), peak RSS and threads of this process.
//! - `calls KIND BASE SESSION_ID N [LIBRARY]`: set-up, then N calls of one kind and exit (run under
//!   callgrind by the harness; kinds in `arr_bench::calls::KINDS`).
//! - `startup-split core|reqwest BASE SESSION_ID`: one JSON line with the start-up phases in ms.

use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use arr_bench::calls;
use arr_bench::http1::{session_path, Http1};
use arr_bench::inprocess::core_config;
use arr_bench::proc::{status_field, thread_names};
use arr_emulator::{DEV_ACCOUNT_ID, DEV_ACCOUNT_KEY};
use arr_session::{Client, CreateSessionOptions, SessionSize, WaitOptions};
use serde_json::json;
use tokio::task::JoinSet;

/// Calls in flight while creating and stopping.
const IN_FLIGHT: usize = 64;
/// Blocking threads the scale runtime may start (DNS and file work of the HTTP stack).
const MAX_BLOCKING: usize = 2;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["first-call", kind, base, session] => first_call(kind, base, session),
        ["scale", base, sessions, poll_ms, workers] => scale(base, sessions, poll_ms, workers),
        ["calls", kind, base, session, n] => count(n).and_then(|n| calls::run(kind, base, session, n, None)),
        ["calls", kind, base, session, n, library] => {
            count(n).and_then(|n| calls::run(kind, base, session, n, Some(Path::new(library))))
        }
        ["startup-split", kind, base, session] => calls::startup_split(kind, base, session).map(|v| println!("{v}")),
        _ => Err(USAGE.into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("arr-bench-client: {e}");
            ExitCode::FAILURE
        }
    }
}

const USAGE: &str = "usage: arr-bench-client first-call floor|core BASE SESSION_ID \
    | scale BASE SESSIONS POLL_MS WORKERS | calls KIND BASE SESSION_ID N [LIBRARY] \
    | startup-split core|reqwest BASE SESSION_ID";

fn count(n: &str) -> Result<usize, String> {
    n.parse().map_err(|_| format!("N must be a number, not {n:?}"))
}

fn first_call(kind: &str, base: &str, session: &str) -> Result<(), String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async {
        match kind {
            "floor" => {
                let mut http = Http1::connect(base).await?;
                let token = http.sts_token(DEV_ACCOUNT_ID, DEV_ACCOUNT_KEY).await?;
                http.get_ok(&session_path(DEV_ACCOUNT_ID, session), Some(&format!("Bearer {token}")))
                    .await?;
            }
            "core" => {
                let client = Client::new(core_config(base)).map_err(|e| e.to_string())?;
                client.get_session(session).await.map_err(|e| e.to_string())?;
            }
            other => return Err(format!("unknown first-call kind {other:?}")),
        }
        println!("ok");
        Ok(())
    })
}

fn scale(base: &str, sessions: &str, poll_ms: &str, workers: &str) -> Result<(), String> {
    let sessions: usize = sessions.parse().map_err(|_| "SESSIONS must be a number")?;
    let poll = Duration::from_millis(poll_ms.parse().map_err(|_| "POLL_MS must be a number")?);
    let workers: usize = workers.parse().map_err(|_| "WORKERS must be a number")?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .max_blocking_threads(MAX_BLOCKING)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let report = rt.block_on(scale_run(base, sessions, poll))?;
    let threads_peak = report.0;
    let mut value = report.1;
    value["workers"] = json!(workers);
    value["maxBlockingThreads"] = json!(MAX_BLOCKING);
    // main thread + workers + blocking pool
    value["threadsAllowed"] = json!(1 + workers + MAX_BLOCKING);
    value["threadsPeak"] = json!(threads_peak);
    value["vmHwmKib"] = json!(status_field("self", "VmHWM"));
    println!("{value}");
    Ok(())
}

async fn scale_run(base: &str, sessions: usize, poll: Duration) -> Result<(u64, serde_json::Value), String> {
    // Threads are sampled by a task on the runtime itself, so sampling adds no thread.
    let peak = Arc::new(AtomicU64::new(0));
    let names = Arc::new(std::sync::Mutex::new(Vec::new()));
    let sampler = {
        let (peak, names) = (peak.clone(), names.clone());
        tokio::spawn(async move {
            loop {
                let now = status_field("self", "Threads").unwrap_or(0);
                if now > peak.fetch_max(now, Ordering::Relaxed) {
                    *names.lock().unwrap() = thread_names();
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
    };
    let mut control = Http1::connect(base).await?;
    let mut config = core_config(base);
    config.poll_interval = Some(poll);
    let client = Client::new(config).map_err(|e| e.to_string())?;

    // Peak RSS after each phase, to attribute the whole run's peak.
    let hwm = || status_field("self", "VmHWM");
    let hwm_ready = hwm();
    let counts0 = control.counts().await?;
    let start = Instant::now();
    let ids = in_flight(sessions, |_| {
        let client = client.clone();
        async move {
            let options = CreateSessionOptions::new(SessionSize::Standard, 30);
            client.create_session(&options).await.map(|s| s.into_value().id)
        }
    })
    .await?;
    let created = start.elapsed();
    let hwm_created = hwm();
    let counts1 = control.counts().await?;

    let waited_from = Instant::now();
    let options = WaitOptions::with_timeout(Duration::from_secs(120));
    let results = client
        .wait_for_sessions(&ids, &options)
        .await
        .map_err(|e| e.to_string())?;
    let waited = waited_from.elapsed();
    let hwm_waited = hwm();
    let ready = results.iter().filter(|r| r.is_ok()).count();
    let counts2 = control.counts().await?;

    let stopped_from = Instant::now();
    let ids = Arc::new(ids);
    in_flight(sessions, |i| {
        let (client, ids) = (client.clone(), ids.clone());
        async move { client.stop_session(&ids[i]).await.map(|_| ()) }
    })
    .await?;
    let stopped = stopped_from.elapsed();
    let wall = start.elapsed();
    let counts3 = control.counts().await?;
    sampler.abort();

    let diff = |a: &std::collections::BTreeMap<String, u64>, b: &std::collections::BTreeMap<String, u64>| {
        let mut out = serde_json::Map::new();
        for (route, n) in b {
            let d = n - a.get(route).copied().unwrap_or(0);
            if d > 0 {
                out.insert(route.clone(), json!(d));
            }
        }
        serde_json::Value::Object(out)
    };
    // At most one list per poll interval (the first poll happens at once).
    let polls_allowed = (waited.as_secs_f64() / poll.as_secs_f64()).floor() as u64 + 1;
    let threads_peak = peak.load(Ordering::Relaxed);
    let names = names.lock().unwrap().clone();
    Ok((
        threads_peak,
        json!({
            "sessions": sessions,
            "ready": ready,
            "pollIntervalMs": poll.as_millis() as u64,
            "createSeconds": created.as_secs_f64(),
            "waitSeconds": waited.as_secs_f64(),
            "stopSeconds": stopped.as_secs_f64(),
            "wallSeconds": wall.as_secs_f64(),
            "requests": {
                "create": diff(&counts0, &counts1),
                "wait": diff(&counts1, &counts2),
                "stop": diff(&counts2, &counts3),
                "total": diff(&counts0, &counts3),
            },
            "listsAllowed": polls_allowed,
            // Ready sessions stay listed; only those that ended (left the list) may cost a GET.
            "getsAllowed": results.len() - ready,
            "threadNamesAtPeak": names,
            "vmHwmKibAfter": {
                "clientNew": hwm_ready, "create": hwm_created, "wait": hwm_waited, "stop": hwm(),
            },
        }),
    ))
}

/// Runs `make(i)` for `i` in `0..n` with at most [`IN_FLIGHT`] calls at once; results in any order.
/// Finished calls are collected as they finish: a `JoinSet` keeps a finished task's whole cell (as large
/// as the call's future, ~10 KiB for a create) until it is joined, which made the 1,000-session run's
/// peak RSS the harness's, not the client's (16.8 MiB, of which ~10 MiB finished tasks).
async fn in_flight<T, F, Fut>(n: usize, make: F) -> Result<Vec<T>, String>
where
    T: Send + 'static,
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = arr_session::Result<T>> + Send + 'static,
{
    let mut tasks = JoinSet::new();
    let mut out = Vec::with_capacity(n);
    let mut collect = |joined: Result<arr_session::Result<T>, tokio::task::JoinError>| -> Result<(), String> {
        out.push(joined.map_err(|e| e.to_string())?.map_err(|e| e.to_string())?);
        Ok(())
    };
    for i in 0..n {
        if tasks.len() == IN_FLIGHT {
            if let Some(joined) = tasks.join_next().await {
                collect(joined)?;
            }
        }
        tasks.spawn(make(i));
    }
    while let Some(joined) = tasks.join_next().await {
        collect(joined)?;
    }
    Ok(out)
}
