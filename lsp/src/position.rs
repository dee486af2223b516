//! Byte offsets ↔ LSP positions (0-based line, UTF-16 code units), as
//! LSP 3.17 requires by default.

use infra_lang::Span;
use lsp_types::{Position, Range};

/// The start of every line of one text, to convert offsets both ways.
#[derive(Clone, Debug)]
pub struct Lines {
    starts: Vec<usize>,
}

impl Lines {
    /// Indexes `text`; a line ends at `\n` (a `\r` before it stays on the line).
    pub fn new(text: &str) -> Lines {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Lines { starts }
    }

    /// The position of byte `offset` in `text` (clamped to the text, and
    /// back to a character boundary).
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let start = self.starts.get(line).copied().unwrap_or(0);
        let character: usize = text[start..offset].chars().map(char::len_utf16).sum();
        Position::new(to_u32(line), to_u32(character))
    }

    /// The range of `span` in `text`.
    pub fn range(&self, text: &str, span: Span) -> Range {
        Range::new(
            self.position(text, span.start),
            self.position(text, span.end),
        )
    }

    /// The byte offset of `pos` in `text`: a line past the end is the end
    /// of the text, a character past the line's end is the line's end, one
    /// inside a surrogate pair is the character's start.
    pub fn offset(&self, text: &str, pos: Position) -> usize {
        let Some(&start) = self.starts.get(pos.line as usize) else {
            return text.len();
        };
        let end = self
            .starts
            .get(pos.line as usize + 1)
            .map_or(text.len(), |e| e.saturating_sub(1));
        let mut units = 0usize;
        for (i, c) in text[start..end].char_indices() {
            let next = units + c.len_utf16();
            if next > pos.character as usize {
                return start + i;
            }
            units = next;
        }
        end
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_ascii_columns_count_utf16_units() {
        let text = "a = \"é😀x\"\nb";
        let lines = Lines::new(text);
        let x = text.find('x').unwrap_or(0);
        assert_eq!(lines.position(text, x), Position::new(0, 8));
        assert_eq!(lines.offset(text, Position::new(0, 8)), x);
        // Inside the surrogate pair: the emoji's start.
        assert_eq!(
            lines.offset(text, Position::new(0, 7)),
            text.find('😀').unwrap_or(0)
        );
        assert_eq!(lines.offset(text, Position::new(1, 0)), text.len() - 1);
        assert_eq!(lines.offset(text, Position::new(1, 99)), text.len());
        assert_eq!(lines.offset(text, Position::new(9, 0)), text.len());
    }
}
