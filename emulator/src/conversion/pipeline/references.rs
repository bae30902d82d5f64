//! The files an input refers to, which the pipeline downloads from beside it (under the input's blob
//! prefix) before converting: a glTF's buffers and images, an OBJ's material libraries and their texture
//! maps, an FBX's texture files. Each is a path relative to the input's folder, normalised; a path that
//! would leave that folder (`../x`, `/etc/x`) is never followed, so a model cannot make the emulator read
//! or write outside its scratch directory.

use serde_json::Value;

/// The input formats the pipeline converts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum InputKind {
    Gltf,
    Glb,
    Fbx,
    Obj,
    Ply,
}

impl InputKind {
    pub(super) fn of(file_name: &str) -> Option<InputKind> {
        let extension = file_name.rsplit_once('.')?.1.to_ascii_lowercase();
        Some(match extension.as_str() {
            "gltf" => InputKind::Gltf,
            "glb" => InputKind::Glb,
            "fbx" => InputKind::Fbx,
            "obj" => InputKind::Obj,
            "ply" => InputKind::Ply,
            _ => return None,
        })
    }
}

const IMAGE_EXTENSIONS: [&str; 9] = [
    ".png", ".jpg", ".jpeg", ".tga", ".bmp", ".tif", ".tiff", ".dds", ".webp",
];

/// Paths, relative to the input's folder, of the files `bytes` (an input of `kind`, or an OBJ's `.mtl`
/// when `kind` is Obj and `material_library` is set) refers to; each at most once.
pub(super) fn references(kind: InputKind, bytes: &[u8], material_library: bool) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut add = |path: Option<String>| {
        if let Some(p) = path {
            if !found.contains(&p) {
                found.push(p);
            }
        }
    };
    match kind {
        InputKind::Gltf => {
            let Ok(doc) = serde_json::from_slice::<Value>(bytes) else {
                return found;
            };
            for key in ["buffers", "images"] {
                for item in doc.get(key).and_then(Value::as_array).into_iter().flatten() {
                    if let Some(uri) = item.get("uri").and_then(Value::as_str) {
                        if !uri.starts_with("data:") {
                            add(safe_relative(&percent_decode(uri)));
                        }
                    }
                }
            }
        }
        InputKind::Obj => {
            let text = String::from_utf8_lossy(bytes);
            for line in text.lines() {
                let line = line.trim();
                let Some((keyword, rest)) = line.split_once(char::is_whitespace) else {
                    continue;
                };
                let rest = rest.trim();
                if !material_library && keyword == "mtllib" {
                    add(safe_relative(rest));
                } else if material_library
                    && matches!(
                        keyword,
                        "map_Kd"
                            | "map_Ka"
                            | "map_Ks"
                            | "map_Ns"
                            | "map_d"
                            | "map_bump"
                            | "map_Bump"
                            | "bump"
                            | "disp"
                            | "norm"
                            | "map_Pr"
                            | "map_Pm"
                            | "map_Ke"
                    )
                {
                    // Options (`-bm 1.0 file.png`) come first; the file name is last.
                    add(rest.split_whitespace().last().and_then(safe_relative));
                }
            }
        }
        InputKind::Fbx => {
            // Binary and ASCII FBX keep file names as plain text: take each run of printable bytes that
            // ends in an image extension, as the relative path it says and as its bare file name.
            for run in bytes.split(|b| !(0x20..0x7f).contains(b) || *b == b'"') {
                let Ok(text) = std::str::from_utf8(run) else { continue };
                let lower = text.to_ascii_lowercase();
                if IMAGE_EXTENSIONS.iter().any(|e| lower.ends_with(e)) {
                    add(safe_relative(text));
                    add(text.rsplit(['/', '\\']).next().and_then(safe_relative));
                }
            }
        }
        InputKind::Glb | InputKind::Ply => {}
    }
    found
}

/// `path` as a normalised relative path inside its folder (`a/./b/../c.png` -> `a/c.png`, `\` as `/`),
/// or None when it is absolute, empty, or leaves the folder.
pub(super) fn safe_relative(path: &str) -> Option<String> {
    let path = path.trim().replace('\\', "/");
    if path.is_empty() || path.starts_with('/') || path.contains(':') || path.contains('\0') {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// `%xx` escapes of a URI decoded (invalid ones kept as they are).
pub(super) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_never_leave_the_folder() {
        assert_eq!(safe_relative("tex/./a/../b.png").as_deref(), Some("tex/b.png"));
        assert_eq!(safe_relative("tex\\b.png").as_deref(), Some("tex/b.png"));
        for bad in ["../secret", "/etc/passwd", "a/../../b", "C:\\x.png", "", "."] {
            assert_eq!(safe_relative(bad), None, "{bad}");
        }
        assert_eq!(percent_decode("my%20box.bin"), "my box.bin");
        assert_eq!(percent_decode("100%"), "100%");
    }

    #[test]
    fn references_of_each_format() {
        let gltf = br#"{"buffers":[{"uri":"b%20in.bin"},{"uri":"data:application/octet-stream;base64,AA=="}],"images":[{"uri":"../x.png"},{"uri":"t/a.png"}]}"#;
        assert_eq!(references(InputKind::Gltf, gltf, false), ["b in.bin", "t/a.png"]);
        let obj = b"mtllib m.mtl\nv 0 0 0\nusemtl a\n";
        assert_eq!(references(InputKind::Obj, obj, false), ["m.mtl"]);
        let mtl = b"newmtl a\nmap_Kd -bm 1 tex/wood.png\nbump n.png\n";
        assert_eq!(references(InputKind::Obj, mtl, true), ["tex/wood.png", "n.png"]);
        let fbx = b"\x00\x05RelativeFilename\x00\x10tex\\Wood.PNG\x00C:\\abs\\b.jpg\x00";
        assert_eq!(
            references(InputKind::Fbx, fbx, false),
            ["tex/Wood.PNG", "Wood.PNG", "b.jpg"]
        );
    }
}
