//! Removing blobs from a layout directory that other processes may be using at the same time
//! (pruning the cache): the removal runs under the layout lock, so it never interleaves with
//! an `index.json` update or with another removal, and afterwards `index.json` drops the
//! entries whose blobs are gone. Blob writers do not need the lock: they write into `ingest/`
//! and rename a verified file into place, so a removal only ever sees whole blobs.

use std::path::Path;

use super::files::{validate_layout_file, with_lock, write_atomic};
use super::{
    INDEX_FILE, LAYOUT_FILE, MAX_INDEX, MAX_LAYOUT_FILE, OciLayout, invalid_layout,
    layout_read_error, parse_index, read_bounded,
};
use crate::error::{IoContext, Result};

/// Whether `root` has an `oci-layout` file (of any content).
pub(crate) fn has_layout_file(root: &Path) -> Result<bool> {
    let path = root.join(LAYOUT_FILE);
    path.try_exists().ctx(path.display())
}

/// Checks that `root` is an OCI layout directory (its `oci-layout` file is there and valid),
/// so that nothing is removed from a directory that is not one.
pub(crate) fn check_layout_dir(root: &Path) -> Result<()> {
    let raw = match read_bounded(&root.join(LAYOUT_FILE), MAX_LAYOUT_FILE) {
        Ok(raw) => raw,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(invalid_layout(format!(
                "{} has no {LAYOUT_FILE} file",
                root.display()
            )));
        }
        Err(e) => return Err(layout_read_error(e)),
    };
    validate_layout_file(&raw)
}

/// Runs `remove` (which deletes blob files of the layout at `root`) holding the layout lock,
/// then drops the `index.json` entries whose blob files no longer exist. Blocking.
pub(crate) fn evict_locked<T>(root: &Path, remove: impl FnOnce() -> Result<T>) -> Result<T> {
    check_layout_dir(root)?;
    with_lock(root, || {
        let out = remove()?;
        drop_missing_entries(root)?;
        Ok(out)
    })
}

/// Rewrites `index.json` without the entries whose blobs are missing (the caller holds the
/// lock). A layout without `index.json` is left as it is.
fn drop_missing_entries(root: &Path) -> Result<()> {
    let path = root.join(INDEX_FILE);
    let mut index = match read_bounded(&path, MAX_INDEX) {
        Ok(raw) => parse_index(&raw, &path)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(layout_read_error(e)),
    };
    let before = index.manifests.len();
    index
        .manifests
        .retain(|d| root.join(OciLayout::blob_name(&d.digest)).is_file());
    if index.manifests.len() == before {
        return Ok(());
    }
    write_atomic(root, INDEX_FILE, &oras_spec::gojson::to_vec(&index))
}
