//! One valid and one invalid file for every rule of `rules.rs`.

use super::*;

const SETTINGS: &str = "box.ConversionSettings.json";
const OVERRIDES: &str = "box.MaterialOverrides.json";

/// `(kind, input asset, rule, valid file, invalid file, where the invalid one is wrong, severity)`.
type Case = (
    SettingsFileKind,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Severity,
);

const CS: SettingsFileKind = SettingsFileKind::ConversionSettings;
const MO: SettingsFileKind = SettingsFileKind::MaterialOverrides;
const E: Severity = Severity::Error;
const W: Severity = Severity::Warning;

const CASES: &[Case] = &[
    (
        CS,
        "box.fbx",
        "syntax",
        r#"{"scaling": 0.01}"#,
        r#"{"scaling": 0.01,}"#,
        "",
        E,
    ),
    (CS, "box.fbx", "type", r#"{}"#, r#"["scaling"]"#, "", E),
    (
        CS,
        "box.fbx",
        "unknown-key",
        r#"{"recenterToOrigin": true}"#,
        r#"{"recenterToOrigen": true}"#,
        "/recenterToOrigen",
        E,
    ),
    (
        CS,
        "box.fbx",
        "range",
        r#"{"scaling": 0.01}"#,
        r#"{"scaling": 0}"#,
        "/scaling",
        E,
    ),
    (
        CS,
        "box.fbx",
        "type",
        r#"{"scaling": 2}"#,
        r#"{"scaling": "2"}"#,
        "/scaling",
        E,
    ),
    (
        CS,
        "box.fbx",
        "type",
        r#"{"recenterToOrigin": false}"#,
        r#"{"recenterToOrigin": "true"}"#,
        "/recenterToOrigin",
        E,
    ),
    (
        CS,
        "box.fbx",
        "type",
        r#"{"gammaToLinearMaterial": true}"#,
        r#"{"gammaToLinearMaterial": 1}"#,
        "/gammaToLinearMaterial",
        E,
    ),
    (
        CS,
        "box.fbx",
        "type",
        r#"{"gammaToLinearVertex": true}"#,
        r#"{"gammaToLinearVertex": null}"#,
        "/gammaToLinearVertex",
        E,
    ),
    (
        CS,
        "box.fbx",
        "type",
        r#"{"generateCollisionMesh": false}"#,
        r#"{"generateCollisionMesh": "no"}"#,
        "/generateCollisionMesh",
        E,
    ),
    (
        CS,
        "box.fbx",
        "type",
        r#"{"unlitMaterials": true}"#,
        r#"{"unlitMaterials": []}"#,
        "/unlitMaterials",
        E,
    ),
    (
        CS,
        "box.fbx",
        "type",
        r#"{"deduplicateMaterials": false}"#,
        r#"{"deduplicateMaterials": 0}"#,
        "/deduplicateMaterials",
        E,
    ),
    (
        CS,
        "box.fbx",
        "type",
        r#"{"fbxAssumeMetallic": false}"#,
        r#"{"fbxAssumeMetallic": "False"}"#,
        "/fbxAssumeMetallic",
        E,
    ),
    (
        CS,
        "box.fbx",
        "enum",
        r#"{"opaqueMaterialDefaultSidedness": "SingleSided"}"#,
        r#"{"opaqueMaterialDefaultSidedness": "singlesided"}"#,
        "/opaqueMaterialDefaultSidedness",
        E,
    ),
    (
        CS,
        "box.fbx",
        "enum",
        r#"{"sceneGraphMode": "static"}"#,
        r#"{"sceneGraphMode": "Static"}"#,
        "/sceneGraphMode",
        E,
    ),
    (
        CS,
        "box.fbx",
        "enum",
        r#"{"axis": ["default", "+z", "-y"]}"#,
        r#"{"axis": ["Default", "+z", "-y"]}"#,
        "/axis/0",
        E,
    ),
    (
        CS,
        "box.fbx",
        "axis-count",
        r#"{"axis": ["+x", "+z", "-y"]}"#,
        r#"{"axis": ["+x", "+z"]}"#,
        "/axis",
        E,
    ),
    (
        CS,
        "box.fbx",
        "axis-repeat",
        r#"{"axis": ["-x", "+y", "+z"]}"#,
        r#"{"axis": ["+x", "-x", "+z"]}"#,
        "/axis/1",
        E,
    ),
    (
        CS,
        "box.fbx",
        "type",
        r#"{"axis": ["+x", "+y", "+z"]}"#,
        r#"{"axis": "+x +y +z"}"#,
        "/axis",
        E,
    ),
    (
        CS,
        "box.fbx",
        "enum",
        r#"{"vertex": {"position": "16_16_16_16_FLOAT"}}"#,
        r#"{"vertex": {"position": "NONE"}}"#,
        "/vertex/position",
        E,
    ),
    (
        CS,
        "box.fbx",
        "enum",
        r#"{"vertex": {"color0": "NONE", "color1": "8_8_8_8_UNSIGNED_NORMALIZED"}}"#,
        r#"{"vertex": {"color0": "8_8_8_8_SIGNED_NORMALIZED"}}"#,
        "/vertex/color0",
        E,
    ),
    (
        CS,
        "box.fbx",
        "enum",
        r#"{"vertex": {"normal": "NONE", "tangent": "16_16_16_16_FLOAT", "binormal": "8_8_8_8_SIGNED_NORMALIZED"}}"#,
        r#"{"vertex": {"tangent": "32_32_FLOAT"}}"#,
        "/vertex/tangent",
        E,
    ),
    (
        CS,
        "box.fbx",
        "enum",
        r#"{"vertex": {"texcoord0": "16_16_FLOAT", "texcoord1": "NONE"}}"#,
        r#"{"vertex": {"texcoord1": "16_16_16_16_FLOAT"}}"#,
        "/vertex/texcoord1",
        E,
    ),
    (
        CS,
        "box.fbx",
        "unknown-key",
        r#"{"vertex": {"normal": "NONE"}}"#,
        r#"{"vertex": {"normals": "NONE"}}"#,
        "/vertex/normals",
        E,
    ),
    (
        CS,
        "box.fbx",
        "type",
        r#"{"vertex": {}}"#,
        r#"{"vertex": "compact"}"#,
        "/vertex",
        E,
    ),
    (
        CS,
        "box.fbx",
        "pattern",
        r#"{"metadataKeys": ["Id", "Part*"]}"#,
        r#"{"metadataKeys": ["*Part"]}"#,
        "/metadataKeys/0",
        W,
    ),
    (
        CS,
        "box.fbx",
        "type",
        r#"{"metadataKeys": []}"#,
        r#"{"metadataKeys": [7]}"#,
        "/metadataKeys/0",
        E,
    ),
    (
        CS,
        "box.fbx",
        "type",
        r#"{"material-override": "m.json"}"#,
        r#"{"material-override": true}"#,
        "/material-override",
        E,
    ),
    (
        CS,
        "box.fbx",
        "deprecated",
        r#"{"scaling": 1}"#,
        r#"{"material-override": "m.json"}"#,
        "/material-override",
        W,
    ),
    (
        CS,
        "cloud.ply",
        "point-cloud-ignored",
        r#"{"scaling": 1, "recenterToOrigin": true, "axis": ["+x", "+z", "-y"], "gammaToLinearVertex": true, "generateCollisionMesh": false}"#,
        r#"{"sceneGraphMode": "none"}"#,
        "/sceneGraphMode",
        W,
    ),
    (MO, "box.fbx", "syntax", r#"[]"#, r#"[{"name": "a"}"#, "", E),
    (MO, "box.fbx", "type", r#"[{"name": "a"}]"#, r#"{"name": "a"}"#, "", E),
    (MO, "box.fbx", "type", r#"[{"name": "a"}]"#, r#"["a"]"#, "/0", E),
    (
        MO,
        "box.fbx",
        "required",
        r#"[{"name": "a", "unlit": true}]"#,
        r#"[{"unlit": true}]"#,
        "/0",
        E,
    ),
    (
        MO,
        "box.fbx",
        "type",
        r#"[{"name": "a"}]"#,
        r#"[{"name": 3}]"#,
        "/0/name",
        E,
    ),
    (
        MO,
        "box.fbx",
        "unknown-key",
        r#"[{"name": "a", "isDoubleSided": true}]"#,
        r#"[{"name": "a", "doubleSided": true}]"#,
        "/0/doubleSided",
        E,
    ),
    (
        MO,
        "box.fbx",
        "enum",
        r#"[{"name": "M[0-9]+", "nameMatching": "regex"}]"#,
        r#"[{"name": "M.*", "nameMatching": "wildcard"}]"#,
        "/0/nameMatching",
        E,
    ),
    (
        MO,
        "box.fbx",
        "type",
        r#"[{"name": "a", "transparent": true, "alphaClipEnabled": true, "useVertexColor": false}]"#,
        r#"[{"name": "a", "transparent": "yes"}]"#,
        "/0/transparent",
        E,
    ),
    (
        MO,
        "box.fbx",
        "type",
        r#"[{"name": "a", "roughness": 0.5, "metalness": 0, "alphaClipThreshold": 0.5}]"#,
        r#"[{"name": "a", "metalness": "0"}]"#,
        "/0/metalness",
        E,
    ),
    (
        MO,
        "box.fbx",
        "range",
        r#"[{"name": "a", "roughness": 1}]"#,
        r#"[{"name": "a", "roughness": 1.5}]"#,
        "/0/roughness",
        W,
    ),
    (
        MO,
        "box.fbx",
        "required",
        r#"[{"name": "a", "albedoColor": {"r": 0.3, "g": 0.3, "b": 0.3, "a": 1}}, {"name": "b", "albedoColor": {"a": 0.5}}]"#,
        r#"[{"name": "a", "albedoColor": {"r": 1, "g": 0}}]"#,
        "/0/albedoColor",
        E,
    ),
    (
        MO,
        "box.fbx",
        "type",
        r#"[{"name": "a", "albedoColor": {"r": 1, "g": 0, "b": 0}}]"#,
        r#"[{"name": "a", "albedoColor": {"r": "1", "g": 0, "b": 0}}]"#,
        "/0/albedoColor/r",
        E,
    ),
    (
        MO,
        "box.fbx",
        "enum",
        r#"[{"name": "a", "ignoreTextureMaps": ["OpacityMap", "NormalMap"]}]"#,
        r#"[{"name": "a", "ignoreTextureMaps": ["NormalMaps"]}]"#,
        "/0/ignoreTextureMaps/0",
        E,
    ),
    (
        MO,
        "box.fbx",
        "duplicate-name",
        r#"[{"name": "a"}, {"name": "a", "nameMatching": "regex"}]"#,
        r#"[{"name": "a"}, {"name": "a", "unlit": true}]"#,
        "/1/name",
        W,
    ),
];

#[test]
fn every_rule_has_a_valid_and_an_invalid_file() {
    for (kind, input, rule, valid, invalid, path, severity) in CASES {
        let name = if *kind == CS { SETTINGS } else { OVERRIDES };
        let clean = kind.check(name, valid, Some(input));
        assert!(
            clean.iter().all(|f| f.rule != *rule && f.severity != Severity::Error),
            "{rule}: the valid file {valid} gave {clean:?}"
        );
        let found = kind.check(name, invalid, Some(input));
        assert!(
            found
                .iter()
                .any(|f| f.rule == *rule && f.path == *path && f.severity == *severity && f.file == name),
            "{rule}: {invalid} gave {found:#?}"
        );
        assert!(found.iter().all(|f| !f.message.is_empty()));
    }
}

#[test]
fn default_with_a_capital_is_named_with_its_fix() {
    let found = check_settings(SETTINGS, r#"{"axis": ["Default", "+z", "-y"]}"#, Some("box.fbx"));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].message.contains("write \"default\""), "{}", found[0].message);
    assert_eq!(
        found[0].to_string(),
        format!("error   {SETTINGS} /axis/0 [enum]: {}", found[0].message)
    );
}

#[test]
fn unknown_keys_suggest_the_known_one() {
    let found = check_settings(SETTINGS, r#"{"Scaling": 2, "sceneGraph": "none"}"#, None);
    assert!(found[0].message.contains("did you mean \"scaling\""), "{found:?}");
    assert!(
        found[1].message.contains("did you mean \"sceneGraphMode\""),
        "{found:?}"
    );
}

#[test]
fn the_deprecated_file_name_and_kinds_by_name_or_content() {
    let found = check_settings("in/conversionSettings.json", r#"{"scaling": 1}"#, None);
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].rule, found[0].severity), ("deprecated-file-name", W));
    assert!(check_settings("box.ConversionSettings.json", r#"{"scaling": 1}"#, None).is_empty());
    // A file named by the deprecated material-override key is read by its content.
    assert!(check_settings("box_materials_override.json", r#"[{"name": "a"}]"#, None).is_empty());
    assert_eq!(
        SettingsFileKind::from_file_name("models/Box.materialoverrides.json"),
        Some(MO)
    );
    assert_eq!(SettingsFileKind::from_file_name("box.json"), None);
    // A byte-order mark (Windows editors write one) is not a syntax error.
    assert!(check_settings(SETTINGS, "\u{feff}{\"scaling\": 1}", None).is_empty());
}

#[test]
fn too_many_overrides_for_one_asset() {
    let many: Vec<String> = (0..=super::MAX_MATERIALS)
        .map(|i| format!("{{\"name\":\"m{i}\"}}"))
        .collect();
    let found = MO.check(OVERRIDES, &format!("[{}]", many.join(",")), None);
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].rule, found[0].severity), ("material-limit", W));
    let fine: Vec<String> = (0..10).map(|i| format!("{{\"name\":\"m{i}\"}}")).collect();
    assert!(MO.check(OVERRIDES, &format!("[{}]", fine.join(",")), None).is_empty());
}
