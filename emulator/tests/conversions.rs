//! Asset conversions (api-version 2021-01-01): validation, normalisation, idempotency, get/list, headers,
//! the NotStarted -> Running -> Succeeded | Failed machine on the emulated clock, control hooks, faults,
//! the state file, simulated storage, and real blob storage in Azurite (linked account and SAS).

mod common;

use std::time::{Duration, Instant};

use arr_emulator::azurite::Azurite;
use arr_emulator::{
    ControlError, Emulator, EmulatorConfig, FaultKind, ScriptedFault, DEV_ACCOUNT_ID, INPUT_CONTAINER_ERROR,
    INPUT_MISSING_MESSAGE, LINKED_STORAGE_ERROR, LINKED_STORAGE_MESSAGE, OUTPUT_CONTAINER_ERROR,
};
use common::*;
use serde_json::{json, Value};

/// Conversions finish as soon as their storage work is done.
fn instant_conversions() -> EmulatorConfig {
    EmulatorConfig {
        conversion_start_delay: Duration::ZERO,
        conversion_duration: Duration::ZERO,
        ..fast_config()
    }
}

fn conversion_url(emu: &Emulator, id: &str) -> String {
    format!("{}/accounts/{DEV_ACCOUNT_ID}/conversions/{id}?{API}", emu.base_url())
}

fn conversions_url(emu: &Emulator) -> String {
    format!("{}/accounts/{DEV_ACCOUNT_ID}/conversions?{API}", emu.base_url())
}

fn settings(input_container: &str, input_path: &str, output_container: &str) -> Value {
    json!({
        "settings": {
            "inputLocation": { "storageContainerUri": input_container, "relativeInputAssetPath": input_path },
            "outputLocation": { "storageContainerUri": output_container }
        }
    })
}

const IN: &str = "https://contosostorage01.blob.core.windows.net/arrinput";
const OUT: &str = "https://contosostorage01.blob.core.windows.net/arroutput";

async fn put(emu: &Emulator, client: &reqwest::Client, token: &str, id: &str, body: &str) -> reqwest::Response {
    client
        .put(conversion_url(emu, id))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
}

async fn get(emu: &Emulator, client: &reqwest::Client, token: &str, id: &str) -> Value {
    let resp = client
        .get(conversion_url(emu, id))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    json_of(resp).await
}

/// Polls until the conversion reaches a terminal status (a generous "did not hang" bound).
async fn wait_terminal(emu: &Emulator, client: &reqwest::Client, token: &str, id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let body = get(emu, client, token, id).await;
        if ["Succeeded", "Failed", "Cancelled"].contains(&body["status"].as_str().unwrap()) {
            return body;
        }
        assert!(Instant::now() < deadline, "conversion {id} did not finish: {body}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn is_service_time(text: &str) -> bool {
    // 2022-09-14T01:02:25.3744317Z
    let b = text.as_bytes();
    b.len() == 28
        && b[4] == b'-'
        && b[10] == b'T'
        && b[19] == b'.'
        && b[27] == b'Z'
        && b[20..27].iter().all(u8::is_ascii_digit)
}

#[tokio::test]
async fn create_normalises_the_settings_and_never_echoes_sas() {
    let emu = start(fast_config()).await;
    let client = client();
    let token = token(&emu, &client).await;
    let body = json!({
        "settings": {
            "inputLocation": {
                "storageContainerUri": IN,
                "blobPrefix": "Input",
                "relativeInputAssetPath": "testBox.fbx",
                "storageContainerReadListSas": "?sv=2015-04-05&sr=c&se=2122-03-10T16%3A13%3A40.0000000Z&sp=rwl&sig=fakeSig"
            },
            "outputLocation": {
                "storageContainerUri": OUT,
                "blobPrefix": "rr-test-id",
                "storageContainerWriteSas": "?sv=2015-04-05&sr=c&sp=rwl&sig=fakeSig"
            }
        }
    });
    let resp = put(&emu, &client, &token, "rr-test-id", &body.to_string()).await;
    assert_eq!(resp.status(), 201);
    assert_common_2021_headers(&resp);
    assert_eq!(header(&resp, "cache-control"), None);
    assert_eq!(header(&resp, "pragma"), None);
    assert_eq!(header(&resp, "content-type"), Some("application/json; charset=utf-8"));
    let raw = resp.text().await.unwrap();
    assert!(!raw.contains("Sas") && !raw.contains("fakeSig"), "SAS echoed: {raw}");
    let v: Value = serde_json::from_str(&raw).unwrap();
    assert_eq!(v["id"], "rr-test-id");
    assert_eq!(v["status"], "NotStarted");
    assert!(
        v.as_object().unwrap().contains_key("error") && v["error"].is_null(),
        "{v}"
    );
    assert!(v.get("output").is_none());
    assert!(is_service_time(v["creationTime"].as_str().unwrap()), "{v}");
    assert_eq!(
        v["settings"],
        json!({
            "inputLocation": { "storageContainerUri": IN, "blobPrefix": "Input/", "relativeInputAssetPath": "testBox.fbx" },
            "outputLocation": { "storageContainerUri": OUT, "blobPrefix": "rr-test-id/", "outputAssetFilename": "testBox.arrAsset" }
        })
    );
    // GET: the same settings, with Cache-Control/Pragma (§8.1); SAS still hidden.
    let resp = client
        .get(conversion_url(&emu, "rr-test-id"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_common_2021_headers(&resp);
    assert_eq!(header(&resp, "cache-control"), Some("no-store, no-cache"));
    assert_eq!(header(&resp, "pragma"), Some("no-cache"));
    let got = json_of(resp).await;
    assert_eq!(got["settings"], v["settings"]);
    assert_eq!(got["creationTime"], v["creationTime"]);
    assert!(!got.to_string().contains("Sas"));
}

#[tokio::test]
async fn same_settings_again_is_200_other_settings_409() {
    let emu = start(fast_config()).await;
    let client = client();
    let token = token(&emu, &client).await;
    let body = settings(IN, "house.fbx", OUT).to_string();
    assert_eq!(put(&emu, &client, &token, "c1", &body).await.status(), 201);
    let again = put(&emu, &client, &token, "c1", &body).await;
    assert_eq!(again.status(), 200);
    assert_eq!(json_of(again).await["id"], "c1");
    // Normalisation makes these the same settings: explicit default name, prefix without slash vs with.
    let explicit = json!({"settings": {
        "inputLocation": {"storageContainerUri": IN, "relativeInputAssetPath": "house.fbx", "storageContainerReadListSas": "?sp=rl&sig=x"},
        "outputLocation": {"storageContainerUri": OUT, "outputAssetFilename": "house.arrAsset", "blobPrefix": ""}
    }});
    assert_eq!(
        put(&emu, &client, &token, "c1", &explicit.to_string()).await.status(),
        200
    );
    let other = put(
        &emu,
        &client,
        &token,
        "c1",
        &settings(IN, "barrel.fbx", OUT).to_string(),
    )
    .await;
    assert_eq!(other.status(), 409);
    assert_common_2021_headers(&other);
    assert_eq!(
        json_of(other).await,
        json!({"error": {"code": "Conflict", "message": "A resource already exists under the given ID."}})
    );
    // Ids are case-sensitive: C1 is another conversion.
    assert_eq!(put(&emu, &client, &token, "C1", &body).await.status(), 201);
    // A session with the same id is unrelated.
    let (status, _) = create(
        &emu,
        &client,
        &token,
        "c1",
        r#"{"maxLeaseTimeMinutes":5,"size":"Standard"}"#,
    )
    .await;
    assert_eq!(status, 201);
}

#[tokio::test]
async fn create_validates_like_the_service() {
    let emu = start(fast_config()).await;
    let client = client();
    let token = token(&emu, &client).await;
    let good = settings(IN, "house.fbx", OUT).to_string();
    let bad = |resp: reqwest::Response| async move {
        assert_eq!(resp.status(), 400);
        assert_common_2021_headers(&resp);
        let v = json_of(resp).await;
        assert_eq!(v["error"]["code"], "BadRequest", "{v}");
        v["error"]["message"].as_str().unwrap().to_string()
    };
    let long = "a".repeat(257);
    for id in ["bad.id", "bad%20id", long.as_str()] {
        let m = bad(put(&emu, &client, &token, id, &good).await).await;
        assert!(m.contains("conversion id") && m.contains("'-' and '_'"), "{m}");
    }
    assert_eq!(put(&emu, &client, &token, &"a".repeat(256), &good).await.status(), 201);
    let cases: [(Value, &str); 7] = [
        (json!({}), "The settings field is required."),
        (
            json!({"settings": {"outputLocation": {"storageContainerUri": OUT}}}),
            "The settings.inputLocation field is required.",
        ),
        (
            json!({"settings": {"inputLocation": {"storageContainerUri": IN, "relativeInputAssetPath": "a.fbx"}}}),
            "The settings.outputLocation field is required.",
        ),
        (
            json!({"settings": {"inputLocation": {"relativeInputAssetPath": "a.fbx"}, "outputLocation": {"storageContainerUri": OUT}}}),
            "The settings.inputLocation.storageContainerUri field is required.",
        ),
        (
            settings(IN, "", OUT),
            "The settings.inputLocation.relativeInputAssetPath field is required.",
        ),
        (
            json!({"settings": {"inputLocation": {"storageContainerUri": IN, "relativeInputAssetPath": "a.fbx"}, "outputLocation": {"storageContainerUri": OUT, "outputAssetFilename": "a.fbx"}}}),
            "The settings.outputLocation.outputAssetFilename 'a.fbx' is invalid: it must end in '.arrAsset'.",
        ),
        (
            json!({"settings": {"inputLocation": {"storageContainerUri": IN, "relativeInputAssetPath": 5}, "outputLocation": {"storageContainerUri": OUT}}}),
            "The settings.inputLocation.relativeInputAssetPath field must be a string.",
        ),
    ];
    for (i, (body, message)) in cases.iter().enumerate() {
        let m = bad(put(&emu, &client, &token, &format!("v{i}"), &body.to_string()).await).await;
        assert_eq!(m, *message);
    }
    let m = bad(put(
        &emu,
        &client,
        &token,
        "v-uri",
        &settings("arrinput", "a.fbx", OUT).to_string(),
    )
    .await)
    .await;
    assert!(m.contains("not an absolute http(s) URI"), "{m}");
    let m = bad(put(&emu, &client, &token, "v-ext", &settings(IN, "a.obj", OUT).to_string()).await).await;
    assert!(m.contains("Supported file types: .fbx, .gltf, .glb"), "{m}");
    let m = bad(put(&emu, &client, &token, "v-json", "not json").await).await;
    assert!(m.contains("JSON object"), "{m}");
    // None of the refused ones exist.
    let list = json_of(
        client
            .get(conversions_url(&emu))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(list["conversions"].as_array().unwrap().len(), 1);
    // The service's lenient reader: single quotes, unquoted names, comments, a trailing comma.
    let lenient = format!(
        "{{ settings: {{ 'inputLocation': {{ 'storageContainerUri': '{IN}', 'relativeInputAssetPath': 'box.glb' }}, // in\n 'outputLocation': {{ 'storageContainerUri': '{OUT}', }} }} }}"
    );
    let resp = put(&emu, &client, &token, "lenient", &lenient).await;
    assert_eq!(resp.status(), 201);
    assert_eq!(
        json_of(resp).await["settings"]["outputLocation"]["outputAssetFilename"],
        "box.arrAsset"
    );
    // Auth and api-version as for sessions.
    let resp = client
        .put(conversion_url(&emu, "x"))
        .body(good.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(
        header(&resp, "www-authenticate"),
        Some("Bearer error=\"invalid_token\"")
    );
    let url = format!("{}/accounts/{DEV_ACCOUNT_ID}/conversions/x", emu.base_url());
    let resp = client.put(url).bearer_auth(&token).body(good).send().await.unwrap();
    assert_eq!(resp.status(), 400);
}

#[tokio::test]
async fn get_unknown_is_404_and_list_pages_end_with_a_null_next_link() {
    let emu = start(EmulatorConfig {
        page_size: 2,
        ..fast_config()
    })
    .await;
    let client = client();
    let token = token(&emu, &client).await;
    let resp = client
        .get(conversion_url(&emu, "nope"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    assert_common_2021_headers(&resp);
    // Empty list: "@nextLink": null is present.
    let resp = client
        .get(conversions_url(&emu))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(json_of(resp).await, json!({"conversions": [], "@nextLink": null}));
    for id in ["c0", "c1", "c2", "c3", "c4"] {
        let body = settings(IN, &format!("{id}.fbx"), OUT).to_string();
        assert_eq!(put(&emu, &client, &token, id, &body).await.status(), 201);
    }
    let mut url = conversions_url(&emu);
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let resp = client.get(&url).bearer_auth(&token).send().await.unwrap();
        assert_eq!(resp.status(), 200);
        assert_common_2021_headers(&resp);
        assert_eq!(
            header(&resp, "cache-control"),
            None,
            "list conversions has no Cache-Control (§8.1)"
        );
        assert_eq!(header(&resp, "pragma"), None);
        let page = json_of(resp).await;
        pages += 1;
        let items = page["conversions"].as_array().unwrap();
        assert!(items.len() <= 2);
        for c in items {
            assert!(c["error"].is_null() && c.as_object().unwrap().contains_key("error"));
            seen.push(c["id"].as_str().unwrap().to_string());
        }
        assert!(page.as_object().unwrap().contains_key("@nextLink"), "{page}");
        match page["@nextLink"].as_str() {
            Some(next) => {
                assert!(next.starts_with(&emu.base_url()), "absolute: {next}");
                url = next.to_string();
            }
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, ["c0", "c1", "c2", "c3", "c4"]);
    let bad = format!("{}&skiptoken=garbage", conversions_url(&emu));
    assert_eq!(client.get(bad).bearer_auth(&token).send().await.unwrap().status(), 400);
}

#[tokio::test]
async fn status_follows_the_emulated_clock() {
    // The service's pace (5 s NotStarted, 60 s Running); the clock hook moves it along.
    let emu = start(fast_config()).await;
    let client = client();
    let token = token(&emu, &client).await;
    let body = settings(IN, "testBox.fbx", OUT).to_string();
    assert_eq!(put(&emu, &client, &token, "clocked", &body).await.status(), 201);
    assert_eq!(get(&emu, &client, &token, "clocked").await["status"], "NotStarted");
    emu.advance_clock(0.1).unwrap(); // 6 emulated seconds: Running
    let deadline = Instant::now() + Duration::from_secs(10);
    let running = loop {
        let v = get(&emu, &client, &token, "clocked").await;
        if v["status"] == "Running" || Instant::now() > deadline {
            break v;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    assert_eq!(running["status"], "Running");
    assert!(running.get("output").is_none() && running["error"].is_null());
    // The HTTP hook does the same as the Rust method.
    let resp = client
        .post(format!("{}/_emulator/clock/advance", emu.base_url()))
        .body(r#"{"minutes": 1}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let done = wait_terminal(&emu, &client, &token, "clocked").await;
    assert_eq!(done["status"], "Succeeded");
    assert!(done["error"].is_null());
    assert_eq!(done["output"]["outputAssetUri"], format!("{OUT}/testBox.arrAsset"));
    // Listed with the same body.
    let list = json_of(
        client
            .get(conversions_url(&emu))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(list["conversions"][0], done);

    // --time-scale applies: at 600 emulated minutes per real minute the 65 emulated seconds take ~0.1 s.
    let scaled = start(EmulatorConfig {
        time_scale: 600.0,
        ..fast_config()
    })
    .await;
    let token = common::token(&scaled, &client).await;
    assert_eq!(put(&scaled, &client, &token, "scaled", &body).await.status(), 201);
    assert_eq!(
        wait_terminal(&scaled, &client, &token, "scaled").await["status"],
        "Succeeded"
    );
}

#[tokio::test]
async fn simulated_storage_fails_missing_inputs_and_refuses_missing_containers() {
    let emu = start(instant_conversions()).await;
    let client = client();
    let token = token(&emu, &client).await;
    // An input path containing "missing" fails like a missing blob.
    let body = json!({"settings": {
        "inputLocation": {"storageContainerUri": IN, "blobPrefix": "models/missing", "relativeInputAssetPath": "box.fbx"},
        "outputLocation": {"storageContainerUri": OUT}
    }});
    assert_eq!(put(&emu, &client, &token, "m1", &body.to_string()).await.status(), 201);
    let failed = wait_terminal(&emu, &client, &token, "m1").await;
    assert_eq!(failed["status"], "Failed");
    assert_eq!(
        failed["error"],
        json!({"code": INPUT_CONTAINER_ERROR, "message": INPUT_MISSING_MESSAGE})
    );
    assert!(failed.get("output").is_none());
    // A container whose name contains "missing", without a SAS: 403 at create, with the 2024 body.
    let resp = put(
        &emu,
        &client,
        &token,
        "m2",
        &settings(
            "https://contosostorage01.blob.core.windows.net/missing-container",
            "box.fbx",
            OUT,
        )
        .to_string(),
    )
    .await;
    assert_eq!(resp.status(), 403);
    assert_common_2021_headers(&resp);
    assert_eq!(
        json_of(resp).await,
        json!({"error": {"code": LINKED_STORAGE_ERROR, "message": LINKED_STORAGE_MESSAGE}})
    );
    assert_eq!(
        client
            .get(conversion_url(&emu, "m2"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    // A read-only output SAS cannot write: Failed (inferred code).
    let body = json!({"settings": {
        "inputLocation": {"storageContainerUri": IN, "relativeInputAssetPath": "box.fbx", "storageContainerReadListSas": "?sp=rl&sig=x"},
        "outputLocation": {"storageContainerUri": OUT, "storageContainerWriteSas": "?sp=r&sig=x"}
    }});
    assert_eq!(put(&emu, &client, &token, "m3", &body.to_string()).await.status(), 201);
    let failed = wait_terminal(&emu, &client, &token, "m3").await;
    assert_eq!(failed["error"]["code"], OUTPUT_CONTAINER_ERROR, "{failed}");
    // Everything else succeeds.
    assert_eq!(
        put(&emu, &client, &token, "ok", &settings(IN, "box.fbx", OUT).to_string())
            .await
            .status(),
        201
    );
    assert_eq!(wait_terminal(&emu, &client, &token, "ok").await["status"], "Succeeded");
    let snaps = emu.conversions();
    assert_eq!(snaps.len(), 3);
    assert_eq!(snaps[0].input_asset_uri, format!("{IN}/models/missing/box.fbx"));
    assert_eq!(
        snaps[2].output_asset_uri.as_deref(),
        Some(&*format!("{OUT}/box.arrAsset"))
    );
}

#[tokio::test]
async fn control_hooks_fail_and_cancel_conversions() {
    let emu = start(fast_config()).await; // 5 s NotStarted: the hooks act first
    let client = client();
    let token = token(&emu, &client).await;
    for id in ["f1", "f2", "k1"] {
        let body = settings(IN, "box.fbx", OUT).to_string();
        assert_eq!(put(&emu, &client, &token, id, &body).await.status(), 201);
    }
    let snap = emu
        .fail_conversion("f1", "ConversionProcessFailed", "Bad mesh.")
        .unwrap();
    assert_eq!(
        (snap.status.as_str(), snap.error_code.as_deref()),
        ("Failed", Some("ConversionProcessFailed"))
    );
    let v = get(&emu, &client, &token, "f1").await;
    assert_eq!(
        v["error"],
        json!({"code": "ConversionProcessFailed", "message": "Bad mesh."})
    );
    // Over HTTP, with the defaults (the 2021-2022 service's error).
    let base = emu.base_url();
    let resp = client
        .post(format!("{base}/_emulator/conversions/f2/fail"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(json_of(resp).await["status"], "Failed");
    let v = get(&emu, &client, &token, "f2").await;
    assert_eq!(
        v["error"],
        json!({"code": "ConversionProcessFailed", "message": "Invalid input provided. Check logs in output container for details."})
    );
    let resp = client
        .post(format!("{base}/_emulator/conversions/k1/cancel"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let v = get(&emu, &client, &token, "k1").await;
    assert_eq!((v["status"].as_str(), v["error"].is_null()), (Some("Cancelled"), true));
    // Terminal ones stay as they are; unknown ones are 404.
    assert!(matches!(
        emu.cancel_conversion("f1"),
        Err(ControlError::ConversionEnded { .. })
    ));
    let resp = client
        .post(format!("{base}/_emulator/conversions/k1/fail"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 409);
    assert!(matches!(
        emu.fail_conversion("nope", "X", "y"),
        Err(ControlError::ConversionNotFound(_))
    ));
    let resp = client
        .post(format!("{base}/_emulator/conversions/nope/cancel"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    // The clock moving on changes nothing for them.
    emu.advance_clock(10.0).unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(get(&emu, &client, &token, "k1").await["status"], "Cancelled");
    let all: Value = json_of(
        client
            .get(format!("{base}/_emulator/conversions"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(all.as_array().unwrap().len(), 3);
    assert_eq!(all[2]["status"], "Cancelled");
}

#[tokio::test]
async fn faults_rate_limits_and_counts_apply_to_conversion_routes() {
    let emu = start(instant_conversions()).await;
    let client = client();
    let token = token(&emu, &client).await;
    emu.inject(ScriptedFault {
        route: Some("conversions.create".into()),
        kind: FaultKind::Status {
            status: 503,
            retry_after: Some(2),
        },
        times: 1,
    });
    let body = settings(IN, "box.fbx", OUT).to_string();
    let resp = put(&emu, &client, &token, "f", &body).await;
    assert_eq!(resp.status(), 503);
    assert_eq!(header(&resp, "retry-after"), Some("2"));
    assert_eq!(put(&emu, &client, &token, "f", &body).await.status(), 201);
    emu.inject(ScriptedFault {
        route: Some("conversions.list".into()),
        kind: FaultKind::MalformedBody,
        times: 1,
    });
    let resp = client
        .get(conversions_url(&emu))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert!(serde_json::from_slice::<Value>(&resp.bytes().await.unwrap()).is_err());
    let _ = get(&emu, &client, &token, "f").await;
    // sessionError on conversions.create: accepted, then Failed (default code), storage untouched.
    emu.inject(ScriptedFault {
        route: Some("conversions.create".into()),
        kind: FaultKind::SessionError {
            code: None,
            message: None,
        },
        times: 1,
    });
    assert_eq!(put(&emu, &client, &token, "doomed", &body).await.status(), 201);
    let failed = wait_terminal(&emu, &client, &token, "doomed").await;
    assert_eq!(failed["error"]["code"], "ConversionProcessFailed", "{failed}");
    assert_eq!(wait_terminal(&emu, &client, &token, "f").await["status"], "Succeeded");
    assert_eq!(emu.request_count("conversions.create"), 3);
    assert_eq!(emu.request_count("conversions.list"), 1);
    assert_eq!(emu.request_count("conversions.get"), 3);

    let limited = start(EmulatorConfig {
        rate_limit: Some(1),
        ..instant_conversions()
    })
    .await;
    let token = common::token(&limited, &client).await;
    let mut throttled = false;
    for _ in 0..5 {
        let resp = client
            .get(conversions_url(&limited))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        if resp.status() == 429 {
            assert_eq!(header(&resp, "retry-after"), Some("1"));
            throttled = true;
            break;
        }
    }
    assert!(throttled);
}

#[tokio::test]
async fn conversions_survive_a_restart_through_the_state_file() {
    let path = unique_temp_path("conversions.json");
    let config = || EmulatorConfig {
        state_file: Some(path.clone()),
        ..fast_config()
    };
    let emu = start(config()).await;
    let client = client();
    let token = token(&emu, &client).await;
    let body = json!({"settings": {
        "inputLocation": {"storageContainerUri": IN, "relativeInputAssetPath": "box.fbx", "storageContainerReadListSas": "?sp=rl&sig=secret"},
        "outputLocation": {"storageContainerUri": OUT}
    }});
    assert_eq!(
        put(&emu, &client, &token, "kept", &body.to_string()).await.status(),
        201
    );
    let before = get(&emu, &client, &token, "kept").await;
    emu.shutdown().await;
    let emu = start(config()).await;
    let after = get(&emu, &client, &token, "kept").await;
    assert_eq!(after["creationTime"], before["creationTime"]);
    assert_eq!(after["settings"], before["settings"]);
    // The resumed worker finishes it once the clock says so.
    emu.advance_clock(2.0).unwrap();
    assert_eq!(
        wait_terminal(&emu, &client, &token, "kept").await["status"],
        "Succeeded"
    );
    assert_eq!(
        put(&emu, &client, &token, "kept", &body.to_string()).await.status(),
        200
    );
    emu.shutdown().await;
    let _ = std::fs::remove_file(&path);
}

// ---------------------------------------------------------------------------------------------------
// Real storage: Azurite.

fn azurite() -> Azurite {
    Azurite::start().unwrap_or_else(|e| panic!("Azurite is needed for this test: {e}"))
}

async fn linked(azurite: &Azurite) -> Emulator {
    start(EmulatorConfig {
        storage: Some(azurite.connection_string()),
        ..instant_conversions()
    })
    .await
}

#[tokio::test]
async fn azurite_linked_storage_and_sas_conversions_write_the_outputs() {
    let azurite = azurite();
    azurite.create_container("input").unwrap();
    azurite.create_container("output").unwrap();
    let model = vec![7u8; 1234];
    azurite.put_blob("input", "models/box.fbx", &model).unwrap();
    assert_eq!(
        azurite.get_blob("input", "models/box.fbx").unwrap(),
        Some(model.clone())
    );
    let emu = linked(&azurite).await;
    let client = client();
    let token = token(&emu, &client).await;

    // Linked storage: no SAS at all.
    let body = json!({"settings": {
        "inputLocation": {"storageContainerUri": azurite.container_url("input"), "blobPrefix": "models", "relativeInputAssetPath": "box.fbx"},
        "outputLocation": {"storageContainerUri": azurite.container_url("output"), "blobPrefix": "linked"}
    }});
    assert_eq!(
        put(&emu, &client, &token, "linked", &body.to_string()).await.status(),
        201
    );
    let done = wait_terminal(&emu, &client, &token, "linked").await;
    assert_eq!(done["status"], "Succeeded", "{done}");
    assert_eq!(
        done["output"]["outputAssetUri"],
        format!("{}/linked/box.arrAsset", azurite.container_url("output"))
    );
    let asset = String::from_utf8(
        azurite
            .get_blob("output", "linked/box.arrAsset")
            .unwrap()
            .expect("asset"),
    )
    .unwrap();
    assert!(
        asset.contains("arr-emulator") && asset.contains("models/box.fbx") && asset.contains("1234 bytes"),
        "{asset}"
    );
    let result: Value = serde_json::from_slice(
        &azurite
            .get_blob("output", "linked/box.result.json")
            .unwrap()
            .expect("result.json"),
    )
    .unwrap();
    assert_eq!(result[1], json!({"result": "succeeded"}), "{result}");
    assert!(azurite.get_blob("output", "linked/box.log").unwrap().is_some());
    assert_eq!(
        azurite.list_blobs("output", "linked/").unwrap(),
        [
            "linked/box.arrAsset",
            "linked/box.info.json",
            "linked/box.log",
            "linked/box.result.json"
        ]
    );

    // SAS on both sides (the SAS is used: see the read-only case in the next test).
    let body = json!({"settings": {
        "inputLocation": {"storageContainerUri": azurite.container_url("input"), "blobPrefix": "models/", "relativeInputAssetPath": "box.fbx",
                          "storageContainerReadListSas": azurite.container_sas("input", "rl")},
        "outputLocation": {"storageContainerUri": azurite.container_url("output"), "blobPrefix": "sas", "outputAssetFilename": "named.arrAsset",
                           "storageContainerWriteSas": azurite.container_sas("output", "w")}
    }});
    let resp = put(&emu, &client, &token, "sas", &body.to_string()).await;
    assert_eq!(resp.status(), 201);
    assert!(!resp.text().await.unwrap().contains("sig="));
    let done = wait_terminal(&emu, &client, &token, "sas").await;
    assert_eq!(done["status"], "Succeeded", "{done}");
    assert!(azurite.get_blob("output", "sas/named.arrAsset").unwrap().is_some());
    assert!(azurite.get_blob("output", "sas/named.result.json").unwrap().is_some());

    // Names that need percent-encoding, through Shared Key.
    azurite.put_blob("input", "my models/my box+1.fbx", b"odd").unwrap();
    let body = json!({"settings": {
        "inputLocation": {"storageContainerUri": azurite.container_url("input"), "blobPrefix": "my models", "relativeInputAssetPath": "my box+1.fbx"},
        "outputLocation": {"storageContainerUri": azurite.container_url("output"), "blobPrefix": "odd names"}
    }});
    assert_eq!(put(&emu, &client, &token, "odd", &body.to_string()).await.status(), 201);
    assert_eq!(wait_terminal(&emu, &client, &token, "odd").await["status"], "Succeeded");
    assert!(azurite
        .get_blob("output", "odd names/my box+1.arrAsset")
        .unwrap()
        .is_some());
}

#[tokio::test]
async fn azurite_failures_missing_input_read_only_sas_and_missing_container() {
    let azurite = azurite();
    azurite.create_container("input").unwrap();
    azurite.create_container("output").unwrap();
    azurite.put_blob("input", "box.fbx", b"fbx").unwrap();
    let emu = linked(&azurite).await;
    let client = client();
    let token = token(&emu, &client).await;
    let (input, output) = (azurite.container_url("input"), azurite.container_url("output"));

    // Missing input: Failed with the 2024 code and message; its result file and log only (the result
    // file's shape: azurite_result_and_info_files_in_the_services_shapes).
    let body = settings(&input, "nothere.fbx", &output).to_string();
    assert_eq!(put(&emu, &client, &token, "missing", &body).await.status(), 201);
    let failed = wait_terminal(&emu, &client, &token, "missing").await;
    assert_eq!(
        failed["error"],
        json!({"code": INPUT_CONTAINER_ERROR, "message": INPUT_MISSING_MESSAGE})
    );
    assert_eq!(
        azurite.list_blobs("output", "").unwrap(),
        ["nothere.log", "nothere.result.json"]
    );

    // A read-only SAS for the output: Failed, nothing written (Shared Key would have worked).
    let body = json!({"settings": {
        "inputLocation": {"storageContainerUri": input, "relativeInputAssetPath": "box.fbx"},
        "outputLocation": {"storageContainerUri": output, "storageContainerWriteSas": azurite.container_sas("output", "r")}
    }});
    assert_eq!(
        put(&emu, &client, &token, "readonly", &body.to_string()).await.status(),
        201
    );
    let failed = wait_terminal(&emu, &client, &token, "readonly").await;
    assert_eq!(failed["status"], "Failed");
    assert_eq!(failed["error"]["code"], OUTPUT_CONTAINER_ERROR, "{failed}");
    assert!(failed["error"]["message"].as_str().unwrap().contains("403"), "{failed}");
    assert!(azurite.list_blobs("output", "box").unwrap().is_empty());

    // A read SAS without 'r' on the input: Failed with InputContainerError.
    let body = json!({"settings": {
        "inputLocation": {"storageContainerUri": input, "relativeInputAssetPath": "box.fbx", "storageContainerReadListSas": azurite.container_sas("input", "l")},
        "outputLocation": {"storageContainerUri": output}
    }});
    assert_eq!(
        put(&emu, &client, &token, "nolist", &body.to_string()).await.status(),
        201
    );
    assert_eq!(
        wait_terminal(&emu, &client, &token, "nolist").await["error"]["code"],
        INPUT_CONTAINER_ERROR
    );

    // Linked access fails at create: a container that does not exist, or one outside the linked account.
    let linked_refusal = json!({"error": {"code": LINKED_STORAGE_ERROR, "message": LINKED_STORAGE_MESSAGE}});
    for (id, body) in [
        (
            "nocontainer",
            settings(&azurite.container_url("nosuchcontainer"), "box.fbx", &output),
        ),
        (
            "nooutput",
            settings(&input, "box.fbx", &azurite.container_url("nosuchoutput")),
        ),
        ("elsewhere", settings(IN, "box.fbx", &output)),
    ] {
        let resp = put(&emu, &client, &token, id, &body.to_string()).await;
        assert_eq!(resp.status(), 403, "{id}");
        assert_common_2021_headers(&resp);
        assert_eq!(json_of(resp).await, linked_refusal, "{id}");
    }
    assert_eq!(emu.conversions().len(), 3);

    // A linked account whose key the storage refuses: 403 at create as well.
    let wrong_key = azurite
        .connection_string()
        .replace(arr_emulator::azurite::ACCOUNT_KEY, "d3Jvbmcta2V5");
    let refused = start(EmulatorConfig {
        storage: Some(wrong_key),
        ..instant_conversions()
    })
    .await;
    let token = common::token(&refused, &client).await;
    let resp = put(
        &refused,
        &client,
        &token,
        "badkey",
        &settings(&input, "box.fbx", &output).to_string(),
    )
    .await;
    assert_eq!(resp.status(), 403);
    assert_eq!(json_of(resp).await, linked_refusal);
}

/// The result and info files a conversion leaves, in the service's shapes (docs "Get information about
/// conversions"; codes and titles of the failures as emulator/README.md records them): a success, a
/// missing input, an unsupported format version, and three settings files the service refuses.
#[tokio::test]
async fn azurite_result_and_info_files_in_the_services_shapes() {
    use arr_emulator::{
        CONVERSION_FAIL_CODE, CONVERSION_FAIL_MESSAGE, RESULT_INPUT_INVALID_CODE, RESULT_INPUT_INVALID_TITLE,
        RESULT_SETTINGS_INVALID_CODE, RESULT_SETTINGS_INVALID_TITLE, RESULT_UNSUPPORTED_FORMAT_CODE,
        RESULT_UNSUPPORTED_FORMAT_TITLE,
    };
    let azurite = azurite();
    azurite.create_container("input").unwrap();
    azurite.create_container("output").unwrap();
    let fbx = |version: u32| {
        let mut b = b"Kaydara FBX Binary  \0\x1a\0".to_vec();
        b.extend_from_slice(&version.to_le_bytes());
        b.extend_from_slice(b"rest of the model");
        b
    };
    azurite.put_blob("input", "ok/box.fbx", &fbx(7400)).unwrap();
    azurite
        .put_blob(
            "input",
            "ok/box.ConversionSettings.json",
            br#"{"scaling": 0.01, "axis": ["+x", "+z", "-y"], "material-override": "m.json"}"#,
        )
        .unwrap();
    azurite.put_blob("input", "old/box.fbx", &fbx(6100)).unwrap();
    for (dir, settings) in [
        ("axis", r#"{"axis": ["Default", "+z", "-y"]}"#),
        ("unknown", r#"{"scaling": 1, "recenter": true}"#),
        ("unreadable", r#"{"scaling": 1,"#),
    ] {
        azurite
            .put_blob("input", &format!("{dir}/box.fbx"), &fbx(7400))
            .unwrap();
        azurite
            .put_blob(
                "input",
                &format!("{dir}/box.ConversionSettings.json"),
                settings.as_bytes(),
            )
            .unwrap();
    }
    // The deprecated name is read too.
    azurite
        .put_blob("input", "deprecated/car.glb", b"glTF\x02\0\0\0rest")
        .unwrap();
    azurite
        .put_blob("input", "deprecated/conversionSettings.json", br#"{"axis": ["+x"]}"#)
        .unwrap();
    let emu = linked(&azurite).await;
    let client = client();
    let token = token(&emu, &client).await;
    let (input, output) = (azurite.container_url("input"), azurite.container_url("output"));
    let convert = |id: &'static str, prefix: &'static str, file: &'static str| {
        let body = json!({"settings": {
            "inputLocation": {"storageContainerUri": input, "blobPrefix": prefix, "relativeInputAssetPath": file},
            "outputLocation": {"storageContainerUri": output, "blobPrefix": id}
        }});
        let (emu, client, token) = (&emu, &client, &token);
        async move {
            assert_eq!(put(emu, client, token, id, &body.to_string()).await.status(), 201);
            wait_terminal(emu, client, token, id).await
        }
    };
    let json_blob = |name: &str| -> Value {
        let bytes = azurite
            .get_blob("output", name)
            .unwrap()
            .unwrap_or_else(|| panic!("{name} missing"));
        serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    let is_guid = |v: &Value| v.as_str().is_some_and(|s| s.len() == 36 && s.matches('-').count() == 4);

    // Success: result file and info file.
    assert_eq!(convert("ok", "ok", "box.fbx").await["status"], "Succeeded");
    let result = json_blob("ok/box.result.json");
    assert_eq!(result.as_array().unwrap().len(), 2, "{result}");
    assert!(is_guid(&result[0]["conversionId"]), "{result}");
    assert_ne!(result[0]["conversionId"], "ok", "an internal id, not the conversion's");
    assert_eq!(result[1], json!({"result": "succeeded"}));
    let info = json_blob("ok/box.info.json");
    assert_eq!(info["files"], json!({"input": "box.fbx"}));
    assert_eq!(
        info["conversionSettings"],
        json!({"scaling": 0.01, "axis": ["+x", "+z", "-y"], "material-override": "m.json"})
    );
    assert_eq!(
        info["inputInfo"],
        json!({"sourceAssetExtension": ".fbx", "sourceAssetFormat": "Autodesk FBX Importer",
               "sourceAssetFormatVersion": "7400", "sourceAssetGenerator": ""})
    );
    assert_eq!(info["inputStatistics"]["numFaces"], 0);
    assert_eq!(
        info["materialOverrides"],
        json!({"numOverrides": 0, "numOverriddenMaterials": 0})
    );
    assert_eq!(info["outputInfo"]["conversionHash"].as_str().unwrap().len(), 16);
    assert_eq!(info["outputStatistics"]["recenteringOffset"], json!([0.0, 0.0, 0.0]));
    assert_eq!(
        azurite.list_blobs("output", "ok/").unwrap(),
        [
            "ok/box.arrAsset",
            "ok/box.info.json",
            "ok/box.log",
            "ok/box.result.json"
        ]
    );

    // A failure: the conversion's error, and a result file with the error (no asset, no info file).
    let check_failed =
        |id: &str, stem: &str, done: &Value, code: &str, message: &str, result_code: &str, title: &str| {
            assert_eq!(done["status"], "Failed", "{id}: {done}");
            assert_eq!(done["error"], json!({"code": code, "message": message}), "{id}");
            let result = json_blob(&format!("{id}/{stem}.result.json"));
            let entries = result.as_array().unwrap();
            assert_eq!(entries.len(), 3, "{id}: {result}");
            assert!(is_guid(&entries[0]["conversionId"]));
            assert_eq!(
                (entries[1]["error"].as_str(), entries[1]["title"].as_str()),
                (Some(result_code), Some(title)),
                "{id}"
            );
            assert_eq!(entries[2], json!({"result": "failed"}), "{id}");
            let written = azurite.list_blobs("output", &format!("{id}/")).unwrap();
            assert!(
                written
                    .iter()
                    .all(|b| b.ends_with(".result.json") || b.ends_with(".log")),
                "{id}: {written:?}"
            );
            entries[1]["details"].clone()
        };
    let done = convert("missing", "ok", "nothere.fbx").await;
    let details = check_failed(
        "missing",
        "nothere",
        &done,
        INPUT_CONTAINER_ERROR,
        INPUT_MISSING_MESSAGE,
        RESULT_INPUT_INVALID_CODE,
        RESULT_INPUT_INVALID_TITLE,
    );
    assert_eq!(
        details,
        json!({"import error": "could not open the input file \"ok/nothere.fbx\""})
    );

    let done = convert("old", "old", "box.fbx").await;
    let details = check_failed(
        "old",
        "box",
        &done,
        CONVERSION_FAIL_CODE,
        CONVERSION_FAIL_MESSAGE,
        RESULT_UNSUPPORTED_FORMAT_CODE,
        RESULT_UNSUPPORTED_FORMAT_TITLE,
    );
    assert!(
        details["import error"]
            .as_str()
            .unwrap()
            .contains("FBX file version 6100 is not supported"),
        "{details}"
    );

    for (id, path, problem) in [
        (
            "axis",
            "axis[0]",
            "\"Default\" is not one of default, +x, -x, +y, -y, +z, -z",
        ),
        ("unknown", "recenter", "'recenter' is not a conversion setting"),
        ("unreadable", "", "not valid JSON"),
    ] {
        let done = convert(id, id, "box.fbx").await;
        let details = check_failed(
            id,
            "box",
            &done,
            CONVERSION_FAIL_CODE,
            CONVERSION_FAIL_MESSAGE,
            RESULT_SETTINGS_INVALID_CODE,
            RESULT_SETTINGS_INVALID_TITLE,
        );
        assert_eq!(details["file"], format!("{id}/box.ConversionSettings.json"), "{id}");
        assert_eq!(details["path"], path, "{id}");
        assert!(
            details["problem"].as_str().unwrap().contains(problem),
            "{id}: {details}"
        );
    }
    let done = convert("deprecated", "deprecated", "car.glb").await;
    let details = check_failed(
        "deprecated",
        "car",
        &done,
        CONVERSION_FAIL_CODE,
        CONVERSION_FAIL_MESSAGE,
        RESULT_SETTINGS_INVALID_CODE,
        RESULT_SETTINGS_INVALID_TITLE,
    );
    assert_eq!(details["file"], "deprecated/conversionSettings.json");
}
