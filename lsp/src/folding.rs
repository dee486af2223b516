//! Folding ranges: every block, and every object, tuple or heredoc that
//! spans several lines.

use crate::nodes::{each_block, each_expr};
use crate::position::Lines;
use infra_lang::Span;
use infra_lang::ast::{ExprKind, File};
use lsp_types::{FoldingRange, FoldingRangeKind};

/// The folding ranges of `file`.
pub fn folding_ranges(file: &File, text: &str, lines: &Lines) -> Vec<FoldingRange> {
    let mut spans: Vec<Span> = Vec::new();
    each_block(&file.body, &mut |_, b| spans.push(b.span));
    each_expr(&file.body, &mut |_, _, e| {
        if matches!(
            e.kind,
            ExprKind::Object(_) | ExprKind::Tuple(_) | ExprKind::Template(_) | ExprKind::For(_)
        ) {
            spans.push(e.span);
        }
    });
    let mut out: Vec<FoldingRange> = spans
        .into_iter()
        .filter_map(|s| {
            let start = lines.position(text, s.start).line;
            let end = lines.position(text, s.end).line;
            // A closing bracket's line stays visible.
            let closes = text
                .get(..s.end)
                .is_some_and(|t| t.ends_with('}') || t.ends_with(']'));
            let end = if closes { end.saturating_sub(1) } else { end };
            (end > start).then(|| FoldingRange {
                start_line: start,
                end_line: end,
                kind: Some(FoldingRangeKind::Region),
                ..FoldingRange::default()
            })
        })
        .collect();
    out.sort_by_key(|r| (r.start_line, r.end_line));
    out.dedup_by_key(|r| (r.start_line, r.end_line));
    out
}
