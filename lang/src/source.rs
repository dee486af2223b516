//! A source file held in memory: its display path, its text and a line index.

use crate::span::{LineCol, LineIndex, Span};
use std::sync::Arc;

/// One `.infra` (or `.infravars`) file's text, shared by the AST consumers
/// and by every diagnostic that points into it.
#[derive(Debug)]
pub struct SourceFile {
    path: String,
    text: Arc<str>,
    lines: LineIndex,
}

/// Why a file's bytes could not be taken as source text.
#[derive(Debug, Clone)]
pub struct InvalidUtf8 {
    /// Byte offset of the first invalid byte.
    pub offset: usize,
}

impl SourceFile {
    /// Wraps `text`, read from `path` (the path is only used for display).
    pub fn new(path: impl Into<String>, text: impl Into<Arc<str>>) -> Arc<SourceFile> {
        let text = text.into();
        let lines = LineIndex::new(&text);
        Arc::new(SourceFile {
            path: path.into(),
            text,
            lines,
        })
    }

    /// Decodes `bytes` as UTF-8. On failure returns a file holding the lossy
    /// decoding (so the bad spot can still be shown) and the offset of the
    /// first invalid byte.
    pub fn from_bytes(
        path: impl Into<String>,
        bytes: Vec<u8>,
    ) -> Result<Arc<SourceFile>, (Arc<SourceFile>, InvalidUtf8)> {
        match String::from_utf8(bytes) {
            Ok(text) => Ok(SourceFile::new(path, text)),
            Err(err) => {
                let offset = err.utf8_error().valid_up_to();
                let bytes = err.into_bytes();
                // Keep the offset meaningful in the lossy text: the valid prefix
                // is unchanged, so `offset` points at the replacement character.
                let lossy = String::from_utf8_lossy(&bytes).into_owned();
                Err((SourceFile::new(path, lossy), InvalidUtf8 { offset }))
            }
        }
    }

    /// The path the file was read from, as given.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The whole text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The shared text, for renderers that need an owned handle.
    pub fn shared_text(&self) -> Arc<str> {
        self.text.clone()
    }

    /// The text covered by `span` (empty when the span is out of range or
    /// not on character boundaries).
    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.start..span.end).unwrap_or("")
    }

    /// 1-based line/column of a byte offset.
    pub fn line_col(&self, offset: usize) -> LineCol {
        self.lines.line_col(&self.text, offset)
    }
}
