//! The .infra standard library: the catalogue of built-in functions with
//! their signatures (names and behaviour follow Terraform's), used by
//! `infra validate` to check calls without evaluating anything, and their
//! implementations ([`call`]), each documented with examples that the test
//! suite evaluates.

mod args;
mod call;
mod docs;
pub mod duration;
mod functions;
pub mod limits;
pub mod time;

pub use time::rfc3339_utc;
#[cfg(test)]
mod bounds_tests;
#[cfg(test)]
mod harness;

pub use call::{Builtin, Example, FnContext, FnError, Returns, builtin, builtins, call, call_at};
pub use docs::markdown_reference;

/// How many arguments a built-in function takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arity {
    /// Fewest arguments accepted.
    pub min: usize,
    /// Most arguments accepted; `None` for variadic functions.
    pub max: Option<usize>,
}

impl Arity {
    /// True when `n` arguments are accepted.
    pub fn accepts(&self, n: usize) -> bool {
        n >= self.min && self.max.is_none_or(|m| n <= m)
    }

    /// "2 arguments", "1 or 2 arguments", "at least 1 argument".
    pub fn describe(&self) -> String {
        let plural = |n: usize| if n == 1 { "argument" } else { "arguments" };
        match self.max {
            Some(m) if m == self.min => format!("{m} {}", plural(m)),
            Some(m) if m == self.min + 1 => format!("{} or {m} {}", self.min, plural(m)),
            Some(m) => format!("{} to {m} {}", self.min, plural(m)),
            None => format!("at least {} {}", self.min, plural(self.min)),
        }
    }
}

/// One built-in function's signature.
#[derive(Clone, Copy, Debug)]
pub struct Signature {
    /// The function's name, as called.
    pub name: &'static str,
    /// Parameter names in order (a trailing `...` marks the variadic one).
    pub params: &'static [&'static str],
    /// How many arguments it takes.
    pub arity: Arity,
}

const fn sig(
    name: &'static str,
    params: &'static [&'static str],
    min: usize,
    max: Option<usize>,
) -> Signature {
    Signature {
        name,
        params,
        arity: Arity { min, max },
    }
}

/// Every built-in function, sorted by name.
pub const FUNCTIONS: &[Signature] = &[
    sig("abs", &["num"], 1, Some(1)),
    sig("abspath", &["path"], 1, Some(1)),
    sig("alltrue", &["list"], 1, Some(1)),
    sig("anytrue", &["list"], 1, Some(1)),
    sig("base64decode", &["str"], 1, Some(1)),
    sig("base64encode", &["str"], 1, Some(1)),
    sig("base64gzip", &["str"], 1, Some(1)),
    sig("base64sha256", &["str"], 1, Some(1)),
    sig("base64sha512", &["str"], 1, Some(1)),
    sig("basename", &["path"], 1, Some(1)),
    sig("can", &["expr"], 1, Some(1)),
    sig("ceil", &["num"], 1, Some(1)),
    sig("chomp", &["str"], 1, Some(1)),
    sig("chunklist", &["list", "size"], 2, Some(2)),
    sig("cidrhost", &["prefix", "hostnum"], 2, Some(2)),
    sig("cidrnetmask", &["prefix"], 1, Some(1)),
    sig("cidrsubnet", &["prefix", "newbits", "netnum"], 3, Some(3)),
    sig("cidrsubnets", &["prefix", "newbits..."], 1, None),
    sig("coalesce", &["vals..."], 1, None),
    sig("coalescelist", &["vals..."], 1, None),
    sig("compact", &["list"], 1, Some(1)),
    sig("concat", &["seqs..."], 1, None),
    sig("contains", &["list", "value"], 2, Some(2)),
    sig("csvdecode", &["str"], 1, Some(1)),
    sig("dirname", &["path"], 1, Some(1)),
    sig("distinct", &["list"], 1, Some(1)),
    sig("element", &["list", "index"], 2, Some(2)),
    sig("endswith", &["str", "suffix"], 2, Some(2)),
    sig("env", &["name"], 1, Some(1)),
    sig("file", &["path"], 1, Some(1)),
    sig("filebase64", &["path"], 1, Some(1)),
    sig("filebase64sha256", &["path"], 1, Some(1)),
    sig("filebase64sha512", &["path"], 1, Some(1)),
    sig("fileexists", &["path"], 1, Some(1)),
    sig("filemd5", &["path"], 1, Some(1)),
    sig("fileset", &["path", "pattern"], 2, Some(2)),
    sig("filesha1", &["path"], 1, Some(1)),
    sig("filesha256", &["path"], 1, Some(1)),
    sig("filesha512", &["path"], 1, Some(1)),
    sig("flatten", &["list"], 1, Some(1)),
    sig("floor", &["num"], 1, Some(1)),
    sig("format", &["format", "args..."], 1, None),
    sig("formatdate", &["format", "time"], 2, Some(2)),
    sig("formatlist", &["format", "args..."], 1, None),
    sig("indent", &["spaces", "str"], 2, Some(2)),
    sig("index", &["list", "value"], 2, Some(2)),
    sig("join", &["separator", "lists..."], 2, None),
    sig("jsondecode", &["str"], 1, Some(1)),
    sig("jsonencode", &["val"], 1, Some(1)),
    sig("keys", &["map"], 1, Some(1)),
    sig("length", &["value"], 1, Some(1)),
    sig("log", &["num", "base"], 2, Some(2)),
    sig("lookup", &["map", "key", "default"], 2, Some(3)),
    sig("lower", &["str"], 1, Some(1)),
    sig("matchkeys", &["values", "keys", "searchset"], 3, Some(3)),
    sig("max", &["numbers..."], 1, None),
    sig("md5", &["str"], 1, Some(1)),
    sig("merge", &["maps..."], 0, None),
    sig("min", &["numbers..."], 1, None),
    sig("nonsensitive", &["value"], 1, Some(1)),
    sig("one", &["list"], 1, Some(1)),
    sig("parseint", &["number", "base"], 2, Some(2)),
    sig("pathexpand", &["path"], 1, Some(1)),
    sig("pow", &["num", "power"], 2, Some(2)),
    sig("range", &["params..."], 1, Some(3)),
    sig("regex", &["pattern", "string"], 2, Some(2)),
    sig("regexall", &["pattern", "string"], 2, Some(2)),
    sig("replace", &["str", "substr", "replace"], 3, Some(3)),
    sig("reverse", &["list"], 1, Some(1)),
    sig("sensitive", &["value"], 1, Some(1)),
    sig("sensitive_env", &["name"], 1, Some(1)),
    sig("setintersection", &["first_set", "other_sets..."], 1, None),
    sig("setproduct", &["sets..."], 1, None),
    sig("setsubtract", &["a", "b"], 2, Some(2)),
    sig("setunion", &["first_set", "other_sets..."], 1, None),
    sig("sha1", &["str"], 1, Some(1)),
    sig("sha256", &["str"], 1, Some(1)),
    sig("sha512", &["str"], 1, Some(1)),
    sig("signum", &["num"], 1, Some(1)),
    sig("slice", &["list", "start_index", "end_index"], 3, Some(3)),
    sig("sort", &["list"], 1, Some(1)),
    sig("split", &["separator", "str"], 2, Some(2)),
    sig("startswith", &["str", "prefix"], 2, Some(2)),
    sig("strcontains", &["str", "substr"], 2, Some(2)),
    sig("strrev", &["str"], 1, Some(1)),
    sig("substr", &["str", "offset", "length"], 3, Some(3)),
    sig("sum", &["list"], 1, Some(1)),
    sig("templatefile", &["path", "vars"], 2, Some(2)),
    sig("textdecodebase64", &["source", "encoding"], 2, Some(2)),
    sig("textencodebase64", &["string", "encoding"], 2, Some(2)),
    sig("timeadd", &["timestamp", "duration"], 2, Some(2)),
    sig("timecmp", &["timestamp_a", "timestamp_b"], 2, Some(2)),
    sig("title", &["str"], 1, Some(1)),
    sig("tobool", &["v"], 1, Some(1)),
    sig("tolist", &["v"], 1, Some(1)),
    sig("tomap", &["v"], 1, Some(1)),
    sig("tonumber", &["v"], 1, Some(1)),
    sig("toset", &["v"], 1, Some(1)),
    sig("tostring", &["v"], 1, Some(1)),
    sig("transpose", &["map"], 1, Some(1)),
    sig("trim", &["str", "cutset"], 2, Some(2)),
    sig("trimprefix", &["str", "prefix"], 2, Some(2)),
    sig("trimspace", &["str"], 1, Some(1)),
    sig("trimsuffix", &["str", "suffix"], 2, Some(2)),
    sig("try", &["expressions..."], 1, None),
    sig("type", &["value"], 1, Some(1)),
    sig("upper", &["str"], 1, Some(1)),
    sig("urlencode", &["str"], 1, Some(1)),
    sig("uuidv5", &["namespace", "name"], 2, Some(2)),
    sig("values", &["mapping"], 1, Some(1)),
    sig("yamldecode", &["src"], 1, Some(1)),
    sig("yamlencode", &["value"], 1, Some(1)),
    sig("zipmap", &["keys", "values"], 2, Some(2)),
];

/// The modules written in .infra that ship inside the binary, as
/// `(name, [(file name, contents)])`; used as `source = "std/NAME"`.
const STD_MODULES: &[(&str, &[(&str, &str)])] = &[
    (
        "s3-log-bucket",
        &[(
            "main.infra",
            include_str!("../std/s3-log-bucket/main.infra"),
        )],
    ),
    (
        "s3-static-site",
        &[(
            "main.infra",
            include_str!("../std/s3-static-site/main.infra"),
        )],
    ),
];

/// The files of standard module `std/NAME`, as `(file name, contents)`.
pub fn std_module(name: &str) -> Option<&'static [(&'static str, &'static str)]> {
    STD_MODULES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, files)| *files)
}

/// The names of the standard modules.
pub fn std_module_names() -> impl Iterator<Item = &'static str> {
    STD_MODULES.iter().map(|(n, _)| *n)
}

/// The signature of built-in function `name`, if there is one.
pub fn lookup(name: &str) -> Option<&'static Signature> {
    FUNCTIONS
        .binary_search_by(|s| s.name.cmp(name))
        .ok()
        .map(|i| &FUNCTIONS[i])
}

/// Every built-in function name, sorted (for "did you mean" hints).
pub fn names() -> impl Iterator<Item = &'static str> {
    FUNCTIONS.iter().map(|s| s.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_unique_so_lookup_finds_every_function() {
        for w in FUNCTIONS.windows(2) {
            assert!(
                w[0].name < w[1].name,
                "{} must sort before {}",
                w[0].name,
                w[1].name
            );
        }
        for s in FUNCTIONS {
            assert_eq!(lookup(s.name).map(|f| f.name), Some(s.name));
        }
        assert!(FUNCTIONS.len() >= 90);
    }
}
