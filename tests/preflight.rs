//! Conversions that fail early and explain themselves, end to end against a real Azure Storage emulator
//! (Azurite, started here on loopback) and the ARR emulator: the input linted from the storage listing,
//! SAS tokens signed by the helper, and the service's result file read back after a conversion ends.

mod common;

use arr_emulator::azurite::{Azurite, ACCOUNT_KEY};
use arr_emulator::{RESULT_INPUT_INVALID_CODE, RESULT_INPUT_INVALID_TITLE};
use arr_session::{
    ApiVersion, ContainerSas, ConversionSettings, ConversionStatus, ErrorKind, Finding, LintOptions, ResultsOptions,
    SasPurpose, Secret, Severity,
};
use common::*;

fn sign(azurite: &Azurite, container: &str, purpose: SasPurpose) -> Secret {
    ContainerSas::new(azurite.container_url(container), purpose)
        .sign(&Secret::new(ACCOUNT_KEY))
        .unwrap()
}

fn find<'a>(findings: &'a [Finding], rule: &str, file: &str) -> Option<&'a Finding> {
    findings.iter().find(|f| f.rule == rule && f.file == file)
}

/// A glTF whose texture is stored by an absolute path that is not uploaded, in a name with `&`, with a
/// settings file that spells an axis "Default".
fn upload_troubled_model(azurite: &Azurite) {
    azurite.create_container("arrinput").unwrap();
    azurite.create_container("arroutput").unwrap();
    let gltf = br#"{"asset":{"version":"2.0"},"buffers":[{"uri":"car%26wheel.bin","byteLength":4}],
        "images":[{"uri":"C:/Users/artist/textures/paint.png"},{"uri":"tex/rim.png"}]}"#;
    azurite.put_blob("arrinput", "models/car&wheel.gltf", gltf).unwrap();
    azurite
        .put_blob("arrinput", "models/car&wheel.bin", b"\0\0\0\0")
        .unwrap();
    azurite.put_blob("arrinput", "models/tex/rim.png", b"png").unwrap();
    azurite
        .put_blob(
            "arrinput",
            "models/car&wheel.ConversionSettings.json",
            br#"{"axis": ["Default", "+z", "-y"], "scaling": 0.01}"#,
        )
        .unwrap();
    azurite.put_blob("arrinput", "elsewhere/big.fbx", &[7u8; 100]).unwrap();
}

fn troubled_settings(azurite: &Azurite) -> ConversionSettings {
    let mut settings = ConversionSettings::new(
        azurite.container_url("arrinput"),
        "car&wheel.gltf",
        azurite.container_url("arroutput"),
    );
    settings.input_location.blob_prefix = Some("models".into());
    settings
}

#[tokio::test]
async fn the_lint_reports_an_absolute_texture_an_ampersand_and_a_settings_error_before_any_conversion() {
    let azurite = azurite();
    upload_troubled_model(&azurite);
    let emulator = with_storage(&azurite).await;
    let client = client_for(&emulator, ApiVersion::V2021_01_01);
    let mut settings = troubled_settings(&azurite);
    settings.input_location.storage_container_read_list_sas = Some(sign(&azurite, "arrinput", SasPurpose::Input));
    settings.output_location.storage_container_write_sas = Some(sign(&azurite, "arroutput", SasPurpose::Output));

    let lint = client
        .lint_conversion_input(&settings, &LintOptions::default())
        .await
        .unwrap();
    assert!(lint.listed);
    assert!(lint.has_errors());
    let model = "models/car&wheel.gltf";
    let texture = find(&lint.findings, "reference-absolute", model).expect("the absolute texture URI");
    assert_eq!(
        (texture.severity, texture.path.as_str()),
        (Severity::Error, "/images/0/uri")
    );
    assert!(
        texture.message.contains("C:/Users/artist/textures/paint.png"),
        "{}",
        texture.message
    );
    let amp = find(&lint.findings, "name-ampersand", model).expect("the & in the name");
    assert_eq!(amp.severity, Severity::Warning);
    let axis = find(&lint.findings, "enum", "models/car&wheel.ConversionSettings.json").expect("the axis");
    assert_eq!((axis.severity, axis.path.as_str()), (Severity::Error, "/axis/0"));
    assert_eq!(lint.settings_files, ["models/car&wheel.ConversionSettings.json"]);
    // The buffer (URI-encoded &) and the relative texture are found; nothing outside the prefix is counted.
    assert!(
        lint.findings
            .iter()
            .all(|f| !f.path.starts_with("/buffers") && f.path != "/images/1/uri"),
        "{:#?}",
        lint.findings
    );
    assert_eq!((lint.blob_count, lint.input_size), (4, Some(lint.input_size.unwrap())));
    assert!(find(&lint.findings, "download", "models/")
        .unwrap()
        .message
        .contains("4 blobs"));
    assert!(
        lint.findings.windows(2).all(|w| w[0].severity <= w[1].severity),
        "errors first"
    );
    // Checked, not created: the service saw nothing.
    assert!(client.list_conversions().await.unwrap().into_value().is_empty());
    assert_eq!(emulator.request_count("conversions.create"), 0);

    // Linked storage: the account key signs a short read+list token to look with; the SAS checks say
    // the service needs the account to be linked.
    let mut linked = troubled_settings(&azurite);
    linked.input_location.relative_input_asset_path = "nothing.glb".into();
    let mut options = LintOptions::default();
    options.storage_account_key = Some(Secret::new(ACCOUNT_KEY));
    let lint = client.lint_conversion_input(&linked, &options).await.unwrap();
    let missing = find(&lint.findings, "input-missing", "models/nothing.glb").unwrap();
    assert_eq!(missing.severity, Severity::Error);
    assert!(lint.findings.iter().any(|f| f.rule == "linked-storage"));

    // Without any way in, the files are not looked at and it says so.
    let lint = client
        .lint_conversion_input(&linked, &LintOptions::default())
        .await
        .unwrap();
    assert!(!lint.listed);
    assert!(lint.findings.iter().any(|f| f.rule == "not-listed"));
}

#[tokio::test]
async fn refused_sas_tokens_are_findings_and_never_shown() {
    let azurite = azurite();
    upload_troubled_model(&azurite);
    let emulator = with_storage(&azurite).await;
    let client = client_for(&emulator, ApiVersion::V2021_01_01);
    let mut settings = troubled_settings(&azurite);
    let forged = "?sv=2021-08-06&sr=c&se=2099-01-01T00%3A00%3A00Z&sp=rl&sig=FORGEDSECRET";
    settings.input_location.storage_container_read_list_sas = Some(Secret::new(forged));
    let lint = client
        .lint_conversion_input(&settings, &LintOptions::default())
        .await
        .unwrap();
    let refused = find(&lint.findings, "storage-access", &azurite.container_url("arrinput")).expect("refused");
    assert_eq!(refused.severity, Severity::Error);
    let everything = format!("{lint:?} {}", serde_json::to_string(&lint).unwrap());
    assert!(!everything.contains("FORGEDSECRET"), "{everything}");

    // A read-only token for the output is refused before anything is created.
    settings.input_location.storage_container_read_list_sas = Some(sign(&azurite, "arrinput", SasPurpose::Input));
    let read_only = ContainerSas::new(azurite.container_url("arroutput"), SasPurpose::Output)
        .permissions("r")
        .sign(&Secret::new(ACCOUNT_KEY))
        .unwrap();
    settings.output_location.storage_container_write_sas = Some(read_only);
    let lint = client
        .lint_conversion_input(&settings, &LintOptions::default())
        .await
        .unwrap();
    let perms = find(
        &lint.findings,
        "sas-permissions",
        "outputLocation.storageContainerWriteSas",
    )
    .unwrap();
    assert_eq!(perms.severity, Severity::Error);
}

#[tokio::test]
async fn helper_tokens_let_the_emulator_read_and_write_and_a_read_only_one_is_refused_for_output() {
    let azurite = azurite();
    azurite.create_container("input").unwrap();
    azurite.create_container("output").unwrap();
    azurite
        .put_blob("input", "models/box.fbx", b"a model, as far as the emulator cares")
        .unwrap();
    let emulator = with_storage(&azurite).await;
    let client = client_for(&emulator, ApiVersion::V2021_01_01);
    let mut settings = ConversionSettings::new(
        azurite.container_url("input"),
        "box.fbx",
        azurite.container_url("output"),
    );
    settings.input_location.blob_prefix = Some("models".into());
    settings.output_location.blob_prefix = Some("out".into());
    settings.input_location.storage_container_read_list_sas = Some(sign(&azurite, "input", SasPurpose::Input));
    let output_sas = sign(&azurite, "output", SasPurpose::Output);
    settings.output_location.storage_container_write_sas = Some(output_sas.clone());

    let lint = client
        .lint_conversion_input(&settings, &LintOptions::default())
        .await
        .unwrap();
    assert!(!lint.has_errors(), "{:#?}", lint.findings);
    let id = unique_id("signed");
    client.create_conversion(&id, &settings).await.unwrap();
    let done = client
        .wait_for_conversion(&id, &conversion_wait())
        .await
        .unwrap()
        .into_value();
    assert_eq!(done.status, ConversionStatus::Succeeded, "{:?}", done.error);
    assert!(azurite.get_blob("output", "out/box.arrAsset").unwrap().is_some());
    // The same output token reads the result file back.
    let mut options = ResultsOptions::default();
    options.output_sas = Some(output_sas);
    let with_results = client
        .get_conversion_with_results(&id, &options)
        .await
        .unwrap()
        .into_value();
    let results = with_results.results.expect("read back");
    assert_eq!(results.result_file.as_deref(), Some("out/box.result.json"));
    assert_eq!(results.outcome.as_deref(), Some("succeeded"));
    let json = serde_json::to_value(&with_results.status).unwrap();
    assert_eq!(json, "Succeeded");

    let mut read_only = settings.clone();
    read_only.output_location.storage_container_write_sas = Some(
        ContainerSas::new(azurite.container_url("output"), SasPurpose::Output)
            .permissions("r")
            .sign(&Secret::new(ACCOUNT_KEY))
            .unwrap(),
    );
    read_only.output_location.blob_prefix = Some("read-only".into());
    let id = unique_id("readonly");
    client.create_conversion(&id, &read_only).await.unwrap();
    let done = client
        .wait_for_conversion(&id, &conversion_wait())
        .await
        .unwrap()
        .into_value();
    assert_eq!(
        done.status,
        ConversionStatus::Failed,
        "storage refused the read-only token for output"
    );
    assert!(azurite.get_blob("output", "read-only/box.arrAsset").unwrap().is_none());
}

#[tokio::test]
async fn results_need_read_access_and_say_so() {
    let azurite = azurite();
    azurite.create_container("output").unwrap();
    azurite
        .put_blob("output", "out/box.result.json", br#"[{"result":"succeeded"}]"#)
        .unwrap();
    let emulator = with_storage(&azurite).await;
    let client = client_for(&emulator, ApiVersion::V2021_01_01);
    azurite.create_container("input").unwrap();
    azurite.put_blob("input", "box.fbx", b"model").unwrap();
    let mut settings = ConversionSettings::new(
        azurite.container_url("input"),
        "box.fbx",
        azurite.container_url("output"),
    );
    settings.output_location.blob_prefix = Some("out".into());
    let id = unique_id("noread");
    client.create_conversion(&id, &settings).await.unwrap();
    let done = client
        .wait_for_conversion(&id, &conversion_wait())
        .await
        .unwrap()
        .into_value();
    let mut options = ResultsOptions::default();
    options.output_sas = Some(
        ContainerSas::new(azurite.container_url("output"), SasPurpose::Output)
            .permissions("w")
            .sign(&Secret::new(ACCOUNT_KEY))
            .unwrap(),
    );
    let error = client.conversion_results(&done, &options).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Forbidden, "{error}");
    assert!(error.message().contains("needs read"), "{error}");
    assert!(!format!("{error} {error:?}").contains("sig="));
    // The account key works instead; without either, the call says what it needs.
    let mut options = ResultsOptions::default();
    options.storage_account_key = Some(Secret::new(ACCOUNT_KEY));
    let results = client.conversion_results(&done, &options).await.unwrap();
    assert_eq!(results.outcome.as_deref(), Some("succeeded"));
    let error = client
        .conversion_results(&done, &ResultsOptions::default())
        .await
        .unwrap_err();
    assert_eq!(error.argument(), Some("outputSas"));
}

#[tokio::test]
async fn a_failed_conversion_comes_back_with_the_result_files_error_code_and_title() {
    let azurite = azurite();
    azurite.create_container("input").unwrap();
    azurite.create_container("output").unwrap();
    let emulator = with_storage(&azurite).await;
    let client = client_for(&emulator, ApiVersion::V2021_01_01);
    let mut settings = ConversionSettings::new(
        azurite.container_url("input"),
        "gone.fbx",
        azurite.container_url("output"),
    );
    settings.output_location.blob_prefix = Some("out".into());
    let output_sas = sign(&azurite, "output", SasPurpose::Output);
    settings.output_location.storage_container_write_sas = Some(output_sas.clone());
    let id = unique_id("failed");
    client.create_conversion(&id, &settings).await.unwrap();
    client.wait_for_conversion(&id, &conversion_wait()).await.unwrap();
    let mut options = ResultsOptions::default();
    options.output_sas = Some(output_sas);
    let failed = client
        .get_conversion_with_results(&id, &options)
        .await
        .unwrap()
        .into_value();
    assert_eq!(failed.status, ConversionStatus::Failed);
    let results = failed.results.as_ref().unwrap();
    let error = results.error().expect("the result file's error");
    assert_eq!(
        (error.code.as_str(), error.title.as_str()),
        (RESULT_INPUT_INVALID_CODE, RESULT_INPUT_INVALID_TITLE)
    );
    assert!(results.internal_conversion_id.is_some());
    assert_eq!(results.outcome.as_deref(), Some("failed"));
    let json = serde_json::to_value(&failed).unwrap();
    assert_eq!(json["results"]["messages"][0]["title"], RESULT_INPUT_INVALID_TITLE);
    assert_eq!(json["results"]["resultFile"], "out/gone.result.json");
}

#[tokio::test]
async fn the_lint_reads_settings_files_beside_the_model_and_reports_storage_failures() {
    let azurite = azurite();
    azurite.create_container("lintin").unwrap();
    azurite.create_container("lintout").unwrap();
    let glb_with = |json: &[u8]| {
        let mut json = json.to_vec();
        while json.len() % 4 != 0 {
            json.push(b' ');
        }
        let mut glb = b"glTF".to_vec();
        glb.extend(2u32.to_le_bytes());
        glb.extend((20 + json.len() as u32).to_le_bytes());
        glb.extend((json.len() as u32).to_le_bytes());
        glb.extend(b"JSON");
        glb.extend(json);
        glb
    };
    // A GLB whose texture is found only by dropping a folder; settings in both the model's file and the
    // deprecated one; a material-override file named by the deprecated key that is not there; a
    // MaterialOverrides file whose name differs in case.
    azurite
        .put_blob(
            "lintin",
            "m/ship.glb",
            &glb_with(br#"{"images":[{"uri":"maps/hull.png"}]}"#),
        )
        .unwrap();
    azurite.put_blob("lintin", "m/hull.png", b"png").unwrap();
    azurite
        .put_blob(
            "lintin",
            "m/ship.ConversionSettings.json",
            br#"{"material-override": "ship_mats.json"}"#,
        )
        .unwrap();
    azurite
        .put_blob("lintin", "m/conversionSettings.json", br#"{"scaling": 1}"#)
        .unwrap();
    azurite
        .put_blob("lintin", "m/ship.materialoverrides.json", b"[]")
        .unwrap();
    azurite.put_blob("lintin", "m/empty.fbx", b"").unwrap();
    let emulator = with_storage(&azurite).await;
    let client = client_for(&emulator, ApiVersion::V2021_01_01);
    let mut settings = ConversionSettings::new(
        azurite.container_url("lintin"),
        "ship.glb",
        azurite.container_url("lintout"),
    );
    settings.input_location.blob_prefix = Some("m/".into());
    settings.input_location.storage_container_read_list_sas = Some(sign(&azurite, "lintin", SasPurpose::Input));
    let lint = client
        .lint_conversion_input(&settings, &LintOptions::default())
        .await
        .unwrap();
    let rules: Vec<(&str, &str, &str)> = lint
        .findings
        .iter()
        .map(|f| (f.rule, f.file.as_str(), f.path.as_str()))
        .collect();
    for expected in [
        ("reference-suffix", "m/ship.glb", "/images/0/uri"),
        (
            "reference-missing",
            "m/ship.ConversionSettings.json",
            "/material-override",
        ),
        ("deprecated", "m/ship.ConversionSettings.json", "/material-override"),
        ("deprecated-file-name", "m/conversionSettings.json", ""),
        ("settings-file-both", "m/conversionSettings.json", ""),
        ("settings-file-name", "m/ship.materialoverrides.json", ""),
    ] {
        assert!(rules.contains(&expected), "{expected:?} missing in {rules:#?}");
    }
    assert_eq!(
        lint.settings_files,
        ["m/ship.ConversionSettings.json", "m/conversionSettings.json"]
    );

    settings.input_location.relative_input_asset_path = "empty.fbx".into();
    let lint = client
        .lint_conversion_input(&settings, &LintOptions::default())
        .await
        .unwrap();
    assert!(lint
        .findings
        .iter()
        .any(|f| f.rule == "input-empty" && f.severity == Severity::Error));

    let mut elsewhere = settings.clone();
    elsewhere.input_location.storage_container_uri = azurite.container_url("no-such-container");
    elsewhere.input_location.storage_container_read_list_sas =
        Some(sign(&azurite, "no-such-container", SasPurpose::Input));
    let lint = client
        .lint_conversion_input(&elsewhere, &LintOptions::default())
        .await
        .unwrap();
    assert!(
        lint.findings.iter().any(|f| f.rule == "container-missing"),
        "{:#?}",
        lint.findings
    );

    // Storage that does not answer: the checks are skipped with a warning, not an error.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    elsewhere.input_location.storage_container_uri = format!("http://127.0.0.1:{closed}/devstoreaccount1/lintin");
    let lint = client
        .lint_conversion_input(&elsewhere, &LintOptions::default())
        .await
        .unwrap();
    assert!(!lint.listed && !lint.has_errors());
    assert!(lint
        .findings
        .iter()
        .any(|f| f.rule == "storage-unreachable" && f.severity == Severity::Warning));

    // Plain http to another host is refused, as for the rendering endpoint.
    elsewhere.input_location.storage_container_uri = "http://storage.example/devstoreaccount1/lintin".into();
    let error = client
        .lint_conversion_input(&elsewhere, &LintOptions::default())
        .await
        .unwrap_err();
    assert_eq!(error.argument(), Some("inputLocation.storageContainerUri"));
}

/// A storage service whose every answer is the same listing page, pointing at itself as the next one.
async fn storage_whose_listing_never_ends() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/devstoreaccount1/loop", listener.local_addr().unwrap());
    let requests = std::sync::Arc::new(AtomicUsize::new(0));
    let counted = requests.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let counted = counted.clone();
            tokio::spawn(async move {
                let body = r#"<?xml version="1.0" encoding="utf-8"?><EnumerationResults><Blobs><Blob><Name>m/box.fbx</Name><Properties><Content-Length>4</Content-Length></Properties></Blob></Blobs><NextMarker>again</NextMarker></EnumerationResults>"#;
                let mut buffer = vec![0u8; 8192];
                let mut seen = Vec::new();
                loop {
                    let Ok(n) = socket.read(&mut buffer).await else { return };
                    if n == 0 {
                        return;
                    }
                    seen.extend_from_slice(&buffer[..n]);
                    while let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
                        seen.drain(..end + 4);
                        counted.fetch_add(1, Ordering::SeqCst);
                        let answer = format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: {}\r\n\r\n{body}",
                            body.len()
                        );
                        if socket.write_all(answer.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                }
            });
        }
    });
    (url, requests)
}

#[tokio::test]
async fn a_listing_whose_next_marker_never_changes_ends() {
    let (url, requests) = storage_whose_listing_never_ends().await;
    let emulator = start(quick()).await;
    let client = client_for(&emulator, ApiVersion::V2021_01_01);
    let mut settings = ConversionSettings::new(url.clone(), "box.fbx", url);
    settings.input_location.blob_prefix = Some("m".into());
    settings.input_location.storage_container_read_list_sas = Some(Secret::new("?sp=rl&se=2099-01-01&sig=x"));
    settings.output_location.storage_container_write_sas = Some(Secret::new("?sp=rw&se=2099-01-01&sig=x"));
    let lint = tokio::time::timeout(
        std::time::Duration::from_secs(20),
        client.lint_conversion_input(&settings, &LintOptions::default()),
    )
    .await
    .expect("the lint ends although the listing points at itself")
    .unwrap();
    assert!(lint.listed, "{:#?}", lint.findings);
    assert!(
        lint.findings
            .iter()
            .any(|f| f.rule == "download" && f.message.contains("listing stopped there")),
        "the summary says the listing stopped: {:#?}",
        lint.findings
    );
    let count = requests.load(std::sync::atomic::Ordering::SeqCst);
    assert!(
        count < 10,
        "the repeated marker is not followed again and again: {count} requests"
    );
}
