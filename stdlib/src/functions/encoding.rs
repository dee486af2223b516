//! Built-in encoding functions: JSON, YAML, Base64, URL, CSV and text
//! encodings, with Terraform's exact output.

use super::yaml;
use crate::args::{get, string};
use crate::{Builtin, Example, FnContext, FnError, Returns, limits};
use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use infra_lang::Value;
use infra_lang::types::Type;
use infra_lang::value;
use std::collections::BTreeMap;

/// The encoding functions.
pub(crate) const FUNCTIONS: &[Builtin] = &[
    Builtin {
        name: "jsonencode",
        group: "encoding",
        summary: "Encodes a value as compact JSON, object keys sorted and `<`, `>`, `&` escaped as Terraform does.",
        examples: &[
            Example {
                expr: r#"jsonencode({b = [1, true], a = "x<y"})"#,
                result: r#""{\"a\":\"x\\u003cy\",\"b\":[1,true]}""#,
            },
            Example {
                expr: "jsonencode(null)",
                result: r#""null""#,
            },
        ],
        returns: Returns::String,
        raw: false,
        run: jsonencode,
    },
    Builtin {
        name: "jsondecode",
        group: "encoding",
        summary: "Parses a JSON document: objects become objects, arrays become tuples.",
        examples: &[Example {
            expr: r#"jsondecode("{\"a\": [1, \"b\"]}")"#,
            result: "{\n  \"a\" = [\n    1,\n    \"b\",\n  ]\n}",
        }],
        returns: Returns::Any,
        raw: false,
        run: jsondecode,
    },
    Builtin {
        name: "yamlencode",
        group: "encoding",
        summary: "Encodes a value as a YAML document in Terraform's style: block collections, double-quoted strings, literal blocks for multi-line strings.",
        examples: &[
            Example {
                expr: r#"yamlencode({a = "b", list = [1, 2]})"#,
                result: r#""\"a\": \"b\"\n\"list\":\n- 1\n- 2\n""#,
            },
            Example {
                expr: "yamlencode(1.5)",
                result: r#""1.5\n...\n""#,
            },
        ],
        returns: Returns::String,
        raw: false,
        run: yamlencode,
    },
    Builtin {
        name: "yamldecode",
        group: "encoding",
        summary: "Parses a YAML document (one only): mappings become objects, sequences tuples; `yes`/`no`/`on`/`off` are bools as in YAML 1.1.",
        examples: &[Example {
            expr: r#"yamldecode("a: 1\nb: [x, yes]")"#,
            result: "{\n  \"a\" = 1\n  \"b\" = [\n    \"x\",\n    true,\n  ]\n}",
        }],
        returns: Returns::Any,
        raw: false,
        run: yamldecode,
    },
    Builtin {
        name: "base64encode",
        group: "encoding",
        summary: "Encodes the UTF-8 bytes of a string as standard Base64.",
        examples: &[Example {
            expr: r#"base64encode("Hello World")"#,
            result: r#""SGVsbG8gV29ybGQ=""#,
        }],
        returns: Returns::String,
        raw: false,
        run: base64encode,
    },
    Builtin {
        name: "base64decode",
        group: "encoding",
        summary: "Decodes standard Base64 to a string; fails when the data is not Base64 or the result is not UTF-8.",
        examples: &[Example {
            expr: r#"base64decode("SGVsbG8gV29ybGQ=")"#,
            result: r#""Hello World""#,
        }],
        returns: Returns::String,
        raw: false,
        run: base64decode,
    },
    Builtin {
        name: "base64gzip",
        group: "encoding",
        summary: "Gzips the UTF-8 bytes of a string and Base64-encodes the result. Small inputs give Terraform's exact bytes; larger ones may compress differently (same content once decompressed).",
        examples: &[Example {
            expr: r#"base64gzip("hello")"#,
            result: r#""H4sIAAAAAAAA/8pIzcnJBwAAAP//AQAA//+GphA2BQAAAA==""#,
        }],
        returns: Returns::String,
        raw: false,
        run: base64gzip,
    },
    Builtin {
        name: "urlencode",
        group: "encoding",
        summary: "Escapes a string for a URL query (as Go's `url.QueryEscape`): spaces become `+`, reserved bytes `%XX`.",
        examples: &[Example {
            expr: r#"urlencode("a b&c=d/é")"#,
            result: r#""a+b%26c%3Dd%2F%C3%A9""#,
        }],
        returns: Returns::String,
        raw: false,
        run: urlencode,
    },
    Builtin {
        name: "csvdecode",
        group: "encoding",
        summary: "Parses CSV whose first line names the columns: a list of objects of strings, one per row.",
        examples: &[Example {
            expr: r#"csvdecode("a,b\n1,2")"#,
            result: "tolist([\n  {\n    \"a\" = \"1\"\n    \"b\" = \"2\"\n  },\n])",
        }],
        returns: Returns::Any,
        raw: false,
        run: csvdecode,
    },
    Builtin {
        name: "textencodebase64",
        group: "encoding",
        summary: "Encodes a string in a character encoding (`UTF-16LE`, `ISO-8859-1`, `Shift_JIS`...) and returns the bytes as Base64.",
        examples: &[Example {
            expr: r#"textencodebase64("Hi", "UTF-16LE")"#,
            result: r#""SABpAA==""#,
        }],
        returns: Returns::String,
        raw: false,
        run: textencodebase64,
    },
    Builtin {
        name: "textdecodebase64",
        group: "encoding",
        summary: "Decodes Base64 bytes in a character encoding to a string (the reverse of `textencodebase64`).",
        examples: &[Example {
            expr: r#"textdecodebase64("SABpAA==", "UTF-16LE")"#,
            result: r#""Hi""#,
        }],
        returns: Returns::String,
        raw: false,
        run: textdecodebase64,
    },
];

/// The JSON text of a value as Terraform writes it (compact, keys sorted,
/// HTML-safe escapes).
pub(crate) fn json_text(v: &Value) -> Result<String, String> {
    let mut out = String::new();
    write_json(&mut out, v)?;
    Ok(out)
}

fn write_json(out: &mut String, v: &Value) -> Result<(), String> {
    value::write_json_with(out, v, &json_string, &mut |out, leaf| {
        match leaf {
            Value::Null(_) => out.push_str("null"),
            Value::Unknown(_) => return Err("value is not known".into()),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Number(n) if n.is_infinite() => {
                return Err(format!("{n} cannot be represented in JSON"));
            }
            Value::Number(n) => out.push_str(&n.to_string()),
            Value::String(s) => json_string(out, s),
            // Collections and marks are written by `write_json_with`.
            _ => {}
        }
        Ok(())
    })
}

/// A JSON string literal with Go's `encoding/json` escapes.
fn json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// What a JSON text holds, found in one pass without parsing it (decoding
/// builds up to ~30 times the text's size in values, and recurses once
/// per level).
struct JsonShape {
    /// Values at most: outside strings, every value is the whole text,
    /// or the first in its `[` or `{`, or follows a `,`.
    values: u128,
    /// Line and column (from 1) of the first `[` or `{` nested deeper
    /// than [`limits::MAX_DEPTH`].
    too_deep_at: Option<(usize, usize)>,
}

fn json_shape(text: &str) -> JsonShape {
    let mut shape = JsonShape {
        values: 1,
        too_deep_at: None,
    };
    let (mut in_string, mut escaped, mut depth) = (false, false, 0usize);
    let (mut line, mut col) = (1, 0);
    for b in text.bytes() {
        if b == b'\n' {
            (line, col) = (line + 1, 0);
        } else if b & 0xC0 != 0x80 {
            col += 1;
        }
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                shape.values += 1;
                depth += 1;
                if depth > limits::MAX_DEPTH && shape.too_deep_at.is_none() {
                    shape.too_deep_at = Some((line, col));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            b',' => shape.values += 1,
            _ => {}
        }
    }
    shape
}

fn jsonencode(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    json_text(&get(&args, 0))
        .map(Value::String)
        .map_err(|e| FnError::arg(0, e))
}

fn jsondecode(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let text = string(&args, 0)?;
    let shape = json_shape(&text);
    if let Some((line, column)) = shape.too_deep_at {
        return Err(FnError::arg(
            0,
            format!(
                "invalid JSON: nested more than {} levels deep (the limit on decoded data), at line {line} column {column}",
                limits::MAX_DEPTH
            ),
        ));
    }
    limits::check_elements(shape.values, "a decoded JSON document")?;
    value::from_json_text(&text).map_err(|e| FnError::arg(0, format!("invalid JSON: {e}")))
}

fn yamlencode(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    yaml::encode(&get(&args, 0)).map(Value::String)
}

fn yamldecode(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let text = string(&args, 0)?;
    yaml::decode(&text)
}

/// Go's `base64.StdEncoding`: padding required, newlines ignored,
/// non-zero trailing bits accepted.
fn std_base64() -> GeneralPurpose {
    GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::RequireCanonical)
            .with_decode_allow_trailing_bits(true),
    )
}

/// Base64 of `bytes` (standard alphabet, padded).
pub(crate) fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn decode_b64(s: &str) -> Option<Vec<u8>> {
    let clean: String = s.chars().filter(|c| *c != '\n' && *c != '\r').collect();
    std_base64().decode(clean).ok()
}

fn base64encode(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    Ok(Value::String(b64(string(&args, 0)?.as_bytes())))
}

fn base64decode(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let s = string(&args, 0)?;
    let bytes = decode_b64(&s).ok_or_else(|| {
        FnError::arg(0, format!("failed to decode base64 data {s:?}"))
            .with_help("The value must be standard Base64 with `=` padding.")
    })?;
    String::from_utf8(bytes).map(Value::String).map_err(|_| {
        FnError::arg(
            0,
            "the result of decoding the provided string is not valid UTF-8",
        )
        .with_help("Binary data cannot be a string; keep it Base64-encoded.")
    })
}

/// Gzip framed as Go's `gzip.Writer` writes it after `Flush` and `Close`:
/// a header without name or time, the data ending in a sync flush, then
/// an empty final stored block.
fn base64gzip(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let s = string(&args, 0)?;
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    let mut z = flate2::Compress::new(flate2::Compression::new(6), false);
    let mut body = Vec::with_capacity(s.len() + 64);
    loop {
        body.reserve(s.len() / 2 + 64);
        let consumed = usize::try_from(z.total_in()).unwrap_or(usize::MAX);
        let rest = s.as_bytes().get(consumed..).unwrap_or_default();
        let before = body.len();
        z.compress_vec(rest, &mut body, flate2::FlushCompress::Sync)
            .map_err(|e| FnError::arg(0, format!("failed to compress: {e}")))?;
        let done = usize::try_from(z.total_in()).is_ok_and(|n| n == s.len());
        if done && body.len() < body.capacity() && body.len() >= before {
            break;
        }
    }
    out.extend(body);
    out.extend([1, 0, 0, 0xff, 0xff]);
    let mut crc = flate2::Crc::new();
    crc.update(s.as_bytes());
    out.extend(crc.sum().to_le_bytes());
    out.extend((s.len() as u32).to_le_bytes());
    Ok(Value::String(b64(&out)))
}

fn urlencode(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let s = string(&args, 0)?;
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char);
            }
            b' ' => out.push('+'),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    Ok(Value::String(out))
}

fn csvdecode(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let text = string(&args, 0)?;
    // Every cell follows a comma or a line break, or starts the text.
    let cells = text.bytes().filter(|b| matches!(b, b',' | b'\n')).count() as u128 + 1;
    limits::check_elements(cells, "a decoded CSV document")?;
    let records = parse_csv(&text).map_err(|e| FnError::arg(0, e))?;
    let mut records = records.into_iter();
    let Some(header) = records.next() else {
        return Err(FnError::arg(0, "missing header line"));
    };
    let mut attrs = BTreeMap::new();
    for name in &header {
        if attrs.insert(name.clone(), Type::String).is_some() {
            return Err(FnError::arg(0, format!("duplicate column name {name:?}")));
        }
    }
    let rows = records
        .map(|r| {
            Value::Object(
                header
                    .iter()
                    .cloned()
                    .zip(r.into_iter().map(Value::String))
                    .collect(),
            )
        })
        .collect();
    Ok(Value::List(Type::object(attrs), rows))
}

/// Go's `encoding/csv` reader: quoted fields may hold commas, quotes
/// (doubled) and newlines; empty lines are skipped; every record must have
/// as many fields as the first.
fn parse_csv(text: &str) -> Result<Vec<Vec<String>>, String> {
    let text = text.replace("\r\n", "\n");
    let chars: Vec<char> = text.chars().collect();
    let mut records: Vec<Vec<String>> = Vec::new();
    let (mut i, mut line) = (0, 1);
    while i < chars.len() {
        if chars[i] == '\n' {
            i += 1;
            line += 1;
            continue;
        }
        let start_line = line;
        let mut record = Vec::new();
        loop {
            let mut field = String::new();
            if chars.get(i) == Some(&'"') {
                i += 1;
                loop {
                    match chars.get(i) {
                        None => {
                            return Err(format!(
                                "CSV parse error on line {line}: extraneous or missing \" in quoted-field"
                            ));
                        }
                        Some('"') if chars.get(i + 1) == Some(&'"') => {
                            field.push('"');
                            i += 2;
                        }
                        Some('"') => {
                            i += 1;
                            break;
                        }
                        Some(&c) => {
                            if c == '\n' {
                                line += 1;
                            }
                            field.push(c);
                            i += 1;
                        }
                    }
                }
                if !matches!(chars.get(i), None | Some(',') | Some('\n')) {
                    return Err(format!(
                        "CSV parse error on line {line}: extraneous or missing \" in quoted-field"
                    ));
                }
            } else {
                while let Some(&c) = chars.get(i) {
                    if c == ',' || c == '\n' {
                        break;
                    }
                    if c == '"' {
                        return Err(format!(
                            "CSV parse error on line {line}: bare \" in non-quoted-field"
                        ));
                    }
                    field.push(c);
                    i += 1;
                }
            }
            record.push(field);
            match chars.get(i) {
                Some(',') => i += 1,
                Some(_) => {
                    i += 1;
                    line += 1;
                    break;
                }
                None => break,
            }
        }
        if let Some(first) = records.first()
            && first.len() != record.len()
        {
            return Err(format!(
                "CSV parse error on line {start_line}: wrong number of fields"
            ));
        }
        records.push(record);
    }
    Ok(records)
}

/// A character encoding known by its IANA name or alias.
enum TextEncoding {
    Utf16 { big_endian: bool, bom: bool },
    Latin1,
    Ascii,
    Other(&'static encoding_rs::Encoding),
}

impl TextEncoding {
    fn lookup(name: &str) -> Option<(TextEncoding, String)> {
        let lower = name.to_ascii_lowercase();
        let enc = match lower.as_str() {
            "utf-16" | "csutf16" => TextEncoding::Utf16 {
                big_endian: true,
                bom: true,
            },
            "utf-16be" | "csutf16be" => TextEncoding::Utf16 {
                big_endian: true,
                bom: false,
            },
            "utf-16le" | "csutf16le" => TextEncoding::Utf16 {
                big_endian: false,
                bom: false,
            },
            "iso_8859-1:1987" | "iso-ir-100" | "iso_8859-1" | "iso-8859-1" | "latin1" | "l1"
            | "ibm819" | "cp819" | "csisolatin1" => TextEncoding::Latin1,
            "us-ascii" | "ansi_x3.4-1968" | "iso-ir-6" | "ansi_x3.4-1986" | "iso_646.irv:1991"
            | "iso646-us" | "us" | "ibm367" | "cp367" | "csascii" => TextEncoding::Ascii,
            _ => TextEncoding::Other(encoding_rs::Encoding::for_label_no_replacement(
                lower.as_bytes(),
            )?),
        };
        let display = match &enc {
            TextEncoding::Latin1 => "ISO_8859-1:1987".to_string(),
            TextEncoding::Ascii => "US-ASCII".to_string(),
            TextEncoding::Other(e) => e.name().to_string(),
            TextEncoding::Utf16 { .. } => name.to_string(),
        };
        Some((enc, display))
    }

    fn encode(&self, s: &str) -> Option<Vec<u8>> {
        match self {
            TextEncoding::Utf16 { big_endian, bom } => {
                let mut out = Vec::new();
                let units = bom.then_some(0xFEFF).into_iter().chain(s.encode_utf16());
                for u in units {
                    out.extend(if *big_endian {
                        u.to_be_bytes()
                    } else {
                        u.to_le_bytes()
                    });
                }
                Some(out)
            }
            TextEncoding::Latin1 => s.chars().map(|c| u8::try_from(c as u32).ok()).collect(),
            TextEncoding::Ascii => s.chars().map(|c| c.is_ascii().then_some(c as u8)).collect(),
            TextEncoding::Other(e) => {
                let (bytes, _, errors) = e.encode(s);
                (!errors).then(|| bytes.into_owned())
            }
        }
    }

    fn decode(&self, bytes: &[u8]) -> Option<String> {
        match self {
            TextEncoding::Utf16 { big_endian, bom } => {
                let (mut be, mut bytes) = (*big_endian, bytes);
                if *bom {
                    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
                        bytes = rest;
                    } else if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
                        (be, bytes) = (false, rest);
                    }
                }
                let enc = if be {
                    encoding_rs::UTF_16BE
                } else {
                    encoding_rs::UTF_16LE
                };
                enc.decode_without_bom_handling_and_without_replacement(bytes)
                    .map(|s| s.into_owned())
            }
            TextEncoding::Latin1 => Some(bytes.iter().map(|b| char::from(*b)).collect()),
            TextEncoding::Ascii => bytes
                .iter()
                .map(|b| b.is_ascii().then_some(char::from(*b)))
                .collect(),
            TextEncoding::Other(e) => e
                .decode_without_bom_handling_and_without_replacement(bytes)
                .map(|s| s.into_owned()),
        }
    }
}

fn encoding_arg(args: &[Value], i: usize) -> Result<(TextEncoding, String), FnError> {
    let name = string(args, i)?;
    TextEncoding::lookup(&name).ok_or_else(|| {
        FnError::arg(
            i,
            format!("{name:?} is not a supported IANA encoding name or alias"),
        )
        .with_help("Use a name such as \"UTF-16LE\", \"ISO-8859-1\" or \"windows-1252\".")
    })
}

fn textencodebase64(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let s = string(&args, 0)?;
    let (enc, name) = encoding_arg(&args, 1)?;
    let bytes = enc.encode(&s).ok_or_else(|| {
        FnError::arg(
            0,
            format!("the given string contains characters that cannot be represented in {name}"),
        )
    })?;
    Ok(Value::String(b64(&bytes)))
}

fn textdecodebase64(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let s = string(&args, 0)?;
    let (enc, name) = encoding_arg(&args, 1)?;
    let bytes =
        decode_b64(&s).ok_or_else(|| FnError::arg(0, format!("invalid Base64 data {s:?}")))?;
    enc.decode(&bytes).map(Value::String).ok_or_else(|| {
        FnError::arg(
            0,
            format!("the given string contains symbols that are not defined for {name}"),
        )
    })
}
