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
    ] {
        assert!(help.contains(needle), "--help lacks {needle}");
    }
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
}
