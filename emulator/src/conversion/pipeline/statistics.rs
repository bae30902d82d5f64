//! What a GLB holds, counted from its JSON (and its image headers): meshes, triangles, vertices,
//! materials, textures with their sizes, nodes, and the scene's bounding box in world space. These are
//! the numbers `info.json` reports and `gltf-transform inspect` shows for the same file.

use serde_json::{json, Value};

use super::glb::Glb;

/// The counts of one GLB.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct Statistics {
    pub meshes: usize,
    pub primitives: usize,
    pub triangles: u64,
    pub vertices: u64,
    pub materials: usize,
    pub nodes: usize,
    pub max_node_depth: usize,
    pub mesh_usages: usize,
    pub triangles_smallest_mesh: u64,
    pub triangles_biggest_mesh: u64,
    pub textures: Vec<TextureInfo>,
    /// `(min, max)` of every mesh's positions in world space; None for a scene without geometry.
    pub bounding_box: Option<([f64; 3], [f64; 3])>,
}

/// One image of the file.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct TextureInfo {
    pub name: String,
    pub mime_type: String,
    pub width: u32,
    pub height: u32,
    pub bytes: usize,
}

impl TextureInfo {
    pub(super) fn to_json(&self) -> Value {
        json!({ "name": self.name, "mimeType": self.mime_type, "width": self.width, "height": self.height, "bytes": self.bytes })
    }
}

type Matrix = [f64; 16];
const IDENTITY: Matrix = [1., 0., 0., 0., 0., 1., 0., 0., 0., 0., 1., 0., 0., 0., 0., 1.];

pub(super) fn statistics(glb: &Glb) -> Statistics {
    let doc = &glb.json;
    let list = |key: &str| doc.get(key).and_then(Value::as_array).cloned().unwrap_or_default();
    let accessors = list("accessors");
    let meshes = list("meshes");
    let count_of = |index: Option<&Value>| -> u64 {
        index
            .and_then(Value::as_u64)
            .and_then(|i| accessors.get(i as usize))
            .and_then(|a| a.get("count"))
            .and_then(Value::as_u64)
            .unwrap_or(0)
    };
    let mut stats = Statistics {
        meshes: meshes.len(),
        materials: list("materials").len(),
        nodes: list("nodes").len(),
        ..Statistics::default()
    };
    let mut per_mesh = Vec::new();
    for mesh in &meshes {
        let mut mesh_triangles = 0;
        for primitive in mesh.get("primitives").and_then(Value::as_array).into_iter().flatten() {
            stats.primitives += 1;
            let vertices = count_of(primitive.pointer("/attributes/POSITION"));
            stats.vertices += vertices;
            let corners = match primitive.get("indices") {
                Some(i) => count_of(Some(i)),
                None => vertices,
            };
            mesh_triangles += match primitive.get("mode").and_then(Value::as_u64).unwrap_or(4) {
                4 => corners / 3,
                5 | 6 => corners.saturating_sub(2),
                _ => 0,
            };
        }
        stats.triangles += mesh_triangles;
        per_mesh.push(mesh_triangles);
    }
    stats.triangles_smallest_mesh = per_mesh.iter().copied().min().unwrap_or(0);
    stats.triangles_biggest_mesh = per_mesh.iter().copied().max().unwrap_or(0);
    stats.textures = list("images")
        .iter()
        .enumerate()
        .map(|(i, image)| image_info(glb, i, image))
        .collect();
    // Walk the default scene (else the first) from its roots, for transforms, depth and mesh usages.
    let nodes = list("nodes");
    let scene_index = doc.get("scene").and_then(Value::as_u64).unwrap_or(0) as usize;
    let roots: Vec<u64> = doc
        .get("scenes")
        .and_then(|s| s.get(scene_index))
        .and_then(|s| s.get("nodes"))
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_u64).collect())
        .unwrap_or_default();
    let mut stack: Vec<(u64, Matrix, usize)> = roots.iter().map(|&r| (r, IDENTITY, 1)).collect();
    let mut visited = 0usize;
    while let Some((index, parent, depth)) = stack.pop() {
        visited += 1;
        // A cycle (invalid, but seen) must not loop forever.
        let Some(node) = nodes.get(index as usize).filter(|_| visited <= nodes.len() * 4 + 16) else {
            continue;
        };
        stats.max_node_depth = stats.max_node_depth.max(depth);
        let world = multiply(&parent, &local_matrix(node));
        if let Some(mesh) = node
            .get("mesh")
            .and_then(Value::as_u64)
            .and_then(|m| meshes.get(m as usize))
        {
            stats.mesh_usages += 1;
            for primitive in mesh.get("primitives").and_then(Value::as_array).into_iter().flatten() {
                let Some(accessor) = primitive
                    .pointer("/attributes/POSITION")
                    .and_then(Value::as_u64)
                    .and_then(|a| accessors.get(a as usize))
                else {
                    continue;
                };
                let (Some(min), Some(max)) = (vec3(accessor.get("min")), vec3(accessor.get("max"))) else {
                    continue;
                };
                for corner in 0..8 {
                    let p = [
                        if corner & 1 == 0 { min[0] } else { max[0] },
                        if corner & 2 == 0 { min[1] } else { max[1] },
                        if corner & 4 == 0 { min[2] } else { max[2] },
                    ];
                    let w = transform_point(&world, p);
                    let bb = stats.bounding_box.get_or_insert((w, w));
                    for (k, value) in w.iter().enumerate() {
                        bb.0[k] = bb.0[k].min(*value);
                        bb.1[k] = bb.1[k].max(*value);
                    }
                }
            }
        }
        for child in node.get("children").and_then(Value::as_array).into_iter().flatten() {
            if let Some(c) = child.as_u64() {
                stack.push((c, world, depth + 1));
            }
        }
    }
    stats
}

fn vec3(value: Option<&Value>) -> Option<[f64; 3]> {
    let a = value?.as_array()?;
    Some([a.first()?.as_f64()?, a.get(1)?.as_f64()?, a.get(2)?.as_f64()?])
}

/// A node's local matrix: `matrix`, else translation * rotation * scale (column-major, glTF §5.25).
pub(super) fn local_matrix(node: &Value) -> Matrix {
    if let Some(m) = node.get("matrix").and_then(Value::as_array).filter(|m| m.len() == 16) {
        let mut out = IDENTITY;
        for (o, v) in out.iter_mut().zip(m) {
            *o = v.as_f64().unwrap_or(0.0);
        }
        return out;
    }
    let t = vec3(node.get("translation")).unwrap_or([0.0; 3]);
    let s = vec3(node.get("scale")).unwrap_or([1.0; 3]);
    let r = node
        .get("rotation")
        .and_then(Value::as_array)
        .filter(|r| r.len() == 4)
        .map(|r| [0, 1, 2, 3].map(|i| r[i].as_f64().unwrap_or(0.0)))
        .unwrap_or([0.0, 0.0, 0.0, 1.0]);
    let [x, y, z, w] = r;
    let rot = [
        1.0 - 2.0 * (y * y + z * z),
        2.0 * (x * y + z * w),
        2.0 * (x * z - y * w),
        2.0 * (x * y - z * w),
        1.0 - 2.0 * (x * x + z * z),
        2.0 * (y * z + x * w),
        2.0 * (x * z + y * w),
        2.0 * (y * z - x * w),
        1.0 - 2.0 * (x * x + y * y),
    ];
    let mut m = IDENTITY;
    for col in 0..3 {
        for row in 0..3 {
            m[col * 4 + row] = rot[col * 3 + row] * s[col];
        }
    }
    m[12] = t[0];
    m[13] = t[1];
    m[14] = t[2];
    m
}

pub(super) fn multiply(a: &Matrix, b: &Matrix) -> Matrix {
    let mut out = [0.0; 16];
    for col in 0..4 {
        for row in 0..4 {
            out[col * 4 + row] = (0..4).map(|k| a[k * 4 + row] * b[col * 4 + k]).sum();
        }
    }
    out
}

fn transform_point(m: &Matrix, p: [f64; 3]) -> [f64; 3] {
    [0, 1, 2].map(|row| m[row] * p[0] + m[4 + row] * p[1] + m[8 + row] * p[2] + m[12 + row])
}

/// An image's name, type, pixel size (from its PNG or JPEG header) and byte size.
fn image_info(glb: &Glb, index: usize, image: &Value) -> TextureInfo {
    let bytes = image
        .get("bufferView")
        .and_then(Value::as_u64)
        .and_then(|v| glb.view_bytes(v as usize))
        .unwrap_or(&[]);
    let mime_type = image
        .get("mimeType")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| {
            if bytes.starts_with(b"\x89PNG") {
                "image/png"
            } else if bytes.starts_with(&[0xFF, 0xD8]) {
                "image/jpeg"
            } else {
                ""
            }
            .to_string()
        });
    let (width, height) = image_size(bytes).unwrap_or((0, 0));
    TextureInfo {
        name: image
            .get("name")
            .and_then(Value::as_str)
            .map_or_else(|| format!("image{index}"), str::to_string),
        mime_type,
        width,
        height,
        bytes: bytes.len(),
    }
}

/// Width and height from a PNG's IHDR or a JPEG's first SOF marker.
pub(super) fn image_size(bytes: &[u8]) -> Option<(u32, u32)> {
    let be32 = |at: usize| {
        bytes
            .get(at..at + 4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    };
    let be16 = |at: usize| bytes.get(at..at + 2).map(|b| u16::from_be_bytes([b[0], b[1]]) as u32);
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Some((be32(16)?, be32(20)?));
    }
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut at = 2;
    while at + 4 <= bytes.len() {
        if bytes[at] != 0xFF {
            return None;
        }
        let marker = bytes[at + 1];
        let length = be16(at + 2)? as usize;
        if matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
            return Some((be16(at + 7)?, be16(at + 5)?));
        }
        at += 2 + length;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_world_bounding_box() {
        let glb = Glb {
            json: json!({
                "scene": 0,
                "scenes": [{"nodes": [0]}],
                "nodes": [{"children": [1], "scale": [2.0, 2.0, 2.0]}, {"mesh": 0, "translation": [1.0, 0.0, 0.0]}],
                "meshes": [{"primitives": [{"attributes": {"POSITION": 0}, "indices": 1}, {"attributes": {"POSITION": 0}}]}],
                "accessors": [{"count": 4, "min": [0.0, 0.0, 0.0], "max": [1.0, 1.0, 0.0]}, {"count": 6}],
                "materials": [{}],
            }),
            bin: Vec::new(),
        };
        let s = statistics(&glb);
        assert_eq!((s.meshes, s.primitives, s.vertices, s.triangles), (1, 2, 8, 3));
        assert_eq!((s.materials, s.nodes, s.max_node_depth, s.mesh_usages), (1, 2, 2, 1));
        assert_eq!(s.bounding_box, Some(([2.0, 0.0, 0.0], [4.0, 2.0, 0.0])));
    }

    #[test]
    fn image_sizes() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        png.extend_from_slice(&[0, 0, 0, 3, 0, 0, 0, 5]);
        assert_eq!(image_size(&png), Some((3, 5)));
        let jpeg = [0xFF, 0xD8, 0xFF, 0xC0, 0, 11, 8, 0, 7, 0, 9, 3];
        assert_eq!(image_size(&jpeg), Some((9, 7)));
        assert_eq!(image_size(b"GIF89a"), None);
    }
}
