//! Choosing, among the reads of one spool's base64, the bytes that the VM's own SHA-256 vouches
//! for.
//!
//! A noisy line damages a few rows of each read, rarely the same row twice, and never the same
//! way twice. So a row is settled once two copies of it agree; the caller fetches the rows that
//! are not settled again by number (a few bytes each) rather than the whole output. Besides each
//! read on its own and the per-row majority, the rows on which reads disagree are combined
//! (every choice of variant per row, up to a bounded number of candidates): two reads damaged in
//! different rows give the right bytes without a third. Whatever is returned decoded to bytes whose SHA-256 the VM printed, so a
//! combination cannot produce a wrong answer, only fail to produce one.

use std::collections::BTreeSet;

use base64::Engine as _;

use super::checksum::sha256_hex;

/// Most candidates tried per call (each is decoded and hashed).
const MAX_CANDIDATES: usize = 1024;
/// Most bytes of base64 decoded and hashed per call, over all candidates.
const MAX_WORK: usize = 256 * 1024 * 1024;

/// The reads of one spool so far, and every hash of it the VM printed.
#[derive(Debug)]
pub struct Reads {
    /// The most bytes a compressed read may unpack to (the run's output limit).
    unpack_limit: usize,
    /// Each read's base64 rows between BEGIN and END, in order.
    reads: Vec<Vec<String>>,
    /// Single rows fetched again by index (0 = the first row after BEGIN).
    extra: Vec<(usize, String)>,
    hashes: BTreeSet<String>,
}

impl Reads {
    /// No reads yet; a compressed read unpacks to at most `unpack_limit` bytes.
    pub fn new(unpack_limit: usize) -> Reads {
        Reads { unpack_limit, reads: Vec::new(), extra: Vec::new(), hashes: BTreeSet::new() }
    }

    pub fn add(&mut self, rows: Vec<String>) {
        self.reads.push(rows);
    }

    /// Adds a hash read from the VM (`None`: the hash did not come through this time).
    pub fn add_hash(&mut self, hash: Option<String>) {
        self.hashes.extend(hash);
    }

    pub fn has_hash(&self) -> bool {
        !self.hashes.is_empty()
    }

    pub fn count(&self) -> usize {
        self.reads.len()
    }

    /// Adds one row fetched again by its index.
    pub fn add_row(&mut self, index: usize, body: String) {
        self.extra.push((index, body));
    }

    /// The number of rows, as most reads have it (the newest among equals): one read whose END
    /// line's number the line garbled must not shut every other read out of the vote.
    pub fn rows(&self) -> usize {
        let mut best = (0, 0);
        for r in &self.reads {
            let n = r.len();
            let count = self.reads.iter().filter(|o| o.len() == n).count();
            if count >= best.1 {
                best = (n, count);
            }
        }
        best.0
    }

    /// A one-line account of the reads for the log: rows, reads, rows not settled, and rows
    /// whose two most frequent copies are equally frequent.
    pub fn summary(&self) -> String {
        let variants = self.variants();
        let unsettled = variants.iter().filter(|v| v.first().is_none_or(|(_, n)| *n < 2)).count();
        let tied = variants.iter().filter(|v| v.len() > 1 && v[0].1 == v[1].1).count();
        let lengths: Vec<usize> = self.reads.iter().map(Vec::len).collect();
        format!(
            "{} rows, read lengths {lengths:?}, {} rows fetched, {unsettled} unsettled, {tied} tied, {} hashes",
            self.rows(),
            self.extra.len(),
            self.hashes.len()
        )
    }

    /// The indexes of rows no two copies of which agree: those with no copy at all first, then
    /// those with one, so that a fetch of a few rows asks first for what no read brought.
    pub fn unsettled(&self) -> Vec<usize> {
        let variants = self.variants();
        let mut open: Vec<(usize, usize)> = variants
            .iter()
            .enumerate()
            .filter(|(_, v)| v.first().is_none_or(|(_, n)| *n < 2))
            .map(|(i, v)| (v.len(), i))
            .collect();
        open.sort_unstable();
        open.into_iter().map(|(_, i)| i).collect()
    }

    /// Per row of the newest read's length, its distinct copies with their counts, the most
    /// frequent first (full-length copies first among equals: a short copy lost characters).
    /// A copy that cannot be the row is left out (see [`plausible`]).
    fn variants(&self) -> Vec<Vec<(&str, usize)>> {
        let n = self.rows();
        let mut v: Vec<Vec<(&str, usize)>> = vec![Vec::new(); n];
        let copies = self
            .reads
            .iter()
            .filter(|r| r.len() == n)
            .flat_map(|r| r.iter().enumerate())
            .chain(self.extra.iter().map(|(i, b)| (*i, b)));
        for (i, body) in copies {
            // A row that did not come at all is no copy of it.
            if !plausible(body.trim(), i + 1 == n) {
                continue;
            }
            let Some(row) = v.get_mut(i) else { continue };
            match row.iter_mut().find(|(b, _)| *b == body.as_str()) {
                Some((_, c)) => *c += 1,
                None => row.push((body.as_str(), 1)),
            }
        }
        for row in &mut v {
            row.sort_by_key(|(b, c)| (std::cmp::Reverse(*c), std::cmp::Reverse(b.len())));
        }
        v
    }

    /// True when the newest read is a cabinet whose file is bigger than the unpack limit: the
    /// output is too large, not damaged.
    pub fn packed_too_large(&self) -> bool {
        let Some(rows) = self.reads.last() else { return false };
        let head: String = rows.iter().take(2).map(|r| r.trim()).collect();
        let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(head.as_bytes()) else {
            return false;
        };
        super::pack::declared_size(&bytes).is_some_and(|n| n > self.unpack_limit as u64)
    }

    /// True when `bytes` have one of the VM's hashes.
    pub fn vouches_for(&self, bytes: &[u8]) -> bool {
        !self.hashes.is_empty() && self.hashes.contains(&sha256_hex(bytes))
    }

    /// The decoded bytes of a read, or of a combination of reads, whose SHA-256 the VM printed.
    pub fn verified(&self) -> Option<Vec<u8>> {
        self.verified_packed().map(|(b, _)| b)
    }

    /// [`Reads::verified`], and whether the bytes came packed in a cabinet.
    pub fn verified_packed(&self) -> Option<(Vec<u8>, bool)> {
        if self.hashes.is_empty() {
            return None;
        }
        let mut work = 0usize;
        for rows in self.reads.iter().rev() {
            work += size(rows);
            if let Some(b) = self.check(rows, &mut work) {
                return Some(b);
            }
        }
        self.combined(&mut work)
    }

    /// The per-row majority, then other copies on the rows where copies differ: first every
    /// candidate that differs from the majority in one row, then in two, and so on, up to
    /// [`MAX_CANDIDATES`]. A painted console repaints only the cells that changed, so a cell the
    /// line garbled can be read again unchanged from the screen: a wrong copy can then outvote
    /// the right one, which is why the right one is still tried, and why the few-changes-first
    /// order (not giving up when the product of all choices is large) matters.
    fn combined(&self, work: &mut usize) -> Option<(Vec<u8>, bool)> {
        let variants = self.variants();
        if variants.is_empty() || variants.iter().any(Vec::is_empty) {
            return None;
        }
        let mut rows: Vec<String> = variants.iter().map(|v| v[0].0.to_string()).collect();
        let choices: Vec<(usize, &[(&str, usize)])> = variants
            .iter()
            .enumerate()
            .filter(|(_, v)| v.len() > 1)
            .map(|(i, v)| (i, &v[1..]))
            .collect();
        let mut search = Search { reads: self, budget: MAX_CANDIDATES, work };
        (0..=choices.len()).find_map(|changes| search.changed(&mut rows, &choices, changes))
    }

    /// The spool's bytes from `rows` when the VM's hash vouches for them: the decoded bytes
    /// themselves, or what they unpack to when they are a cabinet made on the VM (see `pack`).
    /// Unpacking counts towards `work`.
    fn check(&self, rows: &[String], work: &mut usize) -> Option<(Vec<u8>, bool)> {
        let joined: String = rows.iter().map(|r| r.trim()).collect();
        let bytes = base64::engine::general_purpose::STANDARD.decode(joined.as_bytes()).ok()?;
        if self.vouches_for(&bytes) {
            return Some((bytes, false));
        }
        if *work > MAX_WORK {
            return None;
        }
        let unpacked = super::pack::unpack(&bytes, self.unpack_limit)?;
        *work += unpacked.len();
        self.vouches_for(&unpacked).then_some((unpacked, true))
    }
}

/// True when `row` can be a row of certutil's base64: base64 characters only, and exactly 64 of
/// them unless it is the `last` row (which is shorter, and padded with `=`). A copy the line
/// garbled into anything else (a byte outside base64, a character lost or doubled) is no
/// candidate, so it can neither outvote nor stand in for a good one.
fn plausible(row: &str, last: bool) -> bool {
    let base64 = |b: u8| b.is_ascii_alphanumeric() || b == b'+' || b == b'/';
    let body = row.trim_end_matches('=');
    let padding = row.len() - body.len();
    !row.is_empty()
        && padding <= 2
        && body.bytes().all(base64)
        && if last {
            row.len() <= 64 && row.len() % 4 == 0
        } else {
            row.len() == 64 && padding == 0
        }
}

fn size(rows: &[String]) -> usize {
    rows.iter().map(String::len).sum()
}

/// A bounded search over combinations of row copies (see [`Reads::combined`]).
struct Search<'a, 'w> {
    reads: &'a Reads,
    /// Candidates still allowed.
    budget: usize,
    work: &'w mut usize,
}

impl Search<'_, '_> {
    /// Tries every candidate in which exactly `changes` of the rows in `choices` (each with its
    /// other copies, the most frequent first) hold another copy than in `rows`; `rows` is left
    /// as it was.
    fn changed(
        &mut self,
        rows: &mut [String],
        choices: &[(usize, &[(&str, usize)])],
        changes: usize,
    ) -> Option<(Vec<u8>, bool)> {
        if changes == 0 {
            if self.budget == 0 || *self.work > MAX_WORK {
                return None;
            }
            self.budget -= 1;
            *self.work += size(rows);
            return self.reads.check(rows, self.work);
        }
        for (k, (i, others)) in choices.iter().enumerate() {
            if choices.len() - k < changes {
                break;
            }
            let kept = rows[*i].clone();
            for (copy, _) in others.iter() {
                rows[*i] = (*copy).to_string();
                let found = self.changed(rows, &choices[k + 1..], changes - 1);
                if found.is_some() || self.budget == 0 {
                    rows[*i] = kept;
                    return found;
                }
            }
            rows[*i] = kept;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows_of(bytes: &[u8]) -> Vec<String> {
        let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
        b64.as_bytes().chunks(64).map(|c| String::from_utf8_lossy(c).into_owned()).collect()
    }

    /// Replaces one character of row `i` by another base64 character: still decodes, wrongly.
    fn garble(rows: &[String], i: usize) -> Vec<String> {
        let mut r = rows.to_vec();
        let c = if r[i].starts_with('A') { "B" } else { "A" };
        r[i].replace_range(0..1, c);
        r
    }

    fn sample() -> Vec<u8> {
        (0..2000u32).map(|i| (i * 7 % 251) as u8).collect()
    }

    #[test]
    fn a_clean_read_with_its_hash_verifies() {
        let data = sample();
        let mut reads = Reads::new(1 << 20);
        reads.add(rows_of(&data));
        assert_eq!(reads.verified(), None, "no hash, no answer");
        reads.add_hash(Some(sha256_hex(&data)));
        assert_eq!(reads.verified(), Some(data));
    }

    #[test]
    fn a_garbled_read_never_verifies() {
        let data = sample();
        let mut reads = Reads::new(1 << 20);
        reads.add_hash(Some(sha256_hex(&data)));
        reads.add(garble(&rows_of(&data), 3));
        assert_eq!(reads.verified(), None);
        // The same damage twice cannot be repaired either.
        reads.add(garble(&rows_of(&data), 3));
        assert_eq!(reads.verified(), None);
    }

    #[test]
    fn two_reads_damaged_in_different_rows_combine() {
        let data = sample();
        let rows = rows_of(&data);
        let mut reads = Reads::new(1 << 20);
        reads.add_hash(Some(sha256_hex(&data)));
        reads.add(garble(&garble(&rows, 1), 20));
        reads.add(garble(&rows, 7));
        assert_eq!(reads.verified(), Some(data));
    }

    #[test]
    fn rows_fetched_again_settle_a_row_damaged_in_every_read() {
        let data = sample();
        let rows = rows_of(&data);
        let mut reads = Reads::new(1 << 20);
        reads.add_hash(Some(sha256_hex(&data)));
        reads.add(garble(&rows, 4));
        let mut other = garble(&rows, 9);
        other[4] = format!("{}x", &rows[4][1..]);
        reads.add(other);
        // Row 4 is damaged in both reads, differently; rows 9 and 4 are not settled.
        assert_eq!(reads.unsettled(), vec![4, 9]);
        assert_eq!(reads.verified(), None);
        reads.add_row(4, rows[4].clone());
        assert_eq!(reads.verified(), Some(data));
    }

    #[test]
    fn a_wrong_copy_that_outvotes_the_right_one_is_overruled_among_many_choices() {
        // Rows 3 and 7 read twice wrong (a painted screen keeps a garbled cell until it
        // changes) and once right; twenty other rows each have a noisy copy as well. The product
        // of all choices (2^22) is far above the candidate limit, but few rows need changing.
        let data = sample();
        let rows = rows_of(&data);
        let mut reads = Reads::new(1 << 20);
        reads.add_hash(Some(sha256_hex(&data)));
        let wrong = garble(&garble(&rows, 3), 7);
        reads.add(wrong.clone());
        reads.add(wrong);
        for i in [3, 7] {
            reads.add_row(i, rows[i].clone());
        }
        for (i, row) in rows.iter().enumerate().take(30).skip(10) {
            reads.add_row(i, format!("{}Q", &row[..row.len() - 1]));
        }
        assert_eq!(reads.verified(), Some(data));
    }

    #[test]
    fn copies_that_cannot_be_the_row_neither_outvote_nor_stand_in() {
        let data = sample();
        let rows = rows_of(&data);
        let mut reads = Reads::new(1 << 20);
        reads.add_hash(Some(sha256_hex(&data)));
        // Row 2 lost a character and row 6 gained a byte outside base64, twice the same way
        // (a painted screen shows a garbled cell again while it does not change).
        let mut bad = rows.clone();
        bad[2] = rows[2][1..].to_string();
        bad[6] = format!("{}\u{e9}", &rows[6][..63]);
        reads.add(bad.clone());
        reads.add(bad);
        // Rows with no plausible copy come first among the unsettled.
        assert_eq!(reads.unsettled(), vec![2, 6]);
        reads.add_row(2, rows[2].clone());
        reads.add_row(6, rows[6].clone());
        // One good copy of each beats two identical implausible ones.
        assert_eq!(reads.verified(), Some(data));
    }

    #[test]
    fn only_base64_rows_of_the_right_length_are_plausible() {
        assert!(plausible(&"A".repeat(64), false));
        assert!(!plausible(&"A".repeat(63), false));
        assert!(!plausible(&"A".repeat(65), false));
        assert!(!plausible(&format!("{}!", "A".repeat(63)), false));
        assert!(plausible("QUJD", true));
        assert!(plausible("QQ==", true));
        assert!(!plausible("QQ=", true));
        assert!(!plausible("Q===", true));
        assert!(!plausible("", true));
    }

    #[test]
    fn a_read_with_a_garbled_row_count_does_not_shut_the_others_out() {
        let data = sample();
        let rows = rows_of(&data);
        let mut reads = Reads::new(1 << 20);
        reads.add_hash(Some(sha256_hex(&data)));
        reads.add(garble(&rows, 4));
        reads.add(garble(&rows, 9));
        // The newest read's END line came with another number: two rows more, both empty.
        let mut longer = garble(&rows, 2);
        longer.extend([String::new(), String::new()]);
        reads.add(longer);
        assert_eq!(reads.rows(), rows.len());
        assert_eq!(reads.verified(), Some(data));
    }

    #[test]
    fn a_garbled_hash_does_not_hide_a_good_one() {
        let data = sample();
        let mut reads = Reads::new(1 << 20);
        reads.add_hash(Some("0".repeat(64)));
        reads.add(rows_of(&data));
        assert_eq!(reads.verified(), None);
        reads.add_hash(Some(sha256_hex(&data)));
        assert_eq!(reads.verified(), Some(data));
    }
}
