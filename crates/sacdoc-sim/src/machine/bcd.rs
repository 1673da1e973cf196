//! A boot configuration data store: entries with well-known aliases, elements in display order.
//! `bcdedit` (in `cmd_bcd.rs`) reads and edits it.

/// Well-known identifiers and their GUIDs (`bcdedit /? ID`; shown with `/v`).
pub const WELL_KNOWN: &[(&str, &str)] = &[
    ("{bootmgr}", "{9dea862c-5cdd-4e70-acc1-f32b344d4795}"),
    ("{emssettings}", "{0ce4991b-e6b3-4b16-b23c-5e0d9250e5d9}"),
    ("{globalsettings}", "{7ea2e1ac-2e61-4728-aaa3-896d9d0a9f0e}"),
    ("{bootloadersettings}", "{6efb52bf-1766-41db-a6b3-0ee5eff72bd7}"),
    ("{dbgsettings}", "{4636856e-540f-4170-a130-a84776f4c654}"),
    ("{memdiag}", "{b2721d73-1db4-4c62-bf78-c548a880142d}"),
    ("{resumeloadersettings}", "{1afa9c49-16ab-4a5c-901b-212802da9460}"),
    ("{hypervisorsettings}", "{7ff607e0-4395-11db-b0de-0800200c9a66}"),
];

/// One entry (a "section" of `bcdedit /enum`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BcdEntry {
    /// The GUID in braces, lower case.
    pub guid: String,
    /// Section title: `Windows Boot Manager`, `Windows Boot Loader`, `EMS Settings`, ...
    pub title: String,
    /// Elements in display order; multi-valued elements hold several values.
    pub elements: Vec<(String, Vec<String>)>,
}

impl BcdEntry {
    pub fn get(&self, name: &str) -> Option<&Vec<String>> {
        self.elements.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v)
    }
    pub fn set(&mut self, name: &str, values: Vec<String>) {
        match self.elements.iter_mut().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
            Some(slot) => slot.1 = values,
            None => self.elements.push((name.to_ascii_lowercase(), values)),
        }
    }
}

/// A store: the system store or a file (`/store F:\boot\bcd`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BcdStore {
    pub entries: Vec<BcdEntry>,
    /// The loader of the running OS (`{current}`); `None` in an offline store.
    pub current: Option<String>,
}

/// Settings a scenario gives for a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BcdSpec {
    /// `ems Yes` on the OS loader.
    pub ems: bool,
    /// `bootems Yes` in `{emssettings}` (EMS for the boot manager).
    pub bootems: bool,
    pub timeout: u32,
    pub seed: u64,
}

fn guid(seed: u64, n: u64) -> String {
    let mut r = super::net::Rng::new(seed.wrapping_add(n.wrapping_mul(7919)));
    let a = r.next_u64();
    let b = r.next_u64();
    format!(
        "{{{:08x}-{:04x}-{:04x}-{:04x}-{:012x}}}",
        a >> 32,
        (a >> 16) & 0xffff,
        0x1000 | (a & 0x0fff),
        0x8000 | (b >> 48 & 0x3fff),
        b & 0xffff_ffff_ffff
    )
}

fn yn(b: bool) -> String {
    if b { "Yes" } else { "No" }.to_string()
}

impl BcdStore {
    /// A Generation 1 (BIOS) Azure Windows Server 2019 store: boot manager, one OS loader, the
    /// global settings entries. `online` marks the loader as `{current}`.
    pub fn windows_server(spec: BcdSpec, online: bool) -> BcdStore {
        let loader = guid(spec.seed, 1);
        let resume = guid(spec.seed, 2);
        let recovery = guid(spec.seed, 3);
        let wk = |a: &str| {
            WELL_KNOWN.iter().find(|(n, _)| *n == a).map(|(_, g)| g.to_string()).unwrap_or_default()
        };
        let e = |pairs: &[(&str, &str)]| -> Vec<(String, Vec<String>)> {
            pairs.iter().map(|(k, v)| (k.to_string(), vec![v.to_string()])).collect()
        };
        let mut bootmgr = BcdEntry {
            guid: wk("{bootmgr}"),
            title: "Windows Boot Manager".into(),
            elements: e(&[
                ("device", "partition=\\Device\\HarddiskVolume1"),
                ("description", "Windows Boot Manager"),
                ("locale", "en-US"),
                ("inherit", &wk("{globalsettings}")),
            ]),
        };
        bootmgr.elements.push(("default".into(), vec![loader.clone()]));
        bootmgr.elements.push(("resumeobject".into(), vec![resume.clone()]));
        bootmgr.elements.push(("displayorder".into(), vec![loader.clone()]));
        bootmgr.elements.push(("toolsdisplayorder".into(), vec![wk("{memdiag}")]));
        bootmgr.elements.push(("timeout".into(), vec![spec.timeout.to_string()]));
        let mut os = BcdEntry {
            guid: loader.clone(),
            title: "Windows Boot Loader".into(),
            elements: e(&[
                ("device", "partition=C:"),
                ("path", "\\Windows\\system32\\winload.exe"),
                ("description", "Windows Server"),
                ("locale", "en-US"),
                ("inherit", &wk("{bootloadersettings}")),
                ("recoverysequence", &recovery),
                ("displaymessageoverride", "Recovery"),
                ("recoveryenabled", "Yes"),
                ("allowedinmemorysettings", "0x15000075"),
                ("osdevice", "partition=C:"),
                ("systemroot", "\\Windows"),
                ("resumeobject", &resume),
                ("nx", "OptOut"),
                ("bootstatuspolicy", "IgnoreAllFailures"),
            ]),
        };
        os.set("ems", vec![yn(spec.ems)]);
        let mut ems = BcdEntry {
            guid: wk("{emssettings}"),
            title: "EMS Settings".into(),
            elements: Vec::new(),
        };
        ems.set("bootems", vec![yn(spec.bootems)]);
        let dbg = BcdEntry {
            guid: wk("{dbgsettings}"),
            title: "Debugger Settings".into(),
            elements: e(&[("debugtype", "Serial"), ("debugport", "1"), ("baudrate", "115200")]),
        };
        let global = BcdEntry {
            guid: wk("{globalsettings}"),
            title: "Global Settings".into(),
            elements: vec![(
                "inherit".into(),
                vec![wk("{dbgsettings}"), wk("{emssettings}"), wk("{badmemory}")],
            )],
        };
        BcdStore { entries: vec![bootmgr, os, ems, dbg, global], current: online.then_some(loader) }
    }

    /// The GUID an identifier as typed refers to (`{current}`, `{default}`, a well-known alias, a GUID).
    pub fn resolve(&self, id: &str) -> Option<String> {
        let id = id.trim().trim_matches('\'').to_ascii_lowercase();
        let g = match id.as_str() {
            "{current}" => self.current.clone()?,
            "{default}" => self.entry("{bootmgr}")?.get("default")?.first()?.clone(),
            other => WELL_KNOWN
                .iter()
                .find(|(a, _)| *a == other)
                .map_or(other.to_string(), |(_, g)| g.to_string()),
        };
        self.entries.iter().any(|e| e.guid == g).then_some(g)
    }

    pub fn entry(&self, id: &str) -> Option<&BcdEntry> {
        let g = if id.eq_ignore_ascii_case("{bootmgr}") {
            WELL_KNOWN[0].1.to_string()
        } else {
            self.resolve(id)?
        };
        self.entries.iter().find(|e| e.guid == g)
    }

    pub fn entry_mut(&mut self, id: &str) -> Option<&mut BcdEntry> {
        let g = self.resolve(id)?;
        self.entries.iter_mut().find(|e| e.guid == g)
    }

    /// How an identifier is shown: its alias (`{current}`, `{default}`, `{bootmgr}`) unless
    /// `verbose`, in which case the GUID.
    pub fn display_id(&self, guid: &str, verbose: bool) -> String {
        if verbose {
            return guid.to_string();
        }
        if self.current.as_deref() == Some(guid) {
            return "{current}".into();
        }
        let default =
            self.entry("{bootmgr}").and_then(|b| b.get("default")).and_then(|v| v.first().cloned());
        if default.as_deref() == Some(guid) {
            return "{default}".into();
        }
        WELL_KNOWN.iter().find(|(_, g)| *g == guid).map_or(guid.to_string(), |(a, _)| a.to_string())
    }

    /// `bcdedit /enum` text for the given entries: a leading blank line, then per entry the
    /// title, a dashed underline, `element<pad 24>value` lines, continuation values indented 24,
    /// and a blank line between entries.
    pub fn render(&self, guids: &[String], verbose: bool) -> String {
        let mut out = String::from("\r\n");
        for (i, g) in guids.iter().enumerate() {
            let Some(e) = self.entries.iter().find(|e| &e.guid == g) else { continue };
            if i > 0 {
                out.push_str("\r\n");
            }
            out.push_str(&format!("{}\r\n{}\r\n", e.title, "-".repeat(e.title.len())));
            out.push_str(&format!("{:<24}{}\r\n", "identifier", self.display_id(&e.guid, verbose)));
            for (name, values) in &e.elements {
                for (j, v) in values.iter().enumerate() {
                    let shown =
                        if v.starts_with('{') { self.display_id(v, verbose) } else { v.clone() };
                    let label = if j == 0 { name.as_str() } else { "" };
                    out.push_str(&format!("{label:<24}{shown}\r\n"));
                }
            }
        }
        out
    }

    /// The entries `/enum` (active) shows: the boot manager and the loaders in its display order.
    pub fn active(&self) -> Vec<String> {
        let mut v = vec![WELL_KNOWN[0].1.to_string()];
        if let Some(order) = self.entry("{bootmgr}").and_then(|b| b.get("displayorder")) {
            v.extend(order.iter().cloned());
        }
        v
    }

    /// Serialized form for `bcdedit /export`: the `/enum all /v` listing. GUESS: Windows writes a
    /// binary registry hive; the simulator writes this text, which `/import` reads back.
    pub fn export_text(&self) -> String {
        self.render(&self.entries.iter().map(|e| e.guid.clone()).collect::<Vec<_>>(), true)
    }

    /// Reads an [`BcdStore::export_text`] file back (`bcdedit /import`); `current` is kept by the
    /// caller. `None` when the text is not such an export.
    pub fn parse_export(text: &str) -> Option<Vec<BcdEntry>> {
        let mut entries = Vec::new();
        let lines: Vec<&str> = text.split('\n').map(|l| l.trim_end_matches('\r')).collect();
        let mut i = 0;
        while i < lines.len() {
            if lines[i].is_empty() {
                i += 1;
                continue;
            }
            let title = lines[i].to_string();
            if !lines.get(i + 1).is_some_and(|l| !l.is_empty() && l.chars().all(|c| c == '-')) {
                return None;
            }
            i += 2;
            let mut e = BcdEntry { guid: String::new(), title, elements: Vec::new() };
            while i < lines.len() && !lines[i].is_empty() {
                let (name, value) = (
                    lines[i].get(..24).unwrap_or(lines[i]).trim(),
                    lines[i].get(24..).unwrap_or("").trim(),
                );
                if name == "identifier" {
                    e.guid = value.to_string();
                } else if name.is_empty() {
                    if let Some(last) = e.elements.last_mut() {
                        last.1.push(value.to_string());
                    }
                } else {
                    e.elements.push((name.to_string(), vec![value.to_string()]));
                }
                i += 1;
            }
            if e.guid.is_empty() {
                return None;
            }
            entries.push(e);
        }
        (!entries.is_empty()).then_some(entries)
    }
}
