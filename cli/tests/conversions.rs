//! `arr conversion ...` against the emulator's conversion API, with simulated storage (no blob is read
//! or written, and no storage URL is contacted). Conversions move NotStarted -> Running -> Succeeded in
//! emulated time; these tests shorten that to a fraction of a second, or stretch it to hours where a
//! conversion must stay unfinished.

mod common;

use std::time::Duration;

use arr_emulator::azurite::Azurite;
use arr_emulator::EmulatorConfig;
use common::{Emu, Run};
use serde_json::Value;

const IN: &str = "http://127.0.0.1:10000/devstoreaccount1/arrinput";
const OUT: &str = "http://127.0.0.1:10000/devstoreaccount1/arroutput";
/// SAS values that must never be printed.
const IN_SAS: &str = "?sv=2021-08-06&sr=c&sp=rl&sig=TOPSECRETINPUTSIG";
const OUT_SAS: &str = "?sv=2021-08-06&sr=c&sp=rwl&sig=TOPSECRETOUTPUTSIG";

/// Conversions finish a moment after they are created.
fn quick() -> Emu {
    Emu::with(EmulatorConfig {
        conversion_start_delay: Duration::from_millis(50),
        conversion_duration: Duration::from_millis(150),
        ..EmulatorConfig::default()
    })
}

/// Conversions stay NotStarted for hours (until a hook ends them).
fn slow() -> Emu {
    Emu::with(EmulatorConfig {
        conversion_start_delay: Duration::from_secs(6 * 3600),
        ..EmulatorConfig::default()
    })
}

/// `arr -o json conversion create` with these flags; returns the printed conversion.
fn create(emu: &Emu, flags: &[&str]) -> Value {
    let run = emu.arr().args(["-o", "json", "conversion", "create"]).args(flags).run();
    run.ok();
    let value = run.json();
    assert_conversion_shape(&value);
    value
}

/// The core's JSON of an AssetConversion: REST names, no SAS anywhere.
fn assert_conversion_shape(value: &Value) {
    let object = value.as_object().unwrap_or_else(|| panic!("not an object: {value}"));
    for key in ["id", "status"] {
        assert!(
            object.get(key).is_some_and(Value::is_string),
            "{key} missing in {value}"
        );
    }
    let settings = &value["settings"];
    assert!(settings["inputLocation"]["storageContainerUri"].is_string(), "{value}");
    assert!(settings["outputLocation"]["storageContainerUri"].is_string(), "{value}");
    assert!(
        settings["inputLocation"].get("storageContainerReadListSas").is_none(),
        "{value}"
    );
    assert!(
        settings["outputLocation"].get("storageContainerWriteSas").is_none(),
        "{value}"
    );
}

fn no_secrets(run: &Run) {
    let all = run.all_output();
    assert!(
        !all.contains("TOPSECRET") && !all.contains("sig="),
        "`{}` printed a SAS:\n{all}",
        run.shown
    );
}

#[test]
fn create_from_flags_sends_every_setting() {
    let emu = quick();
    let created = create(
        &emu,
        &[
            "--id",
            "cli-conv_1",
            "--input-container",
            IN,
            "--input-prefix",
            "models",
            "--input",
            "house.fbx",
            "--output-container",
            OUT,
            "--output-prefix",
            "converted/house",
            "--output-name",
            "convertedHouse.arrAsset",
        ],
    );
    assert_eq!(created["id"], "cli-conv_1");
    assert!(
        ["NotStarted", "Running", "Succeeded"].contains(&created["status"].as_str().unwrap()),
        "{created}"
    );
    let input = &created["settings"]["inputLocation"];
    assert_eq!(input["storageContainerUri"], IN);
    // The service normalises prefixes with a trailing '/'.
    assert_eq!(input["blobPrefix"], "models/");
    assert_eq!(input["relativeInputAssetPath"], "house.fbx");
    let output = &created["settings"]["outputLocation"];
    assert_eq!(output["storageContainerUri"], OUT);
    assert_eq!(output["blobPrefix"], "converted/house/");
    assert_eq!(output["outputAssetFilename"], "convertedHouse.arrAsset");

    let snapshot = emu
        .emulator()
        .conversions()
        .into_iter()
        .find(|c| c.id == "cli-conv_1")
        .expect("created in the emulator");
    assert_eq!(snapshot.input_asset_uri, format!("{IN}/models/house.fbx"));
}

#[test]
fn create_without_id_uses_a_guid() {
    let emu = quick();
    let created = create(
        &emu,
        &["--input-container", IN, "--input", "box.fbx", "--output-container", OUT],
    );
    let id = created["id"].as_str().unwrap();
    assert_eq!(id.len(), 36, "{id}");
    assert_eq!(id.matches('-').count(), 4, "{id}");
    // The service fills in the output name from the input's.
    assert_eq!(
        created["settings"]["outputLocation"]["outputAssetFilename"],
        "box.arrAsset"
    );
}

#[test]
fn create_from_arrconfig_ignores_placeholders_and_flags_override() {
    let emu = quick();
    let config = emu.write(
        "conv.json",
        r#"{
          "accountSettings": { "arrAccountId": "<fill in the account ID from the Azure Portal>" },
          "assetConversionSettings": {
            "resourceGroup": "<resource group which contains the storage account you created>",
            "storageAccountName": "contosostorage01",
            "blobInputContainerName": "arrinput",
            "blobOutputContainerName": "arroutput",
            "localAssetDirectoryPath": "<fill in a path to a local directory containing your asset>",
            "inputFolderPath": "<optional: base folderpath in the input container for asset upload. uses / as dir separator>",
            "inputAssetPath": "box.fbx",
            "outputFolderPath": "converted",
            "outputAssetFileName": "<optional: filename for the converted asset>"
          }
        }"#,
    );
    let config = config.to_str().unwrap();

    // The file alone: Conversion.ps1's container URLs; placeholders are not sent.
    let from_file = create(&emu, &["--config", config]);
    let input = &from_file["settings"]["inputLocation"];
    assert_eq!(
        input["storageContainerUri"],
        "https://contosostorage01.blob.core.windows.net/arrinput"
    );
    assert!(input.get("blobPrefix").is_none(), "{from_file}");
    assert_eq!(input["relativeInputAssetPath"], "box.fbx");
    let output = &from_file["settings"]["outputLocation"];
    assert_eq!(
        output["storageContainerUri"],
        "https://contosostorage01.blob.core.windows.net/arroutput"
    );
    assert_eq!(output["blobPrefix"], "converted/");
    assert_eq!(output["outputAssetFilename"], "box.arrAsset");

    // Flags win; --blob-endpoint replaces the account's blob service for the file's container names.
    let overridden = create(
        &emu,
        &[
            "--config",
            config,
            "--blob-endpoint",
            "http://127.0.0.1:10000/devstoreaccount1",
            "--input",
            "scene/car.glb",
            "--output-prefix",
            "cars",
            "--output-name",
            "car.arrAsset",
        ],
    );
    let input = &overridden["settings"]["inputLocation"];
    assert_eq!(input["storageContainerUri"], IN);
    assert_eq!(input["relativeInputAssetPath"], "scene/car.glb");
    let output = &overridden["settings"]["outputLocation"];
    assert_eq!(output["storageContainerUri"], OUT);
    assert_eq!(output["blobPrefix"], "cars/");
    assert_eq!(output["outputAssetFilename"], "car.arrAsset");
}

#[test]
fn wait_prints_the_output_uri() {
    let emu = quick();
    let flags = [
        "--input-container",
        IN,
        "--input",
        "box.fbx",
        "--output-container",
        OUT,
        "--output-prefix",
        "out",
    ];
    let table = emu
        .arr()
        .args(["conversion", "create", "--id", "waited-table", "--wait"])
        .args(flags)
        .run();
    table.ok();
    let uri = format!("{OUT}/out/box.arrAsset");
    assert!(
        table.stdout.contains(&format!("output asset  {uri}\n")),
        "{}",
        table.stdout
    );
    assert!(table.stdout.contains("Succeeded"), "{}", table.stdout);

    let json = emu
        .arr()
        .args(["-o", "json", "conversion", "create", "--id", "waited-json", "--wait"])
        .args(flags)
        .run();
    let value = json.ok().json();
    assert_conversion_shape(&value);
    assert_eq!(value["status"], "Succeeded");
    assert_eq!(value["output"]["outputAssetUri"], uri.as_str());
}

#[test]
fn a_failing_conversion_exits_1_with_its_error() {
    let emu = quick();
    // The emulator's simulated storage has no input whose path contains "missing".
    let flags = [
        "--input-container",
        IN,
        "--input",
        "missing/box.fbx",
        "--output-container",
        OUT,
    ];
    let table = emu
        .arr()
        .args(["conversion", "create", "--id", "fails-1", "--wait"])
        .args(flags)
        .run();
    table.code(1);
    assert!(table.stdout.contains("Failed"), "{}", table.stdout);
    assert!(
        table.stderr.contains("error: conversion fails-1 ended Failed: "),
        "{}",
        table.stderr
    );
    assert!(table.stderr.contains("code: InputContainerError"), "{}", table.stderr);
    assert!(
        table.stderr.contains(arr_emulator::INPUT_MISSING_MESSAGE),
        "{}",
        table.stderr
    );

    let json = emu
        .arr()
        .args(["-o", "json", "conversion", "get", "fails-1", "--wait"])
        .run();
    json.code(1);
    assert_eq!(json.json()["status"], "Failed");
    assert_eq!(json.json()["error"]["code"], "InputContainerError");
    let error = json.error_json();
    assert_eq!(error["status"], "conversion_failed");
    assert_eq!(error["code"], "InputContainerError");
    assert_eq!(error["id"], "fails-1");
}

#[test]
fn a_cancelled_conversion_exits_1() {
    let emu = slow();
    let created = create(
        &emu,
        &[
            "--id",
            "cancel-me",
            "--input-container",
            IN,
            "--input",
            "box.fbx",
            "--output-container",
            OUT,
        ],
    );
    assert_eq!(created["status"], "NotStarted");
    emu.emulator().cancel_conversion("cancel-me").unwrap();
    let run = emu.arr().args(["conversion", "wait", "cancel-me"]).run();
    run.code(1);
    assert!(
        run.stderr.contains("conversion cancel-me ended Cancelled"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.contains("Cancelled"), "{}", run.stdout);
}

#[test]
fn get_list_and_wait_print_the_core_json() {
    let emu = quick();
    let base = ["--input-container", IN, "--output-container", OUT];
    create(&emu, &[&base[..], &["--id", "good", "--input", "box.fbx"]].concat());
    create(&emu, &[&base[..], &["--id", "bad", "--input", "missing.fbx"]].concat());

    let got = emu.arr().args(["-o", "json", "conversion", "get", "good"]).run();
    let got = got.ok().json();
    assert_conversion_shape(&got);
    assert_eq!(got["id"], "good");

    // One list per poll for both; the failed one makes the exit code 1, both are printed as they ended.
    let waited = emu
        .arr()
        .args(["-o", "json", "conversion", "wait", "good", "bad"])
        .run();
    waited.code(1);
    let waited = waited.json();
    let waited = waited.as_array().expect("wait prints an array");
    waited.iter().for_each(assert_conversion_shape);
    assert_eq!(
        waited
            .iter()
            .map(|c| (c["id"].as_str().unwrap(), c["status"].as_str().unwrap()))
            .collect::<Vec<_>>(),
        [("good", "Succeeded"), ("bad", "Failed")]
    );

    let list = emu.arr().args(["-o", "json", "conversion", "list"]).run();
    let list = list.ok().json();
    let list = list.as_array().expect("list prints an array");
    list.iter().for_each(assert_conversion_shape);
    let ids: Vec<&str> = list.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&"good") && ids.contains(&"bad"), "{ids:?}");

    let table = emu.arr().args(["conversion", "list"]).run();
    table.ok();
    assert!(table.stdout.starts_with("ID"), "{}", table.stdout);
    assert!(table.stdout.contains("InputContainerError"), "{}", table.stdout);
    assert!(
        table.stdout.contains(&format!("{OUT}/box.arrAsset")),
        "{}",
        table.stdout
    );

    let waited_ok = emu.arr().args(["conversion", "wait", "good"]).run();
    waited_ok.ok();
}

#[test]
fn missing_settings_exit_2_naming_what_to_set() {
    let emu = quick();
    let run = emu
        .arr()
        .args([
            "conversion",
            "create",
            "--input-container",
            IN,
            "--output-container",
            OUT,
        ])
        .run();
    run.code(2);
    assert!(run.stderr.contains("--input"), "{}", run.stderr);
    assert!(
        run.stderr.contains("assetConversionSettings.inputAssetPath"),
        "{}",
        run.stderr
    );

    // A placeholder is not a value.
    let config = emu.write(
        "placeholder.json",
        r#"{"assetConversionSettings": {"storageAccountName": "acct", "blobInputContainerName": "in",
            "blobOutputContainerName": "out",
            "inputAssetPath": "<the path to the asset under inputcontainer/inputfolderpath pointing to the input asset e.g. box.fbx>"}}"#,
    );
    let run = emu
        .arr()
        .args(["conversion", "create", "--config", config.to_str().unwrap()])
        .run();
    run.code(2);
    assert!(
        run.stderr.contains("assetConversionSettings.inputAssetPath"),
        "{}",
        run.stderr
    );

    let run = emu.arr().args(["conversion", "create", "--input", "box.fbx"]).run();
    run.code(2);
    assert!(run.stderr.contains("--input-container"), "{}", run.stderr);
    assert!(run.stderr.contains("blobInputContainerName"), "{}", run.stderr);

    let run = emu
        .arr()
        .args(["conversion", "create", "--input", "box.fbx", "--input-container", IN])
        .args(["--output-container", OUT, "--output-name", "box.fbx"])
        .run();
    run.code(2);
    assert!(run.stderr.contains("--output-name"), "{}", run.stderr);
    assert!(run.stderr.contains(".arrAsset"), "{}", run.stderr);
    assert!(emu.emulator().conversions().is_empty());
}

#[test]
fn sas_is_sent_but_never_printed() {
    let emu = quick();
    for format in ["table", "json"] {
        let id = format!("sas-{format}");
        let run = emu
            .arr()
            .env("ARR_OUTPUT_SAS", OUT_SAS)
            .args(["-o", format, "conversion", "create", "--id", &id, "--wait"])
            .args(["--input-container", IN, "--input", "box.fbx", "--input-sas", IN_SAS])
            .args(["--output-container", OUT])
            .run();
        run.ok();
        no_secrets(&run);
        for args in [vec!["conversion", "get", &id], vec!["conversion", "list"]] {
            let run = emu.arr().args(["-o", format]).args(args).run();
            run.ok();
            no_secrets(&run);
        }
    }
    // A SAS without read and list: the checks refuse it before sending (exit 2), and the service turns
    // it down when sent anyway (exit 1); neither failure shows the SAS.
    for (check, code) in [(None, 2), (Some("--no-check"), 1)] {
        let run = emu
            .arr()
            .args(["-o", "json", "conversion", "create", "--id", "sas-refused", "--wait"])
            .args(check)
            .args(["--input-container", IN, "--input", "box.fbx"])
            .args(["--input-sas", "?sv=2021-08-06&sr=c&sp=w&sig=TOPSECRETWRONGSIG"])
            .args(["--output-container", OUT])
            .run();
        run.code(code);
        no_secrets(&run);
    }
}

#[test]
fn v1_is_refused_with_exit_2() {
    let emu = quick();
    for args in [
        vec!["conversion", "list"],
        vec!["conversion", "get", "x"],
        vec!["conversion", "create"],
    ] {
        let run = emu.arr_v("v1").args(args).run();
        run.code(2);
        assert!(run.stderr.contains("api-version 2021-01-01 only"), "{}", run.stderr);
    }
}

#[test]
fn unknown_conversions_exit_4() {
    let emu = quick();
    emu.arr().args(["conversion", "get", "nope"]).run().code(4);
    emu.arr().args(["conversion", "get", "nope", "--wait"]).run().code(4);
    let run = emu.arr().args(["-o", "json", "conversion", "wait", "nope"]).run();
    run.code(4);
    assert_eq!(run.error_json()["id"], "nope");
}

#[test]
fn a_timeout_exits_5_showing_the_conversion_as_last_seen() {
    let emu = slow();
    create(
        &emu,
        &[
            "--id",
            "too-slow",
            "--input-container",
            IN,
            "--input",
            "box.fbx",
            "--output-container",
            OUT,
        ],
    );
    let run = emu
        .arr()
        .args(["--timeout", "300ms", "conversion", "get", "too-slow", "--wait"])
        .run();
    run.code(5);
    assert!(run.stdout.contains("NotStarted"), "{}", run.stdout);
    let run = emu
        .arr()
        .args(["-o", "json", "--timeout", "300ms", "conversion", "wait", "too-slow"])
        .run();
    run.code(5);
    assert_eq!(run.error_json()["id"], "too-slow");
}

#[test]
fn waiting_on_a_terminal_shows_progress() {
    // Long enough in each state for the spinner to draw it.
    let emu = Emu::with(EmulatorConfig {
        conversion_start_delay: Duration::from_millis(500),
        conversion_duration: Duration::from_millis(500),
        ..EmulatorConfig::default()
    });
    let args = [
        "--poll-interval",
        "50ms",
        "conversion",
        "create",
        "--id",
        "on-tty",
        "--wait",
        "--input-container",
        IN,
        "--input",
        "box.fbx",
        "--input-sas",
        IN_SAS,
        "--output-container",
        OUT,
    ];
    let Some((code, screen)) = common::on_terminal(&emu, &args, "") else {
        eprintln!("skipped: util-linux `script` is not available to provide a terminal");
        return;
    };
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("conversion on-tty: NotStarted (0s)"), "{screen:?}");
    assert!(screen.contains("\x1b[2K"), "the spinner line is erased: {screen:?}");
    assert!(screen.contains(&format!("{OUT}/box.arrAsset")), "{screen:?}");
    assert!(!screen.contains("TOPSECRET"), "{screen:?}");
}

/// Real blob storage: Azurite linked to the emulator (install it as emulator/src/azurite.rs says; like the
/// emulator's own Azurite tests, this one fails rather than skips without it).
#[test]
fn azurite_conversions_from_arrconfig_with_a_blob_endpoint_write_the_asset() {
    let azurite = Azurite::start().unwrap_or_else(|e| panic!("Azurite is needed for this test: {e}"));
    azurite.create_container("arrinput").unwrap();
    azurite.create_container("arroutput").unwrap();
    azurite.put_blob("arrinput", "models/box.fbx", b"a model").unwrap();
    let emu = Emu::with(EmulatorConfig {
        storage: Some(azurite.connection_string()),
        conversion_start_delay: Duration::from_millis(50),
        conversion_duration: Duration::from_millis(150),
        ..EmulatorConfig::default()
    });
    let config = emu.write(
        "azurite.json",
        r#"{"assetConversionSettings": {
            "storageAccountName": "devstoreaccount1",
            "blobInputContainerName": "arrinput",
            "blobOutputContainerName": "arroutput",
            "inputFolderPath": "models",
            "inputAssetPath": "box.fbx",
            "outputFolderPath": "converted",
            "outputAssetFileName": "<optional: filename for the converted asset>"
        }}"#,
    );
    let endpoint = azurite.blob_endpoint();
    let common = ["--config", config.to_str().unwrap(), "--blob-endpoint", &endpoint];

    // Linked storage: no SAS.
    let run = emu.arr().args(["conversion", "create", "--wait"]).args(common).run();
    run.ok();
    let uri = format!("{}/converted/box.arrAsset", azurite.container_url("arroutput"));
    assert!(run.stdout.contains(&uri), "{}", run.stdout);
    assert!(azurite
        .get_blob("arroutput", "converted/box.arrAsset")
        .unwrap()
        .is_some());

    // The request's SAS tokens instead, one from a flag and one from the environment.
    let run = emu
        .arr()
        .env("ARR_OUTPUT_SAS", &azurite.container_sas("arroutput", "rwl"))
        .args([
            "-o",
            "json",
            "conversion",
            "create",
            "--wait",
            "--output-prefix",
            "with-sas",
        ])
        .args(["--input-sas", &azurite.container_sas("arrinput", "rl")])
        .args(common)
        .run();
    run.ok();
    no_secrets(&run);
    assert_eq!(
        run.json()["output"]["outputAssetUri"],
        format!("{}/with-sas/box.arrAsset", azurite.container_url("arroutput"))
    );
    assert!(azurite
        .get_blob("arroutput", "with-sas/box.arrAsset")
        .unwrap()
        .is_some());

    // An input that is not there fails the conversion with the service's error.
    let run = emu
        .arr()
        .args(["conversion", "create", "--wait", "--input", "nothing-here.fbx"])
        .args(common)
        .run();
    run.code(1);
    assert!(run.stderr.contains("code: InputContainerError"), "{}", run.stderr);
}
