//! The simulated file system: directories, files (bytes), owners and DACLs; `icacls`, `takeown`.
//!
//! Each node keeps only its explicit ACEs and whether its DACL is protected; inherited ACEs are
//! computed from the parent chain whenever they are read, so a change on a folder reaches every
//! descendant at once, as NTFS propagation does. The state work uses the file API for redirection
//! (`>`, `>>`), `type`, `md`, `del`, `reg export`.

pub mod acl;
mod baseline;
pub mod host;
mod icacls;
pub mod names;
pub mod path;
mod takeown;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use self::acl::{sid, Ace};
pub use self::baseline::{
    AclSpec, FileSpec, FsSpec, FsSpecError, DELETED_ACCOUNT, MACHINE_KEYS, RDP_KEY_HASH,
};
pub use self::icacls::{decode_utf16le as decode_text, icacls};
pub use self::takeown::takeown;

/// A directory or file with its security descriptor.
#[derive(Debug, Clone, Serialize)]
pub struct Node {
    /// Canonical path with the case it was created with, e.g. `C:\temp\a.txt`.
    pub path: String,
    pub dir: bool,
    pub data: Vec<u8>,
    /// Owner SID.
    pub owner: String,
    /// DACL protected from inheritance (`D:P`).
    pub protected: bool,
    /// Explicit ACEs in canonical order.
    pub explicit: Vec<Ace>,
}

/// Files, directories and their ACLs. Paths compare case-insensitively.
///
/// A scenario's `[filesystem]` section is an [`FsSpec`]: the Windows Server 2019 baseline plus the
/// differences it states.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "FsSpec")]
pub struct FileSystem {
    nodes: BTreeMap<String, Node>,
    /// The machine's account-domain SID (`S-1-5-21-a-b-c`), prefix of local user SIDs.
    pub machine_sid: String,
    /// `HKLM\SOFTWARE\Microsoft\Cryptography\MachineGuid`: the suffix of key container names.
    pub machine_guid: String,
    /// Local users as (name, RID).
    pub users: Vec<(String, u32)>,
    /// `icacls /save` starts its file with a UTF-16 byte order mark (see [`FsSpec`]).
    pub icacls_save_bom: bool,
}

impl Default for FileSystem {
    fn default() -> Self {
        FileSystem::try_from(FsSpec::default())
            .unwrap_or_else(|_| FileSystem::empty(baseline::DEFAULT_MACHINE_SID, ""))
    }
}

/// Why a file operation failed, with the message Windows prints.
pub const NOT_FOUND: &str = "The system cannot find the file specified.";
pub const PATH_NOT_FOUND: &str = "The system cannot find the path specified.";
pub const ACCESS_DENIED: &str = "Access is denied.";

/// Why a file operation failed; the message is the one Windows prints.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FsError {
    #[error("{NOT_FOUND}")]
    NotFound,
    #[error("{PATH_NOT_FOUND}")]
    PathNotFound,
    #[error("{ACCESS_DENIED}")]
    AccessDenied,
    /// `md` of a path that exists, as typed.
    #[error("A subdirectory or file {0} already exists.")]
    Exists(String),
    #[error("The directory is not empty.")]
    NotEmpty,
}

impl FileSystem {
    /// An empty file system (no drives) with the given identity.
    pub(crate) fn empty(machine_sid: &str, machine_guid: &str) -> FileSystem {
        FileSystem {
            nodes: BTreeMap::new(),
            machine_sid: machine_sid.to_string(),
            machine_guid: machine_guid.to_string(),
            users: vec![("Administrator".into(), 500)],
            icacls_save_bom: false,
        }
    }

    /// The canonical path for `p` (absolute; relative paths resolve against `C:\Windows\system32`).
    fn canon(p: &str) -> Option<String> {
        path::resolve("C:\\Windows\\system32", p).ok()
    }

    pub fn node(&self, p: &str) -> Option<&Node> {
        self.nodes.get(&path::key(&Self::canon(p)?))
    }

    pub(crate) fn node_mut(&mut self, p: &str) -> Option<&mut Node> {
        self.nodes.get_mut(&path::key(&Self::canon(p)?))
    }

    /// The contents of a file, `None` when it does not exist or is a directory.
    pub fn read_file(&self, p: &str) -> Option<Vec<u8>> {
        self.node(p).filter(|n| !n.dir).map(|n| n.data.clone())
    }

    /// Writes (or appends to) a file; the parent directory must exist. A new file inherits its
    /// ACL from the folder and is owned by Administrators (an elevated administrator creates it).
    pub fn write_file(&mut self, p: &str, bytes: &[u8], append: bool) -> Result<(), FsError> {
        let c = Self::canon(p).ok_or(FsError::PathNotFound)?;
        if let Some(n) = self.nodes.get_mut(&path::key(&c)) {
            if n.dir {
                return Err(FsError::AccessDenied);
            }
            if append {
                n.data.extend_from_slice(bytes);
            } else {
                n.data = bytes.to_vec();
            }
            return Ok(());
        }
        let parent = path::parent(&c).ok_or(FsError::AccessDenied)?;
        if !self.is_dir(&parent) {
            return Err(FsError::PathNotFound);
        }
        self.insert(&c, false, bytes.to_vec(), sid::ADMINISTRATORS);
        Ok(())
    }

    /// Creates a directory and its missing parents (as `md` does); fails when it already exists.
    pub fn mkdir(&mut self, p: &str) -> Result<(), FsError> {
        let c = Self::canon(p).ok_or(FsError::PathNotFound)?;
        if self.exists(&c) {
            return Err(FsError::Exists(p.to_string()));
        }
        self.mkdir_all(&c, sid::ADMINISTRATORS)
    }

    /// Creates `c` and any missing parents, owned by `owner`; the drive must exist.
    pub(crate) fn mkdir_all(&mut self, c: &str, owner: &str) -> Result<(), FsError> {
        if self.is_dir(c) {
            return Ok(());
        }
        let parent = path::parent(c).ok_or(FsError::PathNotFound)?;
        if !self.exists(&parent) {
            self.mkdir_all(&parent, owner)?;
        } else if !self.is_dir(&parent) {
            return Err(FsError::PathNotFound);
        }
        self.insert(c, true, Vec::new(), owner);
        Ok(())
    }

    pub fn exists(&self, p: &str) -> bool {
        self.node(p).is_some()
    }

    pub fn is_dir(&self, p: &str) -> bool {
        self.node(p).is_some_and(|n| n.dir)
    }

    /// Deletes a file (or an empty directory).
    pub fn delete(&mut self, p: &str) -> Result<(), FsError> {
        let c = Self::canon(p).ok_or(FsError::NotFound)?;
        match self.nodes.get(&path::key(&c)) {
            None => return Err(FsError::NotFound),
            Some(n) if n.dir && !self.children(&c).is_empty() => return Err(FsError::NotEmpty),
            Some(n) if path::parent(&n.path).is_none() => return Err(FsError::AccessDenied),
            Some(_) => {}
        }
        self.nodes.remove(&path::key(&c));
        Ok(())
    }

    /// Direct children of a directory, in name order.
    pub fn children(&self, p: &str) -> Vec<&Node> {
        let Some(c) = Self::canon(p) else { return Vec::new() };
        let k = path::key(&c);
        let prefix = if k.ends_with('\\') { k.clone() } else { format!("{k}\\") };
        self.nodes
            .range(prefix.clone()..)
            .take_while(|(key, _)| key.starts_with(&prefix))
            .filter(|(key, _)| key.len() > prefix.len())
            .filter(|(key, _)| !key[prefix.len()..].contains('\\'))
            .map(|(_, n)| n)
            .collect()
    }

    /// The node and all its descendants, parents before children.
    pub fn subtree(&self, p: &str) -> Vec<&Node> {
        let Some(c) = Self::canon(p) else { return Vec::new() };
        let k = path::key(&c);
        let prefix = if k.ends_with('\\') { k.clone() } else { format!("{k}\\") };
        let mut out: Vec<&Node> = self.nodes.get(&k).into_iter().collect();
        out.extend(
            self.nodes
                .range(prefix.clone()..)
                .take_while(|(key, _)| key.starts_with(&prefix))
                .filter(|(key, _)| key.len() > prefix.len())
                .map(|(_, n)| n),
        );
        out
    }

    /// Adds a node with no explicit ACEs (everything inherited).
    pub(crate) fn insert(&mut self, c: &str, dir: bool, data: Vec<u8>, owner: &str) {
        self.nodes.insert(
            path::key(c),
            Node {
                path: c.to_string(),
                dir,
                data,
                owner: owner.to_string(),
                protected: false,
                explicit: Vec::new(),
            },
        );
    }

    /// The effective DACL of a node: its explicit ACEs, then (unless protected) what it inherits.
    pub fn dacl(&self, p: &str) -> Vec<Ace> {
        let Some(n) = self.node(p) else { return Vec::new() };
        let mut aces = n.explicit.clone();
        if !n.protected {
            if let Some(parent) = path::parent(&n.path) {
                let from = self.dacl(&parent);
                aces.extend(inherit(&from, n.dir, &n.owner));
            }
        }
        acl::canonical(&mut aces);
        aces
    }

    /// Local account names for display and lookup.
    pub fn principals(&self, computer: &str) -> names::Principals {
        names::Principals {
            computer: computer.to_string(),
            machine_sid: self.machine_sid.clone(),
            users: self.users.clone(),
        }
    }

    /// Makes sure a user profile (`C:\Users\<user>\AppData\Local\Temp`, the `%TEMP%` of that user)
    /// exists, with the profile ACL Windows gives it (SYSTEM, Administrators and the user: full).
    pub fn ensure_profile(&mut self, user: &str) {
        let rid = match self.users.iter().find(|(n, _)| n.eq_ignore_ascii_case(user)) {
            Some((_, r)) => *r,
            None => {
                let next =
                    self.users.iter().map(|(_, r)| *r).filter(|r| *r >= 1000).max().unwrap_or(999)
                        + 1;
                self.users.push((user.to_string(), next));
                next
            }
        };
        let user_sid = format!("{}-{rid}", self.machine_sid);
        let profile = format!("C:\\Users\\{user}");
        if !self.is_dir(&profile) {
            if self.mkdir_all(&profile, &user_sid).is_err() {
                return;
            }
            if let Some(n) = self.node_mut(&profile) {
                n.protected = true;
                n.explicit = vec![
                    Ace::allow(sid::SYSTEM, acl::mask::FULL).oici(),
                    Ace::allow(sid::ADMINISTRATORS, acl::mask::FULL).oici(),
                    Ace::allow(&user_sid, acl::mask::FULL).oici(),
                ];
            }
        }
        let _ = self.mkdir_all(&format!("{profile}\\AppData\\Local\\Temp"), &user_sid);
    }
}

/// The ACEs a child inherits from its parent's effective DACL.
///
/// GUESS: a container splits an inherited ACE into an effective ACE and an inherit-only copy when the
/// parent ACE was inherit-only for both files and folders, or names CREATOR OWNER (whose effective
/// copy names the child's owner). This reproduces `Authenticated Users:(I)(M)` +
/// `Authenticated Users:(I)(OI)(CI)(IO)(M)` on a new folder under `C:\` as Windows shows it.
fn inherit(parent: &[Ace], child_dir: bool, owner: &str) -> Vec<Ace> {
    let mut out = Vec::new();
    for a in parent.iter().filter(|a| a.oi || a.ci) {
        let creator = a.sid.eq_ignore_ascii_case(sid::CREATOR_OWNER);
        let effective = |a: &Ace| Ace {
            sid: if creator { owner.to_string() } else { a.sid.clone() },
            oi: false,
            ci: false,
            np: false,
            io: false,
            inherited: true,
            ..a.clone()
        };
        if !child_dir {
            if a.oi {
                out.push(effective(a));
            }
            continue;
        }
        if a.ci {
            if a.np {
                out.push(effective(a));
            } else if creator || (a.io && a.oi) {
                out.push(effective(a));
                out.push(Ace { inherited: true, io: true, ..a.clone() });
            } else {
                out.push(Ace { inherited: true, io: false, ..a.clone() });
            }
        } else if a.oi && !a.np {
            out.push(Ace { inherited: true, io: true, ..a.clone() });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_api_round_trip() {
        let mut fs = FileSystem::default();
        assert!(fs.write_file("C:\\nope\\x.txt", b"a", false).is_err());
        fs.mkdir("C:\\Temp\\sub").unwrap();
        assert!(fs.is_dir("c:\\temp"));
        fs.write_file("c:\\temp\\sub\\A.txt", b"one", false).unwrap();
        fs.write_file("C:\\TEMP\\SUB\\a.TXT", b"two", true).unwrap();
        assert_eq!(fs.read_file("c:/temp/sub/a.txt").unwrap(), b"onetwo");
        assert!(fs.delete("c:\\temp\\sub").is_err());
        fs.delete("c:\\temp\\sub\\a.txt").unwrap();
        assert!(!fs.exists("c:\\temp\\sub\\a.txt"));
        assert!(fs.mkdir("c:\\temp").is_err());
    }

    #[test]
    fn new_folder_inherits_from_root() {
        let mut fs = FileSystem::default();
        fs.mkdir("C:\\newdir").unwrap();
        let d = fs.dacl("C:\\newdir");
        assert!(d.iter().all(|a| a.inherited));
        assert!(d.iter().any(|a| a.sid == sid::SYSTEM && a.oi && a.ci));
        fs.write_file("C:\\newdir\\f.txt", b"", false).unwrap();
        let f = fs.dacl("C:\\newdir\\f.txt");
        assert!(f.iter().all(|a| a.inherited && !a.oi && !a.ci));
    }
}
