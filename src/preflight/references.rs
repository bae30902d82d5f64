//! The files a model refers to, read as cheaply as the format allows, and where the service would find
//! them.
//!
//! - glTF: the JSON's `buffers[].uri` and `images[].uri` (GLB: the same, from its JSON chunk).
//! - FBX: strings ending in an image extension, found by scanning the first bytes of the file (binary
//!   FBX stores them as length-prefixed `S` properties, ASCII FBX in quotes); no parsing of the model.
//!
//! Where a stored path leads follows the service's documented search ("Laying out files for
//! conversion"): the longest suffix of the path that, taken relative to the model's folder, names a
//! file that exists. Only files under the conversion's prefix exist for the service.

use serde_json::Value;

/// What a reference is to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A glTF buffer (`.bin`): without it the conversion fails (inferred).
    Buffer,
    /// A texture: without it the model converts without that texture ("Missing texture" warning 4004).
    Image,
}

/// One stored path.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Reference {
    pub kind: Kind,
    /// JSON Pointer of the URI in a glTF; empty for FBX.
    pub pointer: String,
    /// The path as stored (glTF URIs percent-decoded).
    pub path: String,
}

/// The external references of a glTF's JSON; data URIs (embedded content) are skipped.
pub(crate) fn gltf(json: &[u8]) -> Result<Vec<Reference>, String> {
    let value: Value = serde_json::from_slice(json).map_err(|e| format!("the glTF JSON cannot be read: {e}"))?;
    let mut found = Vec::new();
    for (array, kind) in [("buffers", Kind::Buffer), ("images", Kind::Image)] {
        let Some(items) = value.get(array).and_then(Value::as_array) else {
            continue;
        };
        for (index, item) in items.iter().enumerate() {
            let Some(uri) = item.get("uri").and_then(Value::as_str) else {
                continue;
            };
            if uri
                .as_bytes()
                .get(..5)
                .is_some_and(|scheme| scheme.eq_ignore_ascii_case(b"data:"))
            {
                continue;
            }
            found.push(Reference {
                kind,
                pointer: format!("/{array}/{index}/uri"),
                path: percent_decode(uri),
            });
        }
    }
    Ok(found)
}

/// The byte range of a GLB's JSON chunk, from its first 20 bytes (12-byte header, then the first chunk's
/// length and type, which must be `JSON`).
pub(crate) fn glb_json_chunk(head: &[u8]) -> Result<(u64, u64), String> {
    if head.len() < 20 || &head[..4] != b"glTF" {
        return Err("not a GLB file (it does not start with the glTF magic)".into());
    }
    let word = |at: usize| u32::from_le_bytes([head[at], head[at + 1], head[at + 2], head[at + 3]]);
    if word(16) != 0x4E4F_534A {
        return Err("the GLB's first chunk is not its JSON".into());
    }
    Ok((20, u64::from(word(12))))
}

/// Image endings an FBX texture path may have (what FBX exporters write; inferred list).
const IMAGE_EXTENSIONS: &[&str] = &[
    ".png", ".jpg", ".jpeg", ".tga", ".bmp", ".dds", ".tif", ".tiff", ".exr", ".hdr", ".psd", ".gif",
];

/// What scanning part of an FBX found.
#[derive(Debug, Default)]
pub(crate) struct FbxScan {
    pub references: Vec<Reference>,
    /// The file carries embedded media (`Content` data), so a missing file may not be needed.
    pub embedded_media: bool,
}

/// Texture paths in (the first bytes of) an FBX file, each distinct path once.
pub(crate) fn fbx(bytes: &[u8]) -> FbxScan {
    let mut scan = FbxScan::default();
    let lower: Vec<u8> = bytes.iter().map(u8::to_ascii_lowercase).collect();
    for ext in IMAGE_EXTENSIONS {
        let mut from = 0;
        while let Some(at) = find(&lower[from..], ext.as_bytes()).map(|i| i + from) {
            let end = at + ext.len();
            from = end;
            let Some(start) = string_start(bytes, at, end) else {
                continue;
            };
            let Ok(path) = std::str::from_utf8(&bytes[start..end]) else {
                continue;
            };
            if !path.is_empty() && !scan.references.iter().any(|r| r.path == path) {
                scan.references.push(Reference {
                    kind: Kind::Image,
                    pointer: String::new(),
                    path: path.to_owned(),
                });
            }
        }
    }
    // Binary: a `Content` node whose raw property ('R') is not empty; ASCII: `Content: ,` followed by data.
    scan.embedded_media = binary_content(bytes) || find(bytes, b"Content: ,").is_some();
    scan
}

/// Where the string ending at `end` starts: after a binary `S` + u32 length prefix that matches, or
/// after an opening quote (ASCII FBX).
fn string_start(bytes: &[u8], ext_at: usize, end: usize) -> Option<usize> {
    let earliest = ext_at.saturating_sub(1024);
    let mut start = ext_at;
    while start > earliest {
        start -= 1;
        match bytes[start] {
            b'"' => return Some(start + 1),
            0 | b'\n' | b'\r' => break,
            _ => {}
        }
        if start >= 5 && bytes[start - 5] == b'S' {
            let length = u32::from_le_bytes([bytes[start - 4], bytes[start - 3], bytes[start - 2], bytes[start - 1]]);
            if usize::try_from(length).ok() == Some(end - start) {
                return Some(start);
            }
        }
    }
    None
}

fn binary_content(bytes: &[u8]) -> bool {
    let mut from = 0;
    while let Some(at) = find(&bytes[from..], b"\x07Content").map(|i| i + from) {
        let property = at + 8;
        if bytes.get(property) == Some(&b'R') {
            if let Some(len) = bytes.get(property + 1..property + 5) {
                if u32::from_le_bytes([len[0], len[1], len[2], len[3]]) > 0 {
                    return true;
                }
            }
        }
        from = at + 8;
    }
    false
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Whether a stored path is absolute: a drive (`C:`), a root (`/`, `\`, `\\server`) or a URL.
pub(crate) fn is_absolute(path: &str) -> bool {
    let bytes = path.as_bytes();
    path.starts_with('/')
        || path.starts_with('\\')
        || path.contains("://")
        || (bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':')
}

/// Where the service would find `stored`, referenced from a model in folder `model_dir` (a blob name
/// prefix: empty or ending in `/`): the blob named by the longest suffix of the path, and whether the
/// whole path was needed (`false`: leading folders were dropped to find it).
pub(crate) fn resolve(stored: &str, model_dir: &str, exists: impl Fn(&str) -> bool) -> Option<(String, bool)> {
    let components: Vec<&str> = stored
        .split(['/', '\\'])
        .filter(|c| !c.is_empty() && *c != ".")
        .collect();
    for skip in 0..components.len() {
        if let Some(candidate) = join(model_dir, &components[skip..]) {
            if exists(&candidate) {
                return Some((candidate, skip == 0));
            }
        }
    }
    None
}

/// `dir` + the components, with `..` taken back; `None` when it climbs out of the container.
fn join(dir: &str, components: &[&str]) -> Option<String> {
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for component in components {
        if *component == ".." {
            parts.pop()?;
        } else {
            parts.push(component);
        }
    }
    Some(parts.join("/"))
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(high), Some(low)) => {
                out.push((high * 16 + low) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gltf_uris_but_not_data_uris() {
        let refs = gltf(
            br#"{"buffers":[{"uri":"box.bin","byteLength":8},{"uri":"data:application/octet-stream;base64,AAAA"}],
            "images":[{"uri":"C:\\Users\\me\\tex\\wood%20grain.png"},{"bufferView":0}]}"#,
        )
        .unwrap();
        assert_eq!(refs.len(), 2);
        assert_eq!(
            (refs[0].kind, refs[0].pointer.as_str(), refs[0].path.as_str()),
            (Kind::Buffer, "/buffers/0/uri", "box.bin")
        );
        assert_eq!(refs[1].path, "C:\\Users\\me\\tex\\wood grain.png");
        assert!(gltf(b"{").is_err());
    }

    #[test]
    fn uris_with_characters_of_several_bytes_are_references_too() {
        // Byte 5 of "木材.png" falls inside a character: the data-URI test must not cut there.
        let refs = gltf(r#"{"images":[{"uri":"木材.png"},{"uri":"DATA:image/png;base64,AA"}]}"#.as_bytes()).unwrap();
        assert_eq!(refs.len(), 1);
        assert_eq!(refs[0].path, "木材.png");
    }

    #[test]
    fn glb_header() {
        let mut head = b"glTF\x02\x00\x00\x00\x00\x01\x00\x00".to_vec();
        head.extend(40u32.to_le_bytes());
        head.extend(b"JSON");
        assert_eq!(glb_json_chunk(&head), Ok((20, 40)));
        assert!(glb_json_chunk(b"PK\x03\x04 not a glb at all...").is_err());
    }

    #[test]
    fn fbx_binary_and_ascii_texture_strings() {
        let mut binary = b"Kaydara FBX Binary  \x00\x1a\x00".to_vec();
        for path in ["C:\\art\\tex\\wood.png", "tex\\wood.png"] {
            binary.extend(b"\x10RelativeFilename"); // (node name; the scan does not need it)
            binary.push(b'S');
            binary.extend((path.len() as u32).to_le_bytes());
            binary.extend(path.as_bytes());
        }
        binary.extend(b"\x07ContentR\x00\x00\x00\x00");
        let scan = fbx(&binary);
        let paths: Vec<&str> = scan.references.iter().map(|r| r.path.as_str()).collect();
        assert_eq!(paths, ["C:\\art\\tex\\wood.png", "tex\\wood.png"]);
        assert!(!scan.embedded_media);
        binary.extend(b"\x07ContentR\x03\x00\x00\x00abc");
        assert!(fbx(&binary).embedded_media);
        let ascii = b"Texture: ... {\n  FileName: \"D:/models/Metal.JPG\"\n  RelativeFilename: \"Metal.JPG\"\n}";
        let paths: Vec<String> = fbx(ascii).references.into_iter().map(|r| r.path).collect();
        assert_eq!(paths, ["D:/models/Metal.JPG", "Metal.JPG"]);
    }

    #[test]
    fn the_longest_suffix_that_exists_wins() {
        // The documentation's example: myAsset.fbx in Assets/, textures A, C and E.
        let blobs = [
            "Assets/myAsset.fbx",
            "Assets/myTexture.png",
            "Assets/Textures/MyAssetTextures/myTexture.png",
            "Textures/MyAssetTextures/myTexture.png",
        ];
        let exists = |name: &str| blobs.contains(&name);
        assert_eq!(
            resolve("..\\Textures\\MyAssetTextures\\myTexture.png", "Assets/", exists),
            Some(("Textures/MyAssetTextures/myTexture.png".into(), true))
        );
        assert_eq!(
            resolve(
                "H:\\Foo\\Bar\\Textures\\MyAssetTextures\\myTexture.png",
                "Assets/",
                exists
            ),
            Some(("Assets/Textures/MyAssetTextures/myTexture.png".into(), false))
        );
        assert_eq!(resolve("missing.png", "Assets/", exists), None);
        assert_eq!(resolve("../../x.png", "", exists), None);
        assert!(is_absolute("C:\\x.png") && is_absolute("/home/x.png") && is_absolute("https://h/x.png"));
        assert!(!is_absolute("tex/x.png") && !is_absolute("../x.png"));
    }
}
