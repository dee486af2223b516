//! `infra-bench`: generates a configuration of N resources (realistic
//! attributes, references between resources, locals, variables) and prints
//! a table of parse and validate wall time and the process's peak memory.
//!
//! Usage: `cargo run --release -p infra-bench -- [N ...]` (default 10000).

use infra_engine::config::{ParsedFile, check_module};
use infra_lang::{SourceFile, syntax};
use std::fmt::Write as _;
use std::time::Instant;

/// A configuration of `n` resources: buckets, objects referencing them,
/// and `infra_data` resources chained through references; about 200 bytes
/// per resource.
fn generate(n: usize) -> String {
    let mut s = String::with_capacity(n * 260);
    s.push_str("variable \"env\" {\n  type    = string\n  default = \"dev\"\n}\n\n");
    s.push_str("locals {\n  prefix = \"acme-${var.env}\"\n  tags   = { team = \"platform\", env = var.env }\n}\n\n");
    for i in 0..n {
        match i % 3 {
            0 => {
                let _ = write!(
                    s,
                    "resource \"aws_s3_bucket\" \"b{i}\" {{\n  bucket = \"${{local.prefix}}-{i}\"\n  tags   = merge(local.tags, {{ index = \"{i}\" }})\n  versioning {{\n    enabled = {}\n  }}\n}}\n\n",
                    i % 2 == 0
                );
            }
            1 => {
                let _ = write!(
                    s,
                    "resource \"aws_s3_object\" \"o{i}\" {{\n  bucket       = aws_s3_bucket.b{}.bucket\n  key          = \"pages/{i}.html\"\n  content      = \"<h1>${{upper(var.env)}} {i}</h1>\"\n  content_type = \"text/html\"\n}}\n\n",
                    i - 1
                );
            }
            _ => {
                let _ = write!(
                    s,
                    "resource \"infra_data\" \"d{i}\" {{\n  input = {{\n    etag = aws_s3_object.o{}.etag\n    n    = {i} * 2 + 1\n  }}\n}}\n\n",
                    i - 1
                );
            }
        }
    }
    s.push_str("output \"first_bucket\" {\n  value = aws_s3_bucket.b0.arn\n}\n");
    s
}

/// Peak resident set size of this process in KiB (`VmHWM`), if readable.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![10_000]
    } else {
        sizes
    };
    println!(
        "| resources | config size | parse (ms) | validate (ms) | parse + validate (ms) | peak RSS (MiB) |"
    );
    println!("|---:|---:|---:|---:|---:|---:|");
    for n in sizes {
        let text = generate(n);
        let bytes = text.len();
        let source = SourceFile::new("bench.infra", text);
        let (mut parse_ms, mut check_ms) = (Vec::new(), Vec::new());
        for _ in 0..5 {
            let t = Instant::now();
            let parsed = syntax::parse(&source);
            parse_ms.push(t.elapsed().as_secs_f64() * 1e3);
            let Some(ast) = parsed.file else {
                eprintln!(
                    "generated configuration does not parse: {:?}",
                    parsed.diagnostics.first().map(|d| &d.message)
                );
                std::process::exit(1);
            };
            let files = vec![ParsedFile {
                source: source.clone(),
                ast,
            }];
            let t = Instant::now();
            let diags = check_module(&files);
            check_ms.push(t.elapsed().as_secs_f64() * 1e3);
            if let Some(d) = diags.iter().find(|d| d.is_error()) {
                eprintln!(
                    "generated configuration is invalid: {} ({})",
                    d.message, d.code
                );
                std::process::exit(1);
            }
        }
        let (p, c) = (median(parse_ms), median(check_ms));
        let rss = peak_rss_kib().map_or("n/a".to_string(), |k| format!("{:.1}", k as f64 / 1024.0));
        println!(
            "| {n} | {:.2} MB | {p:.1} | {c:.1} | {:.1} | {rss} |",
            bytes as f64 / 1e6,
            p + c
        );
    }
}
