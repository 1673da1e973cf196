//! `gpresult /r /scope computer`, read by shape (its labels are translated).

use crate::parse_common::sim_output;
use sacdoc_parse::gpresult;

#[test]
fn a_domain_member_lists_its_gpos_and_dn() {
    let out = sim_output("gpo-reverts-tls", "gpresult /r /scope computer");
    let r = gpresult::parse(&out);
    let dn = r.dn.expect("a domain member has a DN");
    assert!(dn.starts_with("CN=") && dn.contains("DC="), "{dn}");
    assert!(!r.gpos.is_empty(), "{out}");
    assert!(r.gpos.iter().all(|g| !g.eq_ignore_ascii_case("Local Group Policy")), "{:?}", r.gpos);
}

#[test]
fn nothing_recognisable_reads_as_no_domain() {
    assert_eq!(gpresult::parse(""), gpresult::GpResult::default());
    let r = gpresult::parse("ERROR: Access denied.\r\n----\r\nKey: value\r\n");
    assert_eq!((r.dn, r.gpos.len()), (None, 0));
}
