//! `bcdedit [/store FILE] /enum|/set|/deletevalue|/ems|/bootems|/emssettings|/timeout|/export`.
//!
//! Listing layout (command-outputs.md section 6; the Windows 10 `bcdedit` listing published with
//! "Modern Computer Architecture and Organization", chapter 5): a blank line, per entry a title,
//! a dashed underline, `element<pad 24>value` lines, continuation values indented 24, blank lines
//! between entries; aliases (`{current}`, `{bootmgr}`) unless `/v`.

use super::bcd::BcdStore;
use super::command::{Ctx, Out};

const DONE: &str = "The operation completed successfully.\r\n";

fn bad_id() -> Out {
    Out::stdout(
        "The specified entry identifier is not valid.\r\nRun \"bcdedit /?\" for command line assistance.\r\nThe parameter is incorrect.\r\n",
        1,
    )
}

fn bad_element() -> Out {
    Out::stdout(
        "The element data type specified is not recognized, or does not apply to the specified entry.\r\nRun \"bcdedit /?\" for command line assistance.\r\nElement not found.\r\n",
        1,
    )
}

fn bad_syntax() -> Out {
    Out::stdout(
        "The parameter is incorrect.\r\nRun \"bcdedit /?\" for command line assistance.\r\n",
        1,
    )
}

const BOOLEANS: &[&str] = &[
    "bootems",
    "ems",
    "displaybootmenu",
    "recoveryenabled",
    "bootlog",
    "debug",
    "bootdebug",
    "quietboot",
    "sos",
];
const OTHERS: &[&str] = &[
    "description",
    "device",
    "osdevice",
    "path",
    "timeout",
    "bootstatuspolicy",
    "nx",
    "locale",
    "emsport",
    "emsbaudrate",
    "default",
    "displayorder",
    "safeboot",
    "systemroot",
    "hypervisorlaunchtype",
];

fn yes_no(v: &str) -> Option<&'static str> {
    match v.to_ascii_lowercase().as_str() {
        "yes" | "on" | "true" | "1" => Some("Yes"),
        "no" | "off" | "false" | "0" => Some("No"),
        _ => None,
    }
}

pub fn bcdedit(ctx: &mut Ctx, args: &[String]) -> Out {
    let mut args: Vec<String> = args.to_vec();
    let verbose = args.iter().any(|a| a.eq_ignore_ascii_case("/v"));
    args.retain(|a| !a.eq_ignore_ascii_case("/v"));
    let mut store_path: Option<String> = None;
    if let Some(i) = args.iter().position(|a| a.eq_ignore_ascii_case("/store")) {
        let Some(f) = args.get(i + 1).cloned() else { return bad_syntax() };
        store_path = Some(ctx.path(&f).to_lowercase());
        args.drain(i..i + 2);
    }
    let store: &mut BcdStore = match &store_path {
        None => &mut ctx.st.bcd,
        Some(p) => match ctx.st.bcd_files.get_mut(p) {
            Some(s) => s,
            None => {
                return Out::stdout(
                    "The boot configuration data store could not be opened.\r\nThe system cannot find the file specified.\r\n",
                    1,
                )
            }
        },
    };
    let cmd = args.first().map(|s| s.to_ascii_lowercase()).unwrap_or_else(|| "/enum".into());
    let rest: Vec<String> = args.iter().skip(1).cloned().collect();
    match cmd.as_str() {
        "/enum" => enumerate(store, rest.first().map(String::as_str), verbose),
        "/set" => {
            let [id, element, value] = rest.as_slice() else { return bad_syntax() };
            set(store, id, element, value)
        }
        "/deletevalue" => {
            let [id, element] = rest.as_slice() else { return bad_syntax() };
            let Some(e) = store.entry_mut(id) else { return bad_id() };
            let before = e.elements.len();
            e.elements.retain(|(n, _)| !n.eq_ignore_ascii_case(element));
            if e.elements.len() == before {
                return bad_element();
            }
            Out::stdout(DONE, 0)
        }
        "/ems" | "/bootems" => {
            let (id, onoff) = match rest.as_slice() {
                [onoff] => (
                    if cmd == "/ems" { "{current}" } else { "{bootmgr}" }.to_string(),
                    onoff.clone(),
                ),
                [id, onoff] => (id.clone(), onoff.clone()),
                _ => return bad_syntax(),
            };
            let Some(v) = yes_no(&onoff) else { return bad_syntax() };
            let Some(e) = store.entry_mut(&id) else { return bad_id() };
            e.set(if cmd == "/ems" { "ems" } else { "bootems" }, vec![v.to_string()]);
            Out::stdout(DONE, 0)
        }
        "/emssettings" => {
            let Some(ems) = store.entry_mut("{emssettings}") else { return bad_id() };
            if rest.is_empty() {
                return bad_syntax();
            }
            for a in &rest {
                let (k, v) = a.split_once(':').unwrap_or((a.as_str(), ""));
                match k.to_ascii_lowercase().as_str() {
                    "emsport" if v.parse::<u8>().is_ok() => ems.set("emsport", vec![v.to_string()]),
                    "emsbaudrate" if v.parse::<u32>().is_ok() => {
                        ems.set("emsbaudrate", vec![v.to_string()])
                    }
                    "bios" => ems.elements.retain(|(n, _)| n != "emsport" && n != "emsbaudrate"),
                    _ => return bad_syntax(),
                }
            }
            Out::stdout(DONE, 0)
        }
        "/timeout" => {
            let Some(t) = rest.first().filter(|t| t.parse::<u32>().is_ok()) else {
                return bad_syntax();
            };
            let Some(b) = store.entry_mut("{bootmgr}") else { return bad_id() };
            b.set("timeout", vec![t.clone()]);
            Out::stdout(DONE, 0)
        }
        "/export" => {
            let Some(f) = rest.first() else { return bad_syntax() };
            let text = store.export_text();
            let path = ctx.path(f);
            match ctx.st.fs.write_file(&path, text.as_bytes(), false) {
                Ok(()) => Out::stdout(DONE, 0),
                Err(e) => {
                    Out::stdout(format!("The store export operation has failed.\r\n{e}\r\n"), 1)
                }
            }
        }
        "/import" => {
            let Some(f) = rest.first() else { return bad_syntax() };
            let path = ctx.path(f);
            let parsed = ctx
                .st
                .fs
                .read_file(&path)
                .and_then(|b| BcdStore::parse_export(&String::from_utf8_lossy(&b)));
            let Some(entries) = parsed else {
                return Out::stdout(
                    "The store import operation has failed.\r\nThe system cannot find the file specified.\r\n",
                    1,
                );
            };
            let store: &mut BcdStore = match &store_path {
                None => &mut ctx.st.bcd,
                Some(p) => match ctx.st.bcd_files.get_mut(p) {
                    Some(s) => s,
                    None => return bad_syntax(),
                },
            };
            store.entries = entries;
            Out::stdout(DONE, 0)
        }
        _ => bad_syntax(),
    }
}

fn enumerate(store: &BcdStore, what: Option<&str>, verbose: bool) -> Out {
    let ids: Vec<String> = match what.map(|w| w.to_ascii_lowercase()).as_deref() {
        None | Some("active") => store.active(),
        Some("all") => store.entries.iter().map(|e| e.guid.clone()).collect(),
        Some("bootmgr") => {
            store.entry("{bootmgr}").map(|e| vec![e.guid.clone()]).unwrap_or_default()
        }
        Some("osloader") => store
            .entries
            .iter()
            .filter(|e| e.title == "Windows Boot Loader")
            .map(|e| e.guid.clone())
            .collect(),
        Some(id) => match store.resolve(id).or_else(|| store.entry(id).map(|e| e.guid.clone())) {
            Some(g) => vec![g],
            None => return bad_id(),
        },
    };
    Out::stdout(store.render(&ids, verbose), 0)
}

fn set(store: &mut BcdStore, id: &str, element: &str, value: &str) -> Out {
    let el = element.to_ascii_lowercase();
    let guid_of = |s: &BcdStore, v: &str| s.resolve(v);
    let stored: Vec<String> = if BOOLEANS.contains(&el.as_str()) {
        match yes_no(value) {
            Some(v) => vec![v.to_string()],
            None => return bad_syntax(),
        }
    } else if OTHERS.contains(&el.as_str()) {
        if el == "default" || el == "displayorder" {
            match guid_of(store, value) {
                Some(g) => vec![g],
                None => return bad_id(),
            }
        } else if el == "timeout" && value.parse::<u32>().is_err() {
            return bad_syntax();
        } else {
            vec![value.to_string()]
        }
    } else {
        return bad_element();
    };
    let Some(e) = store.entry_mut(id) else { return bad_id() };
    e.set(&el, stored);
    Out::stdout(DONE, 0)
}
