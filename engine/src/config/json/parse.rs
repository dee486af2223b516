//! JSON text read into values that keep the byte span of every value and
//! object key, for `.tf.json` files: diagnostics point at the JSON text.
//! RFC 8259 JSON; duplicate keys are kept in order (HCL's JSON syntax
//! gives them meaning: several blocks of one type).

use infra_lang::Span;
use infra_lang::syntax::MAX_NESTING;

/// One JSON value with where it was written.
#[derive(Debug, Clone)]
pub struct Json {
    /// The value.
    pub kind: JsonKind,
    /// From its first to its last byte (quotes and brackets included).
    pub span: Span,
}

/// The kinds of JSON value.
#[derive(Debug, Clone)]
pub enum JsonKind {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// A number, as written (`-1.5e3`).
    Number(String),
    /// A string with its escapes decoded.
    String(String),
    /// `[...]`
    Array(Vec<Json>),
    /// `{...}`: members in order, duplicates kept.
    Object(Vec<Member>),
}

/// `"key": value` in an object.
#[derive(Debug, Clone)]
pub struct Member {
    /// The key, escapes decoded.
    pub key: String,
    /// The key's span, quotes included.
    pub key_span: Span,
    /// The value.
    pub value: Json,
}

/// Why the text is not JSON: a message and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    /// What was wrong, e.g. "expected `,` or `}`".
    pub message: String,
    /// Where (a point or a short span).
    pub span: Span,
}

/// Reads `text` as exactly one JSON value (whitespace around it allowed).
///
/// # Errors
/// The first place the text stops being JSON; nesting deeper than
/// [`MAX_NESTING`] levels is an error too (no unbounded recursion).
pub fn parse(text: &str) -> Result<Json, JsonError> {
    let mut p = Parser {
        text,
        bytes: text.as_bytes(),
        at: 0,
    };
    p.ws();
    let v = p.value(0)?;
    p.ws();
    if p.at < p.bytes.len() {
        return Err(p.error("expected the end of the file after the JSON value"));
    }
    Ok(v)
}

struct Parser<'t> {
    text: &'t str,
    bytes: &'t [u8],
    at: usize,
}

impl Parser<'_> {
    fn error(&self, message: impl Into<String>) -> JsonError {
        let end = self.text[self.at..]
            .chars()
            .next()
            .map_or(self.at, |c| self.at + c.len_utf8());
        JsonError {
            message: message.into(),
            span: Span::new(self.at, end),
        }
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.bytes.get(self.at) == Some(&b) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, JsonError> {
        if depth > MAX_NESTING {
            return Err(self.error(format!("JSON nested deeper than {MAX_NESTING} levels")));
        }
        let start = self.at;
        let kind = match self.bytes.get(self.at) {
            Some(b'{') => self.object(depth)?,
            Some(b'[') => self.array(depth)?,
            Some(b'"') => JsonKind::String(self.string()?),
            Some(b'-' | b'0'..=b'9') => JsonKind::Number(self.number()?),
            Some(b't') => self.word("true", JsonKind::Bool(true))?,
            Some(b'f') => self.word("false", JsonKind::Bool(false))?,
            Some(b'n') => self.word("null", JsonKind::Null)?,
            Some(_) => return Err(self.error("expected a JSON value")),
            None => return Err(self.error("expected a JSON value, found the end of the file")),
        };
        Ok(Json {
            kind,
            span: Span::new(start, self.at),
        })
    }

    fn word(&mut self, word: &str, kind: JsonKind) -> Result<JsonKind, JsonError> {
        if self.text[self.at..].starts_with(word) {
            self.at += word.len();
            Ok(kind)
        } else {
            Err(self.error("expected a JSON value"))
        }
    }

    fn object(&mut self, depth: usize) -> Result<JsonKind, JsonError> {
        self.at += 1;
        let mut members = Vec::new();
        self.ws();
        if self.eat(b'}') {
            return Ok(JsonKind::Object(members));
        }
        loop {
            self.ws();
            if self.bytes.get(self.at) != Some(&b'"') {
                return Err(self.error("expected a quoted object key"));
            }
            let key_start = self.at;
            let key = self.string()?;
            let key_span = Span::new(key_start, self.at);
            self.ws();
            if !self.eat(b':') {
                return Err(self.error("expected `:` after the object key"));
            }
            self.ws();
            let value = self.value(depth + 1)?;
            members.push(Member {
                key,
                key_span,
                value,
            });
            self.ws();
            if self.eat(b'}') {
                return Ok(JsonKind::Object(members));
            }
            if !self.eat(b',') {
                return Err(self.error("expected `,` or `}`"));
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<JsonKind, JsonError> {
        self.at += 1;
        let mut items = Vec::new();
        self.ws();
        if self.eat(b']') {
            return Ok(JsonKind::Array(items));
        }
        loop {
            self.ws();
            items.push(self.value(depth + 1)?);
            self.ws();
            if self.eat(b']') {
                return Ok(JsonKind::Array(items));
            }
            if !self.eat(b',') {
                return Err(self.error("expected `,` or `]`"));
            }
        }
    }

    fn number(&mut self) -> Result<String, JsonError> {
        let start = self.at;
        self.eat(b'-');
        let digits = |p: &mut Self| {
            let from = p.at;
            while p.bytes.get(p.at).is_some_and(u8::is_ascii_digit) {
                p.at += 1;
            }
            p.at > from
        };
        if self.eat(b'0') {
            if self.bytes.get(self.at).is_some_and(u8::is_ascii_digit) {
                return Err(self.error("a JSON number has no leading zeros"));
            }
        } else if !digits(self) {
            return Err(self.error("expected digits"));
        }
        if self.eat(b'.') && !digits(self) {
            return Err(self.error("expected digits after `.`"));
        }
        if self.eat(b'e') || self.eat(b'E') {
            let _ = self.eat(b'+') || self.eat(b'-');
            if !digits(self) {
                return Err(self.error("expected the exponent's digits"));
            }
        }
        Ok(self.text[start..self.at].to_string())
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let hex = self
            .text
            .get(self.at..self.at + 4)
            .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| self.error("expected four hex digits after `\\u`"))?;
        self.at += 4;
        u32::from_str_radix(hex, 16).map_err(|_| self.error("expected four hex digits"))
    }

    /// A string from its opening quote; escapes decoded.
    fn string(&mut self) -> Result<String, JsonError> {
        self.at += 1;
        let mut out = String::new();
        loop {
            let run = self.at;
            while let Some(&b) = self.bytes.get(self.at) {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.at += 1;
            }
            out.push_str(&self.text[run..self.at]);
            match self.bytes.get(self.at) {
                Some(b'"') => {
                    self.at += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.at += 1;
                    let c = match self.bytes.get(self.at) {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            self.at += 1;
                            let hi = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&hi)
                                && self.text[self.at..].starts_with("\\u")
                            {
                                self.at += 2;
                                let lo = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return Err(self.error("invalid UTF-16 surrogate pair"));
                                }
                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                            } else {
                                hi
                            };
                            out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
                            continue;
                        }
                        _ => return Err(self.error("invalid escape in a JSON string")),
                    };
                    self.at += 1;
                    out.push(c);
                }
                Some(_) => return Err(self.error("control character in a JSON string")),
                None => return Err(self.error("unterminated JSON string")),
            }
        }
    }
}

/// For the contents `raw` (quotes excluded) of a JSON string that
/// [`parse`] read, written at file offset `base`: the file offset of each
/// byte of the decoded string, and one more entry for its end. The bytes a
/// `\\n` or `\\u00e9` escape decodes to are all placed at the escape's
/// backslash, so every offset is on a character boundary of the file.
pub fn decoded_offsets(raw: &str, base: usize) -> Vec<usize> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(raw.len() + 1);
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            let len = raw[i..].chars().next().map_or(1, char::len_utf8);
            out.extend((0..len).map(|k| base + i + k));
            i += len;
            continue;
        }
        // An escape: `\\X`, or `\\uXXXX` (twice for a surrogate pair).
        let (decoded_len, escape_len) = match bytes.get(i + 1) {
            Some(b'u') => {
                let hi = raw
                    .get(i + 2..i + 6)
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .unwrap_or(0xFFFD);
                let lo = raw
                    .get(i + 8..i + 12)
                    .filter(|_| raw.get(i + 6..i + 8) == Some("\\u"))
                    .and_then(|h| u32::from_str_radix(h, 16).ok());
                match lo {
                    Some(lo)
                        if (0xD800..0xDC00).contains(&hi) && (0xDC00..0xE000).contains(&lo) =>
                    {
                        (4, 12)
                    }
                    _ => (char::from_u32(hi).map_or(3, char::len_utf8), 6),
                }
            }
            _ => (1, 2),
        };
        out.extend(std::iter::repeat_n(base + i, decoded_len));
        i += escape_len;
    }
    out.push(base + raw.len());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_keep_their_spans_and_duplicate_keys() {
        let text = r#" {"a": [1, -2.5e3, true, null], "a": "x\u00e9\n"} "#;
        let v = parse(text).expect("valid");
        let JsonKind::Object(m) = &v.kind else {
            panic!("object")
        };
        assert_eq!(m.len(), 2);
        assert_eq!(&text[m[0].key_span.start..m[0].key_span.end], "\"a\"");
        let JsonKind::Array(items) = &m[0].value.kind else {
            panic!("array")
        };
        assert!(matches!(&items[1].kind, JsonKind::Number(n) if n == "-2.5e3"));
        assert!(matches!(&m[1].value.kind, JsonKind::String(s) if s == "xé\n"));
        assert_eq!(&text[v.span.start..v.span.end], &text[1..text.len() - 1]);
    }

    #[test]
    fn decoded_offsets_land_on_the_escapes() {
        let text = r#""\tx\u00e9\ud83d\ude00é""#;
        let Ok(Json {
            kind: JsonKind::String(decoded),
            ..
        }) = parse(text)
        else {
            panic!("a string");
        };
        let map = decoded_offsets(&text[1..text.len() - 1], 1);
        assert_eq!(map.len(), decoded.len() + 1);
        // `\t` → 1, `x` → 3, `é` (2 bytes) → 4, the emoji (4 bytes) → 10,
        // `é` as written → 22 and 23, the end → 24.
        assert_eq!(map, [1, 3, 4, 4, 10, 10, 10, 10, 22, 23, 24]);
        // Where decoded characters start (where spans can), the file has a
        // character boundary too.
        let starts = (0..=decoded.len()).filter(|&i| decoded.is_char_boundary(i));
        assert!(starts.map(|i| map[i]).all(|o| text.is_char_boundary(o)));
    }

    #[test]
    fn errors_say_where() {
        for (text, at) in [
            ("{\"a\" 1}", 5),
            ("[1,]", 3),
            ("{\"a\": 01}", 7),
            ("\"abc", 4),
            ("[1] x", 4),
            ("", 0),
            ("\"\\x\"", 2),
        ] {
            let e = parse(text).expect_err(text);
            assert_eq!(e.span.start, at, "{text}: {e:?}");
        }
        let deep = "[".repeat(MAX_NESTING + 5);
        assert!(parse(&deep).expect_err("deep").message.contains("deeper"));
    }
}
