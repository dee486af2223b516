//! Stack headroom for the parser, sized before parsing starts.
//!
//! pest recurses once per nesting level and, built without its "std"
//! feature (which probes the native stack on every rule call, a fifth of
//! parse time), it does not check the stack itself. So every grammar entry
//! point runs through [`with_stack`], which makes sure the stack is deep
//! enough for the text *before* pest sees it:
//!
//! * every recursive path of the grammar consumes an opening character
//!   before it recurses, and the openers of the active levels sit at
//!   increasing offsets. The openers are `(`, `[`, `{`, `?` (conditionals),
//!   `${`/`%{`, and `"`/`<<` (strings, heredocs); a string or heredoc level
//!   can only have a `${`/`%{` level inside it, so strings never make up
//!   more than half the levels (plus one). Nesting depth is therefore at
//!   most [`levels`]: one plus the brackets and `?`s, plus the `${`/`%{`s
//!   once more (their `{` already counted once);
//! * each level costs at most [`PER_LEVEL`] bytes of stack (measured: about
//!   800 bytes in release builds, 5 KiB in debug builds, for the deepest
//!   forms; the constants leave a margin of two or more);
//! * `stacker::maybe_grow` runs the parse on the current stack when enough of
//!   it is left and on a freshly mapped one otherwise (untouched pages cost
//!   nothing).
//!
//! A text that would need more than [`STACK_CAP`] is not parsed in one piece:
//! the caller splits it at top-level items or reports it.

/// Largest stack a single parse may ask for, in bytes. Mapping this much
/// address space is harmless on 64-bit systems (pages are only committed
/// when touched); beyond it a file is parsed in pieces.
pub(crate) const STACK_CAP: usize = 512 << 20;

/// Stack bytes one nesting level of the grammar (parser, lexer, AST builder)
/// may use.
const PER_LEVEL: usize = if cfg!(debug_assertions) {
    12 << 10
} else {
    2 << 10
};

/// Stack bytes needed besides the nesting levels.
const BASE: usize = if cfg!(debug_assertions) {
    4 << 20
} else {
    1 << 20
};

/// Upper bound on the nesting depth pest can reach on `text` (see the
/// module comment).
pub(crate) fn levels(text: &str) -> usize {
    let bytes = text.as_bytes();
    let mut n = 1;
    for (i, b) in bytes.iter().enumerate() {
        n += match b {
            b'(' | b'[' | b'{' | b'?' => 1,
            b'$' | b'%' => usize::from(bytes.get(i + 1) == Some(&b'{')),
            _ => 0,
        };
    }
    n
}

/// Stack bytes parsing `text` can need at most.
pub(crate) fn needed(text: &str) -> usize {
    levels(text).saturating_mul(PER_LEVEL).saturating_add(BASE)
}

/// Splits `text` at some of `starts` (increasing byte offsets where
/// top-level items begin) into the fewest consecutive ranges, from the
/// start, that each fit one parse's stack. `Err(offset)` when the item at
/// `offset` alone does not fit.
pub(crate) fn pieces(text: &str, starts: &[usize]) -> Result<Vec<std::ops::Range<usize>>, usize> {
    let mut cuts: Vec<usize> = starts
        .iter()
        .copied()
        .filter(|s| *s > 0 && *s < text.len())
        .collect();
    cuts.push(text.len());
    let mut out = Vec::new();
    let (mut from, mut prev, mut used) = (0, 0, 0usize);
    for cut in cuts {
        let item = levels(&text[prev..cut]) * PER_LEVEL;
        if item + BASE > STACK_CAP {
            return Err(prev);
        }
        if used + item + BASE > STACK_CAP {
            out.push(from..prev);
            from = prev;
            used = 0;
        }
        used += item;
        prev = cut;
    }
    out.push(from..text.len());
    Ok(out)
}

/// Runs `parse` (a parse of `text`) with a stack deep enough for any nesting
/// in `text`. `None`, without running it, when that would exceed
/// [`STACK_CAP`].
pub(crate) fn with_stack<T>(text: &str, parse: impl FnOnce() -> T) -> Option<T> {
    let need = needed(text);
    (need <= STACK_CAP).then(|| stacker::maybe_grow(need, need, parse))
}
