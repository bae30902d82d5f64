//! The conversion settings the pipeline carries over, applied to the glTF document between conversion
//! and optimization: `scaling`, `axis` and `recenterToOrigin` as one transform on a new root node;
//! `unlitMaterials`, `gammaToLinearMaterial`, `opaqueMaterialDefaultSidedness` and the material overrides
//! file on the materials. A setting it cannot honour is a warning (log and `info.json`), never dropped
//! silently.

use serde_json::{json, Map, Value};

use super::glb::Glb;
use super::statistics::statistics;

/// What applying the settings did.
#[derive(Debug, Default)]
pub(super) struct Applied {
    pub warnings: Vec<String>,
    /// The translation added to center the scene (zeros without `recenterToOrigin`).
    pub recentering_offset: [f64; 3],
    /// `(entries in the overrides file, materials they changed)`, when the settings name one.
    pub material_overrides: Option<(usize, usize)>,
}

/// Applies `settings` (the settings file's object) to `glb`. `overrides` is the material overrides
/// file's content when the settings name one and it was found.
pub(super) fn apply(glb: &mut Glb, settings: &Value, overrides: Option<&[u8]>) -> Applied {
    let mut applied = Applied::default();
    let get = |key: &str| settings.get(key);
    let warn = |applied: &mut Applied, text: String| applied.warnings.push(text);

    // The transform: axis mapping, then scale, then (after measuring) the recentering translation.
    let scale = match get("scaling") {
        None => 1.0,
        Some(v) => match v.as_f64().filter(|s| s.is_finite() && *s > 0.0) {
            Some(s) => s,
            None => {
                warn(
                    &mut applied,
                    format!("scaling {v} is not a positive number; the scene is not scaled"),
                );
                1.0
            }
        },
    };
    let mut matrix = [0.0f64; 16];
    matrix[15] = 1.0;
    let axis: Vec<String> = get("axis")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_ascii_lowercase)
                .collect()
        })
        .unwrap_or_default();
    for row in 0..3 {
        let name = axis.get(row).map(String::as_str).unwrap_or("default");
        let (sign, column) = match name {
            "+x" => (1.0, 0),
            "-x" => (-1.0, 0),
            "+y" => (1.0, 1),
            "-y" => (-1.0, 1),
            "+z" => (1.0, 2),
            "-z" => (-1.0, 2),
            _ => (1.0, row),
        };
        matrix[column * 4 + row] = sign * scale;
    }
    let recenter = get("recenterToOrigin").and_then(Value::as_bool).unwrap_or(false);
    let identity = axis
        .iter()
        .enumerate()
        .all(|(i, a)| a == "default" || a == ["+x", "+y", "+z"][i]);
    if !(identity && scale == 1.0 && !recenter) {
        wrap_scenes(&mut glb.json, matrix);
        if recenter {
            if let Some((min, max)) = statistics(glb).bounding_box {
                let center = [0, 1, 2].map(|k| (min[k] + max[k]) / 2.0);
                applied.recentering_offset = center.map(|c| if c == 0.0 { 0.0 } else { -c });
                for (k, offset) in applied.recentering_offset.iter().enumerate() {
                    matrix[12 + k] = *offset;
                }
                wrap_scenes_update(&mut glb.json, matrix);
            }
        }
    }

    // Materials.
    let unlit = get("unlitMaterials").and_then(Value::as_bool).unwrap_or(false);
    let gamma_material = get("gammaToLinearMaterial").and_then(Value::as_bool).unwrap_or(false);
    let sidedness = get("opaqueMaterialDefaultSidedness").and_then(Value::as_str);
    let mut uses_unlit = false;
    for material in materials(&mut glb.json) {
        if gamma_material {
            let base = material
                .get_mut("pbrMetallicRoughness")
                .and_then(|p| p.get_mut("baseColorFactor"));
            linearise(base);
            linearise(material.get_mut("emissiveFactor"));
        }
        if unlit {
            set_unlit(material);
            uses_unlit = true;
        }
        let opaque = material
            .get("alphaMode")
            .and_then(Value::as_str)
            .is_none_or(|m| m == "OPAQUE");
        if let (Some(s), true, None) = (sidedness, opaque, material.get("doubleSided")) {
            material.insert("doubleSided".into(), json!(s == "DoubleSided"));
        }
    }

    if let Some(name) = get("material-override").and_then(Value::as_str) {
        match overrides {
            None => warn(
                &mut applied,
                format!(
                    "the material overrides file {name} was not found beside the input; no material was overridden"
                ),
            ),
            Some(bytes) => match serde_json::from_slice::<Value>(bytes) {
                Ok(Value::Array(entries)) => {
                    let mut changed = 0;
                    for entry in &entries {
                        let (count, used_unlit, ignored) = override_materials(&mut glb.json, entry);
                        changed += count;
                        uses_unlit |= used_unlit;
                        for key in ignored {
                            warn(
                                &mut applied,
                                format!("material override key '{key}' is not carried over to glTF"),
                            );
                        }
                    }
                    applied.material_overrides = Some((entries.len(), changed));
                }
                _ => warn(
                    &mut applied,
                    format!("the material overrides file {name} is not a JSON array; no material was overridden"),
                ),
            },
        }
    }
    if uses_unlit {
        add_extension_used(&mut glb.json, "KHR_materials_unlit");
    }

    // What glTF output cannot carry, said once each.
    let not_honoured = [
        ("gammaToLinearVertex", "vertex colors are kept as they are"),
        ("generateCollisionMesh", "the output has no collision mesh"),
        (
            "fbxAssumeMetallic",
            "FBX materials are converted as the FBX importer reads them",
        ),
        (
            "vertex",
            "vertex formats are chosen by the optimizer (meshopt quantization)",
        ),
        ("metadataKeys", "metadata is not written to the output"),
    ];
    for (key, consequence) in not_honoured {
        if let Some(v) = get(key).filter(|v| !matches!(v, Value::Bool(false) | Value::Null)) {
            warn(
                &mut applied,
                format!("setting {key} = {v} is not supported by the pipeline converter: {consequence}"),
            );
        }
    }
    if let Some(mode) = get("sceneGraphMode").and_then(Value::as_str).filter(|m| *m != "static") {
        warn(
            &mut applied,
            format!("setting sceneGraphMode = \"{mode}\" is not supported by the pipeline converter: the scene graph is flattened (static)"),
        );
    }
    if get("deduplicateMaterials") == Some(&Value::Bool(false)) {
        warn(&mut applied, "setting deduplicateMaterials = false is not supported by the pipeline converter: equal materials are merged".into());
    }
    applied
}

/// Puts every scene's roots under one new node with `matrix`.
fn wrap_scenes(doc: &mut Value, matrix: [f64; 16]) {
    let Some(object) = doc.as_object_mut() else { return };
    let node_count = object.get("nodes").and_then(Value::as_array).map_or(0, Vec::len);
    let mut new_nodes = Vec::new();
    if let Some(scenes) = object.get_mut("scenes").and_then(Value::as_array_mut) {
        for (i, scene) in scenes.iter_mut().enumerate() {
            let roots = scene.get("nodes").cloned().unwrap_or(json!([]));
            new_nodes.push(json!({ "name": "arr-emulator conversion settings", "children": roots, "matrix": matrix }));
            scene["nodes"] = json!([node_count + i]);
        }
    }
    let nodes = object.entry("nodes").or_insert(json!([]));
    if let Some(nodes) = nodes.as_array_mut() {
        nodes.extend(new_nodes);
    }
}

/// Replaces the matrix of the root nodes [`wrap_scenes`] made.
fn wrap_scenes_update(doc: &mut Value, matrix: [f64; 16]) {
    for node in doc.get_mut("nodes").and_then(Value::as_array_mut).into_iter().flatten() {
        if node.get("name").and_then(Value::as_str) == Some("arr-emulator conversion settings") {
            node["matrix"] = json!(matrix);
        }
    }
}

fn materials(doc: &mut Value) -> impl Iterator<Item = &mut Map<String, Value>> {
    doc.get_mut("materials")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object_mut)
}

fn set_unlit(material: &mut Map<String, Value>) {
    let extensions = material.entry("extensions").or_insert(json!({}));
    if let Some(e) = extensions.as_object_mut() {
        e.insert("KHR_materials_unlit".into(), json!({}));
    }
}

fn add_extension_used(doc: &mut Value, name: &str) {
    let Some(object) = doc.as_object_mut() else { return };
    let used = object.entry("extensionsUsed").or_insert(json!([]));
    if let Some(list) = used.as_array_mut() {
        if !list.iter().any(|v| v == name) {
            list.push(json!(name));
        }
    }
}

/// Applies one overrides-file entry (`{"name": ..., "albedoColor": {"r","g","b","a"}, "roughness",
/// "metalness", "unlit", "isDoubleSided", "transparent", "alphaClipEnabled", "alphaClipThreshold"}`) to
/// the materials of that name. Answers (materials changed, whether it made one unlit, keys not carried).
fn override_materials(doc: &mut Value, entry: &Value) -> (usize, bool, Vec<String>) {
    let Some(fields) = entry.as_object() else {
        return (0, false, Vec::new());
    };
    let name = fields.get("name").and_then(Value::as_str).unwrap_or("");
    let carried = [
        "name",
        "albedoColor",
        "roughness",
        "metalness",
        "unlit",
        "isDoubleSided",
        "transparent",
        "alphaClipEnabled",
        "alphaClipThreshold",
    ];
    let ignored: Vec<String> = fields
        .keys()
        .filter(|k| !carried.contains(&k.as_str()))
        .cloned()
        .collect();
    let mut changed = 0;
    let mut used_unlit = false;
    for material in materials(doc) {
        if material.get("name").and_then(Value::as_str) != Some(name) {
            continue;
        }
        changed += 1;
        let pbr = material.entry("pbrMetallicRoughness").or_insert(json!({}));
        if let Some(c) = fields.get("albedoColor") {
            let channel = |k: &str| c.get(k).and_then(Value::as_f64).unwrap_or(1.0);
            pbr["baseColorFactor"] = json!([channel("r"), channel("g"), channel("b"), channel("a")]);
        }
        if let Some(r) = fields.get("roughness").and_then(Value::as_f64) {
            pbr["roughnessFactor"] = json!(r);
        }
        if let Some(m) = fields.get("metalness").and_then(Value::as_f64) {
            pbr["metallicFactor"] = json!(m);
        }
        if fields.get("unlit").and_then(Value::as_bool) == Some(true) {
            set_unlit(material);
            used_unlit = true;
        }
        if let Some(d) = fields.get("isDoubleSided").and_then(Value::as_bool) {
            material.insert("doubleSided".into(), json!(d));
        }
        if fields.get("transparent").and_then(Value::as_bool) == Some(true) {
            material.insert("alphaMode".into(), json!("BLEND"));
        }
        if fields.get("alphaClipEnabled").and_then(Value::as_bool) == Some(true) {
            material.insert("alphaMode".into(), json!("MASK"));
            let cutoff = fields.get("alphaClipThreshold").and_then(Value::as_f64).unwrap_or(0.5);
            material.insert("alphaCutoff".into(), json!(cutoff));
        }
    }
    (changed, used_unlit, ignored)
}

/// A color factor's red, green and blue from sRGB to linear (alpha stays).
fn linearise(color: Option<&mut Value>) {
    for c in color.and_then(Value::as_array_mut).into_iter().flatten().take(3) {
        if let Some(v) = c.as_f64() {
            *c = json!(srgb_to_linear(v));
        }
    }
}

/// One sRGB-encoded channel (0..1) as linear.
fn srgb_to_linear(c: f64) -> f64 {
    if c <= 0.04045 {
        c / 12.92
    } else {
        ((c + 0.055) / 1.055).powf(2.4)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square() -> Glb {
        Glb {
            json: json!({
                "scene": 0, "scenes": [{"nodes": [0]}], "nodes": [{"mesh": 0}],
                "meshes": [{"primitives": [{"attributes": {"POSITION": 0}}]}],
                "accessors": [{"count": 3, "min": [0.0, 0.0, 0.0], "max": [2.0, 4.0, 0.0]}],
                "materials": [{"name": "red", "pbrMetallicRoughness": {"baseColorFactor": [0.5, 0.5, 0.5, 1.0]}}],
            }),
            bin: Vec::new(),
        }
    }

    #[test]
    fn transform_settings() {
        let mut glb = square();
        let applied = apply(
            &mut glb,
            &json!({"scaling": 2.0, "axis": ["+x", "+z", "-y"], "recenterToOrigin": true}),
            None,
        );
        assert!(applied.warnings.is_empty(), "{:?}", applied.warnings);
        let (min, max) = statistics(&glb).bounding_box.unwrap();
        assert_eq!((min, max), ([-2.0, 0.0, -4.0], [2.0, 0.0, 4.0]));
        assert_eq!(applied.recentering_offset, [-2.0, 0.0, 4.0]);
    }

    #[test]
    fn material_settings_overrides_and_warnings() {
        let mut glb = square();
        let overrides =
            br#"[{"name":"red","albedoColor":{"r":1,"g":0,"b":0,"a":1},"unlit":true,"colorFringe":1},{"name":"none"}]"#;
        let settings = json!({"gammaToLinearMaterial": true, "material-override": "o.json", "generateCollisionMesh": true, "sceneGraphMode": "dynamic"});
        let applied = apply(&mut glb, &settings, Some(overrides));
        assert_eq!(applied.material_overrides, Some((2, 1)));
        let m = &glb.json["materials"][0];
        assert_eq!(
            m["pbrMetallicRoughness"]["baseColorFactor"],
            json!([1.0, 0.0, 0.0, 1.0])
        );
        assert!(m["extensions"]["KHR_materials_unlit"].is_object());
        assert_eq!(glb.json["extensionsUsed"], json!(["KHR_materials_unlit"]));
        let text = applied.warnings.join("\n");
        for expected in ["colorFringe", "generateCollisionMesh", "sceneGraphMode"] {
            assert!(text.contains(expected), "{text}");
        }
        let mut glb = square();
        apply(&mut glb, &json!({"gammaToLinearMaterial": true}), None);
        let r = glb.json["materials"][0]["pbrMetallicRoughness"]["baseColorFactor"][0]
            .as_f64()
            .unwrap();
        assert!((r - 0.214).abs() < 0.001, "{r}");
        let missing = apply(&mut square(), &json!({"material-override": "o.json"}), None);
        assert!(missing.warnings[0].contains("o.json"));
    }
}
