//! The pipeline converter (`--converter pipeline`): a real conversion behind the conversion API.
//!
//! Phases, each timed in the log: **download** the input and every file it refers to from beside it (a
//! glTF's buffers and images, an OBJ's material libraries and maps, an FBX's textures) through the SAS
//! or the linked account, into a scratch directory; **convert** it to GLB (assimp for FBX, OBJ and PLY,
//! or FBX2glTF for FBX when configured; gltf-transform `copy` for glTF and GLB), then apply the
//! conversion settings; **optimize** with gltf-transform (`optimize`: dedup, flatten, join, weld,
//! prune, textures resized and re-encoded; then `meshopt` geometry compression); **upload** the GLB
//! under the requested output name, `result.json`, `info.json` (the statistics measured) and the log.
//!
//! A missing texture is a warning (a 1x1 placeholder takes its place); an input the converter cannot
//! read, a converter that crashes or runs past its time: `Failed`, with the result file's error.

mod glb;
mod profile;
mod references;
mod scene_settings;
mod scratch;
mod statistics;
mod tools;

use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use serde_json::{json, Value};

pub use profile::{ConverterConfig, ConverterProfile, FbxConverter};

use super::codes::{
    CONVERSION_FAIL_CODE, CONVERSION_FAIL_MESSAGE, RESULT_CONVERTER_FAILED_CODE, RESULT_CONVERTER_FAILED_TITLE,
    RESULT_CONVERTER_TIMEOUT_CODE, RESULT_CONVERTER_TIMEOUT_TITLE, RESULT_INPUT_INVALID_CODE,
    RESULT_INPUT_INVALID_TITLE, RESULT_MISSING_TEXTURE_CODE, RESULT_MISSING_TEXTURE_TITLE,
    RESULT_SETTING_NOT_HONOURED_CODE, RESULT_SETTING_NOT_HONOURED_TITLE, RESULT_UNSUPPORTED_FORMAT_CODE,
    RESULT_UNSUPPORTED_FORMAT_TITLE,
};
use super::input_checks::InputFormat;
use super::record::Outcome;
use super::result_files::{info_file, result_file, InfoInput, Measured, ResultError};
use super::run::{read_blob, Run};
use glb::Glb;
use references::{references, safe_relative, InputKind};
use scratch::Scratch;
use statistics::{statistics, Statistics};
use tools::{ToolFailure, Tools};

/// A 1x1 magenta PNG: what a missing texture becomes, so the model still converts (and shows where).
const PLACEHOLDER_PNG: [u8; 69] = [
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77, 0x53, 0xde, 0x00, 0x00, 0x00, 0x0c, 0x49,
    0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xf0, 0x1f, 0x00, 0x04, 0x00, 0x01, 0xff, 0x22, 0x0a, 0x3a, 0xf0,
    0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// What the worker already read and checked of one conversion.
pub(super) struct Input<'a> {
    /// The input container's URI.
    pub container: &'a str,
    pub read_sas: Option<&'a str>,
    /// The input's folder in the container: `""` or ending in `/`.
    pub dir: &'a str,
    pub file_name: &'a str,
    pub custom_output_name: Option<&'a str>,
    pub bytes: &'a [u8],
    /// The settings file's object (`{}` without one).
    pub conversion_settings: &'a Value,
    pub format: &'a InputFormat,
}

/// Why a conversion failed: the result file's error, and the conversion's error.
struct Failure {
    error: ResultError,
    outcome: Outcome,
}

impl Failure {
    fn input_invalid(detail: impl Into<String>) -> Failure {
        Failure {
            error: ResultError {
                code: RESULT_INPUT_INVALID_CODE,
                title: RESULT_INPUT_INVALID_TITLE,
                details: json!({ "import error": detail.into() }),
            },
            outcome: default_outcome(),
        }
    }

    /// The converter itself failed (scratch files, its own output, writing the outputs).
    fn converter(detail: impl Into<String>, outcome: Outcome) -> Failure {
        Failure {
            error: ResultError {
                code: RESULT_CONVERTER_FAILED_CODE,
                title: RESULT_CONVERTER_FAILED_TITLE,
                details: json!({ "converter error": detail.into() }),
            },
            outcome,
        }
    }

    /// A tool's failure: while converting the input it means the input is not readable (unless the
    /// tool crashed or timed out); while optimizing, the converter failed.
    fn of_tool(failure: ToolFailure, reading_input: bool) -> Failure {
        let text = failure.to_string();
        let (code, title) = match &failure {
            ToolFailure::TimedOut { .. } => (RESULT_CONVERTER_TIMEOUT_CODE, RESULT_CONVERTER_TIMEOUT_TITLE),
            ToolFailure::Failed { status, .. } if reading_input && status.starts_with("exit status") => {
                return Failure::input_invalid(text)
            }
            _ => (RESULT_CONVERTER_FAILED_CODE, RESULT_CONVERTER_FAILED_TITLE),
        };
        let message = match failure {
            ToolFailure::TimedOut { after, .. } => format!(
                "The conversion ran past its time limit ({} s) and was stopped. Check logs in output container for details.",
                after.as_secs()
            ),
            _ => "The converter stopped unexpectedly. Check logs in output container for details.".to_string(),
        };
        Failure {
            error: ResultError {
                code,
                title,
                details: json!({ "converter error": text }),
            },
            outcome: Outcome::failed(CONVERSION_FAIL_CODE, message),
        }
    }
}

/// The log of one conversion: timestamped lines, and the elapsed time of each phase.
struct Log {
    lines: String,
    phases: Vec<(&'static str, Duration)>,
}

impl Log {
    fn line(&mut self, text: &str) {
        let now = crate::blob::iso_seconds(SystemTime::now());
        for l in text.lines() {
            self.lines.push_str(&format!("{now} {l}\n"));
        }
    }

    /// Ends phase `name`: in the log, and in the conversion's record (for the dashboard).
    fn phase(&mut self, run: &Run<'_>, name: &'static str, started: Instant) {
        let elapsed = started.elapsed();
        self.phases.push((name, elapsed));
        self.line(&format!("phase {name}: {:.3} s", elapsed.as_secs_f64()));
        run.shared
            .store
            .with_conversions(|table, _| match table.map.get_mut(run.key) {
                Some(c) => {
                    c.phases.push((name.to_string(), elapsed.as_secs_f64()));
                    ((), false)
                }
                None => ((), false),
            });
    }

    fn phases_json(&self) -> Value {
        Value::Object(
            self.phases
                .iter()
                .map(|(name, d)| {
                    (
                        format!("{name}Seconds"),
                        json!((d.as_secs_f64() * 1000.0).round() / 1000.0),
                    )
                })
                .collect(),
        )
    }
}

/// Converts one input for real and writes the outputs; the conversion's result.
pub(super) async fn convert(run: &Run<'_>, input: Input<'_>) -> Result<(), Outcome> {
    let mut log = Log {
        lines: String::new(),
        phases: Vec::new(),
    };
    log.line(&format!("arr-emulator conversion {} (pipeline converter)", run.id));
    let config = &run.shared.config.converter;
    let waited = Instant::now();
    // The pool: at most `workers` pipelines at once; the others stay Running until their turn.
    let _permit = run.shared.conversion_slots.acquire().await.expect("never closed");
    if waited.elapsed() > Duration::from_millis(100) {
        log.line(&format!(
            "waited {:.3} s for a conversion worker",
            waited.elapsed().as_secs_f64()
        ));
    }
    let mut warnings = Vec::new();
    let cancelled = || is_forced(run);
    let result = match Scratch::new(&config.work_dir()) {
        Ok(scratch) => {
            pipeline(
                run,
                &input,
                &scratch,
                &Tools::new(config, &cancelled),
                &mut log,
                &mut warnings,
            )
            .await
        }
        Err(e) => Err(Failure::converter(
            format!("no scratch directory: {e}"),
            default_outcome(),
        )),
    };
    match result {
        Ok(()) => Ok(()),
        // Cancelled (or failed by a control hook): its status says so already; nothing more is written.
        Err(failure) if is_forced(run) => Err(failure.outcome),
        Err(failure) => {
            log.line(&format!(
                "conversion failed: error {} ({}): {}",
                failure.error.code, failure.error.title, failure.error.details
            ));
            let stem = run.output_stem();
            let files = [
                (
                    format!("{stem}.result.json"),
                    result_file(&run.conversion_id, Some(&failure.error), &warnings),
                    "application/json",
                ),
                (format!("{stem}.log"), log.lines.into_bytes(), "text/plain"),
            ];
            if let Err(e) = run.write(&files).await {
                tracing::debug!(target: "arr_emulator::request", "conversion {}: result file not written: {e:?}", run.id);
            }
            Err(failure.outcome)
        }
    }
}

async fn pipeline(
    run: &Run<'_>,
    input: &Input<'_>,
    scratch: &Scratch,
    tools: &Tools<'_>,
    log: &mut Log,
    warnings: &mut Vec<ResultError>,
) -> Result<(), Failure> {
    let config = &run.shared.config.converter;
    let Some(kind) = InputKind::of(input.file_name) else {
        return Err(Failure {
            error: ResultError {
                code: RESULT_UNSUPPORTED_FORMAT_CODE,
                title: RESULT_UNSUPPORTED_FORMAT_TITLE,
                details: json!({ "import error": format!(
                    "{} is not converted by the pipeline converter: it reads FBX, glTF, GLB, OBJ and PLY", input.format.extension
                ) }),
            },
            outcome: default_outcome(),
        });
    };
    let io_failure = |what: &str, e: std::io::Error| Failure::converter(format!("{what}: {e}"), default_outcome());

    // Download.
    let started = Instant::now();
    let input_path = scratch
        .input_file(input.file_name)
        .map_err(|e| io_failure("scratch", e))?;
    std::fs::write(&input_path, input.bytes).map_err(|e| io_failure("scratch", e))?;
    let mut input_bytes_total = input.bytes.len() as u64;
    let mut wanted = references(kind, input.bytes, false);
    let mut missing = Vec::new();
    let mut at = 0;
    while at < wanted.len() {
        let relative = wanted[at].clone();
        at += 1;
        let blob = format!("{}{relative}", input.dir);
        match read_blob(run.shared, run.account, input.container, &blob, input.read_sas).await {
            Ok(Some(bytes)) => {
                log.line(&format!("read {blob} ({} bytes)", bytes.len()));
                input_bytes_total += bytes.len() as u64;
                if kind == InputKind::Obj && relative.to_ascii_lowercase().ends_with(".mtl") {
                    for more in references(kind, &bytes, true) {
                        if !wanted.contains(&more) {
                            wanted.push(more);
                        }
                    }
                }
                let path = scratch.input_file(&relative).map_err(|e| io_failure("scratch", e))?;
                std::fs::write(path, bytes).map_err(|e| io_failure("scratch", e))?;
            }
            Ok(None) => missing.push(relative),
            Err(outcome) => {
                return Err(Failure {
                    error: ResultError {
                        code: RESULT_INPUT_INVALID_CODE,
                        title: RESULT_INPUT_INVALID_TITLE,
                        details: json!({ "import error": format!("could not read \"{blob}\"") }),
                    },
                    outcome,
                })
            }
        }
    }
    // An FBX names each texture twice (its path and its bare name): one found is enough.
    if kind == InputKind::Fbx {
        let found: Vec<String> = wanted.iter().filter(|w| !missing.contains(w)).cloned().collect();
        missing.retain(|m| {
            let name = m.rsplit('/').next().unwrap_or(m);
            !found.iter().any(|f| f.rsplit('/').next() == Some(name))
        });
        missing.dedup_by(|a, b| a.rsplit('/').next() == b.rsplit('/').next());
    }
    for relative in &missing {
        let is_texture =
            !relative.to_ascii_lowercase().ends_with(".bin") && !relative.to_ascii_lowercase().ends_with(".mtl");
        if !is_texture {
            if relative.to_ascii_lowercase().ends_with(".bin") {
                return Err(Failure::input_invalid(format!(
                    "could not open the file \"{relative}\" the input refers to"
                )));
            }
            // A missing material library: the geometry still converts, with default materials.
            log.line(&format!("warning: material library {relative} not found"));
            continue;
        }
        let text = format!("texture {relative} not found beside the input; a placeholder takes its place");
        log.line(&format!("warning: {text}"));
        warnings.push(ResultError {
            code: RESULT_MISSING_TEXTURE_CODE,
            title: RESULT_MISSING_TEXTURE_TITLE,
            details: json!({ "texture": relative }),
        });
        let path = scratch.input_file(relative).map_err(|e| io_failure("scratch", e))?;
        std::fs::write(path, PLACEHOLDER_PNG).map_err(|e| io_failure("scratch", e))?;
    }
    let overrides_name = input
        .conversion_settings
        .get("material-override")
        .and_then(Value::as_str);
    let mut overrides = None;
    if let Some(relative) = overrides_name.and_then(safe_relative) {
        let blob = format!("{}{relative}", input.dir);
        if let Ok(Some(bytes)) = read_blob(run.shared, run.account, input.container, &blob, input.read_sas).await {
            log.line(&format!("read {blob} ({} bytes)", bytes.len()));
            overrides = Some(bytes);
        }
    }
    log.phase(run, "download", started);
    stop_if_cancelled(run)?;

    // Convert.
    let started = Instant::now();
    let converted = scratch.work_file("converted.glb");
    let conversion = match (kind, config.fbx_converter) {
        (InputKind::Gltf | InputKind::Glb, _) => tools.gltf_transform("copy", &input_path, &converted, &[]).await,
        (InputKind::Fbx, FbxConverter::Fbx2gltf) => tools.fbx2gltf_to_glb(&input_path, &converted).await,
        _ => tools.assimp_to_glb(&input_path, &converted).await,
    };
    let output = conversion.map_err(|f| Failure::of_tool(f, true))?;
    log.line(&format!("converted {} to glTF binary", input.file_name));
    log_tool_output(log, &output);
    let mut model =
        read_glb(&converted).map_err(|e| Failure::input_invalid(format!("the converter wrote no model: {e}")))?;
    // References the converter kept (an FBX's textures) that are not there: placeholders, and warnings.
    for uri in external_images(&model.json) {
        let Some(relative) = safe_relative(&references::percent_decode(&uri)) else {
            continue;
        };
        let path = scratch.input_file(&relative).map_err(|e| io_failure("scratch", e))?;
        if !path.exists() {
            if !warnings.iter().any(|w| w.details["texture"] == json!(relative)) {
                log.line(&format!(
                    "warning: texture {relative} not found beside the input; a placeholder takes its place"
                ));
                warnings.push(ResultError {
                    code: RESULT_MISSING_TEXTURE_CODE,
                    title: RESULT_MISSING_TEXTURE_TITLE,
                    details: json!({ "texture": relative }),
                });
            }
            std::fs::write(&path, PLACEHOLDER_PNG).map_err(|e| io_failure("scratch", e))?;
        }
    }
    let input_statistics = statistics(&model);
    if input_statistics.triangles == 0 && input_statistics.vertices == 0 {
        return Err(Failure::input_invalid(format!(
            "the converter found no geometry in \"{}\"",
            input.file_name
        )));
    }
    let applied = scene_settings::apply(&mut model, input.conversion_settings, overrides.as_deref());
    for text in &applied.warnings {
        log.line(&format!("warning: {text}"));
        warnings.push(ResultError {
            code: RESULT_SETTING_NOT_HONOURED_CODE,
            title: RESULT_SETTING_NOT_HONOURED_TITLE,
            details: json!({ "setting": text }),
        });
    }
    let settled = scratch.work_file("settled.glb");
    std::fs::write(&settled, model.to_bytes()).map_err(|e| io_failure("scratch", e))?;
    log.phase(run, "convert", started);
    stop_if_cancelled(run)?;

    // Optimize.
    let started = Instant::now();
    let optimized = scratch.work_file("optimized.glb");
    let texture_size = config.max_texture_size.to_string();
    let options = [
        "--compress",
        "false",
        "--simplify",
        "false",
        "--palette",
        "false",
        "--prune-solid-textures",
        "false",
        "--texture-compress",
        "auto",
        "--texture-size",
        &texture_size,
    ];
    let output = tools
        .gltf_transform("optimize", &settled, &optimized, &options)
        .await
        .map_err(|f| Failure::of_tool(f, false))?;
    log_tool_output(log, &output);
    let optimized_model = read_glb(&optimized).map_err(|e| Failure::converter(e, default_outcome()))?;
    let output_statistics = statistics(&optimized_model);
    let compressed = scratch.work_file("compressed.glb");
    let output = tools
        .gltf_transform("meshopt", &optimized, &compressed, &[])
        .await
        .map_err(|f| Failure::of_tool(f, false))?;
    log_tool_output(log, &output);
    let asset = std::fs::read(&compressed).map_err(|e| io_failure("reading the optimized model", e))?;
    log.phase(run, "optimize", started);
    stop_if_cancelled(run)?;

    // Upload.
    let started = Instant::now();
    let name = &run.settings.output_location.output_asset_filename;
    let mut texts: Vec<String> = warnings.iter().map(warning_text).collect();
    texts.dedup();
    let measured = Measured {
        input_statistics: input_statistics_json(&input_statistics),
        material_overrides: overrides_name.map(|_| {
            let (entries, changed) = applied.material_overrides.unwrap_or((0, 0));
            json!({ "numOverrides": entries, "numOverriddenMaterials": changed })
        }),
        output_info: json!({
            "outputFormat": "glb",
            "outputMimeType": "model/gltf-binary",
            "inputBytes": input_bytes_total,
            "outputBytes": asset.len(),
            "converter": converter_name(kind, config.fbx_converter),
            "phases": log.phases_json(),
        }),
        output_statistics: output_statistics_json(&output_statistics, applied.recentering_offset),
        warnings: texts,
    };
    let info = info_file(&InfoInput {
        input_name: input.file_name,
        custom_output_name: input.custom_output_name,
        conversion_settings: input.conversion_settings,
        format: input.format,
        input_bytes: input.bytes,
        measured: Some(&measured),
    });
    let stem = run.output_stem().to_string();
    let size = asset.len();
    run.write(&[
        (name.clone(), asset, "model/gltf-binary"),
        (
            format!("{stem}.result.json"),
            result_file(&run.conversion_id, None, warnings),
            "application/json",
        ),
        (format!("{stem}.info.json"), info, "application/json"),
    ])
    .await
    .map_err(upload_failure)?;
    log.line(&format!("wrote {} ({size} bytes)", run.settings.output_blob(name)));
    log.phase(run, "upload", started);
    let total: Duration = log.phases.iter().map(|(_, d)| *d).sum();
    log.line(&format!(
        "conversion succeeded{} in {:.3} s",
        if warnings.is_empty() { "" } else { " with warnings" },
        total.as_secs_f64()
    ));
    run.write(&[(format!("{stem}.log"), log.lines.clone().into_bytes(), "text/plain")])
        .await
        .map_err(upload_failure)?;
    Ok(())
}

/// Whether a control hook ended the conversion (cancel, fail) while its pipeline ran.
fn is_forced(run: &Run<'_>) -> bool {
    run.shared
        .store
        .with_conversions(|table, _| (table.map.get(run.key).is_some_and(|c| c.forced.is_some()), false))
}

/// The conversion's error when the result file says what went wrong (the service's words).
fn default_outcome() -> Outcome {
    Outcome::failed(CONVERSION_FAIL_CODE, CONVERSION_FAIL_MESSAGE)
}

/// The outputs could not be written: the conversion's error says why (OutputContainerError).
fn upload_failure(outcome: Outcome) -> Failure {
    Failure::converter(outcome.message.clone().unwrap_or_default(), outcome)
}

/// Between phases: a cancelled conversion goes no further. (A Failure is large, but this is called three
/// times per conversion: boxing it would buy nothing.)
#[allow(clippy::result_large_err)]
fn stop_if_cancelled(run: &Run<'_>) -> Result<(), Failure> {
    match is_forced(run) {
        true => Err(Failure::converter("the conversion was cancelled", default_outcome())),
        false => Ok(()),
    }
}

fn read_glb(path: &Path) -> Result<Glb, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Glb::parse(&bytes)
}

/// The URIs of images kept outside the GLB (not `data:`).
fn external_images(doc: &Value) -> Vec<String> {
    doc.get("images")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|i| i.get("uri").and_then(Value::as_str))
        .filter(|u| !u.starts_with("data:"))
        .map(str::to_string)
        .collect()
}

fn log_tool_output(log: &mut Log, output: &str) {
    let kept: Vec<&str> = output
        .lines()
        .filter(|l| !l.trim().is_empty())
        .filter(|l| !l.trim_end().ends_with('%'))
        .collect();
    if !kept.is_empty() {
        log.line(&kept.iter().map(|l| format!("  | {l}")).collect::<Vec<_>>().join("\n"));
    }
}

fn warning_text(w: &ResultError) -> String {
    match (w.details.get("texture"), w.details.get("setting")) {
        (Some(t), _) => format!("missing texture: {}", t.as_str().unwrap_or_default()),
        (_, Some(s)) => s.as_str().unwrap_or_default().to_string(),
        _ => w.title.to_string(),
    }
}

fn converter_name(kind: InputKind, fbx: FbxConverter) -> &'static str {
    match (kind, fbx) {
        (InputKind::Gltf | InputKind::Glb, _) => "gltf-transform 4.5.1",
        (InputKind::Fbx, FbxConverter::Fbx2gltf) => "FBX2glTF 0.9.7 + gltf-transform 4.5.1",
        _ => "assimp + gltf-transform 4.5.1",
    }
}

/// `inputStatistics`: the documented keys, counted on the converted model before optimization.
fn input_statistics_json(s: &Statistics) -> Value {
    json!({
        "numMeshes": s.meshes,
        "numFaces": s.triangles,
        "numVertices": s.vertices,
        "numMaterial": s.materials,
        "numFacesSmallestMesh": s.triangles_smallest_mesh,
        "numFacesBiggestMesh": s.triangles_biggest_mesh,
        "numNodes": s.nodes,
        "numMeshUsagesInScene": s.mesh_usages,
        "maxNodeDepth": s.max_node_depth,
        "numTextures": s.textures.len(),
    })
}

/// `outputStatistics`: the documented keys, and the output's own counts (after optimization).
fn output_statistics_json(s: &Statistics, recentering_offset: [f64; 3]) -> Value {
    let (min, max) = s.bounding_box.unwrap_or(([0.0; 3], [0.0; 3]));
    json!({
        "numMeshPartsCreated": s.primitives,
        "numMeshPartsInstanced": s.mesh_usages.saturating_sub(s.meshes),
        "recenteringOffset": recentering_offset,
        "boundingBox": { "min": min, "max": max },
        "numMeshes": s.meshes,
        "numTriangles": s.triangles,
        "numVertices": s.vertices,
        "numMaterials": s.materials,
        "numTextures": s.textures.len(),
        "textures": s.textures.iter().map(|t| t.to_json()).collect::<Vec<_>>(),
    })
}
