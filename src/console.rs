//! Messages to the terminal. `println!` and `eprintln!` panic when the stream is closed
//! (`barometre fetch 2>&1 | head -1`: the pipe is closed after the first line, and the
//! next write fails with "broken pipe"); these functions write to the locked handle and
//! return or drop the error instead. The crate denies the printing macros (see `lib.rs`).

use std::fmt;
use std::io::Write as _;

/// Writes one line to stderr. A closed or failing stderr is ignored: there is nowhere
/// left to report it, and the exit code still says how the command ended.
pub fn note(args: fmt::Arguments<'_>) {
    let _ = std::io::stderr().lock().write_fmt(format_args!("{args}\n"));
}

/// Writes text to stderr as it is (no line end added), ignoring a closed stderr.
pub fn note_raw(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// `eprintln!` that does not panic on a closed stderr.
#[macro_export]
macro_rules! note {
    ($($arg:tt)*) => {
        $crate::console::note(format_args!($($arg)*))
    };
}

/// The width of the tables printed in a terminal (`compare`).
pub const WIDTH: usize = 100;

/// Words of `s` in lines of at most `n` characters.
pub fn wrap(s: &str, n: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for w in s.split(' ') {
        if !cur.is_empty() && cur.chars().count() + 1 + w.chars().count() > n {
            out.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(w);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}
