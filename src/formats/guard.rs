//! Defences around the spreadsheet library (found by fuzzing, issue 9): an OLE2 (`.xls`)
//! container whose sector chains loop is refused before calamine follows a loop and
//! allocates without bound, and a panic inside calamine on a damaged file becomes a
//! problem of that file instead of a crash.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;

use crate::error::Problem;

const OLE_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
/// Sector ids at or above this are markers (end of chain, free, FAT, DIFAT), not links.
const MAX_REG_SECT: u32 = 0xFFFF_FFFA;

fn damaged(file: &str, what: &str) -> Box<Problem> {
    Box::new(Problem::file(
        file,
        format!(
            "a readable xlsx/xls workbook ({what}: the file is damaged; download it again, or open it in Excel or \
             LibreOffice and save it again)"
        ),
    ))
}

/// Refuses an OLE2 compound file whose allocation tables (FAT, mini FAT) hold a loop, or
/// whose header is not one of a real `.xls`. Other bytes pass unchanged.
pub fn check_ole(file: &str, bytes: &[u8]) -> Result<(), Box<Problem>> {
    if !bytes.starts_with(&OLE_MAGIC) {
        return Ok(());
    }
    let bad = |what: &str| damaged(file, what);
    let u16_at = |o: usize| bytes.get(o..o + 2).map(|b| u16::from_le_bytes([b[0], b[1]]));
    let u32_at = |o: usize| bytes.get(o..o + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    let shift = u16_at(0x1E).ok_or_else(|| bad("truncated header"))?;
    if shift != 9 && shift != 12 {
        return Err(bad("unknown sector size"));
    }
    let size = 1usize << shift;
    let sector = |id: u32| -> Option<&[u8]> {
        let start = (id as usize).checked_add(1)?.checked_mul(size)?;
        bytes.get(start..start.checked_add(size)?)
    };
    let words =
        |s: &[u8]| -> Vec<u32> { s.chunks_exact(4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect() };
    let max_sectors = bytes.len() / size;

    // Sectors of the FAT: 109 in the header, the rest in the DIFAT chain.
    let mut fat_sectors: Vec<u32> =
        (0..109).filter_map(|i| u32_at(0x4C + 4 * i)).filter(|&id| id < MAX_REG_SECT).collect();
    let mut difat = u32_at(0x44).ok_or_else(|| bad("truncated header"))?;
    let mut hops = 0;
    while difat < MAX_REG_SECT {
        hops += 1;
        if hops > max_sectors {
            return Err(bad("a loop in the sector allocation table"));
        }
        let s = words(sector(difat).ok_or_else(|| bad("a sector beyond the end of the file"))?);
        let (last, entries) = s.split_last().ok_or_else(|| bad("an empty sector"))?;
        fat_sectors.extend(entries.iter().copied().filter(|&id| id < MAX_REG_SECT));
        difat = *last;
    }
    let mut fat = Vec::new();
    for id in fat_sectors {
        fat.extend(words(sector(id).ok_or_else(|| bad("a sector beyond the end of the file"))?));
        if fat.len() > max_sectors.saturating_mul(size) {
            return Err(bad("an allocation table larger than the file"));
        }
    }
    if has_loop(&fat) {
        return Err(bad("a loop in the sector allocation table"));
    }
    // The mini FAT, read through the (now loop-free) FAT.
    let mut minifat = Vec::new();
    let mut id = u32_at(0x3C).ok_or_else(|| bad("truncated header"))?;
    while id < MAX_REG_SECT {
        minifat.extend(words(sector(id).ok_or_else(|| bad("a sector beyond the end of the file"))?));
        id = match fat.get(id as usize) {
            Some(&next) => next,
            None => break,
        };
    }
    if has_loop(&minifat) {
        return Err(bad("a loop in the mini sector allocation table"));
    }
    Ok(())
}

/// True when following `next[i]` from some `i` comes back to a sector already on the
/// path (links at or above `MAX_REG_SECT`, or out of range, end a chain).
fn has_loop(next: &[u32]) -> bool {
    // 0: not seen, 1: on the current path, 2: known to end.
    let mut state = vec![0u8; next.len()];
    let mut path = Vec::new();
    for start in 0..next.len() {
        let mut cur = start;
        path.clear();
        while cur < next.len() {
            match state[cur] {
                1 => return true,
                2 => break,
                _ => {}
            }
            state[cur] = 1;
            path.push(cur);
            let n = next[cur];
            if n >= MAX_REG_SECT {
                break;
            }
            cur = n as usize;
        }
        for &p in &path {
            state[p] = 2;
        }
    }
    false
}

/// The largest total uncompressed size of an xlsx's parts (the real DREES workbook is a
/// few hundred MB of XML): a small file that inflates beyond it is refused.
pub const MAX_UNZIPPED_BYTES: u64 = 2 << 30;

/// Refuses a zip container (xlsx, ods) whose central directory declares more than
/// [`MAX_UNZIPPED_BYTES`] once inflated (a "zip bomb"), or that has no readable central
/// directory (a download cut short: calamine would only say "Cannot detect file format").
/// Other bytes pass unchanged.
pub fn check_zip(file: &str, bytes: &[u8]) -> Result<(), Box<Problem>> {
    if !bytes.starts_with(b"PK\x03\x04") {
        return Ok(());
    }
    // The sizes the central directory declares (ZIP64 included), read by the zip crate.
    let Ok(mut archive) = zip::ZipArchive::new(std::io::Cursor::new(bytes)) else {
        return Err(damaged(file, "an incomplete zip archive"));
    };
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let Ok(entry) = archive.by_index_raw(i) else { return Ok(()) };
        total = total.saturating_add(entry.size());
    }
    if total > MAX_UNZIPPED_BYTES {
        return Err(Box::new(Problem {
            value: Some(format!("{total} bytes")),
            ..Problem::file(
                file,
                format!(
                    "a workbook of at most {MAX_UNZIPPED_BYTES} bytes once uncompressed (is it the right file? a file \
                     that inflates this much is refused)"
                ),
            )
        }));
    }
    Ok(())
}

thread_local! {
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` (a call into calamine); a panic in it becomes "damaged workbook" for `file`,
/// without the panic message on stderr. Panics elsewhere are reported as before.
pub fn catch<T>(file: &str, f: impl FnOnce() -> T) -> Result<T, Box<Problem>> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(Cell::get) {
                previous(info);
            }
        }));
    });
    let was = QUIET.with(|q| q.replace(true));
    let result = catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(was));
    result.map_err(|_| damaged(file, "the spreadsheet reader failed on it"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loops_are_found() {
        assert!(!has_loop(&[1, 2, 0xFFFF_FFFE, 0xFFFF_FFFF]));
        assert!(has_loop(&[1, 2, 0]));
        assert!(has_loop(&[0xFFFF_FFFE, 2, 2]));
        assert!(!has_loop(&[5, 7]), "out of range ends a chain");
    }

    #[test]
    fn panics_become_problems() {
        let r: Result<(), _> = catch("x.xls", || panic!("boom"));
        let p = r.expect_err("caught");
        assert!(p.to_string().starts_with("x.xls: expected a readable xlsx/xls workbook"), "{p}");
        assert_eq!(catch("x.xls", || 3).ok(), Some(3));
    }
}
