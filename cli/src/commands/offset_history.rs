//! The offsets `group reset-offsets --execute` replaced, kept for `--undo`:
//! one JSON file per cluster and group under kctl's cache directory
//! (`$XDG_CACHE_HOME/kctl/offsets/CLUSTER/GROUP.json`). Only the last change
//! is kept; an undo saves what it replaces too, so a second undo redoes.

use std::path::PathBuf;

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::dynamic_completion::{cache_dir, cluster_file_stem};

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct SavedOffsets {
    pub group: String,
    /// When they were replaced, ms since the epoch.
    pub saved_at_ms: i64,
    pub offsets: Vec<Saved>,
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Saved {
    pub topic: String,
    pub partition: i32,
    /// null: the group had no commit there.
    pub offset: Option<i64>,
}

fn path(bootstrap: &[String], group: &str) -> anyhow::Result<PathBuf> {
    let dir = cache_dir()
        .context("no cache directory: set XDG_CACHE_HOME or HOME")?
        .join("offsets")
        .join(cluster_file_stem(bootstrap));
    // Group names may hold any character; keep the file name safe and
    // distinct (hex of the bytes).
    let name: String = group.bytes().map(|b| format!("{b:02x}")).collect();
    Ok(dir.join(format!("{name}.json")))
}

/// Saves `offsets` as the group's last change; returns the file.
pub(crate) fn save(bootstrap: &[String], offsets: &SavedOffsets) -> anyhow::Result<PathBuf> {
    let path = path(bootstrap, &offsets.group)?;
    let dir = path.parent().expect("the path has a directory");
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    // Written beside and renamed, so a crash never leaves half a file.
    let partial = path.with_extension("json.partial");
    std::fs::write(&partial, serde_json::to_vec_pretty(offsets)?)
        .with_context(|| format!("writing {}", partial.display()))?;
    std::fs::rename(&partial, &path).with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

/// The group's last saved change, if any.
pub(crate) fn load(bootstrap: &[String], group: &str) -> anyhow::Result<Option<SavedOffsets>> {
    let path = path(bootstrap, group)?;
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(anyhow::Error::new(e).context(format!("reading {}", path.display()))),
    };
    let saved: SavedOffsets = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a saved offsets file", path.display()))?;
    Ok(Some(saved))
}
