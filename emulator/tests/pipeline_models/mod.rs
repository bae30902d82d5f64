//! Models the pipeline tests and benchmark write themselves (nothing is downloaded): a wavy grid of
//! `2 n²` triangles with texture coordinates, written as OBJ (+ MTL), ASCII FBX 7.4, glTF (+ .bin) and
//! binary PLY, and a small PNG texture.
#![allow(dead_code)]

use std::fmt::Write;

/// A grid of `(n + 1)²` vertices and `2 n²` triangles over the unit square, its height a gentle wave.
pub struct Grid {
    pub positions: Vec<[f32; 3]>,
    pub uvs: Vec<[f32; 2]>,
    pub triangles: Vec<[u32; 3]>,
}

impl Grid {
    pub fn new(n: u32) -> Grid {
        let w = n + 1;
        let mut positions = Vec::with_capacity((w * w) as usize);
        let mut uvs = Vec::with_capacity((w * w) as usize);
        for j in 0..w {
            for i in 0..w {
                let (x, y) = (i as f32 / n as f32, j as f32 / n as f32);
                positions.push([x, y, 0.1 * (6.0 * x).sin() * (6.0 * y).cos()]);
                uvs.push([x, y]);
            }
        }
        let mut triangles = Vec::with_capacity((2 * n * n) as usize);
        for j in 0..n {
            for i in 0..n {
                let a = j * w + i;
                let (b, c, d) = (a + 1, a + w, a + w + 1);
                triangles.push([a, b, d]);
                triangles.push([a, d, c]);
            }
        }
        Grid {
            positions,
            uvs,
            triangles,
        }
    }

    /// The grid with about `triangles` triangles (rounded to `2 n²`).
    pub fn with_triangles(triangles: u64) -> Grid {
        Grid::new(((triangles as f64 / 2.0).sqrt().round() as u32).max(1))
    }

    pub fn triangle_count(&self) -> u64 {
        self.triangles.len() as u64
    }

    /// `(min, max)` of the positions.
    pub fn bounds(&self) -> ([f32; 3], [f32; 3]) {
        let mut min = [f32::MAX; 3];
        let mut max = [f32::MIN; 3];
        for p in &self.positions {
            for k in 0..3 {
                min[k] = min[k].min(p[k]);
                max[k] = max[k].max(p[k]);
            }
        }
        (min, max)
    }

    /// Wavefront OBJ with one material from `mtllib`.
    pub fn obj(&self, mtllib: &str) -> String {
        let mut out = format!("mtllib {mtllib}\no grid\n");
        for p in &self.positions {
            let _ = writeln!(out, "v {} {} {}", p[0], p[1], p[2]);
        }
        for t in &self.uvs {
            let _ = writeln!(out, "vt {} {}", t[0], t[1]);
        }
        out.push_str("usemtl painted\n");
        for t in &self.triangles {
            let [a, b, c] = t.map(|i| i + 1);
            let _ = writeln!(out, "f {a}/{a} {b}/{b} {c}/{c}");
        }
        out
    }

    /// ASCII FBX 7.4: one mesh, one material, and a diffuse texture file when `texture` is given.
    pub fn fbx(&self, texture: Option<&str>) -> String {
        let join = |values: Vec<String>| values.join(",");
        let vertices = join(self.positions.iter().flatten().map(|v| v.to_string()).collect());
        let indices = join(
            self.triangles
                .iter()
                .flat_map(|t| [t[0] as i64, t[1] as i64, -(t[2] as i64) - 1])
                .map(|i| i.to_string())
                .collect(),
        );
        let uvs = join(self.uvs.iter().flatten().map(|v| v.to_string()).collect());
        // Texture coordinates per polygon corner, indexing the per-vertex list (what importers expect).
        let uv_index = join(self.triangles.iter().flatten().map(|i| i.to_string()).collect());
        let mut out = String::new();
        out.push_str(
            "; FBX 7.4.0 project file\nFBXHeaderExtension:  {\n\tFBXHeaderVersion: 1003\n\tFBXVersion: 7400\n}\n",
        );
        out.push_str("GlobalSettings:  {\n\tVersion: 1000\n\tProperties70:  {\n");
        for (name, value) in [
            ("UpAxis", 1),
            ("UpAxisSign", 1),
            ("FrontAxis", 2),
            ("FrontAxisSign", 1),
            ("CoordAxis", 0),
            ("CoordAxisSign", 1),
        ] {
            let _ = writeln!(out, "\t\tP: \"{name}\", \"int\", \"Integer\", \"\",{value}");
        }
        out.push_str("\t\tP: \"UnitScaleFactor\", \"double\", \"Number\", \"\",1\n\t}\n}\n");
        out.push_str("Objects:  {\n\tGeometry: 1000, \"Geometry::grid\", \"Mesh\" {\n");
        let _ = write!(
            out,
            "\t\tVertices: *{} {{\n\t\t\ta: {vertices}\n\t\t}}\n",
            self.positions.len() * 3
        );
        let _ = write!(
            out,
            "\t\tPolygonVertexIndex: *{} {{\n\t\t\ta: {indices}\n\t\t}}\n",
            self.triangles.len() * 3
        );
        out.push_str("\t\tGeometryVersion: 124\n");
        out.push_str("\t\tLayerElementUV: 0 {\n\t\t\tVersion: 101\n\t\t\tName: \"map1\"\n\t\t\tMappingInformationType: \"ByPolygonVertex\"\n\t\t\tReferenceInformationType: \"IndexToDirect\"\n");
        let _ = write!(
            out,
            "\t\t\tUV: *{} {{\n\t\t\t\ta: {uvs}\n\t\t\t}}\n",
            self.uvs.len() * 2
        );
        let _ = write!(
            out,
            "\t\t\tUVIndex: *{} {{\n\t\t\t\ta: {uv_index}\n\t\t\t}}\n\t\t}}\n",
            self.triangles.len() * 3
        );
        out.push_str("\t\tLayerElementMaterial: 0 {\n\t\t\tVersion: 101\n\t\t\tName: \"\"\n\t\t\tMappingInformationType: \"AllSame\"\n\t\t\tReferenceInformationType: \"IndexToDirect\"\n\t\t\tMaterials: *1 {\n\t\t\t\ta: 0\n\t\t\t}\n\t\t}\n");
        out.push_str("\t\tLayer: 0 {\n\t\t\tVersion: 100\n\t\t\tLayerElement:  {\n\t\t\t\tType: \"LayerElementUV\"\n\t\t\t\tTypedIndex: 0\n\t\t\t}\n\t\t\tLayerElement:  {\n\t\t\t\tType: \"LayerElementMaterial\"\n\t\t\t\tTypedIndex: 0\n\t\t\t}\n\t\t}\n\t}\n");
        out.push_str("\tModel: 2000, \"Model::grid\", \"Mesh\" {\n\t\tVersion: 232\n\t\tProperties70:  {\n\t\t}\n\t\tShading: T\n\t\tCulling: \"CullingOff\"\n\t}\n");
        out.push_str("\tMaterial: 3000, \"Material::painted\", \"\" {\n\t\tVersion: 102\n\t\tShadingModel: \"phong\"\n\t\tMultiLayer: 0\n\t\tProperties70:  {\n\t\t\tP: \"DiffuseColor\", \"Color\", \"\", \"A\",0.8,0.2,0.2\n\t\t}\n\t}\n");
        if let Some(t) = texture {
            let _ = write!(out, "\tTexture: 4000, \"Texture::painted\", \"\" {{\n\t\tType: \"TextureVideoClip\"\n\t\tVersion: 202\n\t\tTextureName: \"Texture::painted\"\n\t\tFileName: \"{t}\"\n\t\tRelativeFilename: \"{t}\"\n\t}}\n");
            let _ = write!(out, "\tVideo: 5000, \"Video::painted\", \"Clip\" {{\n\t\tType: \"Clip\"\n\t\tFileName: \"{t}\"\n\t\tRelativeFilename: \"{t}\"\n\t}}\n");
        }
        out.push_str("}\nConnections:  {\n\tC: \"OO\",2000,0\n\tC: \"OO\",1000,2000\n\tC: \"OO\",3000,2000\n");
        if texture.is_some() {
            out.push_str("\tC: \"OP\",4000,3000, \"DiffuseColor\"\n\tC: \"OO\",5000,4000\n");
        }
        out.push_str("}\n");
        out
    }

    /// glTF 2.0 JSON referring to `bin_name` (positions, texture coordinates, u32 indices) and, when
    /// given, a base color texture `texture`; and the .bin bytes.
    pub fn gltf(&self, bin_name: &str, texture: Option<&str>) -> (String, Vec<u8>) {
        let mut bin = Vec::new();
        for p in &self.positions {
            p.iter().for_each(|v| bin.extend_from_slice(&v.to_le_bytes()));
        }
        let uv_offset = bin.len();
        for t in &self.uvs {
            t.iter().for_each(|v| bin.extend_from_slice(&v.to_le_bytes()));
        }
        let index_offset = bin.len();
        for t in &self.triangles {
            t.iter().for_each(|v| bin.extend_from_slice(&v.to_le_bytes()));
        }
        let (min, max) = self.bounds();
        let count = self.positions.len();
        let mut material =
            serde_json::json!({"name": "painted", "pbrMetallicRoughness": {"baseColorFactor": [0.8, 0.2, 0.2, 1.0]}});
        let mut doc = serde_json::json!({
            "asset": {"version": "2.0", "generator": "arr-emulator tests"},
            "scene": 0,
            "scenes": [{"nodes": [0]}],
            "nodes": [{"mesh": 0, "name": "grid"}],
            "meshes": [{"name": "grid", "primitives": [{"attributes": {"POSITION": 0, "TEXCOORD_0": 1}, "indices": 2, "material": 0}]}],
            "buffers": [{"uri": bin_name, "byteLength": bin.len()}],
            "bufferViews": [
                {"buffer": 0, "byteOffset": 0, "byteLength": uv_offset, "target": 34962},
                {"buffer": 0, "byteOffset": uv_offset, "byteLength": index_offset - uv_offset, "target": 34962},
                {"buffer": 0, "byteOffset": index_offset, "byteLength": bin.len() - index_offset, "target": 34963}
            ],
            "accessors": [
                {"bufferView": 0, "componentType": 5126, "count": count, "type": "VEC3", "min": min, "max": max},
                {"bufferView": 1, "componentType": 5126, "count": count, "type": "VEC2"},
                {"bufferView": 2, "componentType": 5125, "count": self.triangles.len() * 3, "type": "SCALAR"}
            ],
        });
        if let Some(t) = texture {
            material["pbrMetallicRoughness"]["baseColorTexture"] = serde_json::json!({"index": 0});
            doc["images"] = serde_json::json!([{"uri": t, "name": "paint"}]);
            doc["textures"] = serde_json::json!([{"source": 0}]);
        }
        doc["materials"] = serde_json::json!([material]);
        (serde_json::to_string_pretty(&doc).unwrap(), bin)
    }

    /// Binary little-endian PLY (float x y z, uchar-counted int faces).
    pub fn ply(&self) -> Vec<u8> {
        let mut out = format!(
            "ply\nformat binary_little_endian 1.0\nelement vertex {}\nproperty float x\nproperty float y\nproperty float z\nelement face {}\nproperty list uchar int vertex_indices\nend_header\n",
            self.positions.len(),
            self.triangles.len()
        )
        .into_bytes();
        for p in &self.positions {
            p.iter().for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
        }
        for t in &self.triangles {
            out.push(3);
            t.iter().for_each(|v| out.extend_from_slice(&(*v as i32).to_le_bytes()));
        }
        out
    }
}

/// The material library of [`Grid::obj`]: material `painted`, with `map_Kd` when `texture` is given.
pub fn mtl(texture: Option<&str>) -> String {
    let mut out = "newmtl painted\nKd 0.8 0.2 0.2\n".to_string();
    if let Some(t) = texture {
        let _ = writeln!(out, "map_Kd {t}");
    }
    out
}

/// A `width` x `height` RGB PNG (a checkerboard), deflate-stored (no compression library needed).
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let mut raw = Vec::new();
    for y in 0..height {
        raw.push(0); // filter: none
        for x in 0..width {
            let on = (x / 8 + y / 8) % 2 == 0;
            raw.extend_from_slice(if on { &[230, 200, 40] } else { &[40, 60, 200] });
        }
    }
    let mut zlib = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65535).collect();
    for (i, block) in blocks.iter().enumerate() {
        zlib.push(u8::from(i + 1 == blocks.len()));
        let len = block.len() as u16;
        zlib.extend_from_slice(&len.to_le_bytes());
        zlib.extend_from_slice(&(!len).to_le_bytes());
        zlib.extend_from_slice(block);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for byte in &raw {
        a = (a + *byte as u32) % 65521;
        b = (b + a) % 65521;
    }
    zlib.extend_from_slice(&((b << 16) | a).to_be_bytes());
    let mut header = Vec::new();
    header.extend_from_slice(&width.to_be_bytes());
    header.extend_from_slice(&height.to_be_bytes());
    header.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, data) in [(&b"IHDR"[..], header), (&b"IDAT"[..], zlib), (&b"IEND"[..], Vec::new())] {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut chunk = kind.to_vec();
        chunk.extend_from_slice(&data);
        out.extend_from_slice(&chunk);
        out.extend_from_slice(&crc32(&chunk).to_be_bytes());
    }
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for byte in bytes {
        crc ^= *byte as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}
