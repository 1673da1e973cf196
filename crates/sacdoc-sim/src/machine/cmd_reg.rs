//! `reg query|add|delete|export|import|load|unload`.
//!
//! Query layout byte for byte as wine-mirror/wine programs/reg/tests/query.c checks it against
//! Windows: a leading CRLF; a key with values prints its path (root expanded, the rest as typed),
//! `    name    TYPE    data` lines and a blank line; subkeys follow as bare paths (with `/s`, each
//! as its own block, printed even without values); a key without values prints no header.
//! Errors go to stderr with exit code 1.

use super::command::{Ctx, Out};
use super::regfile;
use super::registry::{expand_root, RegValue, Registry};

const NOT_FOUND: &str =
    "ERROR: The system was unable to find the specified registry key or value.\r\n";
const DONE: &str = "The operation completed successfully.\r\n";

fn syntax(op: &str) -> Out {
    Out::stderr(
        format!("ERROR: Invalid syntax.\r\nType \"REG {} /?\" for usage.\r\n", op.to_uppercase()),
        1,
    )
}

fn bad_key(op: &str) -> Out {
    Out::stderr(
        format!("ERROR: Invalid key name.\r\nType \"REG {} /?\" for usage.\r\n", op.to_uppercase()),
        1,
    )
}

/// Parsed `reg` switches.
#[derive(Default)]
struct Opts {
    v: Option<String>,
    ve: bool,
    va: bool,
    s: bool,
    f: Option<String>,
    t: Option<String>,
    d: Option<String>,
    sep: Option<String>,
    force: bool,
    keys_only: bool,
    data_only: bool,
    case: bool,
    exact: bool,
    positional: Vec<String>,
}

fn parse_opts(args: &[String]) -> Result<Opts, ()> {
    let mut o = Opts::default();
    let mut i = 0;
    let take = |i: &mut usize| -> Result<String, ()> {
        *i += 1;
        args.get(*i).cloned().ok_or(())
    };
    while i < args.len() {
        let a = &args[i];
        let l = a.to_ascii_lowercase();
        if !(l.starts_with('/') || (l.starts_with('-') && l.len() <= 4)) {
            o.positional.push(a.clone());
            i += 1;
            continue;
        }
        match &l[1..] {
            "v" if o.v.is_none() => o.v = Some(take(&mut i)?),
            "ve" => o.ve = true,
            "va" => o.va = true,
            "s" if !o.s => o.s = true,
            "f" => {
                // `/f` is "force" for add/delete and "find" (with data) for query.
                match args.get(i + 1) {
                    Some(n) if !n.starts_with('/') => o.f = Some(take(&mut i)?),
                    _ => o.force = true,
                }
            }
            "t" => o.t = Some(take(&mut i)?),
            "d" => match args.get(i + 1) {
                Some(n) if !n.starts_with('/') => o.d = Some(take(&mut i)?),
                Some(_) if o.f.is_some() => o.data_only = true,
                _ => o.d = Some(take(&mut i)?),
            },
            "se" => o.sep = Some(take(&mut i)?),
            "k" => o.keys_only = true,
            "c" => o.case = true,
            "e" => o.exact = true,
            "y" => o.force = true,
            "reg:32" | "reg:64" => {}
            _ => return Err(()),
        }
        i += 1;
    }
    if o.v.is_some() && (o.ve || o.va) {
        return Err(());
    }
    Ok(o)
}

pub fn reg(ctx: &mut Ctx, args: &[String]) -> Out {
    let Some(op) = args.first().map(|s| s.to_ascii_lowercase()) else {
        return Out::stderr("ERROR: Invalid syntax.\r\nType \"REG /?\" for usage.\r\n", 1);
    };
    let Ok(o) = parse_opts(&args[1..]) else { return syntax(&op) };
    match op.as_str() {
        "query" => query(ctx, &o),
        "add" => add(ctx, &o),
        "delete" => delete(ctx, &o),
        "export" => export(ctx, &o),
        "import" => import(ctx, &o),
        "load" => load(ctx, &o),
        "unload" => unload(ctx, &o),
        _ => Out::stderr("ERROR: Invalid syntax.\r\nType \"REG /?\" for usage.\r\n", 1),
    }
}

fn value_line(name: &str, v: &RegValue) -> String {
    let n = if name.is_empty() { "(Default)" } else { name };
    let data = v.display();
    if data.is_empty() {
        format!("    {n}    {}\r\n", v.type_name())
    } else {
        format!("    {n}    {}    {data}\r\n", v.type_name())
    }
}

/// Plain query: the key's values, then its subkeys (recursively with `/s`).
fn query_all(reg: &Registry, shown: &str, recurse: bool, recursing: bool, out: &mut String) {
    let values = reg.values(shown);
    if !values.is_empty() || recursing {
        out.push_str(&format!("{shown}\r\n"));
    }
    for (n, v) in &values {
        out.push_str(&value_line(n, v));
    }
    if !values.is_empty() || recursing {
        out.push_str("\r\n");
    }
    for sub in reg.subkeys(shown) {
        let path = format!("{shown}\\{sub}");
        if recurse {
            query_all(reg, &path, true, true, out);
        } else {
            out.push_str(&format!("{path}\r\n"));
        }
    }
}

fn query(ctx: &mut Ctx, o: &Opts) -> Out {
    let [key] = o.positional.as_slice() else { return syntax("query") };
    let Some(shown) = expand_root(key) else { return bad_key("query") };
    let reg = &ctx.st.registry;
    if !reg.key_exists(&shown) {
        return Out::stderr(NOT_FOUND, 1);
    }
    let type_ok = |v: &RegValue| {
        o.t.as_ref().is_none_or(|t| t.split(',').any(|t| t.eq_ignore_ascii_case(v.type_name())))
    };
    if o.f.is_some()
        || (o.t.is_some() && o.v.is_none() && !o.ve)
        || (o.s && (o.v.is_some() || o.ve))
    {
        return search(reg, &shown, o, &type_ok);
    }
    if let Some(name) = &o.v {
        return match reg.get(&shown, name).filter(|v| type_ok(v)) {
            Some(v) => Out::stdout(format!("\r\n{shown}\r\n{}\r\n", value_line(name, v)), 0),
            None => Out::stderr(NOT_FOUND, 1),
        };
    }
    if o.ve {
        let line = match reg.get(&shown, "") {
            Some(v) => value_line("", v),
            None => "    (Default)    REG_SZ    (value not set)\r\n".to_string(),
        };
        return Out::stdout(format!("\r\n{shown}\r\n{line}\r\n"), 0);
    }
    let mut out = String::from("\r\n");
    query_all(reg, &shown, o.s, false, &mut out);
    Out::stdout(out, 0)
}

/// `/f`, `/t`, or `/v NAME /s`: matching values per key, matching key names, and the count.
fn search(reg: &Registry, shown: &str, o: &Opts, type_ok: &dyn Fn(&RegValue) -> bool) -> Out {
    let pat = o.f.clone().unwrap_or_else(|| "*".into());
    let hit = |text: &str| -> bool {
        if pat == "*" {
            return true;
        }
        match (o.exact, o.case) {
            (true, true) => text == pat,
            (true, false) => text.eq_ignore_ascii_case(&pat),
            (false, true) => text.contains(&pat),
            (false, false) => text.to_lowercase().contains(&pat.to_lowercase()),
        }
    };
    let (search_keys, search_values, search_data) = match (o.keys_only, o.data_only) {
        (true, _) => (true, false, false),
        (false, true) => (false, false, true),
        _ => (o.f.is_some(), true, o.f.is_some()),
    };
    let mut keys: Vec<String> = vec![shown.to_string()];
    let mut out = String::from("\r\n");
    let mut matches = 0;
    while let Some(k) = keys.first().cloned() {
        keys.remove(0);
        let vals: Vec<(String, RegValue)> = reg
            .values(&k)
            .into_iter()
            .filter(|(_, v)| type_ok(v))
            .filter(|(n, _)| match (&o.v, o.ve) {
                (Some(want), _) => n.eq_ignore_ascii_case(want),
                (None, true) => n.is_empty(),
                _ => true,
            })
            .filter(|(n, v)| (search_values && hit(n)) || (search_data && hit(&v.display())))
            .collect();
        if !vals.is_empty() {
            out.push_str(&format!("{k}\r\n"));
            for (n, v) in &vals {
                out.push_str(&value_line(n, v));
            }
            out.push_str("\r\n");
            matches += vals.len();
        }
        let subs = reg.subkeys(&k);
        let mut children = Vec::new();
        for sub in subs {
            let path = format!("{k}\\{sub}");
            if search_keys && o.f.is_some() && hit(&sub) {
                out.push_str(&format!("{path}\r\n"));
                matches += 1;
            }
            if o.s {
                children.push(path);
            }
        }
        // Depth-first, as reg walks the tree.
        for (i, c) in children.into_iter().enumerate() {
            keys.insert(i, c);
        }
    }
    out.push_str(&format!("End of search: {matches} match(es) found.\r\n"));
    Out::stdout(out, if matches > 0 { 0 } else { 1 })
}

fn add(ctx: &mut Ctx, o: &Opts) -> Out {
    let yes = ctx.st.quirks.prompts_answer_yes;
    let [key] = o.positional.as_slice() else { return syntax("add") };
    let Some(full) = expand_root(key) else { return bad_key("add") };
    if full.split('\\').count() < 2 {
        return bad_key("add");
    }
    let reg = &mut ctx.st.registry;
    if o.v.is_none() && !o.ve {
        reg.create_key(&full);
        return Out::stdout(DONE, 0);
    }
    let name = o.v.clone().unwrap_or_default();
    let ty = o.t.clone().unwrap_or_else(|| "REG_SZ".into());
    let sep = o.sep.clone().unwrap_or_else(|| "\\0".into());
    let value = match RegValue::parse_typed(&ty, o.d.as_deref().unwrap_or(""), &sep) {
        Ok(v) => v,
        Err(_) if !ty.to_ascii_uppercase().starts_with("REG_") => {
            return Out::stderr("ERROR: Invalid syntax.\r\nType \"REG ADD /?\" for usage.\r\n", 1)
        }
        Err(_) => return syntax("add"),
    };
    if reg.get(&full, &name).is_some() && !o.force && !yes {
        // GUESS: reg asks `Value X exists, overwrite(Yes/No)?` and waits; with no answer on the
        // line it is treated as No (`quirks.prompts_answer_yes` changes that).
        let shown = if name.is_empty() { "(Default)" } else { &name };
        return Out::stdout(format!("Value {shown} exists, overwrite(Yes/No)? The operation was canceled by the user.\r\n"), 1);
    }
    reg.set(&full, &name, value);
    Out::stdout(DONE, 0)
}

fn delete(ctx: &mut Ctx, o: &Opts) -> Out {
    let [key] = o.positional.as_slice() else { return syntax("delete") };
    let Some(full) = expand_root(key) else { return bad_key("delete") };
    let reg = &mut ctx.st.registry;
    if !reg.key_exists(&full) {
        return Out::stderr(NOT_FOUND, 1);
    }
    if !o.force && !ctx.st.quirks.prompts_answer_yes {
        // GUESS: the Yes/No prompt gets no answer over the line: treated as No (quirks).
        let what = match &o.v {
            Some(v) => format!("Delete the registry value {v} (Yes/No)? "),
            None => format!("Permanently delete the registry key {full} (Yes/No)? "),
        };
        return Out::stdout(format!("{what}The operation was canceled by the user.\r\n"), 1);
    }
    let ok = match (&o.v, o.ve, o.va) {
        (Some(v), _, _) => reg.delete_value(&full, v),
        (None, true, _) => reg.delete_value(&full, ""),
        (None, false, true) => reg.delete_all_values(&full),
        _ => full.split('\\').count() > 2 && reg.delete_key(&full),
    };
    if ok {
        Out::stdout(DONE, 0)
    } else {
        Out::stderr(NOT_FOUND, 1)
    }
}

fn export(ctx: &mut Ctx, o: &Opts) -> Out {
    let [key, file] = o.positional.as_slice() else { return syntax("export") };
    let Some(full) = expand_root(key) else { return bad_key("export") };
    if !ctx.st.registry.key_exists(&full) {
        return Out::stderr(NOT_FOUND, 1);
    }
    let path = ctx.path(file);
    if ctx.st.fs.exists(&path) && !o.force && !ctx.st.quirks.prompts_answer_yes {
        // GUESS: the overwrite prompt gets no answer: treated as No.
        return Out::stdout(format!("File {file} already exists. Overwrite (Yes/No)? The operation was canceled by the user.\r\n"), 1);
    }
    let text = regfile::export(&ctx.st.registry, &full);
    match ctx.st.fs.write_file(&path, &regfile::utf16le_bom(&text), false) {
        Ok(()) => Out::stdout(DONE, 0),
        Err(e) => Out::stderr(format!("ERROR: {e}\r\n"), 1),
    }
}

fn import(ctx: &mut Ctx, o: &Opts) -> Out {
    let [file] = o.positional.as_slice() else { return syntax("import") };
    let path = ctx.path(file);
    let Some(bytes) = ctx.st.fs.read_file(&path) else {
        return Out::stderr(
            "ERROR: Error opening the file. There may be a disk or file system error.\r\n",
            1,
        );
    };
    let text = super::command::decode_text(&bytes);
    match regfile::import(&mut ctx.st.registry, &text) {
        // reg import reports success on stderr.
        Ok(()) => Out::stderr(DONE, 0),
        Err(_) => Out::stderr("ERROR: Error accessing the registry.\r\n", 1),
    }
}

/// A mount point for `reg load`/`unload`: directly under HKLM or HKU.
fn mount_point(key: &str) -> Option<String> {
    let full = expand_root(key)?;
    let parts: Vec<&str> = full.split('\\').collect();
    (parts.len() == 2 && (parts[0] == "HKEY_LOCAL_MACHINE" || parts[0] == "HKEY_USERS"))
        .then_some(full)
}

fn load(ctx: &mut Ctx, o: &Opts) -> Out {
    let [key, file] = o.positional.as_slice() else { return syntax("load") };
    let Some(mount) = mount_point(key) else { return bad_key("load") };
    let path = ctx.path(file).to_lowercase();
    let st = &mut *ctx.st;
    if st.loaded_hives.contains_key(&mount.to_lowercase()) || st.registry.key_exists(&mount) {
        return Out::stderr("ERROR: The process cannot access the file because it is being used by another process.\r\n", 1);
    }
    let Some(hive) = st.hive_files.get(&path).cloned() else {
        return Out::stderr(format!("ERROR: {}\r\n", super::fs::NOT_FOUND), 1);
    };
    st.registry.import_subtree(&mount, &hive);
    st.loaded_hives.insert(mount.to_lowercase(), path);
    Out::stdout(DONE, 0)
}

fn unload(ctx: &mut Ctx, o: &Opts) -> Out {
    let [key] = o.positional.as_slice() else { return syntax("unload") };
    let Some(mount) = mount_point(key) else { return bad_key("unload") };
    let st = &mut *ctx.st;
    let Some(path) = st.loaded_hives.remove(&mount.to_lowercase()) else {
        return Out::stderr("ERROR: The parameter is incorrect.\r\n", 1);
    };
    let hive = st.registry.export_subtree(&mount);
    st.registry.delete_key(&mount);
    st.hive_files.insert(path, hive);
    Out::stdout(DONE, 0)
}
