//! Built-in string functions: case, trimming, searching, splitting and
//! joining, regular expressions, formatting; and `env`.

use super::format_verb;
use crate::args::{integer, sequence, string, string_list, strings};
use crate::{Builtin, Example, FnContext, FnError, Returns, limits};
use infra_lang::Value;
use infra_lang::types::Type;
use infra_lang::value::ValueMap;
use regex::Regex;
use unicode_segmentation::UnicodeSegmentation;

macro_rules! ex {
    ($expr:expr => $result:expr) => {
        Example {
            expr: $expr,
            result: $result,
        }
    };
}

macro_rules! string_fn {
    ($name:literal, $summary:literal, [$($ex:expr),+], $run:ident) => {
        Builtin {
            name: $name,
            group: "string",
            summary: $summary,
            examples: &[$($ex),+],
            returns: Returns::String,
            raw: false,
            run: $run,
        }
    };
}

/// The string functions.
pub(crate) const FUNCTIONS: &[Builtin] = &[
    string_fn!(
        "upper",
        "Converts every letter of a string to upper case.",
        [
            ex!(r#"upper("hello")"# => r#""HELLO""#),
            ex!(r#"upper("алло!")"# => r#""АЛЛО!""#)
        ],
        upper
    ),
    string_fn!(
        "lower",
        "Converts every letter of a string to lower case.",
        [ex!(r#"lower("HELLO Ωmega")"# => r#""hello ωmega""#)],
        lower
    ),
    string_fn!(
        "title",
        "Converts the first letter of every word to upper case.",
        [ex!(r#"title("hello world-wide")"# => r#""Hello World-Wide""#)],
        title
    ),
    string_fn!(
        "indent",
        "Adds `spaces` spaces before every line of a string except the first.",
        [ex!(r#"indent(2, "a\nb")"# => r#""a\n  b""#)],
        indent
    ),
    string_fn!(
        "format",
        "Formats values printf-style: `%s`, `%d`, `%f`, `%.2f`, `%q`, `%v`, `%#v` (JSON), `%x`..., with widths, flags and `%[n]` argument indexes.",
        [
            ex!(r#"format("Hello, %s! You have %d new messages.", "Ana", 3)"# => r#""Hello, Ana! You have 3 new messages.""#),
            ex!(r#"format("%6.2f|%-4s|%03d|%#v", 3.14159, "ab", 7, [1])"# => r#""  3.14|ab  |007|[1]""#)
        ],
        format
    ),
    Builtin {
        name: "formatlist",
        group: "string",
        summary: "Formats each element of the list arguments (taken in lockstep, all the same length) like `format`; other arguments repeat.",
        examples: &[
            ex!(r#"formatlist("%s=%d", ["a", "b"], [1, 2])"# => "tolist([\n  \"a=1\",\n  \"b=2\",\n])"),
        ],
        returns: Returns::Any,
        raw: false,
        run: formatlist,
    },
    string_fn!(
        "join",
        "Concatenates the elements of one or more lists of strings with a separator between them.",
        [ex!(r#"join(", ", ["a", "b"], ["c"])"# => r#""a, b, c""#)],
        join
    ),
    Builtin {
        name: "split",
        group: "string",
        summary: "Splits a string at every occurrence of a separator: a list of strings.",
        examples: &[
            ex!(r#"split(",", "a,b,,c")"# => "tolist([\n  \"a\",\n  \"b\",\n  \"\",\n  \"c\",\n])"),
        ],
        returns: Returns::Any,
        raw: false,
        run: split,
    },
    string_fn!(
        "replace",
        "Replaces every occurrence of a substring; a substring written `/.../` is a regular expression and `$1` or `${name}` in the replacement refer to its groups.",
        [
            ex!(r#"replace("1 + 2 + 3", "+", "-")"# => r#""1 - 2 - 3""#),
            ex!(r#"replace("hello world", "/(\\w+) (\\w+)/", "$2 $1")"# => r#""world hello""#)
        ],
        replace
    ),
    Builtin {
        name: "regex",
        group: "string",
        summary: "The first match of a regular expression: the matched string, a tuple of the groups, or an object of the named groups; fails when nothing matches.",
        examples: &[
            ex!(r#"regex("[a-z]+", "53453453.345345aaabbbccc23454")"# => r#""aaabbbccc""#),
            ex!(r#"regex("(\\d\\d\\d\\d)-(\\d\\d)", "2019-02")"# => "[\n  \"2019\",\n  \"02\",\n]"),
            ex!(r#"regex("(?P<y>\\d+)-(?P<m>\\d+)", "2019-02")"# => "{\n  \"m\" = \"02\"\n  \"y\" = \"2019\"\n}"),
        ],
        returns: Returns::Any,
        raw: false,
        run: regex_fn,
    },
    Builtin {
        name: "regexall",
        group: "string",
        summary: "Every match of a regular expression, each shaped as `regex` returns it; an empty list when nothing matches.",
        examples: &[
            ex!(r#"regexall("[a-z]+", "1234abcd5678efgh9")"# => "tolist([\n  \"abcd\",\n  \"efgh\",\n])"),
        ],
        returns: Returns::Any,
        raw: false,
        run: regexall,
    },
    string_fn!(
        "trim",
        "Removes the characters of a cutset from both ends of a string.",
        [ex!(r#"trim("?!hello?!", "!?")"# => r#""hello""#)],
        trim
    ),
    string_fn!(
        "trimprefix",
        "Removes a prefix from a string, once, when it is there.",
        [ex!(r#"trimprefix("helloworld", "hello")"# => r#""world""#)],
        trimprefix
    ),
    string_fn!(
        "trimsuffix",
        "Removes a suffix from a string, once, when it is there.",
        [ex!(r#"trimsuffix("helloworld", "world")"# => r#""hello""#)],
        trimsuffix
    ),
    string_fn!(
        "trimspace",
        "Removes whitespace (spaces, tabs, newlines, Unicode spaces) from both ends of a string.",
        [ex!(r#"trimspace("  hello\n\n")"# => r#""hello""#)],
        trimspace
    ),
    string_fn!(
        "chomp",
        "Removes newline characters at the end of a string.",
        [ex!(r#"chomp("hello\n\r\n")"# => r#""hello""#)],
        chomp
    ),
    string_fn!(
        "substr",
        "Part of a string by offset and length in characters (grapheme clusters); a negative offset counts from the end, length -1 means to the end.",
        [
            ex!(r#"substr("hello world", 1, 4)"# => r#""ello""#),
            ex!(r#"substr("hello world", -5, -1)"# => r#""world""#)
        ],
        substr
    ),
    string_fn!(
        "strrev",
        "Reverses a string by characters (grapheme clusters, so combining marks stay on their letter).",
        [ex!(r#"strrev("hello")"# => r#""olleh""#)],
        strrev
    ),
    Builtin {
        name: "startswith",
        group: "string",
        summary: "Whether a string starts with a prefix.",
        examples: &[ex!(r#"startswith("hello world", "hello")"# => "true")],
        returns: Returns::Bool,
        raw: false,
        run: startswith,
    },
    Builtin {
        name: "endswith",
        group: "string",
        summary: "Whether a string ends with a suffix.",
        examples: &[ex!(r#"endswith("hello world", "world")"# => "true")],
        returns: Returns::Bool,
        raw: false,
        run: endswith,
    },
    Builtin {
        name: "strcontains",
        group: "string",
        summary: "Whether a string contains a substring.",
        examples: &[ex!(r#"strcontains("hello world", "wor")"# => "true")],
        returns: Returns::Bool,
        raw: false,
        run: strcontains,
    },
    Builtin {
        name: "env",
        group: "system",
        summary: "The value of an environment variable of the infra process, or null when it is not set. Not in Terraform.",
        examples: &[ex!(r#"env("INFRA_SURELY_UNSET_VARIABLE")"# => "null")],
        returns: Returns::String,
        raw: false,
        run: env,
    },
    Builtin {
        name: "sensitive_env",
        group: "system",
        summary: "The value of an environment variable of the infra process, marked sensitive (so a secret such as a token read from the CI's environment is never shown or written to a plan); an error when it is not set. Not in Terraform.",
        examples: &[ex!(r#"sensitive_env("PATH")"# => "(sensitive value)")],
        returns: Returns::String,
        raw: false,
        run: sensitive_env,
    },
];

/// Go's `unicode.ToUpper`/`ToLower`: one character for one, so characters
/// whose full mapping is longer (`ß`) stay as they are.
fn simple_case(c: char, upper: bool) -> char {
    match (c, upper) {
        ('\u{130}', false) => return 'i',
        ('ᾀ'..='ᾇ' | 'ᾐ'..='ᾗ' | 'ᾠ'..='ᾧ', true) => {
            return char::from_u32(c as u32 + 8).unwrap_or(c);
        }
        ('ᾳ', true) => return 'ᾼ',
        ('ῃ', true) => return 'ῌ',
        ('ῳ', true) => return 'ῼ',
        _ => {}
    }
    let mut m: Vec<char> = if upper {
        c.to_uppercase().collect()
    } else {
        c.to_lowercase().collect()
    };
    match (m.len(), m.pop()) {
        (1, Some(x)) => x,
        _ => c,
    }
}

fn upper(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let s = string(&args, 0)?;
    Ok(Value::String(
        s.chars().map(|c| simple_case(c, true)).collect(),
    ))
}

fn lower(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let s = string(&args, 0)?;
    Ok(Value::String(
        s.chars().map(|c| simple_case(c, false)).collect(),
    ))
}

/// Go's `strings.Title`: upper-cases (title-cases) letters that follow a
/// separator.
fn title(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    fn separator(c: char) -> bool {
        if c.is_ascii() {
            return !(c.is_ascii_alphanumeric() || c == '_');
        }
        if c.is_alphabetic() || c.is_numeric() {
            return false;
        }
        c.is_whitespace()
    }
    fn to_title(c: char) -> char {
        match c {
            'Ǆ' | 'ǅ' | 'ǆ' => 'ǅ',
            'Ǉ' | 'ǈ' | 'ǉ' => 'ǈ',
            'Ǌ' | 'ǋ' | 'ǌ' => 'ǋ',
            'Ǳ' | 'ǲ' | 'ǳ' => 'ǲ',
            c => simple_case(c, true),
        }
    }
    let s = string(&args, 0)?;
    let mut prev = ' ';
    let out = s
        .chars()
        .map(|c| {
            let r = if separator(prev) { to_title(c) } else { c };
            prev = c;
            r
        })
        .collect();
    Ok(Value::String(out))
}

fn indent(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let n = integer(&args, 0)?;
    let n = usize::try_from(n).map_err(|_| {
        FnError::arg(
            0,
            format!("the number of spaces cannot be negative, got {n}"),
        )
    })?;
    let s = string(&args, 1)?;
    let lines = s.bytes().filter(|b| *b == b'\n').count();
    if lines == 0 {
        return Ok(Value::String(s));
    }
    limits::check_string(
        s.len() as u128 + lines as u128 * n as u128,
        "an indented string",
    )?;
    let pad = " ".repeat(n);
    Ok(Value::String(s.replace('\n', &format!("\n{pad}"))))
}

fn format(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let spec = string(&args, 0)?;
    format_verb::format(&spec, &args[1..]).map(Value::String)
}

fn formatlist(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let spec = string(&args, 0)?;
    let mut len: Option<(usize, usize)> = None;
    let mut columns: Vec<Result<Vec<Value>, Value>> = Vec::new();
    for (i, arg) in args.iter().enumerate().skip(1) {
        match arg {
            Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => {
                match len {
                    Some((n, first)) if n != items.len() => {
                        return Err(FnError::arg(
                            i,
                            format!(
                                "argument {i} has length {}, which is inconsistent with argument {first} of length {n}",
                                items.len()
                            ),
                        )
                        .with_help("Every list argument of formatlist must have the same length."));
                    }
                    Some(_) => {}
                    None => len = Some((items.len(), i)),
                }
                columns.push(Ok(items.clone()));
            }
            other => columns.push(Err(other.clone())),
        }
    }
    let rows = len.map_or(1, |(n, _)| n);
    let mut out = Vec::with_capacity(rows);
    let mut bytes: u128 = 0;
    for row in 0..rows {
        let row_args: Vec<Value> = columns
            .iter()
            .map(|c| match c {
                Ok(items) => items.get(row).cloned().unwrap_or(Value::NULL),
                Err(v) => v.clone(),
            })
            .collect();
        let s = format_verb::format(&spec, &row_args).map_err(|mut e| {
            if e.code != limits::TOO_LARGE {
                e.message = format!("error on format iteration {row}: {}", e.message);
            }
            e
        })?;
        bytes += s.len() as u128;
        limits::check_string(bytes, "a list of formatted strings")?;
        out.push(s);
    }
    Ok(string_list(out))
}

fn join(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let sep = string(&args, 0)?;
    let mut parts = Vec::new();
    for i in 1..args.len() {
        for (j, item) in sequence(&args, i)?.iter().enumerate() {
            if item.is_null() {
                return Err(FnError::arg(
                    i,
                    format!("element {j} is null; cannot concatenate null values"),
                ));
            }
        }
        parts.extend(strings(&args, i)?);
    }
    let text: u128 = parts.iter().map(|p| p.len() as u128).sum();
    let seps = parts.len().saturating_sub(1) as u128 * sep.len() as u128;
    limits::check_string(text + seps, "a joined string")?;
    Ok(Value::String(parts.join(&sep)))
}

fn split(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let sep = string(&args, 0)?;
    let s = string(&args, 1)?;
    let parts = if sep.is_empty() {
        s.chars().count()
    } else {
        s.matches(sep.as_str()).count() + 1
    };
    // Each part is a value of its own: `split("", text)` makes one per
    // character.
    limits::check_elements(parts as u128 + 1, "a list of parts")?;
    let parts: Vec<String> = if sep.is_empty() {
        s.chars().map(String::from).collect()
    } else {
        s.split(sep.as_str()).map(String::from).collect()
    };
    Ok(string_list(parts))
}

/// Compiles a pattern with Go's RE2 syntax: `\d`, `\w`, `\s` and `\b` are
/// ASCII-only there, and `[`, `&`, `~` inside a class are literal.
fn go_regex(pattern: &str, arg: usize) -> Result<Regex, FnError> {
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut chars = pattern.chars().peekable();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(e @ ('d' | 'D' | 'w' | 'W' | 's' | 'S')) => {
                    let set = match e.to_ascii_lowercase() {
                        'd' => "0-9",
                        'w' => "0-9A-Za-z_",
                        _ => r"\t\n\f\r ",
                    };
                    let neg = if e.is_ascii_uppercase() { "^" } else { "" };
                    if in_class && neg.is_empty() {
                        out.push_str(set);
                    } else {
                        out.push_str(&format!("[{neg}{set}]"));
                    }
                }
                Some('b') if !in_class => out.push_str(r"(?-u:\b)"),
                Some('B') if !in_class => out.push_str(r"(?-u:\B)"),
                Some(e) => {
                    out.push('\\');
                    out.push(e);
                }
                None => out.push('\\'),
            },
            '[' if !in_class => {
                in_class = true;
                out.push('[');
                if chars.peek() == Some(&'^') {
                    out.push('^');
                    chars.next();
                }
                if chars.peek() == Some(&']') {
                    out.push_str(r"\]");
                    chars.next();
                }
            }
            '[' if chars.peek() == Some(&':') => {
                out.push('[');
                for d in chars.by_ref() {
                    out.push(d);
                    if d == ']' {
                        break;
                    }
                }
            }
            '[' | '&' | '~' if in_class => {
                out.push('\\');
                out.push(c);
            }
            ']' if in_class => {
                in_class = false;
                out.push(']');
            }
            c => out.push(c),
        }
    }
    Regex::new(&out).map_err(|e| {
        let msg = match e {
            regex::Error::Syntax(s) => s
                .lines()
                .rev()
                .find(|l| l.starts_with("error:"))
                .map_or(s.clone(), |l| {
                    l.trim_start_matches("error:").trim().to_string()
                }),
            other => other.to_string(),
        };
        FnError::arg(
            arg,
            format!("invalid regular expression {pattern:?}: {msg}"),
        )
    })
}

fn replace(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let s = string(&args, 0)?;
    let sub = string(&args, 1)?;
    let with = string(&args, 2)?;
    if sub.len() > 1 && sub.starts_with('/') && sub.ends_with('/') {
        let re = go_regex(&sub[1..sub.len() - 1], 1)?;
        // As `replace_all`, checking the size after each replacement.
        let mut out = String::new();
        let mut last = 0;
        for caps in re.captures_iter(&s) {
            let Some(m) = caps.get(0) else { continue };
            out.push_str(&s[last..m.start()]);
            caps.expand(&with, &mut out);
            last = m.end();
            limits::check_string(
                (out.len() + s.len() - last) as u128,
                "a string with replacements",
            )?;
        }
        out.push_str(&s[last..]);
        return Ok(Value::String(out));
    }
    let matches = if sub.is_empty() {
        s.chars().count() as u128 + 1
    } else {
        s.matches(sub.as_str()).count() as u128
    };
    limits::check_string(
        s.len() as u128 - matches * sub.len() as u128 + matches * with.len() as u128,
        "a string with replacements",
    )?;
    Ok(Value::String(s.replace(&sub, &with)))
}

/// What a pattern's matches look like.
enum Shape {
    Whole,
    Groups(usize),
    Named(Vec<String>),
}

fn shape(re: &Regex) -> Result<Shape, FnError> {
    let names: Vec<Option<&str>> = re.capture_names().skip(1).collect();
    let named = names.iter().filter(|n| n.is_some()).count();
    Ok(match (names.len(), named) {
        (0, _) => Shape::Whole,
        (n, 0) => Shape::Groups(n),
        (n, k) if n == k => Shape::Named(names.iter().flatten().map(|s| s.to_string()).collect()),
        _ => {
            return Err(FnError::arg(
                0,
                "invalid regular expression: can't mix both named and unnamed capture groups",
            ));
        }
    })
}

fn shape_type(shape: &Shape) -> Type {
    match shape {
        Shape::Whole => Type::String,
        Shape::Groups(n) => Type::Tuple(vec![Type::String; *n]),
        Shape::Named(names) => {
            Type::object(names.iter().map(|n| (n.clone(), Type::String)).collect())
        }
    }
}

fn match_value(shape: &Shape, caps: &regex::Captures<'_>) -> Value {
    let group = |i: usize| {
        caps.get(i)
            .map_or(Value::Null(Type::String), |m| Value::string(m.as_str()))
    };
    match shape {
        Shape::Whole => group(0),
        Shape::Groups(_) => Value::Tuple((1..caps.len()).map(group).collect()),
        Shape::Named(names) => Value::Object(
            names
                .iter()
                .map(|n| {
                    let v = caps
                        .name(n)
                        .map_or(Value::Null(Type::String), |m| Value::string(m.as_str()));
                    (n.clone(), v)
                })
                .collect::<ValueMap>(),
        ),
    }
}

fn regex_fn(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let re = go_regex(&string(&args, 0)?, 0)?;
    let s = string(&args, 1)?;
    let shape = shape(&re)?;
    let caps = re.captures(&s).ok_or_else(|| {
        FnError::arg(1, "pattern did not match any part of the given string")
            .with_help("Use `regexall` to get an empty list instead, or `can(regex(...))` to test.")
    })?;
    Ok(match_value(&shape, &caps))
}

fn regexall(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let re = go_regex(&string(&args, 0)?, 0)?;
    let s = string(&args, 1)?;
    let shape = shape(&re)?;
    let per_match = match &shape {
        Shape::Whole => 1,
        Shape::Groups(n) => *n as u128 + 1,
        Shape::Named(names) => names.len() as u128 + 1,
    };
    let mut items = Vec::new();
    for c in re.captures_iter(&s) {
        // A pattern matching the empty string matches at every character.
        limits::check_elements((items.len() as u128 + 2) * per_match, "a list of matches")?;
        items.push(match_value(&shape, &c));
    }
    Ok(Value::List(shape_type(&shape), items))
}

fn trim(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let s = string(&args, 0)?;
    let cut = string(&args, 1)?;
    Ok(Value::string(s.trim_matches(|c| cut.contains(c))))
}

fn trimprefix(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let s = string(&args, 0)?;
    let p = string(&args, 1)?;
    Ok(Value::string(s.strip_prefix(p.as_str()).unwrap_or(&s)))
}

fn trimsuffix(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let s = string(&args, 0)?;
    let p = string(&args, 1)?;
    Ok(Value::string(s.strip_suffix(p.as_str()).unwrap_or(&s)))
}

fn trimspace(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    Ok(Value::string(string(&args, 0)?.trim()))
}

fn chomp(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    Ok(Value::string(
        string(&args, 0)?.trim_end_matches(['\r', '\n']),
    ))
}

/// cty's `substr`: offset and length in grapheme clusters.
fn substr(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let s = string(&args, 0)?;
    let offset = integer(&args, 1)?;
    let length = integer(&args, 2)?;
    let g: Vec<&str> = s.graphemes(true).collect();
    let n = g.len() as i64;
    let start = if offset < 0 {
        (offset + n).max(0)
    } else {
        offset
    };
    if start >= n || length == 0 {
        return Ok(Value::string(""));
    }
    let end = if length < 0 {
        n
    } else {
        (start + length).min(n)
    };
    Ok(Value::String(g[start as usize..end as usize].concat()))
}

fn strrev(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    Ok(Value::String(
        string(&args, 0)?.graphemes(true).rev().collect(),
    ))
}

fn startswith(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    Ok(Value::Bool(
        string(&args, 0)?.starts_with(&string(&args, 1)?),
    ))
}

fn endswith(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    Ok(Value::Bool(string(&args, 0)?.ends_with(&string(&args, 1)?)))
}

fn strcontains(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    Ok(Value::Bool(string(&args, 0)?.contains(&string(&args, 1)?)))
}

fn env(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    Ok(env_var(&args)?
        .1
        .map_or(Value::Null(Type::String), Value::String))
}

fn sensitive_env(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    match env_var(&args)? {
        (_, Some(v)) => Ok(Value::String(v).mark_if(true)),
        (name, None) => Err(FnError::arg(
            0,
            format!("the environment variable {name:?} is not set"),
        )),
    }
}

/// The name argument of `env`/`sensitive_env` and the variable's value.
fn env_var(args: &[Value]) -> Result<(String, Option<String>), FnError> {
    let name = string(args, 0)?;
    if name.is_empty() || name.contains(['=', '\0']) {
        return Err(FnError::arg(
            0,
            format!("{name:?} is not a valid environment variable name"),
        ));
    }
    let value = std::env::var_os(&name).map(|v| v.to_string_lossy().into_owned());
    Ok((name, value))
}
