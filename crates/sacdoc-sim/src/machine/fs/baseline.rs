//! The file system of a fresh Windows Server 2019 Azure VM (the parts the RDP procedure touches),
//! and the `[filesystem]` scenario section that states differences from it.

use serde::{Deserialize, Serialize};

use super::acl::{self, mask, sid, Ace};
use super::{path, FileSystem, FsError};

/// The `[filesystem]` section of a scenario. Every field is optional.
///
/// ```toml
/// [filesystem]
/// users = ["azureuser"]            # profiles C:\Users\<user>\AppData\Local\Temp
/// broken_machinekeys = ["C:"]      # MachineKeys and its key files owned by a deleted account
/// dirs = ['C:\temp']
/// files = [{ path = 'C:\temp\note.txt', text = "hello" }]
/// acls = [{ path = 'C:\ProgramData\Microsoft\Crypto\RSA\MachineKeys', sddl = "O:SYD:P(A;;FA;;;SY)" }]
/// remove = ['C:\ProgramData\Microsoft\Crypto\RSA\MachineKeys\f686aace6942fb7f7ceb231212eef4a4_...']
/// ```
///
/// The broken VM's OS disk on a recovery VM is not stated here: it is the drive of the
/// scenario's `[recovery] disk`, filled in as [`FsSpec::attached_disk`].
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FsSpec {
    /// Account-domain SID of the machine; local users are `<machine_sid>-<rid>`.
    pub machine_sid: Option<String>,
    /// Machine GUID, the suffix of every key container file name in MachineKeys.
    pub machine_guid: Option<String>,
    /// Local users besides Administrator (each gets a profile and a TEMP folder).
    pub users: Vec<String>,
    /// The recovery VM: the drive (`F:`) of the broken VM's attached OS disk, from `[recovery]`.
    #[serde(skip)]
    pub attached_disk: Option<String>,
    /// Drives (`C:`, `F:`) whose MachineKeys folder and key files are owned by a deleted account
    /// that alone has access: Administrators can read the folder but not change it, and nobody else
    /// can read the keys until `takeown` and `icacls /grant` repair them.
    pub broken_machinekeys: Vec<String>,
    /// GUESS: `icacls /save` writes UTF-16LE without a byte order mark; set to write one.
    pub icacls_save_bom: bool,
    pub dirs: Vec<String>,
    pub files: Vec<FileSpec>,
    pub acls: Vec<AclSpec>,
    pub remove: Vec<String>,
}

/// A file a scenario adds.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FileSpec {
    pub path: String,
    pub text: String,
    /// `O:<sid>D:...` security descriptor; inherited from the folder when absent.
    pub sddl: Option<String>,
}

/// A security descriptor a scenario sets on an existing path.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AclSpec {
    pub path: String,
    /// `O:<sid>` and/or `D:<flags>(ace)...`.
    pub sddl: String,
    /// Apply to every descendant too.
    pub recursive: bool,
}

pub const DEFAULT_MACHINE_SID: &str = "S-1-5-21-3623811015-3361044348-30300820";
pub const DEFAULT_MACHINE_GUID: &str = "8e4b3c2a-5d7f-4f1e-9a6b-2c1d0e3f4a5b";
/// A SID of an account that no longer exists (icacls prints it as the bare SID).
pub const DELETED_ACCOUNT: &str = "S-1-5-21-3623811015-3361044348-30300820-1107";

pub const MACHINE_KEYS: &str = "C:\\ProgramData\\Microsoft\\Crypto\\RSA\\MachineKeys";
/// Key containers of a Server 2019 VM: MD5 of the container name (`TSSecKeySet1` is the RDP
/// certificate's key), then `_<machine guid>`.
pub const RDP_KEY_HASH: &str = "f686aace6942fb7f7ceb231212eef4a4";
const OTHER_KEY_HASHES: [&str; 3] = [
    "6de9cb26d2b98c01ec4e9e8b34824aa2",
    "76944fb33636aeddb9590521c2e8815a",
    "d6d986f09a1ee04e24c949879fdb506c",
];

/// Why a `[filesystem]` section cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FsSpecError {
    /// A path that does not resolve.
    #[error(transparent)]
    Path(#[from] FsError),
    #[error("filesystem path {0:?} must start with a drive letter")]
    NoDriveLetter(String),
    #[error("filesystem.broken_machinekeys: no drive {0}")]
    BrokenMachineKeys(String),
    #[error("filesystem.dirs {path:?}")]
    Dir {
        path: String,
        #[source]
        source: FsError,
    },
    #[error("filesystem.files {path:?}")]
    File {
        path: String,
        #[source]
        source: FsError,
    },
    #[error("{path}")]
    Sddl {
        path: String,
        #[source]
        source: acl::SddlError,
    },
    #[error("filesystem.acls {0:?}: no such file or folder")]
    NoAclTarget(String),
    #[error("filesystem.remove {0:?}: no such file or folder")]
    NoRemoveTarget(String),
}

impl TryFrom<FsSpec> for FileSystem {
    type Error = FsSpecError;

    fn try_from(spec: FsSpec) -> Result<Self, FsSpecError> {
        let mut fs = FileSystem::empty(
            spec.machine_sid.as_deref().unwrap_or(DEFAULT_MACHINE_SID),
            spec.machine_guid.as_deref().unwrap_or(DEFAULT_MACHINE_GUID),
        );
        fs.icacls_save_bom = spec.icacls_save_bom;
        build_drive(&mut fs, "C:");
        fs.ensure_profile("Administrator");
        for u in &spec.users {
            fs.ensure_profile(u);
        }
        if let Some(d) = &spec.attached_disk {
            build_drive(&mut fs, d);
            fs.insert(&format!("{d}\\boot"), true, Vec::new(), sid::SYSTEM);
            fs.insert(&format!("{d}\\boot\\bcd"), false, b"regf".to_vec(), sid::SYSTEM);
        }
        for drive in &spec.broken_machinekeys {
            let d = drive.trim_end_matches(['\\', ':']).to_ascii_uppercase();
            let mk = format!("{d}:{}", &MACHINE_KEYS[2..]);
            if !fs.is_dir(&mk) {
                return Err(FsSpecError::BrokenMachineKeys(drive.clone()));
            }
            break_machine_keys(&mut fs, &mk);
        }
        for d in &spec.dirs {
            let c = canon(d)?;
            fs.mkdir_all(&c, sid::ADMINISTRATORS)
                .map_err(|source| FsSpecError::Dir { path: d.clone(), source })?;
        }
        for f in &spec.files {
            fs.write_file(&canon(&f.path)?, f.text.as_bytes(), false)
                .map_err(|source| FsSpecError::File { path: f.path.clone(), source })?;
            if let Some(s) = &f.sddl {
                apply_sddl(&mut fs, &f.path, s, false)?;
            }
        }
        for a in &spec.acls {
            apply_sddl(&mut fs, &a.path, &a.sddl, a.recursive)?;
        }
        for r in &spec.remove {
            let c = canon(r)?;
            let keys: Vec<String> = fs.subtree(&c).iter().map(|n| path::key(&n.path)).collect();
            if keys.is_empty() {
                return Err(FsSpecError::NoRemoveTarget(r.clone()));
            }
            for k in keys {
                fs.nodes.remove(&k);
            }
        }
        Ok(fs)
    }
}

fn canon(p: &str) -> Result<String, FsSpecError> {
    let c = path::resolve("C:\\", p)?;
    if !p.contains(':') {
        return Err(FsSpecError::NoDriveLetter(p.to_string()));
    }
    Ok(c)
}

/// Sets owner and/or DACL from an SDDL string on a path (and its descendants).
pub(crate) fn apply_sddl(
    fs: &mut FileSystem,
    p: &str,
    sddl: &str,
    recursive: bool,
) -> Result<(), FsSpecError> {
    let parsed = acl::parse_sddl(sddl, &fs.machine_sid)
        .map_err(|source| FsSpecError::Sddl { path: p.to_string(), source })?;
    let has_dacl = sddl.contains("D:");
    let c = canon(p)?;
    let targets: Vec<String> = if recursive {
        fs.subtree(&c).iter().map(|n| n.path.clone()).collect()
    } else {
        vec![c.clone()]
    };
    if targets.is_empty() || !fs.exists(&c) {
        return Err(FsSpecError::NoAclTarget(p.to_string()));
    }
    for t in targets {
        if let Some(n) = fs.node_mut(&t) {
            if let Some(o) = &parsed.owner {
                n.owner = o.clone();
            }
            if has_dacl {
                n.protected = parsed.protected;
                n.explicit = parsed.aces.iter().filter(|a| !a.inherited).cloned().collect();
            }
        }
    }
    Ok(())
}

fn set(fs: &mut FileSystem, p: &str, owner: &str, protected: bool, aces: Vec<Ace>) {
    if let Some(n) = fs.node_mut(p) {
        n.owner = owner.to_string();
        n.protected = protected;
        n.explicit = aces;
    }
}

fn dir(fs: &mut FileSystem, p: &str, owner: &str) {
    fs.insert(p, true, Vec::new(), owner);
}

/// One Windows volume: root, Windows\System32\config\SYSTEM, ProgramData\...\MachineKeys with key
/// containers, Users.
fn build_drive(fs: &mut FileSystem, d: &str) {
    use sid::*;
    let root = format!("{d}\\");
    dir(fs, &root, TRUSTED_INSTALLER);
    // Server 2016/2019 volume root.
    set(
        fs,
        &root,
        TRUSTED_INSTALLER,
        true,
        vec![
            Ace::allow(SYSTEM, mask::FULL).oici(),
            Ace::allow(ADMINISTRATORS, mask::FULL).oici(),
            Ace::allow(USERS, mask::READ_EXECUTE).oici(),
            Ace::allow(USERS, mask::AD).with_ci(),
            Ace::allow(USERS, mask::WD).with_ci().with_io(),
            Ace::allow(CREATOR_OWNER, mask::FULL).oici().with_io(),
        ],
    );
    let windows_acl = vec![
        Ace::allow(TRUSTED_INSTALLER, mask::FULL),
        Ace::allow(TRUSTED_INSTALLER, mask::FULL).with_ci().with_io(),
        Ace::allow(SYSTEM, mask::MODIFY),
        Ace::allow(SYSTEM, mask::FULL).oici().with_io(),
        Ace::allow(ADMINISTRATORS, mask::MODIFY),
        Ace::allow(ADMINISTRATORS, mask::FULL).oici().with_io(),
        Ace::allow(USERS, mask::READ_EXECUTE),
        Ace::allow(USERS, mask::GR | mask::GE).oici().with_io(),
        Ace::allow(CREATOR_OWNER, mask::FULL).oici().with_io(),
        Ace::allow(ALL_APP_PACKAGES, mask::READ_EXECUTE),
        Ace::allow(ALL_APP_PACKAGES, mask::GR | mask::GE).oici().with_io(),
        Ace::allow(ALL_RESTRICTED_APP_PACKAGES, mask::READ_EXECUTE),
        Ace::allow(ALL_RESTRICTED_APP_PACKAGES, mask::GR | mask::GE).oici().with_io(),
    ];
    for p in ["Windows", "Windows\\System32"] {
        let full = format!("{d}\\{p}");
        dir(fs, &full, TRUSTED_INSTALLER);
        set(fs, &full, TRUSTED_INSTALLER, true, windows_acl.clone());
    }
    let config = format!("{d}\\Windows\\System32\\config");
    dir(fs, &config, SYSTEM);
    set(
        fs,
        &config,
        SYSTEM,
        true,
        vec![Ace::allow(SYSTEM, mask::FULL).oici(), Ace::allow(ADMINISTRATORS, mask::FULL).oici()],
    );
    for hive in ["SYSTEM", "SOFTWARE", "SAM", "SECURITY"] {
        fs.insert(&format!("{config}\\{hive}"), false, b"regf".to_vec(), SYSTEM);
    }
    let pd = format!("{d}\\ProgramData");
    dir(fs, &pd, SYSTEM);
    set(
        fs,
        &pd,
        SYSTEM,
        true,
        vec![
            Ace::allow(SYSTEM, mask::FULL).oici(),
            Ace::allow(ADMINISTRATORS, mask::FULL).oici(),
            Ace::allow(CREATOR_OWNER, mask::FULL).oici().with_io(),
            Ace::allow(USERS, mask::READ_EXECUTE).oici(),
            Ace::allow(USERS, mask::WD | mask::AD | mask::WEA | mask::WA).with_ci(),
        ],
    );
    for p in ["Microsoft", "Microsoft\\Crypto", "Microsoft\\Crypto\\RSA"] {
        dir(fs, &format!("{pd}\\{p}"), SYSTEM);
    }
    let mk = format!("{pd}\\Microsoft\\Crypto\\RSA\\MachineKeys");
    dir(fs, &mk, ADMINISTRATORS);
    // The documented default: Everyone (R,W) and Administrators (F), this folder only.
    set(
        fs,
        &mk,
        ADMINISTRATORS,
        true,
        vec![
            Ace::allow(EVERYONE, mask::READ | mask::WRITE),
            Ace::allow(ADMINISTRATORS, mask::FULL),
        ],
    );
    let guid = fs.machine_guid.clone();
    let mut key = |hash: &str, extra: Option<Ace>| {
        let f = format!("{mk}\\{hash}_{guid}");
        fs.insert(&f, false, key_blob(hash), SYSTEM);
        let mut aces = vec![Ace::allow(SYSTEM, mask::FULL), Ace::allow(ADMINISTRATORS, mask::FULL)];
        aces.extend(extra);
        set(fs, &f, SYSTEM, true, aces);
    };
    // GUESS: the RDP key grants NETWORK SERVICE read (TermService runs as NETWORK SERVICE).
    key(RDP_KEY_HASH, Some(Ace::allow(NETWORK_SERVICE, mask::READ)));
    for h in OTHER_KEY_HASHES {
        key(h, None);
    }
    let users = format!("{d}\\Users");
    dir(fs, &users, SYSTEM);
    set(
        fs,
        &users,
        SYSTEM,
        true,
        vec![
            Ace::allow(SYSTEM, mask::FULL).oici(),
            Ace::allow(ADMINISTRATORS, mask::FULL).oici(),
            Ace::allow(USERS, mask::READ_EXECUTE),
            Ace::allow(USERS, mask::GR | mask::GE).oici().with_io(),
            Ace::allow(EVERYONE, mask::READ_EXECUTE),
            Ace::allow(EVERYONE, mask::GR | mask::GE).oici().with_io(),
        ],
    );
}

/// Placeholder bytes of a key container (a real one is a CAPI/CNG key blob).
fn key_blob(hash: &str) -> Vec<u8> {
    let mut v = vec![0x02, 0x00, 0x00, 0x00];
    v.extend_from_slice(hash.as_bytes());
    v
}

fn break_machine_keys(fs: &mut FileSystem, mk: &str) {
    if !fs.is_dir(mk) {
        return;
    }
    let files: Vec<String> = fs.children(mk).iter().map(|n| n.path.clone()).collect();
    set(
        fs,
        mk,
        DELETED_ACCOUNT,
        true,
        vec![Ace::allow(sid::EVERYONE, mask::READ), Ace::allow(DELETED_ACCOUNT, mask::FULL)],
    );
    for f in files {
        set(fs, &f, DELETED_ACCOUNT, true, vec![Ace::allow(DELETED_ACCOUNT, mask::FULL)]);
    }
}
