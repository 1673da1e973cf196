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
/// Most characters in which a noisy copy of the VM's hash may differ from the hash of the bytes
/// it is to vouch for (see [`Reads::vouches_for`]).
const MAX_HASH_DAMAGE: usize = 4;

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
        for (i, v) in variants.iter().enumerate() {
            if v.first().is_none_or(|(_, n)| *n <= 2) {
                tracing::trace!(row = i, ?v, "a weakly settled row");
            }
        }
        if variants.iter().all(|v| !v.is_empty()) {
            let joined: String = variants.iter().map(|v| v[0].0.trim()).collect();
            let decoded = base64::engine::general_purpose::STANDARD.decode(joined.as_bytes());
            let unpacked =
                decoded.as_ref().ok().and_then(|b| super::pack::unpack(b, self.unpack_limit));
            tracing::trace!(
                decoded = ?decoded.as_ref().map(Vec::len),
                unpacked = ?unpacked.as_ref().map(Vec::len),
                hash = ?unpacked.as_ref().map(|u| sha256_hex(u)),
                hashes = ?self.hashes,
                "the majority of the rows"
            );
        }
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
        if open.is_empty() {
            // Every row settled, yet a block of the cabinet they make fails its checksum: a
            // wrong copy came twice. Its rows are in doubt.
            open = doubted(&variants).into_iter().map(|i| (variants[i].len(), i)).collect();
        }
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

    /// True when `bytes` have the VM's hash: one copy of it is exactly theirs, or two or more
    /// copies are each a few characters off theirs and, at every position, one of them has
    /// their character. A 64-digit line comes through whole only about half the time at 1%
    /// noise; three reads with the hash damaged in three places once made a capture whose
    /// bytes were right fail. Never weaker than the hash: the SHA-256 of wrong bytes is as good
    /// as random, and 64 hex digits within a few of two noisy copies of another hash do not
    /// happen by chance (about 10^-50).
    pub fn vouches_for(&self, bytes: &[u8]) -> bool {
        if self.hashes.is_empty() {
            return false;
        }
        let own = sha256_hex(bytes);
        if self.hashes.contains(&own) {
            return true;
        }
        let own = own.as_bytes();
        let near: Vec<&[u8]> = self
            .hashes
            .iter()
            .map(|h| h.as_bytes())
            .filter(|h| {
                h.len() == own.len()
                    && h.iter().zip(own).filter(|(a, b)| a != b).count() <= MAX_HASH_DAMAGE
            })
            .collect();
        near.len() >= 2 && (0..own.len()).all(|i| near.iter().any(|h| h[i] == own[i]))
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
        *work += size(&rows);
        if let Some(b) = self.check(&rows, work) {
            return Some(b);
        }
        if repair_blocks(&mut rows, &variants) {
            *work += size(&rows);
            if let Some(b) = self.check(&rows, work) {
                return Some(b);
            }
        }
        // In a cabinet whose blocks hold their checksums, only rows no checksum covers (the
        // headers before the first block) or in a failing block can be the wrong ones; a search
        // over every row with two copies (hundreds, at 1% noise) would spend the budget, each
        // candidate a whole unpack, on rows the checksums already vouch for.
        let open = unvouched_rows(&rows).unwrap_or_else(|| (0..variants.len()).collect());
        let choices: Vec<(usize, &[(&str, usize)])> = open
            .into_iter()
            .filter_map(|i| variants.get(i).filter(|v| v.len() > 1).map(|v| (i, &v[1..])))
            .collect();
        let mut budget = MAX_CANDIDATES;
        few_changes_first(&mut rows, &choices, &mut budget, &mut |rows: &[String]| {
            if *work > MAX_WORK {
                return None;
            }
            *work += size(rows);
            self.check(rows, work)
        })
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
            row.len() <= 64 && row.len().is_multiple_of(4)
        } else {
            row.len() == 64 && padding == 0
        }
}

fn size(rows: &[String]) -> usize {
    rows.iter().map(String::len).sum()
}

/// The rows in `range` that have other copies than their most frequent one, with those copies
/// (the most frequent first).
fn alternatives<'v, 'a>(
    variants: &'v [Vec<(&'a str, usize)>],
    range: std::ops::Range<usize>,
) -> Vec<(usize, &'v [(&'a str, usize)])> {
    range.filter_map(|i| variants.get(i).filter(|v| v.len() > 1).map(|v| (i, &v[1..]))).collect()
}

/// Tries candidates made from `rows` by putting other copies (`choices`) in: first every one
/// that changes one row, then two, and so on, until `test` accepts one or `budget` candidates
/// were tried. On success `rows` is left as the accepted candidate; otherwise as it was.
fn few_changes_first<T>(
    rows: &mut [String],
    choices: &[(usize, &[(&str, usize)])],
    budget: &mut usize,
    test: &mut dyn FnMut(&[String]) -> Option<T>,
) -> Option<T> {
    (0..=choices.len()).find_map(|changes| changed(rows, choices, changes, budget, test))
}

/// The candidates of [`few_changes_first`] that change exactly `changes` of the rows in
/// `choices`.
fn changed<T>(
    rows: &mut [String],
    choices: &[(usize, &[(&str, usize)])],
    changes: usize,
    budget: &mut usize,
    test: &mut dyn FnMut(&[String]) -> Option<T>,
) -> Option<T> {
    if changes == 0 {
        if *budget == 0 {
            return None;
        }
        *budget -= 1;
        return test(rows);
    }
    for (k, (i, others)) in choices.iter().enumerate() {
        if choices.len() - k < changes || *budget == 0 {
            break;
        }
        let kept = rows[*i].clone();
        for (copy, _) in others.iter() {
            rows[*i] = (*copy).to_string();
            if let Some(found) = changed(rows, &choices[k + 1..], changes - 1, budget, test) {
                return Some(found);
            }
        }
        rows[*i] = kept;
    }
    None
}

/// Bytes per base64 row: 64 characters carry 48 bytes, so row `i` holds bytes `48 * i` on.
const ROW_BYTES: usize = 48;

/// The cabinet blocks that fail their checksum when `rows` are decoded, as ranges of rows;
/// `None` when the rows do not decode to a cabinet (see [`super::pack::data_blocks`]).
fn failing_blocks(rows: &[String]) -> Option<Vec<std::ops::Range<usize>>> {
    let joined: String = rows.iter().map(|r| r.trim()).collect();
    let bytes = base64::engine::general_purpose::STANDARD.decode(joined.as_bytes()).ok()?;
    let blocks = super::pack::data_blocks(&bytes)?;
    Some(
        blocks
            .into_iter()
            .filter(|b| !b.ok)
            .map(|b| b.range.start / ROW_BYTES..(b.range.end - 1) / ROW_BYTES + 1)
            .collect(),
    )
}

/// When `rows` decode to a cabinet: the rows that no block checksum vouches for, those of the
/// headers before the first block and those of blocks that fail.
fn unvouched_rows(rows: &[String]) -> Option<Vec<usize>> {
    let joined: String = rows.iter().map(|r| r.trim()).collect();
    let bytes = base64::engine::general_purpose::STANDARD.decode(joined.as_bytes()).ok()?;
    let blocks = super::pack::data_blocks(&bytes)?;
    let headers = blocks.first().map_or(0, |b| b.range.start);
    let mut open: Vec<usize> = (0..headers.div_ceil(ROW_BYTES)).collect();
    for b in blocks.iter().filter(|b| !b.ok) {
        open.extend(b.range.start / ROW_BYTES..(b.range.end - 1) / ROW_BYTES + 1);
    }
    open.sort_unstable();
    open.dedup();
    Some(open)
}

/// The rows of the per-row majority that lie in a cabinet block failing its checksum.
fn doubted(variants: &[Vec<(&str, usize)>]) -> Vec<usize> {
    if variants.iter().any(Vec::is_empty) {
        return Vec::new();
    }
    let rows: Vec<String> = variants.iter().map(|v| v[0].0.to_string()).collect();
    failing_blocks(&rows).unwrap_or_default().into_iter().flatten().collect()
}

/// When `rows` decode to a cabinet, puts other copies into the rows of each block that fails
/// its checksum until it holds, each block on its own (few changes first, a bounded number of
/// candidates per block): a block's checksum judges a hundred rows at a time, so damage in
/// several blocks is mended block by block rather than by a search over all rows together.
/// Returns whether any block was mended; the whole is still judged by the VM's hash.
fn repair_blocks(rows: &mut [String], variants: &[Vec<(&str, usize)>]) -> bool {
    let Ok(joined) = base64::engine::general_purpose::STANDARD
        .decode(rows.iter().map(|r| r.trim()).collect::<String>().as_bytes())
    else {
        return false;
    };
    let Some(blocks) = super::pack::data_blocks(&joined) else { return false };
    let mut mended = false;
    for block in blocks.into_iter().filter(|b| !b.ok) {
        let first = block.range.start / ROW_BYTES;
        let end = ((block.range.end - 1) / ROW_BYTES + 1).min(rows.len());
        let choices = alternatives(variants, first..end);
        let mut budget = MAX_CANDIDATES;
        let skip = block.range.start - first * ROW_BYTES;
        let len = block.range.len();
        let holds = few_changes_first(rows, &choices, &mut budget, &mut |rows: &[String]| {
            let mut bytes = Vec::with_capacity((end - first) * ROW_BYTES);
            for r in &rows[first..end] {
                bytes.extend(base64::engine::general_purpose::STANDARD.decode(r.trim()).ok()?);
            }
            let block = bytes.get(skip..skip + len)?;
            super::pack::block_holds(block).then_some(())
        });
        mended |= holds.is_some();
    }
    mended
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
    fn a_cabinet_is_mended_block_by_block_where_its_checksums_fail() {
        let text: Vec<u8> = (0..9000u32)
            .flat_map(|i| {
                format!("  TCP  10.1.{}.{}:{}  LISTENING  {}\r\n", i % 5, i % 241, i, i % 613)
                    .into_bytes()
            })
            .collect();
        let rows = rows_of(&super::super::pack::tests::cabinet(&text));
        let mut reads = Reads::new(1 << 24);
        reads.add_hash(Some(sha256_hex(&text)));
        // Five rows, in five blocks (a block is about a hundred rows), came wrong the same way
        // twice; forty other rows have a noisy copy besides their good ones. Changing five rows
        // at once among forty-five is far past the candidate limit of a search over all rows.
        let wrong = [150, 280, 400, 550, 700];
        assert!(rows.len() > 800, "{}", rows.len());
        let mut bad = rows.clone();
        for &i in &wrong {
            bad = garble(&bad, i);
        }
        reads.add(bad.clone());
        reads.add(bad);
        assert!(reads.unsettled().len() > 5 * 50, "the failing blocks' rows are in doubt");
        for i in (10..800).step_by(20) {
            reads.add_row(i, format!("{}Q", &rows[i][..63]));
            reads.add_row(i, rows[i].clone());
            reads.add_row(i, rows[i].clone());
        }
        for &i in &wrong {
            reads.add_row(i, rows[i].clone());
        }
        assert_eq!(reads.verified(), Some(text));
    }

    #[test]
    fn noisy_copies_of_the_hash_vouch_together_but_never_for_wrong_bytes() {
        let data = sample();
        let hash = sha256_hex(&data);
        let flip = |at: usize| {
            let mut h = hash.clone().into_bytes();
            h[at] = if h[at] == b'0' { b'1' } else { b'0' };
            String::from_utf8(h).unwrap()
        };
        let mut reads = Reads::new(1 << 20);
        reads.add(rows_of(&data));
        reads.add_hash(Some(flip(3)));
        assert_eq!(reads.verified(), None, "one damaged copy vouches for nothing");
        reads.add_hash(Some(flip(40)));
        assert_eq!(reads.verified(), Some(data.clone()), "every digit is in one of the two");
        let mut wrong = Reads::new(1 << 20);
        wrong.add(garble(&rows_of(&data), 5));
        wrong.add_hash(Some(flip(3)));
        wrong.add_hash(Some(flip(40)));
        wrong.add_hash(Some(flip(50)));
        assert_eq!(wrong.verified(), None);
        // Both copies damaged at the same digit: that digit is vouched for by neither.
        let mut same = Reads::new(1 << 20);
        same.add(rows_of(&data));
        same.add_hash(Some(flip(7)));
        let mut other = flip(7).into_bytes();
        other[20] = if other[20] == b'0' { b'1' } else { b'0' };
        same.add_hash(Some(String::from_utf8(other).unwrap()));
        assert_eq!(same.verified(), None);
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
