//! Which converter runs behind the conversion API, and the bounds of the real one.
//!
//! `simulated` (the default) reads the input's first bytes and writes a small text file as the asset, with
//! zero statistics: right for testing a client. `pipeline` converts the input into an optimized glTF
//! binary (GLB) with external tools (Debian's `assimp`, npm's `fbx2gltf` and `@gltf-transform/cli`),
//! each run as a process bounded in time and memory (docs/converter.md).

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

/// The converter profile (`--converter`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ConverterProfile {
    /// Today's simulated conversion: a text asset, zero statistics.
    #[default]
    Simulated,
    /// A real model pipeline: FBX/glTF/GLB/OBJ/PLY in, optimized GLB out.
    Pipeline,
}

impl std::str::FromStr for ConverterProfile {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "simulated" => Ok(ConverterProfile::Simulated),
            "pipeline" => Ok(ConverterProfile::Pipeline),
            other => Err(format!("unknown converter '{other}' (use simulated or pipeline)")),
        }
    }
}

/// The tool that turns FBX into glTF.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FbxConverter {
    /// Debian's `assimp export` (the default: it reads the FBX files the tests write, see docs/converter.md).
    #[default]
    Assimp,
    /// `FBX2glTF` from npm's `fbx2gltf` (Autodesk's FBX SDK inside).
    Fbx2gltf,
}

impl std::str::FromStr for FbxConverter {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "assimp" => Ok(FbxConverter::Assimp),
            "fbx2gltf" => Ok(FbxConverter::Fbx2gltf),
            other => Err(format!("unknown fbxConverter '{other}' (use assimp or fbx2gltf)")),
        }
    }
}

/// How conversions are carried out. Every field has a default; `--converter-config FILE` reads them
/// from JSON (see [`ConverterConfig::from_json`]).
#[derive(Clone, Debug, PartialEq)]
pub struct ConverterConfig {
    /// `simulated` (default) or `pipeline`.
    pub profile: ConverterProfile,
    /// Conversions whose pipeline runs at once; the others wait their turn (still `Running`). Default 2.
    pub workers: usize,
    /// Longest one tool may run before it is killed (with its process group); the conversion then fails.
    /// Default 10 minutes.
    pub tool_timeout: Duration,
    /// Data (heap) limit of one tool process (`prlimit --data`), in bytes. Default 4 GiB.
    pub tool_memory_bytes: u64,
    /// The FBX importer. Default assimp.
    pub fbx_converter: FbxConverter,
    /// Textures larger than this (either side, in pixels) are scaled down. Default 4096.
    pub max_texture_size: u32,
    /// Where the npm tools are installed (`node_modules` inside); default `$ARR_CONVERTER_TOOLS`, else the
    /// workspace's `target/converter-tools` (scripts/converter-tools.sh installs them there).
    pub tools_dir: Option<PathBuf>,
    /// Where each conversion's scratch directory is made (and removed afterwards); default the system
    /// temporary directory.
    pub work_dir: Option<PathBuf>,
}

impl Default for ConverterConfig {
    fn default() -> Self {
        ConverterConfig {
            profile: ConverterProfile::Simulated,
            workers: 2,
            tool_timeout: Duration::from_secs(600),
            tool_memory_bytes: 4 << 30,
            fbx_converter: FbxConverter::Assimp,
            max_texture_size: 4096,
            tools_dir: None,
            work_dir: None,
        }
    }
}

/// The JSON shape of a converter config file; every key optional.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ConverterFile {
    profile: Option<String>,
    workers: Option<usize>,
    tool_timeout: Option<String>,
    tool_memory_mb: Option<u64>,
    fbx_converter: Option<String>,
    max_texture_size: Option<u32>,
    tools_dir: Option<PathBuf>,
    work_dir: Option<PathBuf>,
}

impl ConverterConfig {
    /// Reads a converter config file: a JSON object with any of `profile` (`"simulated"`|`"pipeline"`),
    /// `workers`, `toolTimeout` (`"90s"`, `"10m"`), `toolMemoryMb`, `fbxConverter` (`"assimp"`|`"fbx2gltf"`),
    /// `maxTextureSize`, `toolsDir`, `workDir`. Keys left out keep their defaults; unknown keys are refused.
    pub fn from_json(text: &str) -> Result<ConverterConfig, String> {
        let file: ConverterFile = serde_json::from_str(text).map_err(|e| format!("converter config: {e}"))?;
        let mut config = ConverterConfig::default();
        if let Some(p) = file.profile {
            config.profile = p.parse().map_err(|e| format!("converter config: profile: {e}"))?;
        }
        if let Some(w) = file.workers {
            config.workers = w;
        }
        if let Some(t) = file.tool_timeout {
            config.tool_timeout =
                crate::timefmt::parse_duration(&t).map_err(|e| format!("converter config: toolTimeout: {e}"))?;
        }
        if let Some(mb) = file.tool_memory_mb {
            config.tool_memory_bytes = mb.saturating_mul(1 << 20);
        }
        if let Some(f) = file.fbx_converter {
            config.fbx_converter = f.parse().map_err(|e| format!("converter config: fbxConverter: {e}"))?;
        }
        if let Some(s) = file.max_texture_size {
            config.max_texture_size = s;
        }
        config.tools_dir = file.tools_dir;
        config.work_dir = file.work_dir;
        config.validate()?;
        Ok(config)
    }

    /// Rejects bounds that would make every conversion fail or none run.
    pub(crate) fn validate(&self) -> Result<(), String> {
        if self.workers == 0 {
            return Err("converter workers must be at least 1".into());
        }
        if self.tool_timeout.is_zero() {
            return Err("converter toolTimeout must be more than 0".into());
        }
        if self.tool_memory_bytes < 64 << 20 {
            return Err("converter toolMemoryMb must be at least 64".into());
        }
        if self.max_texture_size == 0 {
            return Err("converter maxTextureSize must be at least 1".into());
        }
        Ok(())
    }

    /// The directory holding the npm tools' `node_modules`.
    pub(crate) fn tools_dir(&self) -> PathBuf {
        if let Some(dir) = &self.tools_dir {
            return dir.clone();
        }
        if let Some(dir) = std::env::var_os("ARR_CONVERTER_TOOLS") {
            return PathBuf::from(dir);
        }
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/converter-tools")
    }

    pub(crate) fn work_dir(&self) -> PathBuf {
        self.work_dir.clone().unwrap_or_else(std::env::temp_dir)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_file_keys_and_refusals() {
        let c = ConverterConfig::from_json(
            r#"{"profile":"pipeline","workers":4,"toolTimeout":"90s","toolMemoryMb":512,"fbxConverter":"fbx2gltf"}"#,
        )
        .unwrap();
        assert_eq!(c.profile, ConverterProfile::Pipeline);
        assert_eq!(
            (c.workers, c.tool_timeout, c.tool_memory_bytes),
            (4, Duration::from_secs(90), 512 << 20)
        );
        assert_eq!(c.fbx_converter, FbxConverter::Fbx2gltf);
        assert_eq!(ConverterConfig::from_json("{}").unwrap(), ConverterConfig::default());
        let bad = |text: &str| ConverterConfig::from_json(text).unwrap_err();
        assert!(
            bad(r#"{"profile":"real"}"#).contains("profile"),
            "{}",
            bad(r#"{"profile":"real"}"#)
        );
        assert!(bad(r#"{"workers":0}"#).contains("workers"));
        assert!(bad(r#"{"toolTimeout":"soon"}"#).contains("toolTimeout"));
        assert!(bad(r#"{"speed":1}"#).contains("speed"));
    }
}
