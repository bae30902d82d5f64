//! Fixed amounts of work of one kind, for `arr-bench-client calls` (run under callgrind twice with
//! different N, so that (I2 - I1) / (N2 - N1) is the instruction count of one call, free of start-up)
//! and `arr-bench-client startup-split` (the phases of start-up, timed in a fresh process).

use std::ffi::CString;
use std::path::Path;
use std::time::Instant;

use arr_emulator::{DEV_ACCOUNT_ID, DEV_ACCOUNT_KEY};
use arr_session::Client;

use crate::abi::AbiClient;
use crate::bare::{self, Bare};
use crate::http1::{session_path, Http1};
use crate::inprocess::{abi_config_json, core_config};

/// What `calls` can repeat.
pub const KINDS: &[&str] = &["floor", "reqwest", "core", "abi", "new-core", "new-reqwest"];

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())
}

/// Set-up (connection, STS exchange, one call where there is one), then `n` calls (or constructions
/// for `new-*`) of `kind`. `library` is the cdylib for `abi`.
pub fn run(kind: &str, base: &str, session: &str, n: usize, library: Option<&Path>) -> Result<(), String> {
    let path = session_path(DEV_ACCOUNT_ID, session);
    match kind {
        "floor" => runtime()?.block_on(async {
            let mut http = Http1::connect(base).await?;
            let bearer = format!("Bearer {}", http.sts_token(DEV_ACCOUNT_ID, DEV_ACCOUNT_KEY).await?);
            http.get_ok(&path, Some(&bearer)).await?;
            for _ in 0..n {
                http.get_ok(&path, Some(&bearer)).await?;
            }
            Ok::<_, String>(())
        }),
        "reqwest" => runtime()?.block_on(async {
            let mut http = Http1::connect(base).await?;
            let bearer = format!("Bearer {}", http.sts_token(DEV_ACCOUNT_ID, DEV_ACCOUNT_KEY).await?);
            let bare = Bare::new(base, &path, &bearer)?;
            bare.get().await?;
            for _ in 0..n {
                bare.get().await?;
            }
            Ok::<_, String>(())
        }),
        "core" => runtime()?.block_on(async {
            let client = Client::new(core_config(base)).map_err(|e| e.to_string())?;
            client.get_session(session).await.map_err(|e| e.to_string())?;
            for _ in 0..n {
                client.get_session(session).await.map_err(|e| e.to_string())?;
            }
            Ok::<_, String>(())
        }),
        "abi" => {
            let library = library.ok_or("abi needs the library's path")?;
            let client = AbiClient::new(library, &abi_config_json(base))?;
            let id = CString::new(session).map_err(|e| e.to_string())?;
            client.get_session(&id)?;
            for _ in 0..n {
                client.get_session(&id)?;
            }
            Ok(())
        }
        "new-core" => runtime()?.block_on(async {
            for _ in 0..n {
                drop(Client::new(core_config(base)).map_err(|e| e.to_string())?);
            }
            Ok::<_, String>(())
        }),
        "new-reqwest" => runtime()?.block_on(async {
            for _ in 0..n {
                drop(bare::build_client()?);
            }
            Ok::<_, String>(())
        }),
        other => Err(format!("unknown kind {other:?} (one of {})", KINDS.join(", "))),
    }
}

/// In a fresh process: milliseconds to build the runtime, to construct the client (`core`:
/// `Client::new`; `reqwest`: the bare reqwest client alone), the first call (STS exchange included for
/// the core; the bare client reuses a token fetched before) and the second call. One JSON object.
pub fn startup_split(kind: &str, base: &str, session: &str) -> Result<serde_json::Value, String> {
    let ms = |from: Instant| from.elapsed().as_secs_f64() * 1000.0;
    let start = Instant::now();
    let rt = runtime()?;
    let runtime_ms = ms(start);
    let path = session_path(DEV_ACCOUNT_ID, session);
    rt.block_on(async {
        let (new_ms, first_ms, second_ms) = match kind {
            "core" => {
                let t = Instant::now();
                let client = Client::new(core_config(base)).map_err(|e| e.to_string())?;
                let new_ms = ms(t);
                let t = Instant::now();
                client.get_session(session).await.map_err(|e| e.to_string())?;
                let first_ms = ms(t);
                let t = Instant::now();
                client.get_session(session).await.map_err(|e| e.to_string())?;
                (new_ms, first_ms, ms(t))
            }
            "reqwest" => {
                let mut http = Http1::connect(base).await?;
                let bearer = format!("Bearer {}", http.sts_token(DEV_ACCOUNT_ID, DEV_ACCOUNT_KEY).await?);
                let t = Instant::now();
                let bare = Bare::new(base, &path, &bearer)?;
                let new_ms = ms(t);
                let t = Instant::now();
                bare.get().await?;
                let first_ms = ms(t);
                let t = Instant::now();
                bare.get().await?;
                (new_ms, first_ms, ms(t))
            }
            // Two clients for an https endpoint (nothing is sent: Client::new only sets up): the first reads the
            // trust roots (OS store included), the second shares them.
            "core-https" => {
                let mut config = core_config(base);
                config.endpoint = "https://127.0.0.1:9".into();
                config.sts_endpoint = Some("https://127.0.0.1:9".into());
                let t = Instant::now();
                drop(Client::new(config.clone()).map_err(|e| e.to_string())?);
                let first_ms = ms(t);
                let t = Instant::now();
                drop(Client::new(config).map_err(|e| e.to_string())?);
                (first_ms, first_ms, ms(t))
            }
            other => return Err(format!("unknown start-up kind {other:?}")),
        };
        Ok::<_, String>(serde_json::json!({
            "runtimeMs": runtime_ms,
            "newMs": new_ms,
            "firstCallMs": first_ms,
            "secondCallMs": second_ms,
        }))
    })
}
