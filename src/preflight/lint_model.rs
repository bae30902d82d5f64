//! The model, read as cheaply as its format allows, and the files it refers to: where the service would
//! find each (glTF buffers and images, FBX textures), and the PLY header's documented requirements.

use crate::error::Result;

use super::blob::{Container, Listing};
use super::check::{extension, file_name};
use super::lint::{human_bytes, parent};
use super::references::{self, Kind, Reference};
use super::{Finding, Severity};

/// Reads the references of the model (as far as cheaply possible) and says where each leads.
pub(super) async fn read_references(
    container: &Container,
    findings: &mut Vec<Finding>,
    listing: &Listing,
    input_blob: &str,
    size: u64,
    scan_bytes: u64,
) -> Result<()> {
    let partly = |findings: &mut Vec<Finding>, what: &str| {
        findings.push(Finding::new(
            Severity::Info,
            "not-scanned",
            input_blob,
            "",
            format!(
                "{what} is larger than the {} scanned; references past that were not checked",
                human_bytes(scan_bytes)
            ),
        ))
    };
    let dir = parent(input_blob);
    match extension(input_blob).as_deref() {
        Some("gltf") => {
            if size > scan_bytes {
                partly(findings, "the glTF");
                return Ok(());
            }
            let Some(json) = container.read(input_blob, None).await? else {
                return Ok(());
            };
            match references::gltf(&json) {
                Ok(refs) => resolve_all(findings, listing, input_blob, dir, &refs, true, false),
                Err(why) => findings.push(Finding::new(Severity::Error, "input-unreadable", input_blob, "", why)),
            }
        }
        Some("glb") => {
            let Some(head) = container.read(input_blob, Some(20)).await? else {
                return Ok(());
            };
            match references::glb_json_chunk(&head) {
                Ok((_, length)) if length > scan_bytes => partly(findings, "the GLB's JSON"),
                Ok((offset, length)) => {
                    let Some(json) = container.read_range(input_blob, offset, Some(length)).await? else {
                        return Ok(());
                    };
                    match references::gltf(&json) {
                        Ok(refs) => resolve_all(findings, listing, input_blob, dir, &refs, true, false),
                        Err(why) => {
                            findings.push(Finding::new(Severity::Error, "input-unreadable", input_blob, "", why))
                        }
                    }
                }
                Err(why) => findings.push(Finding::new(Severity::Error, "input-unreadable", input_blob, "", why)),
            }
        }
        Some("fbx") => {
            let Some(bytes) = container.read(input_blob, Some(scan_bytes.min(size))).await? else {
                return Ok(());
            };
            if size > scan_bytes {
                partly(findings, "the FBX");
            }
            let scan = references::fbx(&bytes);
            resolve_all(
                findings,
                listing,
                input_blob,
                dir,
                &scan.references,
                false,
                scan.embedded_media,
            );
        }
        Some("ply") => {
            let Some(head) = container.read(input_blob, Some(1024)).await? else {
                return Ok(());
            };
            if let Some(why) = ply_trouble(&head) {
                findings.push(Finding::new(Severity::Error, "input-format", input_blob, "", why));
            }
        }
        _ => {}
    }
    Ok(())
}

/// The documented PLY requirements readable from the header: binary little-endian, no faces.
fn ply_trouble(head: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(head);
    if !text.starts_with("ply") {
        return Some("not a PLY file (no \"ply\" header)".into());
    }
    let header = text.split("end_header").next().unwrap_or_default();
    if !header.lines().any(|l| l.trim() == "format binary_little_endian 1.0") {
        return Some("only binary PLY (format binary_little_endian 1.0) is converted".into());
    }
    let faces = header.lines().any(|l| {
        let mut words = l.split_whitespace();
        words.next() == Some("element")
            && words.next() == Some("face")
            && words.next().and_then(|n| n.parse::<u64>().ok()).is_some_and(|n| n > 0)
    });
    faces.then(|| "has faces: PLY input must be a point cloud (no triangles)".into())
}

/// Says, for each reference, whether and how the service would find it. `certain`: the references were
/// parsed (glTF), not guessed (FBX scan), so a missing one is an error.
fn resolve_all(
    findings: &mut Vec<Finding>,
    listing: &Listing,
    input_blob: &str,
    dir: &str,
    refs: &[Reference],
    certain: bool,
    embedded_media: bool,
) {
    let exists = |name: &str| listing.blobs.contains_key(name);
    // An FBX stores a texture twice (FileName, often absolute, and RelativeFilename): one finding per
    // file name, found if any of its paths leads to a file.
    let mut groups: Vec<(String, Vec<&Reference>)> = Vec::new();
    for reference in refs {
        let key = if certain {
            reference.pointer.clone()
        } else {
            file_name(&reference.path.replace('\\', "/")).to_lowercase()
        };
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, members)) => members.push(reference),
            None => groups.push((key, vec![reference])),
        }
    }
    for (_, members) in groups {
        let outcomes: Vec<(&Reference, Option<(String, bool)>)> = members
            .iter()
            .map(|r| (*r, references::resolve(&r.path, dir, exists)))
            .collect();
        let direct = outcomes
            .iter()
            .any(|(r, found)| !references::is_absolute(&r.path) && found.as_ref().is_some_and(|(_, whole)| *whole));
        if direct {
            continue;
        }
        let first = members[0];
        let what = match first.kind {
            Kind::Buffer => "buffer",
            Kind::Image => "texture",
        };
        if let Some((reference, Some((blob, _)))) = outcomes.iter().find(|(_, found)| found.is_some()) {
            let (rule, how) = if references::is_absolute(&reference.path) {
                ("reference-absolute", "is an absolute path")
            } else {
                ("reference-suffix", "does not lead to a file from the model's folder")
            };
            findings.push(Finding::new(
                Severity::Warning,
                rule,
                input_blob,
                &reference.pointer,
                format!(
                    "{what} \"{}\" {how}; the service will use \"{blob}\", found by the longest ending of the path \
                     (store it relative to the model to be sure)",
                    reference.path
                ),
            ));
            continue;
        }
        let absolute = members.iter().any(|r| references::is_absolute(&r.path));
        let consequence = match first.kind {
            Kind::Buffer => "the conversion fails without it",
            Kind::Image => "the model would convert without it",
        };
        let (severity, doubt) = match (certain, embedded_media) {
            (true, _) => (Severity::Error, ""),
            (false, true) => (Severity::Warning, " unless the FBX embeds it (it embeds some media)"),
            (false, false) => (
                Severity::Warning,
                " (found by scanning the FBX; check it is a texture it uses)",
            ),
        };
        let paths: Vec<&str> = members.iter().map(|r| r.path.as_str()).collect();
        findings.push(Finding::new(
            severity,
            if absolute {
                "reference-absolute"
            } else {
                "reference-missing"
            },
            input_blob,
            &first.pointer,
            format!(
                "{what} \"{}\" {}: no ending of it names a file under the prefix, so {consequence}{doubt}; \
                 upload it beside the model and store the path relative to the model",
                paths.join("\" / \""),
                if absolute {
                    "is an absolute path that is not found"
                } else {
                    "is not found"
                },
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::preflight::lint::tests::{listing, rules};

    #[test]
    fn gltf_references_absolute_outside_and_missing() {
        let l = listing(&[
            ("m/box.gltf", 1),
            ("m/box.bin", 1),
            ("m/tex/wood.png", 1),
            ("m/stone.png", 1),
            ("other/metal.png", 1),
        ]);
        let refs = references::gltf(
            br#"{"buffers":[{"uri":"box.bin"},{"uri":"gone.bin"}],"images":[{"uri":"tex/wood.png"},
            {"uri":"C:/art/stone.png"},{"uri":"file:///C:/art/none.png"},{"uri":"../other/metal.png"}]}"#,
        )
        .unwrap();
        let mut findings = Vec::new();
        resolve_all(&mut findings, &l, "m/box.gltf", "m/", &refs, true, false);
        let got: Vec<(&str, &str, Severity)> = findings.iter().map(|f| (f.rule, f.path.as_str(), f.severity)).collect();
        assert_eq!(
            got,
            [
                ("reference-missing", "/buffers/1/uri", Severity::Error),
                ("reference-absolute", "/images/1/uri", Severity::Warning),
                ("reference-absolute", "/images/2/uri", Severity::Error),
            ],
            "{findings:#?}"
        );
        // ../other/metal.png is outside the model's folder but under the container root the listing
        // covers: with a prefix "m/" the listing would not hold it, and it would be missing.
        let under_prefix = listing(&[("m/box.gltf", 1)]);
        let mut findings = Vec::new();
        resolve_all(
            &mut findings,
            &under_prefix,
            "m/box.gltf",
            "m/",
            &refs[5..],
            true,
            false,
        );
        assert_eq!(rules(&findings), [("reference-missing", Severity::Error)]);
    }

    #[test]
    fn fbx_paths_are_grouped_by_file_name() {
        let l = listing(&[("m/car.fbx", 1), ("m/tex/paint.png", 1)]);
        let refs: Vec<Reference> = ["C:\\art\\tex\\paint.png", "tex\\paint.png", "D:\\x\\decal.tga"]
            .iter()
            .map(|p| Reference {
                kind: Kind::Image,
                pointer: String::new(),
                path: p.to_string(),
            })
            .collect();
        let mut findings = Vec::new();
        resolve_all(&mut findings, &l, "m/car.fbx", "m/", &refs, false, false);
        assert_eq!(rules(&findings), [("reference-absolute", Severity::Warning)]);
        assert!(findings[0].message.contains("decal.tga"));
    }

    #[test]
    fn ply_headers() {
        assert_eq!(
            ply_trouble(b"ply\nformat binary_little_endian 1.0\nelement vertex 3\nend_header\n"),
            None
        );
        assert!(ply_trouble(b"ply\nformat ascii 1.0\nend_header\n")
            .unwrap()
            .contains("binary"));
        assert!(
            ply_trouble(b"ply\nformat binary_little_endian 1.0\nelement face 2\nend_header\n")
                .unwrap()
                .contains("faces")
        );
    }
}
