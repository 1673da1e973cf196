//! The translated labels and values of `netsh advfirewall firewall show rule`.
//!
//! English and German come from captures (see the reference notes on netsh); the other
//! languages are a GUESS from Windows' published terminology and are only a first try: a rule
//! whose labels are not found here is still read by position (see `super::POSITIONS`).

/// Label → key. Compared after [`fold`].
const LABELS: &[(&str, &str)] = &[
    // en-US
    ("rulename", "name"),
    ("description", "description"),
    ("enabled", "enabled"),
    ("direction", "direction"),
    ("profiles", "profiles"),
    ("grouping", "grouping"),
    ("localip", "local_ip"),
    ("remoteip", "remote_ip"),
    ("protocol", "protocol"),
    ("localport", "local_port"),
    ("remoteport", "remote_port"),
    ("edgetraversal", "edge_traversal"),
    ("program", "program"),
    ("service", "service"),
    ("interfacetypes", "interface_types"),
    ("security", "security"),
    ("rulesource", "rule_source"),
    ("action", "action"),
    // de-DE
    ("regelname", "name"),
    ("beschreibung", "description"),
    ("aktiviert", "enabled"),
    ("richtung", "direction"),
    ("profile", "profiles"),
    ("gruppierung", "grouping"),
    ("lokaleip", "local_ip"),
    ("remoteip", "remote_ip"),
    ("protokoll", "protocol"),
    ("lokalerport", "local_port"),
    ("remoteport", "remote_port"),
    ("edgeausnahme", "edge_traversal"),
    ("programm", "program"),
    ("dienst", "service"),
    ("schnittstellentypen", "interface_types"),
    ("sicherheit", "security"),
    ("regelquelle", "rule_source"),
    ("aktion", "action"),
    // fr-FR (GUESS)
    ("nomdelarègle", "name"),
    ("activé", "enabled"),
    ("sens", "direction"),
    ("profils", "profiles"),
    ("regroupement", "grouping"),
    ("iplocale", "local_ip"),
    ("ipdistante", "remote_ip"),
    ("protocole", "protocol"),
    ("portlocal", "local_port"),
    ("portdistant", "remote_port"),
    ("programme", "program"),
    // es-ES (GUESS)
    ("nombrederegla", "name"),
    ("habilitada", "enabled"),
    ("dirección", "direction"),
    ("perfiles", "profiles"),
    ("agrupamiento", "grouping"),
    ("protocolo", "protocol"),
    ("puertolocal", "local_port"),
    ("puertoremoto", "remote_port"),
    ("programa", "program"),
    ("servicio", "service"),
    ("acción", "action"),
    // zh-CN (GUESS)
    ("规则名称", "name"),
    ("描述", "description"),
    ("已启用", "enabled"),
    ("启用", "enabled"),
    ("方向", "direction"),
    ("配置文件", "profiles"),
    ("分组", "grouping"),
    ("本地ip", "local_ip"),
    ("远程ip", "remote_ip"),
    ("协议", "protocol"),
    ("本地端口", "local_port"),
    ("远程端口", "remote_port"),
    ("程序", "program"),
    ("服务", "service"),
    ("操作", "action"),
    // ja-JP (GUESS)
    ("規則名", "name"),
    ("有効", "enabled"),
    ("プロファイル", "profiles"),
    ("プロトコル", "protocol"),
    ("ローカルポート", "local_port"),
    ("リモートポート", "remote_port"),
];

/// Lower case, without spaces, hyphens and underscores (`Edge traversal` → `edgetraversal`).
pub fn fold(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, ' ' | '-' | '_' | '\u{a0}'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The key of a label, if known.
pub fn key_of(label: &str) -> Option<&'static str> {
    let f = fold(label);
    LABELS.iter().find(|(l, _)| *l == f).map(|(_, k)| *k)
}

/// `Enabled` values.
pub fn enabled(v: &str) -> Option<bool> {
    match fold(v).as_str() {
        "yes" | "true" | "ja" | "oui" | "sí" | "si" | "是" | "はい" => Some(true),
        "no" | "false" | "nein" | "non" | "否" | "いいえ" => Some(false),
        _ => None,
    }
}

/// Traffic direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    In,
    Out,
}

/// `Direction` values (netsh `In`, PowerShell `Inbound`, translated forms).
pub fn direction(v: &str) -> Option<Direction> {
    match fold(v).as_str() {
        "in" | "inbound" | "eingehend" | "entrant" | "entrada" | "入" | "入站" | "受信" => {
            Some(Direction::In)
        }
        "out" | "outbound" | "ausgehend" | "sortant" | "salida" | "出" | "出站" | "送信" => {
            Some(Direction::Out)
        }
        _ => None,
    }
}

/// What a rule does with matching traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Allow,
    Block,
    Bypass,
}

/// `Action` values.
pub fn action(v: &str) -> Option<Action> {
    match fold(v).as_str() {
        "allow" | "zulassen" | "autoriser" | "permitir" | "允许" | "許可" => {
            Some(Action::Allow)
        }
        "block" | "blockieren" | "bloquer" | "bloquear" | "阻止" | "ブロック" => {
            Some(Action::Block)
        }
        "bypass" | "umgehen" | "ignorer" | "omitir" | "跳过" | "バイパス" => {
            Some(Action::Bypass)
        }
        _ => None,
    }
}

/// The word for "any" in port and address fields.
pub fn is_any(v: &str) -> bool {
    matches!(
        fold(v).as_str(),
        "any" | "beliebig" | "tout" | "toutes" | "cualquiera" | "任何" | "任意"
    )
}
