//! The floor, the core and the C ABI, measured in this process against the same emulator, round by round
//! in turn (floor, core, ABI, floor, ...) so that drift of the machine hits all three alike.

use std::ffi::CString;
use std::path::Path;
use std::time::Instant;

use arr_emulator::{DEV_ACCOUNT_ID, DEV_ACCOUNT_KEY};
use arr_session::{Client, ClientConfig, Credential};

use crate::abi::AbiClient;
use crate::bare::Bare;
use crate::http1::{session_path, Http1};
use crate::report::Figure;
use crate::Plan;

/// A core client for the dev account on `base`, the STS included (account key credential).
pub fn core_config(base: &str) -> ClientConfig {
    let mut config = ClientConfig::new(base, DEV_ACCOUNT_ID, Credential::AccountKey(DEV_ACCOUNT_KEY.into()));
    config.sts_endpoint = Some(base.to_string());
    config
}

/// The same configuration as JSON, for the C ABI and the C start-up probe.
pub fn abi_config_json(base: &str) -> String {
    serde_json::json!({
        "endpoint": base,
        "stsEndpoint": base,
        "accountId": DEV_ACCOUNT_ID,
        "accountKey": DEV_ACCOUNT_KEY,
    })
    .to_string()
}

/// Returns the floor, core and ABI figures (calls/s), the latter relative to the floor, and a diagnostic
/// figure: the core called the way the blocking ABI calls it (from a plain thread onto a two-worker
/// runtime), which separates the cost of that thread hand-off from the cost of the FFI layer itself.
///
/// Two attribution rows are measured in the same rotation: `reqwest` (a bare reqwest client configured
/// like the core's transport, see [`crate::bare`]) and `abi.opt3` (the same C ABI from the library built
/// at opt-level 3, when `opt3_library` is built).
pub fn measure(plan: &Plan, base: &str, session_id: &str, opt3_library: &Path) -> Result<Vec<Figure>, String> {
    // One thread drives both async clients, as a sequential caller would.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let path = session_path(DEV_ACCOUNT_ID, session_id);
    let (mut floor, bearer) = rt.block_on(async {
        let mut http = Http1::connect(base).await?;
        let token = http.sts_token(DEV_ACCOUNT_ID, DEV_ACCOUNT_KEY).await?;
        Ok::<_, String>((http, format!("Bearer {token}")))
    })?;
    let core = Client::new(core_config(base)).map_err(|e| e.to_string())?;
    let workers = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let handoff = Client::new(core_config(base)).map_err(|e| e.to_string())?;
    let spawned = Client::new(core_config(base)).map_err(|e| e.to_string())?;
    // The blocking ABI runs on the library's own runtime, called from this plain thread (not inside `rt`).
    let abi = AbiClient::new(&plan.artifacts.join("libarr_session.so"), &abi_config_json(base))?;
    let abi_id = CString::new(session_id).map_err(|e| e.to_string())?;
    let bare = Bare::new(base, &path, &bearer)?;
    let abi_opt3 = if opt3_library.exists() {
        Ok(AbiClient::new(opt3_library, &abi_config_json(base))?)
    } else {
        Err(format!("{} is not built (full runs build it)", opt3_library.display()))
    };

    let floor_calls = |http: &mut Http1, n: usize| {
        rt.block_on(async {
            for _ in 0..n {
                http.get_ok(&path, Some(&bearer)).await?;
            }
            Ok::<_, String>(())
        })
    };
    let core_calls = |n: usize| {
        rt.block_on(async {
            for _ in 0..n {
                core.get_session(session_id).await.map_err(|e| e.to_string())?;
            }
            Ok::<_, String>(())
        })
    };
    let handoff_calls = |n: usize| {
        for _ in 0..n {
            workers
                .block_on(handoff.get_session(session_id))
                .map_err(|e| e.to_string())?;
        }
        Ok::<_, String>(())
    };
    // The other way to block a plain thread on the workers: spawn the call there and sleep on a channel,
    // so its wake-ups stay among the workers (ahead on an idle machine, far behind on a busy one).
    let spawned_calls = |n: usize| {
        for _ in 0..n {
            let (client, id) = (spawned.clone(), session_id.to_owned());
            let (sender, receiver) = std::sync::mpsc::sync_channel(1);
            workers.spawn(async move {
                let _ = sender.send(client.get_session(&id).await.map(drop).map_err(|e| e.to_string()));
            });
            receiver.recv().map_err(|e| e.to_string())??;
        }
        Ok::<_, String>(())
    };
    let abi_calls = |n: usize| {
        for _ in 0..n {
            abi.get_session(&abi_id)?;
        }
        Ok::<_, String>(())
    };
    let bare_calls = |n: usize| {
        rt.block_on(async {
            for _ in 0..n {
                bare.get().await?;
            }
            Ok::<_, String>(())
        })
    };
    let opt3_calls = |n: usize| match &abi_opt3 {
        Ok(client) => {
            for _ in 0..n {
                client.get_session(&abi_id)?;
            }
            Ok::<_, String>(())
        }
        Err(_) => Ok(()),
    };

    floor_calls(&mut floor, plan.warmup)?;
    core_calls(plan.warmup)?;
    handoff_calls(plan.warmup)?;
    spawned_calls(plan.warmup)?;
    abi_calls(plan.warmup)?;
    bare_calls(plan.warmup)?;
    opt3_calls(plan.warmup)?;
    let (mut f, mut c, mut h, mut a) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut b, mut o, mut s) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..plan.rounds {
        f.push(rate(plan.calls, || floor_calls(&mut floor, plan.calls))?);
        b.push(rate(plan.calls, || bare_calls(plan.calls))?);
        c.push(rate(plan.calls, || core_calls(plan.calls))?);
        h.push(rate(plan.calls, || handoff_calls(plan.calls))?);
        s.push(rate(plan.calls, || spawned_calls(plan.calls))?);
        a.push(rate(plan.calls, || abi_calls(plan.calls))?);
        if abi_opt3.is_ok() {
            o.push(rate(plan.calls, || opt3_calls(plan.calls))?);
        }
    }
    drop(abi);
    let floor = Figure::from_rounds("floor", "calls/s", f)
        .with_note("hyper http1, keep-alive, fixed token, no decoding; sequential");
    let core = Figure::from_rounds("core", "calls/s", c)
        .relative_to(floor.median)
        .with_note("Client::get_session, sequential");
    let handoff = Figure::from_rounds("core.blocking_handoff", "calls/s", h)
        .relative_to(floor.median)
        .with_note("diagnostic: core via block_on from a plain thread onto 2 workers (the ABI's way)");
    let spawned = Figure::from_rounds("core.spawn_handoff", "calls/s", s)
        .relative_to(floor.median)
        .with_note("diagnostic: core spawned onto 2 workers, a plain thread waiting on a channel (the alternative)");
    let abi = Figure::from_rounds("abi", "calls/s", a)
        .relative_to(floor.median)
        .with_note("blocking arr_client_get_session from a plain thread");
    let bare = Figure::from_rounds("reqwest", "calls/s", b)
        .relative_to(floor.median)
        .with_note(
            "attribution: bare reqwest configured like the core (rustls, pool, timeouts), fixed token, no decoding",
        );
    let opt3 = match &abi_opt3 {
        Ok(_) => Figure::from_rounds("abi.opt3", "calls/s", o)
            .relative_to(floor.median)
            .with_note(format!(
                "attribution: the C ABI from the cdylib built at opt-level 3 ({})",
                opt3_library.display()
            )),
        Err(reason) => Figure::skipped("abi.opt3", "calls/s", reason.clone()),
    };
    drop(abi_opt3);
    Ok(vec![floor, bare, core, handoff, spawned, abi, opt3])
}

/// Calls per second of `calls` calls made by `body`.
pub fn rate(calls: usize, body: impl FnOnce() -> Result<(), String>) -> Result<f64, String> {
    let start = Instant::now();
    body()?;
    Ok(calls as f64 / start.elapsed().as_secs_f64().max(1e-9))
}
