//! `arr conversion check`, the checks `arr conversion create` runs first, the result file printed when a
//! conversion fails, and `arr storage sas`, against the emulator linked to a real Azurite.

mod common;

use std::time::Duration;

use arr_emulator::azurite::{Azurite, ACCOUNT_KEY};
use arr_emulator::{EmulatorConfig, RESULT_INPUT_INVALID_CODE, RESULT_INPUT_INVALID_TITLE};
use common::Emu;

fn azurite() -> Azurite {
    Azurite::start().unwrap_or_else(|e| panic!("Azurite is needed for this test: {e}"))
}

fn linked(azurite: &Azurite) -> Emu {
    Emu::with(EmulatorConfig {
        storage: Some(azurite.connection_string()),
        conversion_start_delay: Duration::from_millis(50),
        conversion_duration: Duration::from_millis(150),
        ..EmulatorConfig::default()
    })
}

#[test]
fn check_names_the_file_the_pointer_and_the_rule_and_exits_1_on_errors() {
    let emu = Emu::start();
    let good = emu.write(
        "box.ConversionSettings.json",
        r#"{"scaling": 0.01, "axis": ["+x", "+z", "-y"]}"#,
    );
    let bad = emu.write(
        "car.ConversionSettings.json",
        r#"{"axis": ["Default", "+z", "-y"], "scaling": 0}"#,
    );
    let overrides = emu.write(
        "car.MaterialOverrides.json",
        r#"[{"name": "Paint", "albedoColor": {"r": 1}}]"#,
    );
    // No account settings at all: checking files talks to no service.
    let run = emu.bare().args(["conversion", "check"]).arg_path(&good).run();
    run.ok();
    assert!(run.stdout.contains("no problems found in 1 file"), "{}", run.stdout);

    let run = emu
        .bare()
        .args(["conversion", "check"])
        .arg_path(&good)
        .arg_path(&bad)
        .arg_path(&overrides)
        .run();
    run.code(1);
    let bad_name = bad.display().to_string();
    assert!(
        run.stdout.contains(&format!(
            "error   {bad_name} /axis/0 [enum]: \"Default\" is not one of default"
        )),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(&format!("{bad_name} /scaling [range]")),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("/0/albedoColor [required]"), "{}", run.stdout);
    assert!(
        run.stdout.trim_end().ends_with("3 errors, 0 warnings"),
        "{}",
        run.stdout
    );

    let run = emu
        .bare()
        .args(["-o", "json", "conversion", "check"])
        .arg_path(&bad)
        .run();
    run.code(1);
    let findings = &run.json()["findings"];
    assert_eq!(findings[0]["severity"], "error");
    assert_eq!(findings[0]["rule"], "enum");
    assert_eq!(findings[0]["path"], "/axis/0");
    assert_eq!(findings[0]["file"], bad_name.as_str());
}

#[test]
fn create_stops_before_sending_on_an_absolute_texture_and_reports_the_ampersand() {
    let azurite = azurite();
    azurite.create_container("arrinput").unwrap();
    azurite.create_container("arroutput").unwrap();
    let gltf = br#"{"asset":{"version":"2.0"},"images":[{"uri":"D:\\textures\\paint.png"}]}"#;
    azurite.put_blob("arrinput", "models/car&wheel.gltf", gltf).unwrap();
    let emu = linked(&azurite);
    let common = [
        "--input-container",
        &azurite.container_url("arrinput"),
        "--input-prefix",
        "models",
        "--input",
        "car&wheel.gltf",
        "--output-container",
        &azurite.container_url("arroutput"),
    ];
    let run = emu
        .arr()
        .env("ARR_STORAGE_KEY", ACCOUNT_KEY)
        .args(["conversion", "create", "--wait"])
        .args(common)
        .run();
    run.code(2);
    assert!(
        run.stderr.contains(
            "error   models/car&wheel.gltf /images/0/uri [reference-absolute]: texture \"D:\\textures\\paint.png\""
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("warning models/car&wheel.gltf [name-ampersand]"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("[download]: the service copies everything under the prefix \"models/\": 1 blob"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("nothing was sent"), "{}", run.stderr);
    assert!(emu.emulator().conversions().is_empty(), "no conversion was created");
    assert_eq!(emu.emulator().request_count("conversions.create"), 0);
    assert!(!run.all_output().contains("sig=") && !run.all_output().contains(ACCOUNT_KEY));

    // `conversion check` without files says the same, and --no-check sends it anyway.
    let run = emu
        .arr()
        .env("ARR_STORAGE_KEY", ACCOUNT_KEY)
        .args(["-o", "json", "conversion", "check"])
        .args(common)
        .run();
    run.code(1);
    let lint = run.json();
    assert_eq!(lint["inputBlob"], "models/car&wheel.gltf");
    assert_eq!(lint["blobCount"], 1);
    assert!(lint["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule"] == "reference-absolute"));
    let run = emu
        .arr()
        .args(["conversion", "create", "--no-check"])
        .args(common)
        .run();
    run.ok();
    assert_eq!(emu.emulator().conversions().len(), 1);
}

#[test]
fn a_failed_conversion_prints_the_result_files_error_code_and_title() {
    let azurite = azurite();
    azurite.create_container("models-in").unwrap();
    azurite.create_container("assets-out").unwrap();
    let emu = linked(&azurite);
    let args = [
        "--input-container",
        &azurite.container_url("models-in"),
        "--input",
        "gone.fbx",
        "--output-container",
        &azurite.container_url("assets-out"),
    ];
    // The check stops it first: the input is not there.
    let run = emu
        .arr()
        .env("ARR_STORAGE_KEY", ACCOUNT_KEY)
        .args(["conversion", "create", "--wait"])
        .args(args)
        .run();
    run.code(2);
    assert!(
        run.stderr.contains("error   gone.fbx [input-missing]"),
        "{}",
        run.stderr
    );
    // Sent anyway, it fails, and the result file says why.
    let run = emu
        .arr()
        .env("ARR_STORAGE_KEY", ACCOUNT_KEY)
        .args(["conversion", "create", "--wait", "--no-check"])
        .args(args)
        .run();
    run.code(1);
    assert!(run.stderr.contains("code: InputContainerError"), "{}", run.stderr);
    assert!(
        run.stderr.contains("result file gone.result.json: failed"),
        "{}",
        run.stderr
    );
    let line = format!("  error {RESULT_INPUT_INVALID_CODE}: {RESULT_INPUT_INVALID_TITLE}");
    assert!(run.stderr.contains(&line), "{}", run.stderr);
    let run = emu
        .arr()
        .env("ARR_STORAGE_KEY", ACCOUNT_KEY)
        .args(["-o", "json", "conversion", "create", "--wait", "--no-check"])
        .args(args)
        .run();
    run.code(1);
    let conversion = run.json();
    assert_eq!(conversion["results"]["messages"][0]["code"], RESULT_INPUT_INVALID_CODE);
    assert_eq!(
        conversion["results"]["messages"][0]["title"],
        RESULT_INPUT_INVALID_TITLE
    );
    // `conversion get` reads it too, with the storage key from the environment.
    let id = conversion["id"].as_str().unwrap();
    let run = emu
        .arr()
        .env("ARR_STORAGE_KEY", ACCOUNT_KEY)
        .args(["conversion", "get", id])
        .run();
    run.ok();
    assert!(run.stderr.contains(&line), "{}", run.stderr);
}

#[test]
fn storage_sas_signs_least_permission_tokens_the_emulator_can_use() {
    let azurite = azurite();
    azurite.create_container("models-in").unwrap();
    azurite.create_container("assets-out").unwrap();
    azurite.put_blob("models-in", "box.fbx", b"model").unwrap();
    let emu = linked(&azurite);
    let key_file = emu.write("storage.key", &format!("{ACCOUNT_KEY}\n"));
    let sas = |purpose: &str, container: &str, extra: &[&str]| {
        let run = emu
            .bare()
            .args([
                "storage",
                "sas",
                "--for",
                purpose,
                "--container",
                &azurite.container_url(container),
            ])
            .args(["--storage-key-file", key_file.to_str().unwrap()])
            .args(extra)
            .run();
        run.ok();
        assert!(run.stderr.is_empty(), "the token goes to stdout only: {}", run.stderr);
        assert!(!run.stdout.contains(ACCOUNT_KEY));
        run.stdout.trim().to_owned()
    };
    let input = sas("input", "models-in", &[]);
    let output = sas("output", "assets-out", &[]);
    assert!(input.starts_with("?sv=") && input.contains("&sp=rl&"), "{input}");
    assert!(output.contains("&sp=rw&"), "{output}");
    let args = |output_sas: &str| {
        vec![
            "--input-container".to_owned(),
            azurite.container_url("models-in"),
            "--input".into(),
            "box.fbx".into(),
            "--output-container".into(),
            azurite.container_url("assets-out"),
            "--input-sas".into(),
            input.clone(),
            "--output-sas".into(),
            output_sas.to_owned(),
        ]
    };
    let run = emu
        .arr()
        .args(["conversion", "create", "--wait"])
        .args(args(&output))
        .run();
    run.ok();
    assert!(run.stdout.contains("box.arrAsset"), "{}", run.stdout);
    assert!(!run.all_output().contains("sig="), "{}", run.all_output());

    // A read-only token is refused for output: by the check, and by storage when sent anyway.
    let read_only = sas("output", "assets-out", &["--permissions", "r", "--lifetime", "2h"]);
    let run = emu
        .arr()
        .args(["conversion", "create", "--wait"])
        .args(args(&read_only))
        .run();
    run.code(2);
    assert!(
        run.stderr
            .contains("[sas-permissions]: grants sp=r but the service needs w"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("[sas-lifetime]"), "{}", run.stderr);
    let run = emu
        .arr()
        .args(["conversion", "create", "--wait", "--no-check", "--output-prefix", "ro"])
        .args(args(&read_only))
        .run();
    run.code(1);
    assert!(azurite.get_blob("assets-out", "ro/box.arrAsset").unwrap().is_none());

    // --sign-sas signs both from the key itself.
    let run = emu
        .arr()
        .env("ARR_STORAGE_KEY", ACCOUNT_KEY)
        .args([
            "-o",
            "json",
            "conversion",
            "create",
            "--wait",
            "--sign-sas",
            "--output-prefix",
            "signed",
        ])
        .args([
            "--input-container",
            &azurite.container_url("models-in"),
            "--input",
            "box.fbx",
        ])
        .args(["--output-container", &azurite.container_url("assets-out")])
        .run();
    run.ok();
    assert_eq!(run.json()["results"]["outcome"], "succeeded");
    assert!(azurite.get_blob("assets-out", "signed/box.arrAsset").unwrap().is_some());

    // Without a key it says where one comes from.
    let run = emu
        .bare()
        .args(["storage", "sas", "--for", "input", "--container", "x"])
        .run();
    run.code(2);
    assert!(run.stderr.contains("ARR_STORAGE_KEY"), "{}", run.stderr);
}
