//! YAML for `yamlencode` and `yamldecode`, matching Terraform (cty-yaml, a
//! go-yaml fork): the emitter's block style, quoting, line folding at 80
//! columns and literal blocks; the decoder's scalar resolution (YAML 1.1
//! booleans, 1.2 numbers, timestamps as RFC 3339 strings), anchors and
//! merge keys.

use crate::FnError;
use crate::limits::{self, Size};
use infra_lang::Value;
use infra_lang::value::Number;
use infra_lang::value::ValueMap;
use std::collections::BTreeMap;
use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::TScalarStyle;

// ------------------------------------------------------------------ encode

/// The YAML document for `v`. Errors are about argument 0, or
/// `function::too-large` when the document would pass the limit on
/// results (indentation grows with depth, so a deep value makes a
/// document quadratic in its size).
pub(crate) fn encode(v: &Value) -> Result<String, FnError> {
    let mut out = String::new();
    match v {
        Value::Sensitive(inner) => return encode(inner),
        Value::Unknown(_) => return Err(FnError::arg(0, "value is not known")),
        v if is_block_collection(v) => node(&mut out, v, 0, Ctx::Root)?,
        v => {
            let plain = scalar(&mut out, v, 2, false).map_err(|e| FnError::arg(0, e))?;
            if plain {
                out.push_str("...\n");
            }
        }
    }
    Ok(out)
}

#[derive(Clone, Copy, PartialEq)]
enum Ctx {
    Root,
    /// Right after `-` of a sequence item at this column.
    Item,
    /// Right after `key:` of a mapping at this indent.
    Value,
}

fn is_block_collection(v: &Value) -> bool {
    match v {
        Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => !items.is_empty(),
        Value::Map(_, m) | Value::Object(m) => !m.is_empty(),
        Value::Sensitive(inner) => is_block_collection(inner),
        _ => false,
    }
}

fn column(out: &str) -> usize {
    out.rsplit('\n').next().map_or(0, |l| l.chars().count())
}

/// Writes `v` where `ctx` says; `indent` is the column of the enclosing
/// item's `-` or key.
fn node(out: &mut String, v: &Value, indent: usize, ctx: Ctx) -> Result<(), FnError> {
    limits::check_string(out.len() as u128 + indent as u128, "a YAML document")?;
    // Values may nest deeper than the thread's stack allows one frame per
    // level: grow it on demand.
    stacker::maybe_grow(64 * 1024, 1024 * 1024, || {
        node_on_stack(out, v, indent, ctx)
    })
}

fn node_on_stack(out: &mut String, v: &Value, indent: usize, ctx: Ctx) -> Result<(), FnError> {
    match v {
        Value::Sensitive(inner) => node(out, inner, indent, ctx),
        Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) if !items.is_empty() => {
            let (at, mut inline) = match ctx {
                Ctx::Root => (0, false),
                Ctx::Value => (indent, false),
                Ctx::Item => (indent + 2, true),
            };
            if ctx == Ctx::Value {
                out.push('\n');
            }
            for item in items {
                if inline {
                    out.push(' ');
                    inline = false;
                } else {
                    out.push_str(&" ".repeat(at));
                }
                out.push('-');
                node(out, item, at, Ctx::Item)?;
            }
            Ok(())
        }
        Value::Map(_, m) | Value::Object(m) if !m.is_empty() => {
            let (at, mut inline) = match ctx {
                Ctx::Root => (0, false),
                Ctx::Value => (indent + 2, false),
                Ctx::Item => (indent + 2, true),
            };
            if ctx == Ctx::Value {
                out.push('\n');
            }
            for (k, item) in m {
                if inline {
                    out.push(' ');
                    inline = false;
                } else {
                    out.push_str(&" ".repeat(at));
                }
                if k.contains('\n') {
                    // A multi-line key cannot be a simple key.
                    out.push('?');
                    node(out, &Value::string(k), at, Ctx::Value)?;
                    out.push_str(&" ".repeat(at));
                } else {
                    double_quoted(out, k, at, false);
                }
                out.push(':');
                node(out, item, at, Ctx::Value)?;
            }
            Ok(())
        }
        v => {
            out.push(' ');
            scalar(out, v, indent + 2, true)
                .map(|_| ())
                .map_err(|e| FnError::arg(0, e))
        }
    }
}

/// Writes a scalar (or an empty collection) and its line break; true when
/// it was written plain (a document ending in one needs `...`).
fn scalar(out: &mut String, v: &Value, indent: usize, nested: bool) -> Result<bool, String> {
    let _ = nested;
    match v {
        Value::Null(_) => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => {
            if s.contains('\n') && block_allowed(s) {
                literal(out, s, indent);
                return Ok(false);
            }
            double_quoted(out, s, indent, true);
            out.push('\n');
            return Ok(false);
        }
        Value::List(..) | Value::Set(..) | Value::Tuple(_) => {
            out.push_str("[]\n");
            return Ok(false);
        }
        Value::Map(..) | Value::Object(_) => {
            out.push_str("{}\n");
            return Ok(false);
        }
        Value::Unknown(_) => return Err("value is not known".into()),
        Value::Sensitive(inner) => return scalar(out, inner, indent, nested),
    }
    out.push('\n');
    Ok(true)
}

/// go-yaml's `is_printable` (with unicode output on).
fn printable(c: char) -> bool {
    matches!(c as u32, 0x0A | 0x20..=0x7E | 0xA0..=0xD7FF | 0xE000..=0xFFFD) && c != '\u{FEFF}'
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// Whether the emitter allows a block scalar for `s`: no special
/// characters, no space before a line break, no trailing space.
fn block_allowed(s: &str) -> bool {
    let chars: Vec<char> = s.chars().collect();
    if s.starts_with('\u{FEFF}') || chars.last() == Some(&' ') {
        return false;
    }
    for (i, c) in chars.iter().enumerate() {
        if !printable(*c) {
            return false;
        }
        if *c == ' ' && chars.get(i + 1).is_some_and(|n| is_break(*n)) {
            return false;
        }
    }
    true
}

fn literal(out: &mut String, s: &str, indent: usize) {
    out.push('|');
    if s.starts_with([' ', '\n']) {
        out.push('2');
    }
    let trailing = s.chars().rev().take_while(|c| *c == '\n').count();
    match trailing {
        0 => out.push('-'),
        1 if s.len() > 1 => {}
        _ => out.push('+'),
    }
    out.push('\n');
    let pad = " ".repeat(indent);
    for line in s.split_inclusive('\n') {
        if line != "\n" {
            out.push_str(&pad);
        }
        out.push_str(line);
    }
    if trailing == 0 {
        out.push('\n');
    }
}

/// go-yaml's double-quoted scalar: escapes, and (when `fold`) long lines
/// broken at a space past column 80, continued at `indent`.
fn double_quoted(out: &mut String, s: &str, indent: usize, fold: bool) {
    let escape_all = s.starts_with('\u{FEFF}');
    let chars: Vec<char> = s.chars().collect();
    out.push('"');
    let mut col = column(out);
    let mut spaces = false;
    for (i, &c) in chars.iter().enumerate() {
        if escape_all || !printable(c) || is_break(c) || c == '"' || c == '\\' {
            let esc = match c {
                '\0' => "\\0".to_string(),
                '\u{7}' => "\\a".to_string(),
                '\u{8}' => "\\b".to_string(),
                '\t' => "\\t".to_string(),
                '\n' => "\\n".to_string(),
                '\u{b}' => "\\v".to_string(),
                '\u{c}' => "\\f".to_string(),
                '\r' => "\\r".to_string(),
                '\u{1b}' => "\\e".to_string(),
                '"' => "\\\"".to_string(),
                '\\' => "\\\\".to_string(),
                '\u{85}' => "\\N".to_string(),
                '\u{a0}' => "\\_".to_string(),
                '\u{2028}' => "\\L".to_string(),
                '\u{2029}' => "\\P".to_string(),
                c if (c as u32) <= 0xFF => format!("\\x{:02X}", c as u32),
                c if (c as u32) <= 0xFFFF => format!("\\u{:04X}", c as u32),
                c => format!("\\U{:08X}", c as u32),
            };
            col += esc.len();
            out.push_str(&esc);
            spaces = false;
        } else if c == ' ' {
            if fold && !spaces && col > 80 && i > 0 && i + 1 < chars.len() {
                out.push('\n');
                out.push_str(&" ".repeat(indent));
                col = indent;
                if chars.get(i + 1) == Some(&' ') {
                    out.push('\\');
                    col += 1;
                }
            } else {
                out.push(' ');
                col += 1;
            }
            spaces = true;
        } else {
            out.push(c);
            col += 1;
            spaces = false;
        }
    }
    out.push('"');
}

// ------------------------------------------------------------------ decode

/// The value of a one-document YAML stream. Errors are about argument 0:
/// invalid YAML, nesting deeper than [`limits::MAX_DEPTH`], or
/// `function::too-large` when aliases would copy more than a result may
/// hold (a "billion laughs" document).
pub(crate) fn decode(text: &str) -> Result<Value, FnError> {
    let mut d = Decoder {
        events: Vec::new(),
        pos: 0,
        anchors: BTreeMap::new(),
        depth: 0,
        size: Size::default(),
        too_large: None,
    };
    match d.document(text) {
        Ok(v) => Ok(v),
        Err(e) => Err(match d.too_large.take() {
            Some(e) => e,
            None => FnError::arg(0, format!("invalid YAML: {e}")),
        }),
    }
}

impl Decoder {
    fn document(&mut self, text: &str) -> Result<Value, String> {
        let mut events = Vec::new();
        let mut parser = Parser::new_from_str(text);
        loop {
            match parser.next_token() {
                Ok((Event::StreamEnd, _)) => break,
                Ok((e, m)) => {
                    // The events alone take ~100 bytes per value: stop a huge
                    // document before keeping them all.
                    if matches!(
                        e,
                        Event::Scalar(..) | Event::SequenceStart(..) | Event::MappingStart(..)
                    ) {
                        self.grow(Size {
                            elements: 1,
                            bytes: 0,
                        })?;
                    }
                    events.push((e, m.line(), m.col() + 1));
                }
                Err(e) => {
                    return Err(format!(
                        "on line {}, column {}: {}",
                        e.marker().line(),
                        e.marker().col() + 1,
                        e.info()
                    ));
                }
            }
        }
        self.events = events;
        // Counted again, aliases included, as the values are built.
        self.size = Size::default();
        let d = self;
        d.skip(|e| matches!(e, Event::StreamStart));
        if !d.skip(|e| matches!(e, Event::DocumentStart)) {
            return Err("on line 1, column 1: missing start of document".into());
        }
        let v = d.node()?;
        d.skip(|e| matches!(e, Event::DocumentEnd));
        if let Some((_, line, col)) = d.events.get(d.pos) {
            return Err(format!(
                "on line {line}, column {col}: unexpected extra content after value"
            ));
        }
        Ok(v)
    }
}

struct Decoder {
    events: Vec<(Event, usize, usize)>,
    pos: usize,
    /// Anchor id → its value and size; `None` while the anchored node is
    /// being read.
    anchors: BTreeMap<usize, Option<(Value, Size)>>,
    /// Sequences and mappings open around the current node.
    depth: usize,
    /// The size of everything decoded so far, alias copies included.
    size: Size,
    /// Set when `size` passed the limit on results.
    too_large: Option<FnError>,
}

const CORE: &str = "tag:yaml.org,2002:";

fn tag_name(tag: Option<&Tag>) -> Option<String> {
    tag.map(|t| {
        if t.handle == CORE || t.handle == "!!" {
            format!("!!{}", t.suffix)
        } else {
            format!("{}{}", t.handle, t.suffix)
        }
    })
}

impl Decoder {
    fn skip(&mut self, p: impl Fn(&Event) -> bool) -> bool {
        if self.events.get(self.pos).is_some_and(|(e, _, _)| p(e)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn anchor_start(&mut self, id: usize) {
        if id > 0 {
            self.anchors.insert(id, None);
        }
    }

    fn anchor_end(&mut self, id: usize, v: &Value) {
        if id > 0 {
            self.anchors.insert(id, Some((v.clone(), Size::of(v))));
        }
    }

    /// Counts `add` into the decoded size; an error once it passes the
    /// limit on results (checked before an alias is copied).
    fn grow(&mut self, add: Size) -> Result<(), String> {
        self.size.elements = self.size.elements.saturating_add(add.elements);
        self.size.bytes = self.size.bytes.saturating_add(add.bytes);
        if let Err(e) = self.size.check("a YAML document with its aliases expanded") {
            self.too_large = Some(e);
            return Err(String::new());
        }
        Ok(())
    }

    /// One level deeper; an error past [`limits::MAX_DEPTH`].
    fn enter(&mut self, line: usize, col: usize) -> Result<(), String> {
        self.depth += 1;
        if self.depth > limits::MAX_DEPTH {
            return Err(format!(
                "on line {line}, column {col}: nested more than {} levels deep (the limit on decoded data)",
                limits::MAX_DEPTH
            ));
        }
        Ok(())
    }

    fn node(&mut self) -> Result<Value, String> {
        let Some((event, line, col)) = self.events.get(self.pos).cloned() else {
            return Ok(Value::NULL);
        };
        self.pos += 1;
        let at = |m: String| format!("on line {line}, column {col}: {m}");
        match event {
            Event::Alias(id) => match self.anchors.get(&id) {
                Some(Some((v, size))) => {
                    let (v, size) = (v.clone(), *size);
                    self.grow(size)?;
                    Ok(v)
                }
                Some(None) => Err(format!(
                    "cannot refer to anchor {id} from inside its own definition"
                )),
                None => Err(at(format!("unknown anchor {id} referenced"))),
            },
            Event::Scalar(text, style, anchor, tag) => {
                let v = resolve(&text, style, tag_name(tag.as_ref()).as_deref())?;
                self.grow(Size {
                    elements: 1,
                    bytes: text.len() as u64,
                })?;
                self.anchor_end(anchor, &v);
                Ok(v)
            }
            Event::SequenceStart(anchor, tag) => {
                check_tag(tag.as_ref(), "!!seq")?;
                self.enter(line, col)?;
                self.grow(Size {
                    elements: 1,
                    bytes: 0,
                })?;
                self.anchor_start(anchor);
                let mut items = Vec::new();
                while !self.skip(|e| matches!(e, Event::SequenceEnd)) {
                    if self.pos >= self.events.len() {
                        return Err(at("unterminated sequence".into()));
                    }
                    items.push(self.node()?);
                }
                let v = Value::Tuple(items);
                self.depth -= 1;
                self.anchor_end(anchor, &v);
                Ok(v)
            }
            Event::MappingStart(anchor, tag) => {
                check_tag(tag.as_ref(), "!!map")?;
                self.enter(line, col)?;
                self.grow(Size {
                    elements: 1,
                    bytes: 0,
                })?;
                self.anchor_start(anchor);
                let mut entries = BTreeMap::new();
                let mut merged = ValueMap::new();
                while !self.skip(|e| matches!(e, Event::MappingEnd)) {
                    if self.pos >= self.events.len() {
                        return Err(at("unterminated mapping".into()));
                    }
                    let merge = matches!(
                        self.events.get(self.pos),
                        Some((Event::Scalar(k, TScalarStyle::Plain, _, None), _, _)) if k == "<<"
                    );
                    let (kline, kcol) = self
                        .events
                        .get(self.pos)
                        .map_or((line, col), |(_, l, c)| (*l, *c));
                    let key = self.node()?;
                    let value = self.node()?;
                    if merge {
                        merge_into(&mut merged, value)?;
                        continue;
                    }
                    let key = match key {
                        Value::String(s) => s,
                        Value::Number(n) => n.to_string(),
                        Value::Bool(b) => b.to_string(),
                        Value::Null(_) => {
                            return Err(format!(
                                "on line {kline}, column {kcol}: mapping key cannot be null"
                            ));
                        }
                        _ => return Err("only strings are allowed as mapping keys".into()),
                    };
                    entries.insert(key, value);
                }
                merged.extend(entries);
                let v = Value::Object(merged);
                self.depth -= 1;
                self.anchor_end(anchor, &v);
                Ok(v)
            }
            _ => Err(at("unexpected event".into())),
        }
    }
}

fn merge_into(into: &mut ValueMap, v: Value) -> Result<(), String> {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                into.entry(k).or_insert(v);
            }
            Ok(())
        }
        Value::Tuple(items) => items.into_iter().try_for_each(|i| merge_into(into, i)),
        _ => Err("map merge requires map or sequence of maps as the value".into()),
    }
}

fn check_tag(tag: Option<&Tag>, allowed: &str) -> Result<(), String> {
    match tag_name(tag) {
        Some(t) if t != allowed => Err(format!("unsupported tag {t:?}")),
        _ => Ok(()),
    }
}

/// cty-yaml's scalar resolution.
fn resolve(text: &str, style: TScalarStyle, tag: Option<&str>) -> Result<Value, String> {
    match tag {
        None | Some("!") => {}
        Some("!!str" | "!!binary") => return Ok(Value::string(text)),
        Some("!!int" | "!!float" | "!!bool" | "!!null" | "!!timestamp" | "!!merge") => {}
        Some(t) => return Err(format!("unsupported tag {t:?}")),
    }
    if style != TScalarStyle::Plain || tag == Some("!") {
        return Ok(Value::string(text));
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Ok(Value::NULL),
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Ok(Value::Bool(true));
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Ok(Value::Bool(false));
        }
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Ok(Value::Number(Number::Float(f64::INFINITY)));
        }
        "-.inf" | "-.Inf" | "-.INF" => {
            return Ok(Value::Number(Number::Float(f64::NEG_INFINITY)));
        }
        ".nan" | ".NaN" | ".NAN" => return Err("NaN is not supported".into()),
        _ => {}
    }
    if let Some(n) = number(text) {
        return Ok(Value::Number(n));
    }
    if let Some(t) = timestamp(text) {
        return Ok(Value::String(t));
    }
    Ok(Value::string(text))
}

/// YAML 1.2 core-schema numbers: decimal integers and floats, `0o` octal
/// and `0x` hexadecimal.
fn number(s: &str) -> Option<Number> {
    if let Some(h) = s.strip_prefix("0x") {
        return u64::from_str_radix(h, 16)
            .ok()
            .map(|u| i64::try_from(u).map_or(Number::Float(u as f64), Number::Int));
    }
    if let Some(o) = s.strip_prefix("0o") {
        return u64::from_str_radix(o, 8)
            .ok()
            .map(|u| i64::try_from(u).map_or(Number::Float(u as f64), Number::Int));
    }
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (mant, exp) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let (int, frac) = match mant.split_once('.') {
        Some((a, b)) => (a, Some(b)),
        None => (mant, None),
    };
    let digits = |x: &str| x.bytes().all(|b| b.is_ascii_digit());
    let ok_mant = match frac {
        None => !int.is_empty() && digits(int),
        Some(f) if int.is_empty() => !f.is_empty() && digits(f),
        Some(f) => digits(int) && digits(f),
    };
    let ok_exp = exp.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    if !(ok_mant && ok_exp) {
        return None;
    }
    let s = s.strip_prefix('+').unwrap_or(s);
    if frac.is_none()
        && exp.is_none()
        && let Ok(i) = s.parse::<i64>()
    {
        return Some(Number::Int(i));
    }
    // At 512 bits, as cty's `ParseNumberVal`.
    Number::parse(s).filter(|n| !n.is_infinite())
}

/// A YAML timestamp in one of go-yaml's layouts, as an RFC 3339 string.
/// The layouts (`2006-1-2`, one- or two-digit fields, `t` or space before
/// the time, a fraction that is dropped) are go-yaml's, which Terraform's
/// `yamldecode` inherits, so they are matched here by hand; the calendar
/// check is `crate::time`'s.
fn timestamp(s: &str) -> Option<String> {
    let b = s.as_bytes();
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return None;
    }
    let mut p = Cursor { s: b, i: 5 };
    let year: u32 = s[..4].parse().ok()?;
    let month = p.num(2)?;
    p.eat(b'-')?;
    let day = p.num(2)?;
    if !crate::time::is_valid_date(
        i64::from(year),
        u8::try_from(month).ok()?,
        u8::try_from(day).ok()?,
    ) {
        return None;
    }
    let date = format!("{year:04}-{month:02}-{day:02}");
    if p.done() {
        return Some(format!("{date}T00:00:00Z"));
    }
    let zoned = match p.next()? {
        b'T' | b't' => true,
        b' ' => false,
        _ => return None,
    };
    let hour = p.num(2)?;
    p.eat(b':')?;
    let min = p.num(2)?;
    p.eat(b':')?;
    let sec = p.num(2)?;
    if hour > 23 || min > 59 || sec > 59 {
        return None;
    }
    if p.peek() == Some(b'.') {
        p.i += 1;
        p.num(usize::MAX)?;
    }
    let zone = if zoned {
        match p.next()? {
            b'Z' => "Z".to_string(),
            sign @ (b'+' | b'-') => {
                let h = p.fixed(2)?;
                p.eat(b':')?;
                let m = p.fixed(2)?;
                if h == 0 && m == 0 {
                    "Z".to_string()
                } else {
                    format!("{}{h:02}:{m:02}", sign as char)
                }
            }
            _ => return None,
        }
    } else {
        "Z".to_string()
    };
    p.done()
        .then(|| format!("{date}T{hour:02}:{min:02}:{sec:02}{zone}"))
}

struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn done(&self) -> bool {
        self.i >= self.s.len()
    }
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn next(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.i += 1;
        Some(c)
    }
    fn eat(&mut self, c: u8) -> Option<()> {
        (self.next()? == c).then_some(())
    }
    /// 1 to `max` digits.
    fn num(&mut self, max: usize) -> Option<u32> {
        let start = self.i;
        while self.i - start < max && self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        if self.i == start {
            return None;
        }
        std::str::from_utf8(&self.s[start..self.i])
            .ok()?
            .parse()
            .ok()
            .or(Some(0))
    }
    fn fixed(&mut self, n: usize) -> Option<u32> {
        let start = self.i;
        let v = self.num(n)?;
        (self.i - start == n).then_some(v)
    }
}

#[cfg(test)]
mod tests {
    use crate::harness::eval;
    use infra_lang::Value;

    /// Answers Terraform 1.15.5 gave.
    #[test]
    fn yamlencode_matches_terraform() {
        let words = r#"join(" ", [for i in range(30) : "word${i}"])"#;
        let folded = "word0 word1 word2 word3 word4 word5 word6 word7 word8 word9 word10 word11 word12\n  word13 word14 word15 word16 word17 word18 word19 word20 word21 word22 word23 word24\n  word25 word26 word27 word28 word29\"\n";
        let cases = [
            (r#"yamlencode({a = "x\n\n", b = 1})"#.to_string(), "\"a\": |+\n  x\n\n\"b\": 1\n".to_string()),
            (
                r#"yamlencode(["a\tb", "😀", "x ", " y", "a \nb", "\ufeffz", "\u0085"])"#.to_string(),
                "- \"a\\tb\"\n- \"\\U0001F600\"\n- \"x \"\n- \" y\"\n- \"a \\nb\"\n- \"\\uFEFF\\x7A\"\n- \"\\N\"\n".to_string(),
            ),
            (format!("yamlencode({words})"), format!("\"{folded}")),
            (format!("yamlencode({{k = {words}}})"), format!("\"k\": \"{folded}")),
            (r#"yamlencode("\n")"#.to_string(), "|2+\n\n".to_string()),
            (r#"yamlencode({"a\nb" = 1})"#.to_string(), "? |-\n  a\n  b\n: 1\n".to_string()),
            (r#"yamlencode([["x"], {a = []}, "multi\nline"])"#.to_string(), "- - \"x\"\n- \"a\": []\n- |-\n  multi\n  line\n".to_string()),
            (r#"yamlencode(" lead\nx")"#.to_string(), "|2-\n   lead\n  x\n".to_string()),
            (r#"yamlencode({"foo":[1, {"a":"b","c":"d"}, 3], "bar": "baz"})"#.to_string(), "\"bar\": \"baz\"\n\"foo\":\n- 1\n- \"a\": \"b\"\n  \"c\": \"d\"\n- 3\n".to_string()),
            (r#"yamlencode({"key with space" = [[1, 2], {}]})"#.to_string(), "\"key with space\":\n- - 1\n  - 2\n- {}\n".to_string()),
        ];
        for (expr, want) in cases {
            assert_eq!(eval(&expr), Ok(Value::String(want)), "{expr}");
        }
    }
}
