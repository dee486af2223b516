//! Byte spans into a source file, and the line index that turns them into
//! 1-based line/column positions for diagnostics.

use serde::Serialize;

/// A half-open byte range `start..end` into one source file's text.
///
/// Offsets are in bytes (not chars); `end` is exclusive. A span never
/// crosses files: which file it belongs to is carried by whoever holds it
/// (a [`crate::SourceFile`] or a diagnostic).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Span {
    /// First byte of the range.
    pub start: usize,
    /// One past the last byte of the range.
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end` (bytes, `end` exclusive).
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// An empty span at byte `at`, used to point between two characters
    /// (for example "a newline was expected here").
    pub fn point(at: usize) -> Self {
        Span { start: at, end: at }
    }

    /// The smallest span covering both `self` and `other`.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }

    /// True when the span covers no bytes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A 1-based line and column; the column counts Unicode scalar values, as
/// editors and `terraform validate -json` do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct LineCol {
    /// Line number, starting at 1.
    pub line: usize,
    /// Column number, starting at 1, in characters.
    pub column: usize,
}

/// Start offsets of every line of a text, for offset → line/column lookups
/// in O(log lines).
#[derive(Clone, Debug)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes `text`; lines end at `\n` (a preceding `\r` stays on the line).
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    /// The line/column of byte `offset` in `text` (the same text given to
    /// [`LineIndex::new`]). Offsets past the end clamp to the end; offsets
    /// inside a multi-byte character count that character.
    pub fn line_col(&self, text: &str, offset: usize) -> LineCol {
        let offset = offset.min(text.len());
        let line = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.starts[line];
        let mut end = offset;
        while end > start && !text.is_char_boundary(end) {
            end -= 1;
        }
        let column = text[start..end].chars().count() + 1;
        LineCol {
            line: line + 1,
            column,
        }
    }
}
