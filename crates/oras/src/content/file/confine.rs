//! Paths that come from an artifact, kept inside a directory on disk.
//!
//! A name is first cleaned lexically (`a/./b/../c` → `a/c`) and must stay below the root. Then,
//! before anything is written, every component that exists is looked at on disk (`lstat`): a
//! symbolic link on the way is refused (it could lead anywhere), and missing directories are
//! created one at a time, so no step ever goes through a link. The target of a link is resolved
//! against what is on disk, following the links that exist, so a chain of links that each look
//! harmless (`up -> ..`, `e0 -> up/..`) cannot lead out either.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

use crate::error::{Error, ErrorKind, Result};

/// Links followed while resolving one path before it counts as a loop (Linux's limit).
const MAX_LINK_HOPS: usize = 40;

/// `path` with `.` removed and `..` applied lexically (a leading `..` is kept).
pub(crate) fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() || out.as_os_str().is_empty() && path.is_absolute() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Whether `rel` stays inside its base once `.` and `..` are resolved lexically.
pub(crate) fn stays_inside(rel: &Path) -> bool {
    if rel.is_absolute() {
        return false;
    }
    let mut depth: i64 = 0;
    for c in rel.components() {
        match c {
            Component::ParentDir => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            Component::Normal(_) => depth += 1,
            _ => {}
        }
    }
    true
}

/// `lstat`, with a missing path as `None`.
pub(crate) fn lstat(path: &Path) -> Result<Option<fs::Metadata>> {
    match fs::symlink_metadata(path) {
        Ok(m) => Ok(Some(m)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::from(e).context(path.display())),
    }
}

/// A directory that writes are kept inside.
pub(crate) struct Confined {
    root: PathBuf,
}

impl Confined {
    /// Writes below `root` (which must exist and is trusted: the caller chose it).
    pub(crate) fn new(root: impl Into<PathBuf>) -> Confined {
        Confined { root: root.into() }
    }

    /// The directory writes are kept in.
    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

    /// Creates the missing directories among the parents of `rel` (a clean relative path,
    /// see [`normalize`]) one at a time, refusing a component that is a symbolic link or not a
    /// directory; returns `root/rel`. `refuse` builds the error for a link on the way.
    pub(crate) fn prepare_parents(
        &self,
        rel: &Path,
        refuse: impl Fn(&Path) -> Error,
    ) -> Result<PathBuf> {
        let mut cur = self.root.clone();
        let parts: Vec<_> = rel.components().collect();
        for c in parts.iter().take(parts.len().saturating_sub(1)) {
            cur.push(c.as_os_str());
            self.ensure_real_dir(&cur, &refuse)?;
        }
        Ok(self.root.join(rel))
    }

    /// Makes `dir` a directory that is not a link: creates it when missing, refuses a link.
    pub(crate) fn ensure_real_dir(
        &self,
        dir: &Path,
        refuse: impl Fn(&Path) -> Error,
    ) -> Result<()> {
        match lstat(dir)? {
            Some(m) if m.file_type().is_symlink() => Err(refuse(dir)),
            Some(m) if m.is_dir() => Ok(()),
            Some(_) => Err(Error::new(
                ErrorKind::Conflict,
                format!("{}: exists and is not a directory", dir.display()),
            )),
            None => match fs::create_dir(dir) {
                Ok(()) => Ok(()),
                // created meanwhile (by another layer's directory): look again
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => match lstat(dir)? {
                    Some(m) if m.is_dir() && !m.file_type().is_symlink() => Ok(()),
                    _ => Err(refuse(dir)),
                },
                Err(e) => {
                    Err(Error::from(e).context(format!("failed to create {}", dir.display())))
                }
            },
        }
    }

    /// Checks that every existing parent of `rel` below the root is a real directory and
    /// `rel` itself is a regular file (what a hard link may point at).
    pub(crate) fn check_regular_file(
        &self,
        rel: &Path,
        refuse: impl Fn(&Path) -> Error,
    ) -> Result<PathBuf> {
        let mut cur = self.root.clone();
        let parts: Vec<_> = rel.components().collect();
        for (i, c) in parts.iter().enumerate() {
            cur.push(c.as_os_str());
            let last = i + 1 == parts.len();
            match lstat(&cur)? {
                Some(m) if m.file_type().is_symlink() => return Err(refuse(&cur)),
                Some(m) if last && m.is_file() => {}
                Some(m) if !last && m.is_dir() => {}
                _ => {
                    return Err(Error::new(
                        ErrorKind::InvalidInput,
                        format!("{}: not a regular file", cur.display()),
                    ));
                }
            }
        }
        Ok(cur)
    }

    /// Where a symbolic link at `rel` (clean, relative) with the text `target` leads, relative
    /// to the root, following the links that exist on disk. `None` when it leaves the root,
    /// is absolute, or loops. Past a component that is missing (or a file) the rest is applied
    /// lexically, so a link that would lead out once the missing part exists is refused too.
    pub(crate) fn resolve_link(&self, rel: &Path, target: &Path) -> Option<PathBuf> {
        let mut at: Vec<OsString> = rel
            .parent()
            .into_iter()
            .flat_map(|p| p.components())
            .map(|c| c.as_os_str().to_os_string())
            .collect();
        let mut pending: VecDeque<OsString> = VecDeque::new();
        push_front_components(&mut pending, target)?;
        let mut hops = 0;
        while let Some(part) = pending.pop_front() {
            match part.to_str() {
                Some(".") => continue,
                Some("..") => {
                    at.pop()?;
                    continue;
                }
                _ => {}
            }
            at.push(part);
            let here: PathBuf = at.iter().fold(self.root.clone(), |p, c| p.join(c));
            match fs::symlink_metadata(&here) {
                Ok(m) if m.file_type().is_symlink() => {
                    hops += 1;
                    if hops > MAX_LINK_HOPS {
                        return None;
                    }
                    let next = fs::read_link(&here).ok()?;
                    at.pop();
                    push_front_components(&mut pending, &next)?;
                }
                _ => {}
            }
        }
        Some(at.iter().collect())
    }
}

/// Puts the components of a relative `path` (as `.`, `..` or names) in front of `queue`;
/// `None` for an absolute path.
fn push_front_components(queue: &mut VecDeque<OsString>, path: &Path) -> Option<()> {
    let mut parts = Vec::new();
    for c in path.components() {
        match c {
            Component::Prefix(_) | Component::RootDir => return None,
            Component::CurDir => parts.push(OsString::from(".")),
            Component::ParentDir => parts.push(OsString::from("..")),
            Component::Normal(n) => parts.push(n.to_os_string()),
        }
    }
    for p in parts.into_iter().rev() {
        queue.push_front(p);
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn chains_of_links_are_resolved_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        fs::create_dir_all(root.join("a")).unwrap();
        let c = Confined::new(&root);
        symlink("..", root.join("a/up")).unwrap();
        assert_eq!(
            c.resolve_link(Path::new("a/up"), Path::new("..")),
            Some(PathBuf::new())
        );
        // lexically `a/up/..` is `a`; on disk it is the root's parent
        assert_eq!(c.resolve_link(Path::new("a/e0"), Path::new("up/..")), None);
        assert_eq!(c.resolve_link(Path::new("a/x"), Path::new("/etc")), None);
        assert_eq!(
            c.resolve_link(Path::new("a/x"), Path::new("missing/../..")),
            Some(PathBuf::new())
        );
        assert_eq!(
            c.resolve_link(Path::new("a/x"), Path::new("missing/../../..")),
            None
        );
        symlink("loop", root.join("loop")).unwrap();
        assert_eq!(c.resolve_link(Path::new("x"), Path::new("loop")), None);
    }

    #[test]
    fn parents_through_a_link_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        fs::create_dir_all(&root).unwrap();
        symlink(dir.path(), root.join("out")).unwrap();
        let c = Confined::new(&root);
        let refuse = |p: &Path| Error::new(ErrorKind::PathTraversal, p.display().to_string());
        let e = c
            .prepare_parents(Path::new("out/new/file"), refuse)
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::PathTraversal);
        assert!(!dir.path().join("new").exists());
        let p = c
            .prepare_parents(Path::new("in/deeper/file"), refuse)
            .unwrap();
        assert!(root.join("in/deeper").is_dir());
        assert_eq!(p, root.join("in/deeper/file"));
    }
}
