//! The rules for the two files a conversion reads beside its model, in one place: `<model>.ConversionSettings.json`
//! (also the deprecated `conversionSettings.json`) and `<model>.MaterialOverrides.json`.
//!
//! Each table follows the JSON schema the service published in its documentation ("Configure the model
//! conversion" and "Override materials during model conversion", MicrosoftDocs/azure-docs
//! `articles/remote-rendering/how-tos/conversion/`), field for field; what the schemas cannot say (the axis
//! letters used once each, where a `*` may stand in a metadata key, which keys point clouds ignore, value
//! ranges from the material pages, the 65,535-material limit) is marked here and in
//! `docs/conversion-preflight.md`, with what is inferred said so. A table rather than a JSON Schema and a
//! validator crate: the schemas are small and flat, half the checks are not expressible in them, and the
//! stripped library stays as it was (see the docs for the measurement).

/// What a value must be.
pub(crate) enum Shape {
    Bool,
    /// A number; `exclusive_min` is an error bound (the schema's), `usual` a range outside which a
    /// warning is given (from the material documentation; inferred to be the meaningful range).
    Number {
        exclusive_min: Option<f64>,
        usual: Option<(f64, f64)>,
    },
    String,
    /// One of these strings, compared exactly (JSON Schema enums are case-sensitive).
    Enum(&'static [&'static str]),
    /// `axis`: exactly three of [`AXIS_VALUES`], no axis letter twice.
    Axis,
    /// `metadataKeys`: strings, exact keys or `PREFIX*`.
    MetadataKeys,
    /// `ignoreTextureMaps`: strings from [`TEXTURE_MAPS`].
    TextureMaps,
    /// `albedoColor`: `{r, g, b[, a]}` or `{a}`, numbers.
    ColorOrAlpha,
    /// An object with exactly these fields.
    Object(&'static [Field]),
}

/// One key of an object.
pub(crate) struct Field {
    pub key: &'static str,
    pub shape: Shape,
    pub required: bool,
    /// Whether a point-cloud conversion reads it (the documentation lists the five that do).
    pub point_cloud: bool,
    /// Why it should not be used any more, when deprecated.
    pub deprecated: Option<&'static str>,
}

const fn field(key: &'static str, shape: Shape) -> Field {
    Field {
        key,
        shape,
        required: false,
        point_cloud: false,
        deprecated: None,
    }
}

const fn for_point_clouds(mut f: Field) -> Field {
    f.point_cloud = true;
    f
}

const fn number(exclusive_min: Option<f64>, usual: Option<(f64, f64)>) -> Shape {
    Shape::Number { exclusive_min, usual }
}

/// `axis` items. `default` keeps the file's own axis (inferred from the name; the documentation does not say).
pub(crate) const AXIS_VALUES: &[&str] = &["default", "+x", "-x", "+y", "-y", "+z", "-z"];

const POSITION_FORMATS: &[&str] = &["32_32_32_FLOAT", "16_16_16_16_FLOAT"];
const COLOR_FORMATS: &[&str] = &["NONE", "8_8_8_8_UNSIGNED_NORMALIZED"];
const VECTOR_FORMATS: &[&str] = &["NONE", "8_8_8_8_SIGNED_NORMALIZED", "16_16_16_16_FLOAT"];
const TEXCOORD_FORMATS: &[&str] = &["NONE", "32_32_FLOAT", "16_16_FLOAT"];

const VERTEX: &[Field] = &[
    field("position", Shape::Enum(POSITION_FORMATS)),
    field("color0", Shape::Enum(COLOR_FORMATS)),
    field("color1", Shape::Enum(COLOR_FORMATS)),
    field("normal", Shape::Enum(VECTOR_FORMATS)),
    field("tangent", Shape::Enum(VECTOR_FORMATS)),
    field("binormal", Shape::Enum(VECTOR_FORMATS)),
    field("texcoord0", Shape::Enum(TEXCOORD_FORMATS)),
    field("texcoord1", Shape::Enum(TEXCOORD_FORMATS)),
];

/// `<model>.ConversionSettings.json`: an object with these keys only (`additionalProperties: false`).
pub(crate) const CONVERSION_SETTINGS: &[Field] = &[
    for_point_clouds(field("scaling", number(Some(0.0), None))),
    for_point_clouds(field("recenterToOrigin", Shape::Bool)),
    field(
        "opaqueMaterialDefaultSidedness",
        Shape::Enum(&["SingleSided", "DoubleSided"]),
    ),
    Field {
        deprecated: Some("name the file <model>.MaterialOverrides.json beside the model instead"),
        ..field("material-override", Shape::String)
    },
    field("gammaToLinearMaterial", Shape::Bool),
    for_point_clouds(field("gammaToLinearVertex", Shape::Bool)),
    field("sceneGraphMode", Shape::Enum(&["none", "static", "dynamic"])),
    for_point_clouds(field("generateCollisionMesh", Shape::Bool)),
    field("unlitMaterials", Shape::Bool),
    field("deduplicateMaterials", Shape::Bool),
    field("fbxAssumeMetallic", Shape::Bool),
    for_point_clouds(field("axis", Shape::Axis)),
    field("vertex", Shape::Object(VERTEX)),
    field("metadataKeys", Shape::MetadataKeys),
];

/// `ignoreTextureMaps` items.
pub(crate) const TEXTURE_MAPS: &[&str] = &[
    "AlbedoMap",
    "EmissiveMap",
    "NormalMap",
    "OcclusionMap",
    "RoughnessMap",
    "MetalnessMap",
    "ReflectivityMap",
    "BumpMap",
    "OpacityMap",
    "DiffuseMap",
    "SpecularMap",
    "ShininessMap",
    "MetallicRoughnessMap",
    "SpecularGlossinessMap",
];

/// One entry of `<model>.MaterialOverrides.json` (the file is an array of these).
pub(crate) const MATERIAL_OVERRIDE: &[Field] = &[
    Field {
        required: true,
        ..field("name", Shape::String)
    },
    field("nameMatching", Shape::Enum(&["exact", "regex"])),
    field("unlit", Shape::Bool),
    field("albedoColor", Shape::ColorOrAlpha),
    field("roughness", number(None, Some((0.0, 1.0)))),
    field("metalness", number(None, Some((0.0, 1.0)))),
    field("transparent", Shape::Bool),
    field("alphaClipEnabled", Shape::Bool),
    field("alphaClipThreshold", number(None, Some((0.0, 1.0)))),
    field("useVertexColor", Shape::Bool),
    field("isDoubleSided", Shape::Bool),
    field("ignoreTextureMaps", Shape::TextureMaps),
];

/// Materials an asset can hold (documentation "Limits"); more override entries than this cannot all apply.
pub(crate) const MAX_MATERIALS: usize = 65_535;

/// Input extensions the service converts (documentation "Model conversion": FBX, glTF/GLB; point clouds
/// XYZ, PLY, E57, LAS, LAZ), compared without case (inferred: the documentation writes them in capitals).
pub(crate) const MESH_EXTENSIONS: &[&str] = &["fbx", "gltf", "glb"];
/// The point-cloud inputs, for which only the keys marked `point_cloud` matter.
pub(crate) const POINT_CLOUD_EXTENSIONS: &[&str] = &["xyz", "ply", "e57", "las", "laz"];
