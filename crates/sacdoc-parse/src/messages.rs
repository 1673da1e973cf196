//! Localized messages the parsers read, and the structure that identifies them when no table
//! entry matches.
//!
//! Every message is recognised first by its *structure* (two counts in a summary line, a short
//! label and a colon before an error, ...), which works in every display language Windows ships;
//! the tables below only add what structure cannot say (which of two counts is the success
//! count, which language printed it). Each entry names where its text was seen; a language
//! without an entry is read by structure alone, never guessed. The original text is always kept
//! by the parser beside what was read from it.

/// icacls summary lines: (language, a fragment of the success part, a fragment of the failure
/// part, source). In every entry the success count comes first.
///
/// No published capture or Microsoft page quoting the summary was found for fr, it, pt-BR, pl,
/// tr, nl, sv, cs or hu: those lines are read by structure (two standalone counts, success
/// first) and `trailer_language` stays null. Searched: the code index for the summary fragments
/// one would expect (`fichiers correctement traités`, `échec du traitement de`, `elaborati
/// correttamente`, `Elaborazione non riuscita`, `arquivos processados com êxito`, `falha ao
/// processar`, `dosya başarıyla işlendi`, ...), for the `processed file:` line (`fichier traité :`,
/// `file elaborato:`, `arquivo processado:`) and for localized principals next to icacls output
/// (`AUTORIDADE NT\SISTEMA:(`, `AUTORITÀ NT\SYSTEM:(`, `Utenti autenticati:(`); GitHub issues,
/// pastes and web pages by the same words; Microsoft's localized icacls pages (they keep the
/// English examples). What turned up in French and Portuguese is simulators and test constants
/// (`1 fichiers correctement traités ; échec du traitement de 0 fichiers`, `Processados 1 arquivos;
/// falha ao processar 0 arquivos`): someone's rendering, not Windows output.
///
/// Searched again later: exact strings in the code index (`Traitement de 1 fichiers`, `Elaborazione
/// completata per`, `Elaborazione non riuscita per 0 file`, `arquivos processados com êxito`,
/// `Pomyślnie przetworzono`, `dosya başarıyla işlendi`, `bestanden is mislukt`, `Úspěšně
/// zpracováno`, `Sikeresen feldolgozva`): only unrelated application messages, and for French again
/// test constants (`2 fichiers traites correctement ; echec du traitement de 1 fichiers`, a C#
/// test; a JavaScript simulator), which agree with the French wording above but are not captures.
/// Web pages by the same words and icacls: tutorials without output, and file-info.xyz dumps of
/// `ICacls.exe.mui` per language (fr, it, pt-BR, ...), whose stored excerpts stop inside the usage
/// text before the summary string, so they cannot be quoted for it. GitHub issues about icacls in
/// Italian: none quote it.
///
/// A third search (exact strings in the code index, and web pages) found for pt-BR and tr only
/// texts that are not output, so they stay out of the table:
/// - pt-BR: two project notes quote the line, and they disagree with each other and with the
///   simulators above: `Processados 0 arquivos; Falha no processamento de 1 arquivo` (a
///   troubleshooting page, code index id 61173696062; note the singular) and `Processados com
///   sucesso 0 arquivos; falha no processamento de 20` (a table cell, id 71505808022, cut short).
///   Both read as retellings, not pastes.
/// - tr: `1 dosya başarıyla işlendi; 0 dosya işlenemedi` appears only in a machine translation of
///   a TryHackMe room (id 8343995530) that translates the commands too (`cmd.exe'yi kopyalayın
///   utilman.exe`), so its output lines are translated English, not Windows output.
/// - fr: once more only renderings: a course page's "Sortie" example (id 70524587274) with the
///   wording above, and a test with another one (`Fichiers correctement traités : 1 ; Échec du
///   traitement de 0 fichiers`, id 65760450838), which shows that the renderings disagree.
/// - it, pl, sv, nl, cs, hu: nothing (`Elaborazione completata per 1 file` in web pages,
///   `przetworzenie 0 plików`, `bearbeta 0 filer` in the code index).
pub const ICACLS_SUMMARY: &[(&str, &str, &str, &str)] = &[
    (
        "en",
        "Successfully processed",
        "Failed processing",
        // tests/fixtures/parse/icacls/en-unifi-video.txt and other en captures.
        "capture: HTB Giddy write-up (fixture en-unifi-video.txt)",
    ),
    (
        "de",
        "erfolgreich verarbeitet",
        "Verarbeitungsfehler",
        // 0 Dateien erfolgreich verarbeitet, bei 1 Dateien ist ein Verarbeitungsfehler aufgetreten.
        "capture: https://github.com/MicrosoftDocs/windowsserverdocs/issues/6185 (fixture \
         de-no-mapping-failed.txt); also quoted in shared reference notes, section 2.1",
    ),
    (
        "zh-CN",
        "已成功处理",
        "时失败",
        "capture: Chinese notes (fixtures zh-dot.txt, zh-modify-mode.txt)",
    ),
    (
        "es",
        "Se procesaron correctamente",
        "error al procesar",
        "capture: es-ES SQL notes (fixture es-grant-errors.txt)",
    ),
    (
        "ru",
        "Успешно обработано",
        "не удалось обработать",
        // Успешно обработано 1 файлов; не удалось обработать 0 файлов
        "capture: https://github.com/mnasoft/icacls/blob/81eff647362b252b4e0fec1ede46dbd60b7ffede/\
         README.txt (fixture ru-four-runs-prompted.txt)",
    ),
    (
        "zh-TW",
        "已順利處理",
        "處理失敗",
        // Three runs: 已順利處理 1 個檔案; 0 個檔案處理失敗
        "capture: https://github.com/twcc/man-vip/blob/52b7fb3c7d1744b3e63e0aca2e0d369e01435bd8/\
         doc-zh/docs/user-guides/twcc/vcs/instances/details/connect-to-instance/linux/\
         from-windows.md (fixture zh-tw-three-runs-prompted.txt)",
    ),
    (
        "ja",
        "正常に処理されました",
        "処理できませんでした",
        "capture: ClipForVRChat manual-check notes (fixtures ja-summary-*.txt)",
    ),
    (
        "ko",
        "파일을 처리했으며",
        "처리하지 못했습니다",
        // Three runs: 1 파일을 처리했으며 0 파일은 처리하지 못했습니다.
        "capture: https://github.com/JungSangup/mspt3/blob/1428223227152466e01c2d9bbf749d5f0df4174f/\
         doc/%5BHands-on%5D%2001_Environment_Setup-Docker%20(AWS%20Track).md \
         (fixture ko-pem-three-runs-prompted.txt)",
    ),
];

/// How a summary line was recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recognised {
    /// A table entry of this language matched.
    Table(&'static str),
    /// No entry matched; the line has the structure of a summary.
    Structure,
}

/// Reads an icacls summary line in any language: `(succeeded, failed, how)`.
///
/// Structure: exactly two decimal counts, each standing apart from Latin letters and digits
/// (`1 files`, `1 個の`, `1개`, `1 Dateien`; not `v1`, `1.1`, `0x1`), some words, and no path or
/// ACE marks (`\`, `/`, `(`). The success count comes first in every table entry; a line that
/// matches no entry is read in the same order.
pub fn icacls_summary(body: &str) -> Option<(u64, u64, Recognised)> {
    if body.contains(['\\', '(', '/']) {
        return None;
    }
    let counts = standalone_counts(body)?;
    let [ok, failed] = counts.as_slice() else { return None };
    let entry = ICACLS_SUMMARY.iter().find(|(_, s, f, _)| body.contains(s) && body.contains(f));
    if let Some((lang, ..)) = entry {
        return Some((*ok, *failed, Recognised::Table(lang)));
    }
    let letters = body.chars().filter(|c| c.is_alphabetic()).count();
    (letters >= 4).then_some((*ok, *failed, Recognised::Structure))
}

/// The decimal numbers of `text` that stand apart: not touching an ASCII letter, and not part
/// of a dotted or hexadecimal number. `None` when some digit run does not stand apart (a
/// version, an address, a hex code): such a line is not a count line.
pub fn standalone_counts(text: &str) -> Option<Vec<u64>> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        let before = start.checked_sub(1).map(|k| chars[k]);
        let after = chars.get(i).copied();
        let after2 = chars.get(i + 1).copied();
        let touches_letter = before.is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            || after.is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
        let dotted = before.is_some_and(|c| c == '.' || c == ':' || c == '-')
            || (after.is_some_and(|c| matches!(c, '.' | ':' | ',' | '-'))
                && after2.is_some_and(|c| c.is_ascii_digit()));
        if touches_letter || dotted {
            return None;
        }
        let digits: String = chars[start..i].iter().collect();
        out.push(digits.parse().ok()?);
    }
    Some(out)
}

/// Error labels `reg` prints before its message (`ERROR:`), per language, with sources. Any
/// other short label-colon-message line is read as an error by structure (see `reg`).
///
/// Microsoft's pages are sources only where a person translated them (`ms.translationtype: HT`
/// in the page's header): the machine-translated ones render reg's message afresh (the Polish
/// proxy page even translates the command, `reg porównania`). So it, pl and tr have no entry:
/// `ERRORE` (it, Defender for Endpoint's investigation package page), `BŁĄD` (pl, the
/// machine-translated Azure ATP proxy page) and `HATA` (tr, the machine-translated proxy page and
/// the investigation package page) were seen only in Microsoft pages that are machine-translated
/// or whose translation is not labelled, never in a console capture. For nl, sv, cs and hu
/// nothing was found (the sv and cs proxy pages are machine-translated too).
pub const REG_ERROR_LABELS: &[(&str, &str, &str)] = &[
    ("en", "ERROR", "capture: wine-mirror/wine programs/reg/tests/query.c and pastes"),
    ("de", "FEHLER", "capture: German Cygwin notes (fixture de-error-then-dword.txt)"),
    ("zh-CN", "错误", "capture quoted in shared reference notes, section 3.1"),
    (
        "fr",
        "ERREUR",
        // « ERREUR : Le système n’a pas trouvé la clé ou la valeur de Registre spécifiée »
        "Microsoft documentation in French: the Defender for Endpoint investigation package \
         section quotes reg's message for a missing Autoruns key, file \
         microsoft-365/security/defender-endpoint/respond-machine-alerts.md of \
         https://github.com/MicrosoftDocs/microsoft-365-docs-pr.fr-FR (its later versions; \
         learn.microsoft.com/fr-fr/microsoft-365/security/defender-endpoint/respond-machine-alerts); \
         the human-translated Azure ATP proxy page quotes reg compare's « Erreur : le système \
         n'a pas trouvé la clé ou la valeur de Registre spécifiée. », \
         https://github.com/MicrosoftDocs/ATADocs.fr-fr/blob/\
         678103f5f0e3ee361632e7c730f4a1e455d6fc42/ATPDocs/configure-proxy.md line 40",
    ),
    (
        "ru",
        "Ошибка",
        // «Ошибка: Не удается найти указанный раздел или параметр в реестре.»; also printed in
        // capitals (ОШИБКА), hence the case-insensitive comparison.
        "Microsoft documentation in Russian (human-translated): the Azure ATP proxy page quotes \
         reg compare's error, https://github.com/Microsoft/ATADocs.ru-ru/blob/\
         4a9eb51bd0f7c89e3b56bb912ad3fe9786d0502e/ATPDocs/configure-proxy.md line 40; batch \
         scripts that match reg query's output with find, https://github.com/yudenisov/\
         lite-botnet/blob/490432ecd843d618fc22eb903d427d5198c737a3/Windows/pub1/Util/\
         check_reg_node.bat (and check_reg_item.bat beside it)",
    ),
    (
        "ko",
        "오류",
        // 오류: 지정된 레지스트리 키 또는 값을 찾을 수 없습니다
        "Korean task notes quoting reg query's output for a missing Run value as the expected \
         result, https://github.com/realkibeomkwon/bamti/blob/\
         aea252673f7d8268ee6fa3e3b0eed84134a8446a/FIX-AUTOSTART-DELAY.md",
    ),
    (
        "ja",
        "エラー",
        "capture: Japanese notes on the reg command, four runs behind $ prompts (fixture \
         ja-four-runs-two-errors.txt, code index id 9583168715; unresolved: the index names no \
         repository or path for it)",
    ),
    (
        "pt-BR",
        "ERRO",
        // "ERRO: O sistema não pôde localizar a chave do registro ou valor especificado."
        "Microsoft documentation in Brazilian Portuguese (human-translated): the Azure ATP proxy \
         page quotes reg compare's error, https://github.com/Microsoft/ATADocs.pt-br/blob/\
         89665acba527c0072243cbef424f73c722444800/ATPDocs/configure-proxy.md line 40; no \
         console capture found",
    ),
];

/// The language of a `reg` error label, when the table knows it (compared case-insensitively in
/// any script: `ОШИБКА` and `Ошибка` are both Russian).
pub fn reg_error_language(label: &str) -> Option<&'static str> {
    let l = label.trim().to_lowercase();
    REG_ERROR_LABELS.iter().find(|(_, w, _)| l == w.to_lowercase()).map(|(lang, ..)| *lang)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_by_table_and_by_structure() {
        let ja = "1 個のファイルが正常に処理されました。0 個のファイルを処理できませんでした";
        assert_eq!(icacls_summary(ja), Some((1, 0, Recognised::Table("ja"))));
        let zh_tw = "已順利處理 1 個檔案; 0 個檔案處理失敗";
        assert_eq!(icacls_summary(zh_tw), Some((1, 0, Recognised::Table("zh-TW"))));
        // Simplified Chinese shares no fragment with the Traditional entry.
        assert_eq!(
            icacls_summary("已成功处理 1 个文件; 处理 0 个文件时失败"),
            Some((1, 0, Recognised::Table("zh-CN")))
        );
        assert_eq!(
            icacls_summary("Successfully processed 12 files; Failed processing 3 files"),
            Some((12, 3, Recognised::Table("en")))
        );
        let ko = "1 파일을 처리했으며 0 파일은 처리하지 못했습니다.";
        assert_eq!(icacls_summary(ko), Some((1, 0, Recognised::Table("ko"))));
        let de = "0 Dateien erfolgreich verarbeitet, bei 1 Dateien ist ein Verarbeitungsfehler \
                  aufgetreten.";
        assert_eq!(icacls_summary(de), Some((0, 1, Recognised::Table("de"))));
        // No entry (a made-up line, not any language's text): read by structure.
        assert_eq!(
            icacls_summary("Lorem 2 ipsum; dolor 1 sit").map(|r| (r.0, r.1, r.2)),
            Some((2, 1, Recognised::Structure))
        );
        assert_eq!(icacls_summary("foo 2개 bar 1개"), Some((2, 1, Recognised::Structure)));
        assert_eq!(icacls_summary("C:\\a 1 2"), None);
        assert_eq!(icacls_summary("Version 10.0 build 2"), None);
        assert_eq!(icacls_summary("3 things"), None);
    }

    #[test]
    fn reg_error_labels_in_any_case_and_script() {
        assert_eq!(reg_error_language("ERROR"), Some("en"));
        assert_eq!(reg_error_language("Fehler"), Some("de"));
        assert_eq!(reg_error_language("ОШИБКА"), Some("ru"));
        assert_eq!(reg_error_language("Ошибка"), Some("ru"));
        assert_eq!(reg_error_language("오류"), Some("ko"));
        assert_eq!(reg_error_language("エラー"), Some("ja"));
        assert_eq!(reg_error_language("ERRO"), Some("pt-BR"));
        assert_eq!(reg_error_language("Erreur"), Some("fr"));
        // Seen only in machine-translated pages: read by structure, no language.
        assert_eq!(reg_error_language("HATA"), None);
        assert_eq!(reg_error_language("HKEY_LOCAL_MACHINE"), None);
    }

    #[test]
    fn counts_stand_apart() {
        assert_eq!(standalone_counts("1 個の。0 個"), Some(vec![1, 0]));
        assert_eq!(standalone_counts("1개 2개"), Some(vec![1, 2]));
        assert_eq!(standalone_counts("v1 x"), None);
        assert_eq!(standalone_counts("0x1f"), None);
        assert_eq!(standalone_counts("10.0.1"), None);
        assert_eq!(standalone_counts("a, 3; b 4."), Some(vec![3, 4]));
    }
}
