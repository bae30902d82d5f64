//! The pipeline converter (`--converter pipeline`) end to end: models the tests write themselves (OBJ,
//! ASCII FBX, glTF, binary PLY; textures as PNG) are uploaded to Azurite and converted through the API;
//! the output must be a valid GLB (`gltf-transform validate`), hold the input's triangles, and
//! `info.json` must report what `gltf-transform inspect` reports of it. Also: settings carried over, a
//! missing texture warns, corrupt input fails with a clear code, a converter that hangs or crashes fails
//! and leaves no process.
//!
//! They need the tools (assimp, gltf-transform) and Azurite: `bash scripts/converter-tools.sh test`
//! installs them and runs these tests, which the workspace run skips (`#[ignore]`).

mod common;
mod pipeline_models;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use arr_emulator::azurite::Azurite;
use arr_emulator::{ConverterConfig, ConverterProfile, Emulator, EmulatorConfig, DEV_ACCOUNT_ID};
use common::*;
use pipeline_models::{mtl, png, Grid};
use serde_json::{json, Value};

fn tools_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/converter-tools")
}

/// Azurite, an emulator linked to it with the pipeline converter, a token, and a scratch work dir that
/// must be empty (every conversion's scratch directory removed) when the test ends.
struct Setup {
    azurite: Azurite,
    emu: Emulator,
    client: reqwest::Client,
    token: String,
    work_dir: PathBuf,
}

impl Setup {
    async fn new(converter: impl FnOnce(&mut ConverterConfig)) -> Setup {
        let azurite = Azurite::start().unwrap_or_else(|e| panic!("Azurite is needed for this test: {e}"));
        azurite.create_container("input").unwrap();
        azurite.create_container("output").unwrap();
        let work_dir = unique_temp_path("pipeline-work");
        std::fs::create_dir_all(&work_dir).unwrap();
        let mut config = ConverterConfig {
            profile: ConverterProfile::Pipeline,
            work_dir: Some(work_dir.clone()),
            tool_timeout: Duration::from_secs(120),
            ..ConverterConfig::default()
        };
        converter(&mut config);
        let emu = start(EmulatorConfig {
            storage: Some(azurite.connection_string()),
            conversion_start_delay: Duration::ZERO,
            conversion_duration: Duration::ZERO,
            converter: config,
            ..fast_config()
        })
        .await;
        let client = client();
        let token = token(&emu, &client).await;
        Setup {
            azurite,
            emu,
            client,
            token,
            work_dir,
        }
    }

    fn upload(&self, name: &str, bytes: &[u8]) {
        self.azurite
            .put_blob("input", &format!("models/{name}"), bytes)
            .unwrap();
    }

    /// Converts `models/<input>` into `out/<id>/`, through the linked account or (with `sas`) SAS tokens;
    /// answers the conversion once it ended.
    async fn convert(&self, id: &str, input: &str, sas: bool) -> Value {
        let mut settings = json!({
            "inputLocation": {"storageContainerUri": self.azurite.container_url("input"), "blobPrefix": "models", "relativeInputAssetPath": input},
            "outputLocation": {"storageContainerUri": self.azurite.container_url("output"), "blobPrefix": format!("out/{id}")}
        });
        if sas {
            settings["inputLocation"]["storageContainerReadListSas"] = json!(self.azurite.container_sas("input", "rl"));
            settings["outputLocation"]["storageContainerWriteSas"] = json!(self.azurite.container_sas("output", "w"));
        }
        let url = format!(
            "{}/accounts/{DEV_ACCOUNT_ID}/conversions/{id}?{API}",
            self.emu.base_url()
        );
        let resp = self
            .client
            .put(&url)
            .bearer_auth(&self.token)
            .header("content-type", "application/json")
            .body(json!({ "settings": settings }).to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());
        let deadline = Instant::now() + Duration::from_secs(300);
        loop {
            let body = json_of(self.client.get(&url).bearer_auth(&self.token).send().await.unwrap()).await;
            if ["Succeeded", "Failed", "Cancelled"].contains(&body["status"].as_str().unwrap()) {
                return body;
            }
            assert!(Instant::now() < deadline, "conversion {id} did not end: {body}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn output(&self, id: &str, name: &str) -> Vec<u8> {
        self.azurite
            .get_blob("output", &format!("out/{id}/{name}"))
            .unwrap()
            .unwrap_or_else(|| panic!("out/{id}/{name} was not written"))
    }

    fn output_json(&self, id: &str, name: &str) -> Value {
        serde_json::from_slice(&self.output(id, name)).unwrap()
    }

    /// The scratch directories are gone once every conversion ended.
    fn assert_scratch_removed(&self) {
        let left: Vec<_> = std::fs::read_dir(&self.work_dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        assert!(left.is_empty(), "scratch left behind: {left:?}");
    }
}

impl Drop for Setup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.work_dir);
    }
}

/// Runs `gltf-transform ARGS... --format csv` on `glb` and answers its output.
fn gltf_transform(command: &str, glb: &[u8]) -> String {
    let file = unique_temp_path("check.glb");
    std::fs::write(&file, glb).unwrap();
    let out = Command::new(tools_dir().join("node_modules/.bin/gltf-transform"))
        .args([command, file.to_str().unwrap(), "--format", "csv"])
        .env("NO_COLOR", "1")
        .output()
        .expect("gltf-transform runs");
    let _ = std::fs::remove_file(&file);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "gltf-transform {command} failed: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

/// One CSV line, with quoted fields (`"1, 2, 3"`) kept whole.
fn csv_fields(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(String::new()),
            c => fields.last_mut().unwrap().push(c),
        }
    }
    fields
}

/// The rows of one section of `inspect --format csv` (SCENES, MESHES, ...), as header -> value maps.
fn section(report: &str, name: &str) -> Vec<std::collections::HashMap<String, String>> {
    let mut lines = report.lines().skip_while(|l| l.trim() != name).skip(1);
    let Some(header) = lines.find(|l| l.starts_with('#')) else {
        return Vec::new();
    };
    let header = csv_fields(header);
    lines
        .take_while(|l| !l.trim().is_empty())
        .map(|l| header.iter().cloned().zip(csv_fields(l)).collect())
        .collect()
}

fn numbers(text: &str) -> Vec<f64> {
    text.split(',').map(|n| n.trim().parse().unwrap()).collect()
}

/// Asserts the output of conversion `id` (asset `asset`) is valid glTF with `triangles` triangles, and
/// that its info file reports what `gltf-transform inspect` reports of it. Answers the info file.
fn check_output(setup: &Setup, id: &str, asset: &str, triangles: u64) -> Value {
    let glb = setup.output(id, asset);
    assert_eq!(&glb[..4], b"glTF", "{id}: the asset is not a GLB");
    let validation = gltf_transform("validate", &glb);
    let errors: Vec<&str> = validation
        .lines()
        .filter(|l| l.ends_with(",0") || l.contains(",0,/"))
        .collect();
    assert!(errors.is_empty(), "{id}: validation errors: {validation}");
    let report = gltf_transform("inspect", &glb);
    let meshes = section(&report, "MESHES");
    let sum = |key: &str| meshes.iter().map(|m| m[key].parse::<u64>().unwrap()).sum::<u64>();
    assert_eq!(sum("glPrimitives"), triangles, "{id}: triangles: {report}");
    let info = setup.output_json(id, &asset.replace(".arrAsset", ".info.json"));
    let stats = &info["outputStatistics"];
    assert_eq!(stats["numTriangles"], json!(triangles), "{id}: {info}");
    assert_eq!(stats["numVertices"], json!(sum("vertices")), "{id}: {info}\n{report}");
    assert_eq!(
        stats["numMaterials"],
        json!(section(&report, "MATERIALS").len()),
        "{id}: {info}\n{report}"
    );
    let textures = section(&report, "TEXTURES");
    assert_eq!(stats["numTextures"], json!(textures.len()), "{id}: {info}\n{report}");
    for (t, reported) in textures.iter().zip(stats["textures"].as_array().unwrap()) {
        let size = format!("{}x{}", reported["width"], reported["height"]);
        assert_eq!(t["resolution"], size, "{id}: {info}\n{report}");
        assert_eq!(t["mimeType"], reported["mimeType"].as_str().unwrap());
    }
    // The bounding box, to the precision of the output's 14-bit quantized positions.
    let scene = &section(&report, "SCENES")[0];
    let (min, max) = (numbers(&scene["bboxMin"]), numbers(&scene["bboxMax"]));
    for k in 0..3 {
        let extent = (max[k] - min[k]).abs().max(1.0);
        let (info_min, info_max) = (
            stats["boundingBox"]["min"][k].as_f64().unwrap(),
            stats["boundingBox"]["max"][k].as_f64().unwrap(),
        );
        assert!(
            (info_min - min[k]).abs() < 1e-3 * extent && (info_max - max[k]).abs() < 1e-3 * extent,
            "{id}: bbox {info}\n{report}"
        );
    }
    assert_eq!(info["outputInfo"]["outputBytes"], json!(glb.len()));
    assert_eq!(info["outputInfo"]["outputFormat"], "glb");
    assert_eq!(info["inputStatistics"]["numFaces"], json!(triangles), "{id}: {info}");
    let log = String::from_utf8(setup.output(id, &asset.replace(".arrAsset", ".log"))).unwrap();
    for phase in ["download", "convert", "optimize", "upload"] {
        assert!(log.contains(&format!("phase {phase}: ")), "{id}: {log}");
    }
    info
}

fn result_entries(setup: &Setup, id: &str, stem: &str) -> Vec<Value> {
    setup
        .output_json(id, &format!("{stem}.result.json"))
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
#[ignore = "needs the converter tools and Azurite: bash scripts/converter-tools.sh test"]
async fn every_input_format_converts_to_a_valid_glb_whose_statistics_match_the_validator() {
    let setup = Setup::new(|_| {}).await;
    let grid = Grid::new(24);
    let texture = png(64, 32);
    setup.upload("obj/grid.obj", grid.obj("grid.mtl").as_bytes());
    setup.upload("obj/grid.mtl", mtl(Some("textures/paint.png")).as_bytes());
    setup.upload("obj/textures/paint.png", &texture);
    setup.upload("fbx/grid.fbx", grid.fbx(Some("paint.png")).as_bytes());
    setup.upload("fbx/paint.png", &texture);
    let (gltf, bin) = grid.gltf("grid data.bin", Some("paint.png"));
    setup.upload("gltf/grid.gltf", gltf.as_bytes());
    setup.upload("gltf/grid data.bin", &bin);
    setup.upload("gltf/paint.png", &texture);
    setup.upload("ply/grid.ply", &grid.ply());
    // The four at once (two workers): each through its own path; the glTF one through SAS tokens.
    let (obj, fbx, gltf, ply) = tokio::join!(
        setup.convert("obj", "obj/grid.obj", false),
        setup.convert("fbx", "fbx/grid.fbx", false),
        setup.convert("gltf", "gltf/grid.gltf", true),
        setup.convert("ply", "ply/grid.ply", false),
    );
    for (id, done) in [("obj", &obj), ("fbx", &fbx), ("gltf", &gltf), ("ply", &ply)] {
        assert_eq!(done["status"], "Succeeded", "{id}: {done}");
        let info = check_output(&setup, id, "grid.arrAsset", grid.triangle_count());
        let textures = info["outputStatistics"]["textures"].as_array().unwrap();
        if id == "ply" {
            assert!(textures.is_empty(), "{info}");
        } else {
            assert_eq!(
                (textures.len(), &textures[0]["width"], &textures[0]["height"]),
                (1, &json!(64), &json!(32)),
                "{id}: {info}"
            );
        }
        assert_eq!(
            result_entries(&setup, id, "grid").last().unwrap(),
            &json!({"result": "succeeded"}),
            "{id}"
        );
        let (min, max) = grid.bounds();
        let bbox = &info["outputStatistics"]["boundingBox"];
        assert!(
            (bbox["max"][0].as_f64().unwrap() - max[0] as f64).abs() < 1e-3,
            "{id}: {info}"
        );
        assert!(
            (bbox["min"][1].as_f64().unwrap() - min[1] as f64).abs() < 1e-3,
            "{id}: {info}"
        );
    }
    let gltf_info = setup.output_json("gltf", "grid.info.json");
    let uploaded = setup
        .azurite
        .get_blob("input", "models/gltf/grid.gltf")
        .unwrap()
        .unwrap()
        .len()
        + bin.len()
        + texture.len();
    assert_eq!(gltf_info["outputInfo"]["inputBytes"], json!(uploaded), "{gltf_info}");
    setup.assert_scratch_removed();
}

#[tokio::test]
#[ignore = "needs the converter tools and Azurite: bash scripts/converter-tools.sh test"]
async fn settings_carry_over_and_those_the_pipeline_cannot_honour_warn() {
    let setup = Setup::new(|_| {}).await;
    let grid = Grid::new(8);
    let (gltf, bin) = grid.gltf("grid.bin", None);
    setup.upload("grid.gltf", gltf.as_bytes());
    setup.upload("grid.bin", &bin);
    let settings = json!({
        "scaling": 2.0, "recenterToOrigin": true, "axis": ["+x", "+z", "-y"], "unlitMaterials": true,
        "material-override": "overrides.json", "generateCollisionMesh": true
    });
    setup.upload("grid.ConversionSettings.json", settings.to_string().as_bytes());
    let overrides =
        json!([{"name": "painted", "albedoColor": {"r": 0.0, "g": 0.0, "b": 1.0, "a": 1.0}, "roughness": 0.25}]);
    setup.upload("overrides.json", overrides.to_string().as_bytes());
    let done = setup.convert("settings", "grid.gltf", false).await;
    assert_eq!(done["status"], "Succeeded", "{done}");
    let info = check_output(&setup, "settings", "grid.arrAsset", grid.triangle_count());
    // Unit square scaled by 2, y and z swapped (and z flipped), centered: x in [-1, 1], z in [-1, 1].
    let bbox = &info["outputStatistics"]["boundingBox"];
    for (k, expected) in [(0, 1.0), (2, 1.0)] {
        let (lo, hi) = (bbox["min"][k].as_f64().unwrap(), bbox["max"][k].as_f64().unwrap());
        assert!(
            (lo + expected).abs() < 2e-3 && (hi - expected).abs() < 2e-3,
            "axis {k}: {info}"
        );
    }
    let offset = info["outputStatistics"]["recenteringOffset"]
        .as_array()
        .unwrap()
        .clone();
    assert!((offset[0].as_f64().unwrap() + 1.0).abs() < 1e-6, "{info}");
    assert_eq!(
        info["materialOverrides"],
        json!({"numOverrides": 1, "numOverriddenMaterials": 1})
    );
    assert_eq!(info["conversionSettings"], settings);
    let glb = setup.output("settings", "grid.arrAsset");
    let json_length = u32::from_le_bytes(glb[12..16].try_into().unwrap()) as usize;
    let doc: Value = serde_json::from_slice(&glb[20..20 + json_length]).unwrap();
    let material = &doc["materials"][0];
    assert!(material["extensions"]["KHR_materials_unlit"].is_object(), "{doc}");
    let color: Vec<f64> = material["pbrMetallicRoughness"]["baseColorFactor"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_f64().unwrap())
        .collect();
    assert_eq!(color, [0.0, 0.0, 1.0, 1.0], "{doc}");
    let entries = result_entries(&setup, "settings", "grid");
    let warning = entries
        .iter()
        .find(|e| e["warning"] == "4010")
        .unwrap_or_else(|| panic!("{entries:?}"));
    assert!(
        warning["details"]["setting"]
            .as_str()
            .unwrap()
            .contains("generateCollisionMesh"),
        "{warning}"
    );
    assert_eq!(entries.last().unwrap(), &json!({"result": "succeeded with warnings"}));
    assert!(
        info["warnings"][0].as_str().unwrap().contains("generateCollisionMesh"),
        "{info}"
    );
    let log = String::from_utf8(setup.output("settings", "grid.log")).unwrap();
    assert!(log.contains("warning: setting generateCollisionMesh"), "{log}");
    // The dashboard's overview shows the time of each phase.
    let overview = json_of(
        setup
            .client
            .get(format!("{}/_emulator/overview", setup.emu.base_url()))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let row = overview["conversions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "settings")
        .unwrap();
    let phases: Vec<&str> = row["phases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["phase"].as_str().unwrap())
        .collect();
    assert_eq!(phases, ["download", "convert", "optimize", "upload"], "{row}");
    assert!(row["phases"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["seconds"].as_f64().unwrap() >= 0.0));
    setup.assert_scratch_removed();
}

#[tokio::test]
#[ignore = "needs the converter tools and Azurite: bash scripts/converter-tools.sh test"]
async fn a_missing_texture_is_a_warning_and_the_model_still_converts() {
    let setup = Setup::new(|_| {}).await;
    let grid = Grid::new(6);
    let (gltf, bin) = grid.gltf("grid.bin", Some("lost/paint.png"));
    setup.upload("gltf/grid.gltf", gltf.as_bytes());
    setup.upload("gltf/grid.bin", &bin);
    setup.upload("fbx/grid.fbx", grid.fbx(Some("gone.png")).as_bytes());
    let (gltf_done, fbx_done) = tokio::join!(
        setup.convert("gltf", "gltf/grid.gltf", false),
        setup.convert("fbx", "fbx/grid.fbx", false)
    );
    for (id, done, texture) in [("gltf", gltf_done, "lost/paint.png"), ("fbx", fbx_done, "gone.png")] {
        assert_eq!(done["status"], "Succeeded", "{id}: {done}");
        let info = check_output(&setup, id, "grid.arrAsset", grid.triangle_count());
        let entries = result_entries(&setup, id, "grid");
        assert!(
            entries.contains(&json!({"warning": "4004", "title": "Missing texture", "details": {"texture": texture}})),
            "{id}: {entries:?}"
        );
        assert_eq!(entries.last().unwrap(), &json!({"result": "succeeded with warnings"}));
        assert!(info["warnings"].to_string().contains(texture), "{id}: {info}");
    }
    setup.assert_scratch_removed();
}

#[tokio::test]
#[ignore = "needs the converter tools and Azurite: bash scripts/converter-tools.sh test"]
async fn corrupt_or_unsupported_input_fails_with_a_clear_code() {
    let setup = Setup::new(|_| {}).await;
    setup.upload(
        "broken.fbx",
        b"; FBX 7.4.0 project file\nObjects:  {\n\tGeometry: 1, {{{ not a model",
    );
    setup.upload("broken.glb", b"glTF\x02\x00\x00\x00garbage that is no chunk");
    setup.upload("cloud.e57", b"ASTM-E57 not really");
    let (fbx, glb, e57) = tokio::join!(
        setup.convert("fbx", "broken.fbx", false),
        setup.convert("glb", "broken.glb", false),
        setup.convert("e57", "cloud.e57", false),
    );
    for (id, done, stem, code) in [
        ("fbx", fbx, "broken", "2007"),
        ("glb", glb, "broken", "2007"),
        ("e57", e57, "cloud", "2008"),
    ] {
        assert_eq!(done["status"], "Failed", "{id}: {done}");
        assert_eq!(done["error"]["code"], "ConversionProcessFailed", "{id}: {done}");
        let entries = result_entries(&setup, id, stem);
        let error = entries
            .iter()
            .find(|e| e.get("error").is_some())
            .unwrap_or_else(|| panic!("{id}: {entries:?}"));
        assert_eq!(error["error"], code, "{id}: {entries:?}");
        assert_eq!(entries.last().unwrap(), &json!({"result": "failed"}));
        assert!(setup
            .azurite
            .get_blob("output", &format!("out/{id}/{stem}.arrAsset"))
            .unwrap()
            .is_none());
        let log = String::from_utf8(setup.output(id, &format!("{stem}.log"))).unwrap();
        assert!(log.contains(&format!("conversion failed: error {code}")), "{id}: {log}");
    }
    setup.assert_scratch_removed();
}

/// A stand-in `gltf-transform` (in a tools directory of its own) that runs `body` as a shell script: a
/// tool that hangs or crashes, as a model can make a real one do. Answers the tools directory.
fn fake_gltf_transform(name: &str, body: &str) -> PathBuf {
    let tools = unique_temp_path(name);
    let bin = tools.join("node_modules/.bin");
    std::fs::create_dir_all(&bin).unwrap();
    let tool = bin.join("gltf-transform");
    std::fs::write(&tool, format!("#!/bin/sh\n{body}")).unwrap();
    Command::new("chmod").arg("+x").arg(&tool).status().unwrap();
    tools
}

/// A number no other process's command line holds: `sleep MARKER` is then findable in /proc.
fn sleep_marker() -> String {
    format!("3600.{}{}", std::process::id(), fastrand::u32(..))
}

/// Processes whose command line mentions `marker`.
fn processes_mentioning(marker: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        if let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) {
            let text = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            if text.contains(marker) {
                found.push(format!("{}: {text}", entry.file_name().to_string_lossy()));
            }
        }
    }
    found
}

#[tokio::test]
#[ignore = "needs the converter tools and Azurite: bash scripts/converter-tools.sh test"]
async fn a_converter_that_hangs_or_crashes_fails_and_leaves_no_process() {
    // A gltf-transform that hangs (with a child of its own) or crashes, as a model can make a tool do.
    let marker = sleep_marker();
    let script = format!("case \"$2\" in *crash*) kill -SEGV $$ ;; esac\nsleep {marker} &\nwait\n");
    let tools = fake_gltf_transform("hanging-tools", &script);
    let setup = Setup::new(|c| {
        c.tools_dir = Some(tools.clone());
        c.tool_timeout = Duration::from_secs(2);
    })
    .await;
    let grid = Grid::new(2);
    let (gltf, bin_bytes) = grid.gltf("grid.bin", None);
    for name in ["hang.gltf", "crash.gltf"] {
        setup.upload(name, gltf.as_bytes());
    }
    setup.upload("grid.bin", &bin_bytes);
    let started = Instant::now();
    let (hang, crash) = tokio::join!(
        setup.convert("hang", "hang.gltf", false),
        setup.convert("crash", "crash.gltf", false)
    );
    assert!(started.elapsed() < Duration::from_secs(60));
    assert_eq!(hang["status"], "Failed", "{hang}");
    assert_eq!(hang["error"]["code"], "ConversionProcessFailed");
    assert!(
        hang["error"]["message"].as_str().unwrap().contains("time limit (2 s)"),
        "{hang}"
    );
    let entries = result_entries(&setup, "hang", "hang");
    assert_eq!(entries[1]["error"], "3002", "{entries:?}");
    assert_eq!(crash["status"], "Failed", "{crash}");
    let entries = result_entries(&setup, "crash", "crash");
    assert_eq!(entries[1]["error"], "3001", "{entries:?}");
    assert!(
        entries[1]["details"]["converter error"]
            .as_str()
            .unwrap()
            .contains("signal"),
        "{entries:?}"
    );
    // Nothing left: not the tool, not its child, not the scratch directory.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let left = processes_mentioning(&marker);
        if left.is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "processes left: {left:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(processes_mentioning(tools.to_str().unwrap()).is_empty());
    setup.assert_scratch_removed();
    let _ = std::fs::remove_dir_all(&tools);
}

#[tokio::test]
#[ignore = "needs the converter tools and Azurite: bash scripts/converter-tools.sh test"]
async fn a_cancelled_conversion_stops_its_running_tool_and_writes_nothing() {
    // A gltf-transform that would run for an hour; the conversion's limit is two minutes.
    let marker = sleep_marker();
    let tools = fake_gltf_transform("endless-tools", &format!("sleep {marker} &\nwait\n"));
    let setup = Setup::new(|c| {
        c.tools_dir = Some(tools.clone());
        c.tool_timeout = Duration::from_secs(120);
    })
    .await;
    let (gltf, bin_bytes) = Grid::new(2).gltf("grid.bin", None);
    setup.upload("grid.gltf", gltf.as_bytes());
    setup.upload("grid.bin", &bin_bytes);
    let cancel = async {
        let deadline = Instant::now() + Duration::from_secs(60);
        while processes_mentioning(&marker).is_empty() {
            assert!(Instant::now() < deadline, "the tool never started");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let url = format!("{}/_emulator/conversions/endless/cancel", setup.emu.base_url());
        let resp = setup.client.post(url).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
    };
    let (done, ()) = tokio::join!(setup.convert("endless", "grid.gltf", false), cancel);
    assert_eq!(done["status"], "Cancelled", "{done}");
    // The tool and its child end within seconds (its own limit is two minutes away), and no output is written.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !processes_mentioning(&marker).is_empty() || std::fs::read_dir(&setup.work_dir).unwrap().next().is_some() {
        assert!(Instant::now() < deadline, "left: {:?}", processes_mentioning(&marker));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(setup.azurite.list_blobs("output", "out/endless/").unwrap().is_empty());
    let _ = std::fs::remove_dir_all(&tools);
}
