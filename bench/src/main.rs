//! `infra-bench`: generates a configuration of N resources (realistic
//! attributes, references between resources, locals, variables) and prints
//! a table of parse and validate wall time and the process's peak memory;
//! then evaluates (parse + check + evaluate + expand) configurations of N
//! resource instances made with modules and `for_each`, and the flat one.
//!
//! Usage: `cargo run --release -p infra-bench -- [N ...]` (default 10000).

use infra_engine::config::{ParsedFile, check_module};
use infra_engine::eval::{EvalOptions, Inputs, evaluate};
use infra_lang::{SourceFile, syntax};
use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

/// The `infra` binary's allocator (cli/src/main.rs), so that parse and
/// validate are measured as `infra` runs them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod generate;
use generate::generate;

/// A root module calling module `svc` once per service (`for_each` over
/// a local map), each making `per` resources with `for_each` over a local
/// map, with locals, a user function and outputs: `services * per`
/// resource instances from a few kilobytes of configuration.
fn write_module_config(dir: &Path, services: usize, per: usize) -> std::io::Result<()> {
    let svc = dir.join("modules/svc");
    std::fs::create_dir_all(&svc)?;
    let mut root = String::new();
    root.push_str("variable \"env\" {\n  type    = string\n  default = \"dev\"\n}\n\n");
    root.push_str("function \"name\" {\n  params = { svc = string }\n  result = \"acme-${var.env}-${svc}\"\n}\n\n");
    let _ = write!(
        root,
        "locals {{\n  services = {{ for i in range({services}) : \"svc${{i}}\" => {{ port = 8000 + i, public = i % 2 == 0 }} }}\n  tags     = {{ team = \"platform\", env = var.env }}\n}}\n\n"
    );
    root.push_str("module \"svc\" {\n  source   = \"./modules/svc\"\n  for_each = local.services\n  name     = name(each.key)\n  port     = each.value.port\n  public   = each.value.public\n  tags     = local.tags\n}\n\n");
    root.push_str(
        "output \"buckets\" {\n  value = { for k, m in module.svc : k => m.bucket }\n}\n",
    );
    std::fs::write(dir.join("main.infra"), root)?;
    let mut child = String::new();
    child.push_str("variable \"name\" {\n  type = string\n}\n\nvariable \"port\" {\n  type = number\n}\n\nvariable \"public\" {\n  type = bool\n}\n\nvariable \"tags\" {\n  type = map(string)\n}\n\n");
    let _ = write!(
        child,
        "locals {{\n  pages = {{ for i in range({per}) : \"page-${{i}}.html\" => \"<h1>${{var.name}} ${{i}}</h1>\" }}\n}}\n\n"
    );
    child.push_str("resource \"aws_s3_bucket\" \"site\" {\n  bucket = var.name\n  tags   = merge(var.tags, { port = tostring(var.port) })\n  versioning {\n    enabled = var.public\n  }\n}\n\n");
    child.push_str("resource \"aws_s3_object\" \"page\" {\n  for_each     = local.pages\n  bucket       = aws_s3_bucket.site.bucket\n  key          = each.key\n  content      = each.value\n  content_type = \"text/html\"\n  metadata     = { etag = md5(each.value), size = tostring(length(each.value)) }\n}\n\n");
    child.push_str("output \"bucket\" {\n  value = aws_s3_bucket.site.bucket\n}\n");
    std::fs::write(svc.join("main.infra"), child)
}

/// Median wall time (ms) of `evaluate` on `dir` over 5 runs, and the
/// number of resource instances it produced.
fn time_evaluate(dir: &Path) -> (f64, usize) {
    let mut ms = Vec::new();
    let mut count = 0;
    for _ in 0..5 {
        let t = Instant::now();
        let ev = evaluate(dir, Inputs::default(), &EvalOptions::default());
        ms.push(t.elapsed().as_secs_f64() * 1e3);
        if let Some(d) = ev.diagnostics.iter().find(|d| d.is_error()) {
            eprintln!(
                "benchmark configuration failed to evaluate: {} ({})",
                d.message, d.code
            );
            std::process::exit(1);
        }
        count = ev.instances.len();
    }
    (median(ms), count)
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
    println!();
    println!(
        "| configuration | resource instances | parse + check + evaluate + expand (ms) | peak RSS (MiB) |"
    );
    println!("|---|---:|---:|---:|");
    let base = std::env::temp_dir().join(format!("infra-bench-{}", std::process::id()));
    {
        let n = 10_000usize;
        let dir = base.join(format!("modules-{n}"));
        let services = 100;
        if let Err(e) = write_module_config(&dir, services, n / services) {
            eprintln!("cannot write benchmark configuration: {e}");
            std::process::exit(1);
        }
        let (ms, count) = time_evaluate(&dir);
        let rss = peak_rss_kib().map_or("n/a".to_string(), |k| format!("{:.1}", k as f64 / 1024.0));
        println!(
            "| {services} modules (for_each) x {} resources (for_each) + locals + function | {count} | {ms:.1} | {rss} |",
            n / services
        );
        let flat = base.join(format!("flat-{n}"));
        if std::fs::create_dir_all(&flat)
            .and_then(|()| std::fs::write(flat.join("main.infra"), generate(n)))
            .is_err()
        {
            eprintln!("cannot write benchmark configuration");
            std::process::exit(1);
        }
        let (ms, count) = time_evaluate(&flat);
        let rss = peak_rss_kib().map_or("n/a".to_string(), |k| format!("{:.1}", k as f64 / 1024.0));
        println!("| flat file of {n} resource blocks (1.5 MB) | {count} | {ms:.1} | {rss} |");
    }
    let _ = std::fs::remove_dir_all(&base);
}
