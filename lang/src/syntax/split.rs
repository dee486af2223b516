//! Finding top-level item boundaries in a large file so its chunks can be
//! parsed in parallel.
//!
//! The scan is a cheap approximation of the lexer (strings, interpolations,
//! comments, heredocs, brackets). It need not be exact: a boundary placed
//! inside any multi-line construct leaves the chunk before it with that
//! construct unclosed, which fails to parse, and the caller then parses the
//! whole file in one piece. So a wrong boundary costs time, never meaning.

/// Byte offsets (line starts) where a top-level item begins, excluding 0.
pub(crate) fn top_level_starts(text: &str) -> Vec<usize> {
    scan(text, usize::MAX).0
}

/// The offset of the first opener (bracket, quote, `${`) that nests deeper
/// than `limit`, as far as this approximate scan can tell.
pub(crate) fn deeper_than(text: &str, limit: usize) -> Option<usize> {
    scan(text, limit).1
}

/// Top-level item starts, and where nesting first exceeds `limit` (the scan
/// stops there).
fn scan(text: &str, limit: usize) -> (Vec<usize>, Option<usize>) {
    #[derive(Clone, Copy)]
    enum Ctx {
        Code(u32),
        Str,
    }
    let bytes = text.as_bytes();
    let mut stack = vec![Ctx::Code(0)];
    let mut out = Vec::new();
    let mut i = 0;
    let mut line_start = true;
    // Open brackets, strings and interpolations around `i`.
    let mut depth = 0usize;
    while i < bytes.len() {
        let b = bytes[i];
        let top = stack.last().copied().unwrap_or(Ctx::Code(0));
        if line_start
            && i > 0
            && stack.len() == 1
            && matches!(top, Ctx::Code(0))
            && (b.is_ascii_alphabetic() || b == b'_')
        {
            out.push(i);
        }
        line_start = false;
        match top {
            Ctx::Str => match b {
                b'\\' => i += 1,
                b'"' | b'\n' => {
                    stack.pop();
                    depth = depth.saturating_sub(1);
                    line_start = b == b'\n';
                }
                b'$' | b'%' if bytes.get(i + 1) == Some(&b'{') => {
                    if bytes.get(i.wrapping_sub(1)) != Some(&b) {
                        stack.push(Ctx::Code(0));
                        depth += 1;
                        if depth > limit {
                            return (out, Some(i));
                        }
                    }
                    i += 1;
                }
                _ => {}
            },
            Ctx::Code(open) => match b {
                b'\n' => line_start = true,
                b'"' => {
                    stack.push(Ctx::Str);
                    depth += 1;
                    if depth > limit {
                        return (out, Some(i));
                    }
                }
                b'#' => {
                    while i < bytes.len() && bytes[i] != b'\n' {
                        i += 1;
                    }
                    continue;
                }
                b'/' if bytes.get(i + 1) == Some(&b'/') => {
                    while i < bytes.len() && bytes[i] != b'\n' {
                        i += 1;
                    }
                    continue;
                }
                b'/' if bytes.get(i + 1) == Some(&b'*') => match text[i + 2..].find("*/") {
                    Some(n) => i += n + 3,
                    None => return (out, None),
                },
                b'<' if bytes.get(i + 1) == Some(&b'<') => {
                    // Heredoc: skip to the line holding only the marker.
                    let rest = &text[i + 2..];
                    let rest = rest.strip_prefix('-').unwrap_or(rest);
                    let marker: String = rest
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-')
                        .collect();
                    if let (false, Some(nl)) = (marker.is_empty(), text[i..].find('\n')) {
                        let mut at = i + nl + 1;
                        loop {
                            let end = text[at..].find('\n').map_or(text.len(), |n| at + n);
                            if text[at..end].trim() == marker {
                                i = end;
                                break;
                            }
                            if end >= text.len() {
                                return (out, None);
                            }
                            at = end + 1;
                        }
                        continue;
                    }
                }
                b'{' | b'[' | b'(' => {
                    if let Some(Ctx::Code(d)) = stack.last_mut() {
                        *d += 1;
                    }
                    depth += 1;
                    if depth > limit {
                        return (out, Some(i));
                    }
                }
                b'}' | b']' | b')' => {
                    if open == 0 {
                        if stack.len() > 1 {
                            stack.pop(); // end of an interpolation
                            depth = depth.saturating_sub(1);
                        }
                    } else if let Some(Ctx::Code(d)) = stack.last_mut() {
                        *d -= 1;
                        depth = depth.saturating_sub(1);
                    }
                }
                _ => {}
            },
        }
        i += 1;
    }
    (out, None)
}
