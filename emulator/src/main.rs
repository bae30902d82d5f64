//! `arr-emulator` binary: runs the emulator until SIGINT/SIGTERM (or stdin EOF with
//! `--exit-on-stdin-eof`). Prints the base URL as the first stdout line; logs go to stderr.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use arr_emulator::{
    parse_duration, ConverterConfig, ConverterProfile, Emulator, EmulatorConfig, FaultRates, StorageAccount,
    StorageRoutes, DEV_ACCOUNT_ID, DEV_ACCOUNT_KEY,
};
use clap::Parser;
use tracing::level_filters::LevelFilter;

const AFTER_HELP: &str = concat!(
    "Development account (accepted unless --account is given without --keep-dev-account):\n",
    "  account id:  11111111-1111-1111-1111-111111111111\n",
    "  account key: YXJyLWVtdWxhdG9yLWRldmVsb3BtZW50LWtleQ==\n",
    "\n",
    "Endpoints (all on the printed base URL):\n",
    "  GET  /Accounts/{id}/token                     STS (Bearer <id>:<key> or Bearer <AAD token>)\n",
    "  PUT|GET|PATCH /accounts/{id}/sessions/{sid}   sessions, ?api-version=2021-01-01\n",
    "  POST /accounts/{id}/sessions/{sid}/:stop      stop a session\n",
    "  GET  /accounts/{id}/sessions                  list live sessions (paged, @nextLink)\n",
    "  PUT|GET /accounts/{id}/conversions/{cid}      asset conversions, ?api-version=2021-01-01\n",
    "  GET  /accounts/{id}/conversions               list conversions (paged, \"@nextLink\": null at the end)\n",
    "  /v1/accounts/{id}/sessions/...                legacy v1 API\n",
    "\n",
    "Dashboard: open <base URL>/_emulator/ in a browser: live sessions and conversions, the hooks below as\n",
    "  buttons, the request log (secrets redacted). Served by the emulator itself, nothing from elsewhere.\n",
    "\n",
    "Control hooks (no auth, never counted, faulted or throttled; ?account=ID picks among equal ids;\n",
    "loopback clients only, unless --allow-remote-control; requests from another web origin are refused):\n",
    "  GET  /_emulator/health | /_emulator/counts | /_emulator/sessions | /_emulator/log | /_emulator/clock\n",
    "  GET  /_emulator/overview                      everything the dashboard shows, as JSON\n",
    "  POST /_emulator/faults                        scripted fault (JSON below)\n",
    "  GET|DELETE /_emulator/faults                  the armed scripted faults / disarm them all\n",
    "  POST /_emulator/revoke-tokens                 invalidate every issued token\n",
    "  POST /_emulator/sessions/{id}/fail            {\"code\":\"...\",\"message\":\"...\"} -> status Error\n",
    "  POST /_emulator/sessions/{id}/expire          this session's lease runs out now -> Expired\n",
    "  POST /_emulator/sessions/{id}/stop            stop it now, as :stop does -> Stopped\n",
    "  POST /_emulator/sessions/{id}/set-field       {\"field\":\"size\"|\"status\",\"value\":\"Tiny\"|null}\n",
    "  POST /_emulator/clock/advance                 {\"minutes\":N}: emulated time moves for all sessions\n",
    "                                                and conversions\n",
    "  GET  /_emulator/conversions                   every conversion (status, error, input and output URIs)\n",
    "  POST /_emulator/conversions/{id}/fail         {\"code\":\"...\",\"message\":\"...\"} -> status Failed\n",
    "  POST /_emulator/conversions/{id}/cancel       -> status Cancelled\n",
    "\n",
    "Scripted fault JSON for POST /_emulator/faults, e.g.:\n",
    "  {\"route\":\"sessions.get\",\"kind\":{\"kind\":\"status\",\"status\":503,\"retryAfter\":null},\"times\":2}\n",
    "  kinds: status{status,retryAfter}, dropBeforeProcessing, dropAfterProcessing, delay{millis},\n",
    "         holdBeforeProcessing{millis}, malformedBody (delay and hold wait before processing; an\n",
    "         accepted request is carried out even if the client disconnects),\n",
    "         sessionError{code,message} (create routes: the new session fails into Error, the new\n",
    "         conversion ends Failed)\n",
    "  routes: sts.token, sessions.create|get|update|stop|list, conversions.create|get|list,\n",
    "          v1.sessions.create|list|update|properties|stop\n",
    "--faults rates: 500, 503, drop, delay[:DURATION], malformed (per request), sessionError (per new session)\n",
    "\n",
    "Storage for conversions (--storage): none simulates it (an input path containing \"missing\" fails with\n",
    "InputContainerError; a container name containing \"missing\" without a SAS gets 403 at create). A\n",
    "connection string links that account to every ARR account; to run Azurite for it:\n",
    "  npm install --prefix target/azurite azurite@3.37.0\n",
    "  target/azurite/node_modules/.bin/azurite-blob --blobHost 127.0.0.1 --blobPort 10000 \\\n",
    "      --inMemoryPersistence --disableTelemetry --skipApiVersionCheck --loose\n",
    "\n",
    "The first line on stdout is the base URL; logs go to stderr (--log-level; RUST_LOG is not read).\n",
    "Full documentation: emulator/README.md."
);

/// Local emulator of the Azure Remote Rendering session service and the Mixed Reality STS.
#[derive(Parser, Debug)]
#[command(name = "arr-emulator", version, after_help = AFTER_HELP)]
struct Args {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// Accepted account as ID:KEY (repeatable). Replaces the dev account unless --keep-dev-account.
    #[arg(long = "account", value_name = "ID:KEY")]
    accounts: Vec<String>,
    /// Keep accepting the well-known dev account alongside --account ones.
    #[arg(long)]
    keep_dev_account: bool,
    /// Real time a session spends Starting before Ready (e.g. 3s, 500ms, 0).
    #[arg(long, default_value = "3s", value_parser = parse_duration)]
    start_delay: Duration,
    /// Emulated minutes per real minute (60 = a lease minute lasts one second).
    #[arg(long, default_value_t = 1.0)]
    time_scale: f64,
    /// Requests per second per account before 429 + Retry-After.
    #[arg(long, value_name = "N")]
    rate_limit: Option<u32>,
    /// Sessions per list page.
    #[arg(long, default_value_t = 100)]
    page_size: usize,
    /// Early-2021 serialisation: emit every session field, zeros/nulls when unknown.
    #[arg(long)]
    legacy_nulls: bool,
    /// Random faults, e.g. "500=0.05,503=0.05,drop=0.01,delay=0.02:2000ms,malformed=0.01,sessionError=0.1"
    /// (sessionError: that share of new sessions fails into Error at its Ready time).
    #[arg(long, value_name = "SPEC", value_parser = |s: &str| s.parse::<FaultRates>())]
    faults: Option<FaultRates>,
    /// Persist sessions, conversions, the token-signing secret, revocations, the emulated clock and the generated TLS
    /// certificate in this JSON file across restarts.
    #[arg(long, value_name = "PATH")]
    state_file: Option<PathBuf>,
    /// Serve HTTPS with a self-signed certificate for 127.0.0.1/localhost/::1 (generated once and kept
    /// in --state-file, so clients that trusted it keep working after a restart).
    #[arg(long)]
    tls: bool,
    /// Serve HTTPS with this certificate chain (PEM file); needs --tls-key. Implies --tls.
    #[arg(long, value_name = "PATH", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// Private key (PEM: PKCS#8, PKCS#1 or SEC1) of --tls-cert.
    #[arg(long, value_name = "PATH", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Live (Starting/Ready) sessions per account; sessions created beyond it fail into Error
    /// (code CapacityExceeded).
    #[arg(long, value_name = "N")]
    max_active_sessions: Option<usize>,
    /// Accept AAD tokens at the STS only from this tenant (tid claim); repeatable. Default: any tenant.
    #[arg(long = "aad-tenant", value_name = "TENANT_ID")]
    aad_tenants: Vec<String>,
    /// Accept this aud claim in AAD tokens besides https://sts[.<region>].mixedreality.azure.com;
    /// repeatable.
    #[arg(long = "aad-audience", value_name = "URI")]
    aad_audiences: Vec<String>,
    /// Write the served certificate (PEM) here (with --tls or --tls-cert).
    #[arg(long, value_name = "PATH")]
    tls_cert_out: Option<PathBuf>,
    /// STS token lifetime (e.g. 24h, 10m).
    #[arg(long, default_value = "24h", value_parser = parse_duration)]
    token_lifetime: Duration,
    /// Region name used in session hostnames.
    #[arg(long, default_value = "emulator")]
    region: String,
    /// Largest accepted request body in bytes; bigger bodies get 413 PayloadTooLarge.
    #[arg(long, value_name = "BYTES", default_value_t = 1 << 20)]
    max_body_bytes: usize,
    /// Storage linked to every account, for conversions: an Azure Storage connection string (e.g. Azurite's
    /// "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=...;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;"),
    /// or "none" to simulate storage.
    #[arg(long, value_name = "CONNECTION_STRING", default_value = "none")]
    storage: String,
    /// Sends storage requests for https://NAME.blob.<suffix>/... to BLOB_ENDPOINT (e.g. another Azurite
    /// account, http://127.0.0.1:10000/NAME), repeatable; the linked account is routed by its own name.
    #[arg(long, value_name = "NAME=BLOB_ENDPOINT", value_parser = StorageRoutes::parse_flag)]
    storage_route: Vec<(String, String)>,
    /// Emulated time a conversion spends NotStarted (scaled by --time-scale).
    #[arg(long, default_value = "5s", value_parser = parse_duration)]
    conversion_start_delay: Duration,
    /// Emulated time a conversion spends Running before its result shows (scaled by --time-scale).
    #[arg(long, default_value = "60s", value_parser = parse_duration)]
    conversion_duration: Duration,
    /// The converter behind the conversion API: simulated (a text asset, zero statistics; the default) or
    /// pipeline (a real, optimized GLB and measured statistics; needs --storage and the tools that
    /// scripts/converter-tools.sh installs). Overrides the profile of --converter-config.
    #[arg(long, value_name = "simulated|pipeline", value_parser = |s: &str| s.parse::<ConverterProfile>())]
    converter: Option<ConverterProfile>,
    /// Converter settings, a JSON file: profile, workers, toolTimeout, toolMemoryMb, fbxConverter,
    /// maxTextureSize, toolsDir, workDir (docs/converter.md).
    #[arg(long, value_name = "PATH")]
    converter_config: Option<PathBuf>,
    /// Let other machines use the control hooks and the dashboard (/_emulator/); by default they answer
    /// clients on this machine only. They have no authentication: use it on trusted networks only.
    #[arg(long)]
    allow_remote_control: bool,
    /// Exit when stdin reaches end-of-file (ties the emulator's life to a parent test process).
    #[arg(long)]
    exit_on_stdin_eof: bool,
    /// Log verbosity on stderr: off, error, warn, info (one line per request), debug (adds the query,
    /// the route and why a 401/403 was given), trace (adds request and response bodies). Secrets are
    /// always redacted.
    #[arg(long, value_name = "LEVEL", default_value = "info", value_parser = parse_level)]
    log_level: LevelFilter,
    /// Do not log to stderr at all (same as --log-level off).
    #[arg(long)]
    quiet: bool,
    #[command(flatten)]
    hosts: arr_emulator::HostFlags,
}

fn parse_level(text: &str) -> Result<LevelFilter, String> {
    match text.to_ascii_lowercase().as_str() {
        "off" => Ok(LevelFilter::OFF),
        "error" => Ok(LevelFilter::ERROR),
        "warn" => Ok(LevelFilter::WARN),
        "info" => Ok(LevelFilter::INFO),
        "debug" => Ok(LevelFilter::DEBUG),
        "trace" => Ok(LevelFilter::TRACE),
        other => Err(format!(
            "unknown log level '{other}' (use off, error, warn, info, debug, trace)"
        )),
    }
}

fn build_config(args: &Args) -> Result<EmulatorConfig, String> {
    let mut accounts = Vec::new();
    for spec in &args.accounts {
        let (id, key) = spec.split_once(':').ok_or_else(|| {
            format!(
                "--account '{}' must look like ID:KEY",
                spec.split(':').next().unwrap_or("")
            )
        })?;
        accounts.push((id.to_string(), key.to_string()));
    }
    let storage = (!args.storage.trim().eq_ignore_ascii_case("none")).then(|| args.storage.clone());
    if let Some(text) = &storage {
        StorageAccount::from_connection_string(text).map_err(|e| format!("--storage: {e}"))?;
    }
    let mut converter = match &args.converter_config {
        Some(path) => {
            let text =
                std::fs::read_to_string(path).map_err(|e| format!("--converter-config {}: {e}", path.display()))?;
            ConverterConfig::from_json(&text).map_err(|e| format!("--converter-config {}: {e}", path.display()))?
        }
        None => ConverterConfig::default(),
    };
    if let Some(profile) = args.converter {
        converter.profile = profile;
    }
    if accounts.is_empty() || args.keep_dev_account {
        accounts.push((DEV_ACCOUNT_ID.to_string(), DEV_ACCOUNT_KEY.to_string()));
    }
    Ok(EmulatorConfig {
        listen: args.listen,
        accounts,
        start_delay: args.start_delay,
        time_scale: args.time_scale,
        rate_limit: args.rate_limit,
        page_size: args.page_size,
        legacy_nulls: args.legacy_nulls,
        faults: args.faults.clone().unwrap_or_default(),
        state_file: args.state_file.clone(),
        tls: args.tls,
        tls_cert: args.tls_cert.clone(),
        tls_key: args.tls_key.clone(),
        max_active_sessions: args.max_active_sessions,
        aad_tenants: args.aad_tenants.clone(),
        aad_audiences: args.aad_audiences.clone(),
        tls_cert_out: args.tls_cert_out.clone(),
        token_lifetime: args.token_lifetime,
        region: args.region.clone(),
        max_body_bytes: args.max_body_bytes,
        storage,
        storage_routes: args.storage_route.clone(),
        conversion_start_delay: args.conversion_start_delay,
        conversion_duration: args.conversion_duration,
        converter,
        allow_remote_control: args.allow_remote_control,
        hosts: args.hosts.to_config()?,
    })
}

async fn wait_for_termination(exit_on_stdin_eof: bool) {
    let (eof_tx, eof_rx) = tokio::sync::oneshot::channel::<()>();
    if exit_on_stdin_eof {
        // A plain thread: blocking stdin reads must not occupy a runtime worker.
        std::thread::spawn(move || {
            let mut sink = [0u8; 256];
            let mut stdin = std::io::stdin().lock();
            while matches!(std::io::Read::read(&mut stdin, &mut sink), Ok(n) if n > 0) {}
            let _ = eof_tx.send(());
        });
    } else {
        std::mem::forget(eof_tx);
    }
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate => {}
        _ = eof_rx => {}
    }
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    if !args.quiet && args.log_level != LevelFilter::OFF {
        tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_max_level(args.log_level)
            .with_target(false)
            .with_ansi(false)
            .init();
    }
    let config = match build_config(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("arr-emulator: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("arr-emulator: cannot start runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        let emulator = match Emulator::start(config).await {
            Ok(e) => e,
            Err(e) => {
                eprintln!("arr-emulator: {e}");
                return std::process::ExitCode::FAILURE;
            }
        };
        // Harnesses read this line to find the port; flush so it is not stuck in a pipe buffer.
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{}", emulator.base_url());
        let _ = out.flush();
        drop(out);
        tracing::info!("arr-emulator listening on {}", emulator.base_url());
        wait_for_termination(args.exit_on_stdin_eof).await;
        tracing::info!("shutting down");
        emulator.shutdown().await;
        std::process::ExitCode::SUCCESS
    })
}
