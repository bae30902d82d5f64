//! A conversion's scratch directory: made under the configured work directory, removed with everything
//! in it when the conversion ends (dropped), however it ends.

use std::path::{Path, PathBuf};

pub(super) struct Scratch {
    root: PathBuf,
}

impl Scratch {
    pub(super) fn new(parent: &Path) -> std::io::Result<Scratch> {
        let root = parent.join(format!("arr-emulator-conversion-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(root.join("input"))?;
        Ok(Scratch { root })
    }

    /// The folder the input and the files it refers to are downloaded into (and the converted files
    /// written beside, so that their relative references resolve).
    pub(super) fn input_dir(&self) -> PathBuf {
        self.root.join("input")
    }

    /// `relative` (already made safe) under the input folder, its parent folders created.
    pub(super) fn input_file(&self, relative: &str) -> std::io::Result<PathBuf> {
        let path = self.input_dir().join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        Ok(path)
    }

    /// A file of the pipeline's own (`arr-emulator-NAME`), beside the input so that the references a
    /// converted file keeps resolve as they did from the input.
    pub(super) fn work_file(&self, name: &str) -> PathBuf {
        self.input_dir().join(format!("arr-emulator-{name}"))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}
