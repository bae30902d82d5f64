//! The `arr-emulator` binary as other-language harnesses use it.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use arr_emulator::{DEV_ACCOUNT_ID, DEV_ACCOUNT_KEY};

const BIN: &str = env!("CARGO_BIN_EXE_arr-emulator");

#[tokio::test]
async fn prints_base_url_serves_and_exits_on_stdin_eof() {
    let mut child = Command::new(BIN)
        .args([
            "--start-delay",
            "0",
            "--exit-on-stdin-eof",
            "--account",
            "44444444-4444-4444-4444-444444444444:k4",
        ])
        .args(["--keep-dev-account", "--page-size", "5", "--region", "westeurope"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let base = first.trim().to_string();
    assert!(base.starts_with("http://127.0.0.1:"), "{base:?}");

    let client = reqwest::Client::new();
    for (id, key) in [
        (DEV_ACCOUNT_ID, DEV_ACCOUNT_KEY),
        ("44444444-4444-4444-4444-444444444444", "k4"),
    ] {
        let resp = client
            .get(format!("{base}/Accounts/{id}/token"))
            .bearer_auth(format!("{id}:{key}"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{id}");
    }
    let resp = client
        .get(format!("{base}/Accounts/{DEV_ACCOUNT_ID}/token"))
        .bearer_auth(format!("{DEV_ACCOUNT_ID}:{DEV_ACCOUNT_KEY}"))
        .send()
        .await
        .unwrap();
    let token: serde_json::Value = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
    let token = token["AccessToken"].as_str().unwrap().to_string();
    let resp = client
        .put(format!(
            "{base}/accounts/{DEV_ACCOUNT_ID}/sessions/bin?api-version=2021-01-01"
        ))
        .bearer_auth(&token)
        .body(r#"{"maxLeaseTimeMinutes":5,"size":"Standard"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let sessions: serde_json::Value = serde_json::from_slice(
        &client
            .get(format!("{base}/_emulator/sessions"))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(sessions[0]["id"], "bin");

    // Closing stdin ends the process.
    drop(child.stdin.take());
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "emulator did not exit on stdin EOF");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success());
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    assert!(stderr.contains("PUT /accounts/"), "request log on stderr: {stderr}");
    assert!(
        !stderr.contains(&token) && !stderr.contains(DEV_ACCOUNT_KEY),
        "no secrets on stderr"
    );
}

#[test]
fn help_documents_the_dev_account_and_flags() {
    let out = Command::new(BIN).arg("--help").output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for needle in [
        DEV_ACCOUNT_ID,
        DEV_ACCOUNT_KEY,
        "--listen",
        "--account",
        "--keep-dev-account",
        "--start-delay",
        "--time-scale",
        "--rate-limit",
        "--page-size",
        "--legacy-nulls",
        "--faults",
        "--state-file",
        "--tls",
        "--tls-cert-out",
        "--token-lifetime",
        "--region",
        "--exit-on-stdin-eof",
        "--tls-cert",
        "--tls-key",
        "--max-active-sessions",
        "--max-body-bytes",
        "--aad-tenant",
        "--aad-audience",
        "--log-level",
        "--quiet",
        "--storage",
        "--conversion-start-delay",
        "--conversion-duration",
        "conversions.create",
        "/_emulator/conversions",
        "/_emulator/conversions/{id}/fail",
        "/_emulator/conversions/{id}/cancel",
        "--disableTelemetry",
        "sessionError",
        "holdBeforeProcessing",
        "/_emulator/sessions/{id}/fail",
        "/_emulator/sessions/{id}/expire",
        "/_emulator/sessions/{id}/set-field",
        "/_emulator/clock/advance",
        "/_emulator/clock",
        "/_emulator/faults",
        "/_emulator/revoke-tokens",
        "/_emulator/counts",
        "/_emulator/log",
        "/_emulator/health",
        "/_emulator/overview",
        "/_emulator/sessions/{id}/stop",
        "--allow-remote-control",
        "Dashboard",
    ] {
        assert!(help.contains(needle), "--help lacks {needle}");
    }
}

/// Every flag `--help` lists, and every control hook it names, is documented in the README.
#[test]
fn readme_documents_every_flag_and_hook_of_help() {
    let out = Command::new(BIN).arg("--help").output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let mut checked = 0;
    for word in help.split(|c: char| c.is_whitespace() || c == ',' || c == '|') {
        let word = word.trim_end_matches(['.', ':', ')']);
        let is_flag =
            word.starts_with("--") && word.len() > 2 && word[2..].bytes().all(|b| b.is_ascii_lowercase() || b == b'-');
        let is_hook = word.starts_with("/_emulator/");
        if (is_flag && word != "--help" && word != "--version") || is_hook {
            assert!(readme.contains(word), "README.md does not mention {word}");
            checked += 1;
        }
    }
    assert!(checked > 30, "only {checked} flags and hooks found in --help");
}

/// Conversions through the binary with its flags, and the conversion hooks over HTTP.
#[tokio::test]
async fn conversion_flags_and_hooks_work_through_the_binary() {
    let (child, base) = spawn_with(&[
        "--conversion-start-delay",
        "0",
        "--conversion-duration",
        "0",
        "--storage",
        "none",
    ]);
    let client = reqwest::Client::new();
    let token = dev_token(&client, &base).await;
    let url = |id: &str| format!("{base}/accounts/{DEV_ACCOUNT_ID}/conversions/{id}?api-version=2021-01-01");
    let body = r#"{"settings":{"inputLocation":{"storageContainerUri":"https://a.blob.core.windows.net/in","relativeInputAssetPath":"box.fbx"},"outputLocation":{"storageContainerUri":"https://a.blob.core.windows.net/out"}}}"#;
    let deadline = Instant::now() + Duration::from_secs(20);
    let resp = client
        .put(url("quick"))
        .bearer_auth(&token)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    loop {
        let resp = client.get(url("quick")).bearer_auth(&token).send().await.unwrap();
        let v: serde_json::Value = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
        if v["status"] == "Succeeded" {
            assert_eq!(
                v["output"]["outputAssetUri"],
                "https://a.blob.core.windows.net/out/box.arrAsset"
            );
            break;
        }
        assert!(Instant::now() < deadline, "{v}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let resp = client
        .get(format!("{base}/_emulator/conversions"))
        .send()
        .await
        .unwrap();
    let all: serde_json::Value = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
    assert_eq!(all[0]["status"], "Succeeded");
    let resp = client
        .post(format!("{base}/_emulator/conversions/quick/cancel"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 409);
    stop(child);
}

#[test]
fn bad_arguments_are_rejected_with_the_bad_part_named() {
    let out = Command::new(BIN)
        .args(["--faults", "500=0.1,explode=1"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("explode=1"));
    let out = Command::new(BIN).args(["--start-delay", "soon"]).output().unwrap();
    assert!(!out.status.success());
    let out = Command::new(BIN).args(["--account", "no-colon"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("ID:KEY"));
    let out = Command::new(BIN).args(["--storage", "AccountName=x"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("AccountKey"));
    let out = Command::new(BIN)
        .args(["--conversion-duration", "later"])
        .output()
        .unwrap();
    assert!(!out.status.success());
}

/// Runs the binary with `args`, lets `exercise` talk to it, then closes stdin and returns stderr.
async fn run_and_collect_stderr<F, Fut>(args: &[&str], exercise: F) -> String
where
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut child = Command::new(BIN)
        .args(["--start-delay", "0", "--exit-on-stdin-eof"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    exercise(first.trim().to_string()).await;
    drop(child.stdin.take());
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "the emulator did not exit on stdin EOF");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    err
}

async fn dev_token(client: &reqwest::Client, base: &str) -> String {
    let resp = client
        .get(format!("{base}/Accounts/{DEV_ACCOUNT_ID}/token"))
        .bearer_auth(format!("{DEV_ACCOUNT_ID}:{DEV_ACCOUNT_KEY}"))
        .send()
        .await
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
    v["AccessToken"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn debug_log_shows_queries_statuses_and_why_a_request_was_refused() {
    let token_seen = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let seen = token_seen.clone();
    let log = run_and_collect_stderr(&["--log-level", "debug"], |base| async move {
        let client = reqwest::Client::new();
        let resp = client
            .get(format!("{base}/Accounts/{DEV_ACCOUNT_ID}/token"))
            .bearer_auth(format!("{DEV_ACCOUNT_ID}:d3Jvbmcta2V5"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 401);
        let token = dev_token(&client, &base).await;
        *seen.lock().unwrap() = token.clone();
        let resp = client
            .get(format!(
                "{base}/accounts/{DEV_ACCOUNT_ID}/sessions?api-version=2021-01-01&sig=s3cr3t"
            ))
            .bearer_auth("garbage")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 401);
        let resp = client
            .get(format!(
                "{base}/accounts/{DEV_ACCOUNT_ID}/sessions?api-version=2021-01-01"
            ))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let resp = client
            .get(format!("{base}/accounts/someone-else/sessions?api-version=2021-01-01"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 403);
    })
    .await;
    assert!(
        log.contains("-> 401 (STS: unknown account id or wrong account key)"),
        "{log}"
    );
    assert!(
        log.contains("the token is not an access token of this emulator"),
        "{log}"
    );
    assert!(log.contains("-> 403 (the token is for account"), "{log}");
    assert!(
        log.contains(&format!(
            "GET /accounts/{DEV_ACCOUNT_ID}/sessions?api-version=2021-01-01 -> 200"
        )),
        "{log}"
    );
    assert!(log.contains("sig=REDACTED"), "{log}");
    assert!(log.contains("ms-cv="), "{log}");
    assert!(
        log.lines().any(|l| l.contains("-> 200") && l.contains("ms ms-cv=")),
        "{log}"
    );
    let token = token_seen.lock().unwrap().clone();
    for secret in [DEV_ACCOUNT_KEY, "d3Jvbmcta2V5", "s3cr3t", token.as_str()] {
        assert!(!log.contains(secret), "the log leaks {secret}:\n{log}");
    }
    assert!(!log.contains("response body"), "bodies only at trace");
}

#[tokio::test]
async fn trace_log_shows_bodies_with_secrets_redacted() {
    let token_seen = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let seen = token_seen.clone();
    let log = run_and_collect_stderr(&["--log-level", "trace"], |base| async move {
        let client = reqwest::Client::new();
        let token = dev_token(&client, &base).await;
        *seen.lock().unwrap() = token.clone();
        let resp = client
            .put(format!(
                "{base}/accounts/{DEV_ACCOUNT_ID}/sessions/traced?api-version=2021-01-01"
            ))
            .bearer_auth(&token)
            .body("{'maxLeaseTimeMinutes': 5, 'size': 'Standard'}")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201);
    })
    .await;
    assert!(log.contains(r#"{"AccessToken":"REDACTED"}"#), "{log}");
    assert!(
        log.contains(r#"request body ms-cv="#) && log.contains(r#"{"maxLeaseTimeMinutes":5,"size":"Standard"}"#),
        "{log}"
    );
    assert!(log.contains(r#""id":"traced""#), "{log}");
    let token = token_seen.lock().unwrap().clone();
    for secret in [DEV_ACCOUNT_KEY, token.as_str()] {
        assert!(!log.contains(secret), "the log leaks {secret}:\n{log}");
    }
}

#[test]
fn log_level_is_validated() {
    let out = Command::new(BIN).args(["--log-level", "loud"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("loud"));
}

/// Starts the binary with `args`, returns it and its base URL.
fn spawn_with(args: &[&str]) -> (std::process::Child, String) {
    let mut child = Command::new(BIN)
        .args(["--exit-on-stdin-eof", "--quiet"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    (child, first.trim().to_string())
}

fn stop(mut child: std::process::Child) {
    drop(child.stdin.take());
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "the emulator did not exit on stdin EOF");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test]
async fn a_client_that_trusted_the_generated_certificate_keeps_working_after_a_restart() {
    let dir = std::env::temp_dir().join(format!("arr-emu-tls-{}-{:x}", std::process::id(), fastrand::u64(..)));
    std::fs::create_dir_all(&dir).unwrap();
    let state = dir.join("state.json");
    let cert = dir.join("cert.pem");
    let state_arg = state.to_str().unwrap().to_string();
    let cert_arg = cert.to_str().unwrap().to_string();
    let args = ["--tls", "--state-file", &state_arg, "--tls-cert-out", &cert_arg];

    let (first, base) = spawn_with(&args);
    assert!(base.starts_with("https://127.0.0.1:"), "{base}");
    let pem = std::fs::read_to_string(&cert).unwrap();
    let client = reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(pem.as_bytes()).unwrap())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let resp = client.get(format!("{base}/_emulator/health")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    stop(first);
    std::fs::remove_file(&cert).unwrap();

    let (second, base) = spawn_with(&args);
    assert_eq!(
        std::fs::read_to_string(&cert).unwrap(),
        pem,
        "the same certificate again"
    );
    let resp = client
        .get(format!("{base}/Accounts/{DEV_ACCOUNT_ID}/token"))
        .bearer_auth(format!("{DEV_ACCOUNT_ID}:{DEV_ACCOUNT_KEY}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "the old trust still works");
    stop(second);
    let _ = std::fs::remove_dir_all(&dir);
}
