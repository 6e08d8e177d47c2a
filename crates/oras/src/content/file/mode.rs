//! File modes of single-file layers ([`FileStoreOptions::preserve_permissions`]): recorded
//! from an added file into its descriptor's [`annotations::FILE_MODE`], and turned back into
//! the mode a written file gets. The value is the file's permission bits (set-user-ID,
//! set-group-ID and sticky included) as four octal digits, `0755`; what is applied is only
//! the read, write and execute bits minus the umask, the rule directory layers follow.
//!
//! [`FileStoreOptions::preserve_permissions`]: super::FileStoreOptions::preserve_permissions

use std::fs;
use std::os::unix::fs::MetadataExt;

use oras_spec::{Descriptor, annotations};

use crate::error::{Error, Result};

/// The mode annotation's value for a file: its permission bits, `0755`.
pub(super) fn record(meta: &fs::Metadata) -> String {
    format!("{:04o}", meta.mode() & 0o7777)
}

/// The recorded mode of `desc`, if it has one; a value that is not one to four octal digits
/// (a mode up to `7777`) is an [`crate::ErrorKind::InvalidInput`] error naming the file.
pub(super) fn recorded(desc: &Descriptor) -> Result<Option<u32>> {
    let Some(value) = desc.annotations.get(annotations::FILE_MODE) else {
        return Ok(None);
    };
    let octal =
        !value.is_empty() && value.len() <= 4 && value.bytes().all(|b| (b'0'..=b'7').contains(&b));
    match u32::from_str_radix(value, 8) {
        Ok(mode) if octal => Ok(Some(mode)),
        _ => Err(Error::invalid(format!(
            "{}: invalid {} annotation {value:?}: want an octal file mode such as 0644",
            desc.title().unwrap_or_default(),
            annotations::FILE_MODE
        ))),
    }
}

/// The mode a written file gets for a recorded one: read, write and execute bits only (no
/// set-user-ID, set-group-ID or sticky bit from an artifact), minus `umask`.
pub(super) fn applied(recorded: u32, umask: u32) -> u32 {
    recorded & 0o777 & !umask
}

/// The process umask, read without changing it (Linux `/proc`); 022 when unknown.
pub(super) fn umask() -> u32 {
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Umask:").map(|v| v.trim().to_string()))
        })
        .and_then(|v| u32::from_str_radix(&v, 8).ok())
        .unwrap_or(0o022)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_mode(value: &str) -> Descriptor {
        let mut d = Descriptor::from_bytes("application/vnd.oci.image.layer.v1.tar", b"x");
        d.annotations
            .insert(annotations::TITLE.into(), "run.sh".into());
        d.annotations
            .insert(annotations::FILE_MODE.into(), value.into());
        d
    }

    #[test]
    fn octal_modes_are_read() {
        for (value, mode) in [("0755", 0o755), ("644", 0o644), ("4755", 0o4755), ("0", 0)] {
            assert_eq!(recorded(&with_mode(value)).unwrap(), Some(mode), "{value}");
        }
        let plain = Descriptor::from_bytes("application/vnd.oci.image.layer.v1.tar", b"x");
        assert_eq!(recorded(&plain).unwrap(), None);
    }

    #[test]
    fn anything_else_is_refused_naming_the_file() {
        for value in [
            "",
            "0o755",
            "rwxr-xr-x",
            "0888",
            "17777",
            "-644",
            "+644",
            " 644",
            "๗๕๕",
        ] {
            let e = recorded(&with_mode(value)).unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::InvalidInput, "{value:?}");
            assert!(e.to_string().starts_with("run.sh: invalid "), "{e}");
        }
    }

    #[test]
    fn special_bits_are_dropped_and_the_umask_applies() {
        assert_eq!(applied(0o4755, 0o022), 0o755);
        assert_eq!(applied(0o7777, 0), 0o777);
        assert_eq!(applied(0o1777, 0o027), 0o750);
        assert_eq!(applied(0o600, 0o022), 0o600);
    }
}
