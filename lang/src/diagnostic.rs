//! Diagnostics: errors and warnings with a stable code, labelled spans and a
//! help line, rendered by the CLI through miette and as JSON.

use crate::source::SourceFile;
use crate::span::{LineCol, Span};
use std::fmt;
use std::sync::Arc;

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Something the user should look at; does not fail a command.
    Warning,
    /// The command cannot succeed.
    Error,
}

impl Severity {
    /// `"error"` or `"warning"`, as written in JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A labelled span inside the diagnostic's file.
#[derive(Clone, Debug)]
pub struct Label {
    /// What is pointed at.
    pub span: Span,
    /// Text shown next to the span, if any.
    pub message: Option<String>,
    /// The primary label is the one the diagnostic's position refers to.
    pub primary: bool,
}

/// One problem found in the user's configuration.
///
/// `code` is stable across releases (it is part of the `--json` output and of
/// docs/diagnostics.md): tools may match on it. Messages may be reworded.
#[derive(Clone, Debug)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Stable code such as `syntax::unexpected-token`.
    pub code: &'static str,
    /// One-line summary.
    pub message: String,
    /// The file the labels point into, when there is one.
    pub source: Option<Arc<SourceFile>>,
    /// Labelled spans; the first primary label gives the position.
    pub labels: Vec<Label>,
    /// A hint on how to fix it.
    pub help: Option<String>,
}

impl Diagnostic {
    /// A new error with `code` and `message` and no labels yet.
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            source: None,
            labels: Vec::new(),
            help: None,
        }
    }

    /// A new warning with `code` and `message`.
    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message)
        }
    }

    /// Sets the file the labels point into.
    pub fn in_file(mut self, source: &Arc<SourceFile>) -> Self {
        self.source = Some(source.clone());
        self
    }

    /// Adds the primary label.
    pub fn primary(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: Some(message.into()).filter(|m: &String| !m.is_empty()),
            primary: true,
        });
        self
    }

    /// Adds a secondary label.
    pub fn secondary(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: Some(message.into()).filter(|m: &String| !m.is_empty()),
            primary: false,
        });
        self
    }

    /// Sets the help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The span of the first primary label (or of the first label).
    pub fn primary_span(&self) -> Option<Span> {
        self.labels
            .iter()
            .find(|l| l.primary)
            .or_else(|| self.labels.first())
            .map(|l| l.span)
    }

    /// Start and end line/column of the primary span, when the diagnostic
    /// has a file and a label.
    pub fn range(&self) -> Option<(LineCol, LineCol)> {
        let source = self.source.as_ref()?;
        let span = self.primary_span()?;
        Some((source.line_col(span.start), source.line_col(span.end)))
    }

    /// The file's path, when there is one.
    pub fn path(&self) -> Option<&str> {
        self.source.as_ref().map(|s| s.path())
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Diagnostic {}

impl miette::Diagnostic for Diagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source
            .as_ref()
            .map(|s| s.as_ref() as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        if self.source.is_none() || self.labels.is_empty() {
            return None;
        }
        Some(Box::new(self.labels.iter().map(|l| {
            let span = miette::SourceSpan::new(l.span.start.into(), l.span.len());
            if l.primary {
                miette::LabeledSpan::new_primary_with_span(l.message.clone(), span)
            } else {
                miette::LabeledSpan::new_with_span(l.message.clone(), span)
            }
        })))
    }
}

impl miette::SourceCode for SourceFile {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let inner = self
            .text()
            .read_span(span, context_lines_before, context_lines_after)?;
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.path().to_string(),
            inner.data(),
            *inner.span(),
            inner.line(),
            inner.column(),
            inner.line_count(),
        )))
    }
}

/// A list of diagnostics gathered by one phase.
pub type Diagnostics = Vec<Diagnostic>;

/// True when any diagnostic in `diags` is an error.
pub fn has_errors(diags: &[Diagnostic]) -> bool {
    diags.iter().any(Diagnostic::is_error)
}

/// The closest candidate to `name` by edit distance, for "did you mean"
/// hints; `None` when nothing is close enough (Jaro–Winkler ≥ 0.8, or a
/// Levenshtein distance of at most a third of the name's length).
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let mut best: Option<(&'a str, f64)> = None;
    for cand in candidates {
        if cand == name {
            continue;
        }
        let jw = strsim::jaro_winkler(name, cand);
        let lev = strsim::levenshtein(name, cand);
        let close = jw >= 0.8 || lev * 3 <= name.chars().count().max(3);
        if close && best.is_none_or(|(_, s)| jw > s) {
            best = Some((cand, jw));
        }
    }
    best.map(|(c, _)| c)
}
