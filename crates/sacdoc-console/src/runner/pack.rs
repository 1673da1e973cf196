//! Compression on the VM: a big spool crosses the line as the base64 of a cabinet that
//! `makecab` (in every Windows since NT 4, native, quick to start; MSZIP, makecab's default, is
//! Deflate in 32 KB blocks) made of it, not as the base64 of its text. Windows command output is
//! repetitive and compresses several times over, and on a 115200-baud line each byte not sent
//! is time saved.
//!
//! The choice is measured, not guessed. On a streaming console the VM compares the spool's size
//! (`%~zA` of a `for` over the file) with [`MIN_STREAM_PACKED`]: a smaller spool is typed out as
//! text, which costs its own size; a bigger one is read packed, and so is one that must be read
//! as base64 anyway (noise, a line of the console's width, bytes outside ASCII). On a painted
//! console the spool is paged as plain base64 first, and when its first page ends at
//! `-- More --` (more than a screen), `more` is quit and the cabinet paged instead: a short typed
//! line costs less there than packing a one-screen output saves. A VM without makecab (a trimmed
//! image) or where it fails falls back to the plain base64. The client tells the two apart by the
//! cabinet's signature, and accepts either only when the bytes it ends with have the VM's SHA-256
//! of the spool (see `verify`).

use std::io::Read as _;

/// Spools bigger than this are expected to come packed; one that came as plain base64 marks the
/// VM as one without a working makecab (see [`log_form`]).
pub const MIN_PACKED: u64 = 2048;

/// On a streaming console, spools bigger than this are not typed out as text but sent packed:
/// the text costs its own size and nothing more, while the packed form costs a second typed
/// line and its echo (about 500 bytes) besides the base64 of the cabinet.
pub const MIN_STREAM_PACKED: u64 = 4096;

/// The signature a cabinet file starts with.
const MAGIC: &[u8] = b"MSCF";

/// The bytes of the one file in the cabinet `bytes`, when `bytes` is a readable cabinet whose
/// file is at most `limit` bytes long; `None` otherwise (not a cabinet, a damaged one, or one
/// that would unpack past the limit: the line is not trusted with the client's memory).
pub fn unpack(bytes: &[u8], limit: usize) -> Option<Vec<u8>> {
    if !plain_single_file(bytes) {
        return None;
    }
    let mut cabinet = cab::Cabinet::new(std::io::Cursor::new(bytes)).ok()?;
    let (name, size) = {
        let mut files = cabinet.folder_entries().flat_map(|f| f.file_entries());
        let first = files.next()?;
        if files.next().is_some() {
            return None;
        }
        (first.name().to_string(), first.uncompressed_size() as usize)
    };
    if size > limit {
        return None;
    }
    let mut out = Vec::with_capacity(size);
    let reader = cabinet.read_file(&name).ok()?;
    reader.take(limit as u64 + 1).read_to_end(&mut out).ok()?;
    (out.len() == size).then_some(out)
}

/// The size of the file in the cabinet whose first bytes are `head` (the first rows of its
/// base64 suffice: the CFFILE entry follows the 44-byte header and folder), when `head` starts
/// like a cabinet makecab writes.
pub fn declared_size(head: &[u8]) -> Option<u64> {
    if !head.starts_with(MAGIC) {
        return None;
    }
    let at = usize::try_from(u32::from_le_bytes(head.get(16..20)?.try_into().ok()?)).ok()?;
    Some(u64::from(u32::from_le_bytes(head.get(at..at + 4)?.try_into().ok()?)))
}

/// True when `bytes` start like the cabinet makecab writes of one file: the signature, no
/// reserved areas and no neighbouring cabinets, one folder, one file at the folder's start
/// (`[MS-CAB]` 2.1 CFHEADER and 2.3 CFFILE). Anything else is refused before the `cab` crate
/// reads it: a damaged header can make that crate index past its tables and panic, and
/// nothing from the line may panic the client.
fn plain_single_file(bytes: &[u8]) -> bool {
    let u16_at = |at: usize| bytes.get(at..at + 2).map(|b| u16::from_le_bytes([b[0], b[1]]));
    let u32_at =
        |at: usize| bytes.get(at..at + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    let header = bytes.starts_with(MAGIC)
        && u32_at(8) == Some(bytes.len() as u32)
        && u16_at(26) == Some(1) // cFolders
        && u16_at(28) == Some(1) // cFiles
        && u16_at(30) == Some(0); // flags: no reserve, no previous or next cabinet
    let Some(files) = u32_at(16).and_then(|o| usize::try_from(o).ok()) else { return false };
    // CFFILE: cbFile, uoffFolderStart, iFolder.
    header && u32_at(files + 4) == Some(0) && u16_at(files + 8) == Some(0)
}

/// A CFDATA block of a cabinet: where it lies in the cabinet's bytes (its 8-byte header
/// included) and whether its checksum holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub range: std::ops::Range<usize>,
    pub ok: bool,
}

/// The CFDATA blocks of a cabinet that [`plain_single_file`] accepts (`[MS-CAB]` 2.2 CFFOLDER,
/// 2.4 CFDATA), each with its checksum checked; `None` when `bytes` is no such cabinet or its
/// blocks do not fill it exactly. makecab checksums every block of compressed data, so a
/// garbled byte is found to within its block (about 4.7 KB of a 32 KB MSZIP block, a hundred
/// base64 rows) before any hash of the whole is taken: the rows to doubt are those of the
/// blocks that fail. A block whose checksum is 0 was not checksummed and counts as holding.
pub fn data_blocks(bytes: &[u8]) -> Option<Vec<Block>> {
    if !plain_single_file(bytes) {
        return None;
    }
    let u16_at = |at: usize| bytes.get(at..at + 2).map(|b| u16::from_le_bytes([b[0], b[1]]));
    let u32_at =
        |at: usize| bytes.get(at..at + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    // The one CFFOLDER follows the 36-byte CFHEADER: coffCabStart, cCFData, typeCompress.
    let mut at = usize::try_from(u32_at(36)?).ok()?;
    let count = u16_at(40)?;
    let mut blocks = Vec::with_capacity(usize::from(count));
    for _ in 0..count {
        let size = usize::from(u16_at(at + 4)?);
        let range = at..at + 8 + size;
        let ok = block_holds(bytes.get(range.clone())?);
        blocks.push(Block { range, ok });
        at += 8 + size;
    }
    (at == bytes.len()).then_some(blocks)
}

/// True when `block` (a CFDATA block, header included) has the checksum its header states, or
/// states none (0).
pub fn block_holds(block: &[u8]) -> bool {
    let (Some(head), Some(data)) = (block.get(..8), block.get(8..)) else { return false };
    let sum = u32::from_le_bytes([head[0], head[1], head[2], head[3]]);
    sum == 0 || sum == checksum(&head[4..8], checksum(data, 0))
}

/// The cabinet checksum of `[MS-CAB]` 2.4: the XOR of the data's little-endian 32-bit words,
/// the 1 to 3 bytes left over taken most significant first, starting from `seed`.
fn checksum(data: &[u8], seed: u32) -> u32 {
    let mut words = data.chunks_exact(4);
    let mut sum = seed;
    for w in words.by_ref() {
        sum ^= u32::from_le_bytes([w[0], w[1], w[2], w[3]]);
    }
    let rest = words.remainder().iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b));
    sum ^ rest
}

/// Notes in the `-v` log how a verified spool crossed the line, and when a big one came unpacked
/// (no makecab on the VM, or it failed): the cost the line paid for it.
/// A big spool that came unpacked marks the VM as one without makecab (see
/// `Line::no_makecab`).
pub fn log_form(line: &mut crate::line::Line, size: usize, packed: bool) {
    if packed {
        tracing::info!("the spool ({size} bytes) came packed by makecab");
    } else if size as u64 > MIN_PACKED {
        line.no_makecab = true;
        tracing::info!(
            "the spool ({size} bytes) came as plain base64: makecab is missing on the VM or failed"
        );
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A cabinet of `bytes`, as the simulator's makecab writes it.
    pub(crate) fn cabinet(bytes: &[u8]) -> Vec<u8> {
        use std::io::Write as _;
        let mut b = cab::CabinetBuilder::new();
        b.add_folder(cab::CompressionType::MsZip).add_file("sd1.txt");
        let mut w = b.build(std::io::Cursor::new(Vec::new())).expect("build");
        while let Some(mut f) = w.next_file().expect("next") {
            f.write_all(bytes).expect("write");
        }
        w.finish().expect("finish").into_inner()
    }

    #[test]
    fn every_block_of_a_cabinet_is_checked_and_a_flipped_bit_is_found_in_its_block() {
        let text: Vec<u8> = (0..200_000u32)
            .flat_map(|i| {
                format!("  TCP    10.0.{}.{}:{}  LISTENING  {}\r\n", i % 7, i % 251, i, i % 977)
                    .into_bytes()
            })
            .take(200_000)
            .collect();
        let cab = cabinet(&text);
        let blocks = data_blocks(&cab).expect("blocks");
        assert!(blocks.len() > 3, "{}", blocks.len());
        assert!(blocks.iter().all(|b| b.ok), "the simulator's makecab checksums every block");
        let third = blocks[2].range.clone();
        let mut damaged = cab.clone();
        damaged[third.start + 100] ^= 0x10;
        let checked = data_blocks(&damaged).expect("blocks");
        let bad: Vec<usize> = (0..checked.len()).filter(|&i| !checked[i].ok).collect();
        assert_eq!(bad, vec![2]);
        assert_eq!(data_blocks(b"not a cabinet"), None);
        assert_eq!(data_blocks(&cab[..cab.len() - 1]), None);
    }

    #[test]
    fn a_cabinet_unpacks_and_anything_else_does_not() {
        let text = b"  TCP    0.0.0.0:3389    0.0.0.0:0    LISTENING    1044\r\n".repeat(2000);
        let c = cabinet(&text);
        assert!(c.len() * 10 < text.len(), "{} of {}", c.len(), text.len());
        assert_eq!(unpack(&c, 1 << 20).as_deref(), Some(text.as_slice()));
        assert_eq!(unpack(&text, 1 << 20), None);
        assert_eq!(unpack(b"MSCF", 1 << 20), None);
    }

    #[test]
    fn a_damaged_cabinet_is_read_within_bounds_and_without_a_panic() {
        let text = b"Windows IP Configuration\r\n".repeat(500);
        let c = cabinet(&text);
        let limit = 20_000;
        for i in 0..c.len() {
            for bit in [0x01, 0x20, 0x80] {
                let mut d = c.clone();
                d[i] ^= bit;
                // Whatever the damage, the result is bounded; that it is the right text is
                // the hash check's to say (see `verify`), not the cabinet's.
                if let Some(out) = unpack(&d, limit) {
                    assert!(out.len() <= limit, "byte {i} bit {bit:#x}: {} bytes", out.len());
                }
            }
        }
        // Several bytes at once, anywhere.
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = |n: usize| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) as usize % n
        };
        for _ in 0..20_000 {
            let mut d = c.clone();
            for _ in 0..1 + next(4) {
                let at = next(d.len());
                d[at] = next(256) as u8;
            }
            if let Some(out) = unpack(&d, limit) {
                assert!(out.len() <= limit);
            }
        }
        // Cut short anywhere, it never unpacks.
        for n in 0..c.len() {
            assert_eq!(unpack(&c[..n], limit), None, "cut at {n}");
        }
    }

    #[test]
    fn a_cabinet_that_would_unpack_past_the_limit_is_refused() {
        let c = cabinet(&vec![b'A'; 1 << 20]);
        assert!(c.len() < 20_000);
        assert_eq!(unpack(&c, 1 << 19), None);
        assert!(unpack(&c, 1 << 20).is_some());
    }

    #[test]
    fn the_size_is_read_from_the_first_rows() {
        let c = cabinet(&vec![b'x'; 123_456]);
        assert_eq!(declared_size(&c[..96]), Some(123_456));
        assert_eq!(declared_size(b"plain text, not a cabinet"), None);
        assert_eq!(declared_size(&c[..20]), None);
    }

    /// A cabinet made by another encoder (gcab; see tests/fixtures/cab/README.md) unpacks to the
    /// file it holds.
    #[test]
    fn a_cabinet_from_another_encoder_unpacks() {
        let cab = include_bytes!("../../tests/fixtures/cab/en-win10-anob.cab");
        let text =
            include_bytes!("../../../sacdoc-parse/tests/fixtures/parse/netstat/en-win10-anob.txt");
        assert_eq!(declared_size(cab), Some(text.len() as u64));
        assert_eq!(unpack(cab, 1 << 20).as_deref(), Some(&text[..]));
    }

    #[test]
    fn an_empty_file_unpacks_to_nothing() {
        assert_eq!(unpack(&cabinet(b""), 10).as_deref(), Some(&b""[..]));
    }
}
