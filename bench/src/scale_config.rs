//! The configurations of the scale benchmark (`infra-bench-scale`): a flat
//! file of N `infra_data` resources with the payload of
//! `../shared/bench/tf_gen.py flat` (so its figures compare with
//! `bench/engine.sh`), and M module instances of P `infra_data` instances
//! each. Both take a `bump` input that changes one attribute of one
//! instance (the "one-attribute change" steps).

use std::fmt::Write as _;
use std::path::Path;

const REGIONS: [&str; 4] = ["eu-west-1", "us-east-1", "ap-south-1", "eu-central-1"];
const ENVS: [&str; 3] = ["prod", "staging", "dev"];

/// A shape to generate: `flat:N` or `modules:MxP`.
#[derive(Clone, Copy, Debug)]
pub enum Shape {
    /// N resource blocks in one file.
    Flat(usize),
    /// M instances (`for_each`) of a module with one resource of P
    /// instances (`for_each`).
    Modules(usize, usize),
}

impl Shape {
    /// Parses `flat:N` or `modules:MxP`.
    pub fn parse(text: &str) -> Option<Shape> {
        let (kind, size) = text.split_once(':')?;
        match kind {
            "flat" => size.parse().ok().filter(|n| *n > 0).map(Shape::Flat),
            "modules" => {
                let (m, p) = size.split_once('x')?;
                Some(Shape::Modules(m.parse().ok()?, p.parse().ok()?))
            }
            _ => None,
        }
    }

    /// The number of resource instances.
    pub fn instances(self) -> usize {
        match self {
            Shape::Flat(n) => n,
            Shape::Modules(m, p) => m * p,
        }
    }

    /// A label for the table.
    pub fn label(self) -> String {
        match self {
            Shape::Flat(n) => format!("flat {n}"),
            Shape::Modules(m, p) => format!("{m} modules x {p}"),
        }
    }

    /// The `--var bump=...` value that changes one attribute of one
    /// instance (the middle one).
    pub fn bump(self) -> String {
        match self {
            Shape::Flat(n) => format!("{}", n / 2),
            Shape::Modules(m, p) => format!("m{}/r{}", m / 2, p / 2),
        }
    }

    /// Writes the configuration into `dir` (created).
    ///
    /// # Errors
    /// I/O.
    pub fn write(self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        match self {
            Shape::Flat(n) => std::fs::write(dir.join("main.infra"), flat(n)),
            Shape::Modules(m, p) => {
                let child = dir.join("modules/svc");
                std::fs::create_dir_all(&child)?;
                std::fs::write(child.join("main.infra"), module_child(p))?;
                std::fs::write(dir.join("main.infra"), module_root(m))
            }
        }
    }
}

/// `tf_gen.py flat N` with `infra_data`; `revision` of the one instance
/// `var.bump` names is 2.
fn flat(n: usize) -> String {
    let mut s = String::with_capacity(n * 420);
    s.push_str("variable \"bump\" {\n  type    = string\n  default = \"\"\n}\n\n");
    for i in 0..n {
        let _ = write!(
            s,
            "resource \"infra_data\" \"r{i}\" {{\n  input = {{\n    name     = \"svc-{i:05}\"\n    index    = {i}\n    region   = \"{}\"\n    replicas = {}\n    cpu      = {}\n    enabled  = {}\n    revision = var.bump == \"{i}\" ? 2 : 1\n    parent   = \"root\"\n    tags = {{\n      team  = \"team-{}\"\n      env   = \"{}\"\n      shard = \"s{}\"\n      owner = \"owner-{}@example.com\"\n    }}\n  }}\n}}\n",
            REGIONS[i % REGIONS.len()],
            1 + i % 5,
            0.25 * (1 + i % 8) as f64,
            i % 7 != 0,
            i % 13,
            ENVS[i % ENVS.len()],
            i % 16,
            i % 97,
        );
    }
    s
}

fn module_root(m: usize) -> String {
    format!(
        "variable \"bump\" {{\n  type    = string\n  default = \"\"\n}}\n\nmodule \"svc\" {{\n  source   = \"./modules/svc\"\n  for_each = {{ for i in range({m}) : \"m${{i}}\" => i }}\n  name     = each.key\n  index    = each.value\n  bump     = var.bump\n}}\n\noutput \"count\" {{\n  value = length(module.svc)\n}}\n"
    )
}

fn module_child(p: usize) -> String {
    format!(
        "variable \"name\" {{\n  type = string\n}}\n\nvariable \"index\" {{\n  type = number\n}}\n\nvariable \"bump\" {{\n  type = string\n}}\n\nlocals {{\n  regions = [\"eu-west-1\", \"us-east-1\", \"ap-south-1\", \"eu-central-1\"]\n}}\n\nresource \"infra_data\" \"r\" {{\n  for_each = {{ for i in range({p}) : \"r${{i}}\" => i }}\n  input = {{\n    name     = \"${{var.name}}-${{each.key}}\"\n    index    = var.index * {p} + each.value\n    region   = local.regions[each.value % 4]\n    replicas = 1 + each.value % 5\n    enabled  = each.value % 7 != 0\n    revision = var.bump == \"${{var.name}}/${{each.key}}\" ? 2 : 1\n    tags = {{\n      team  = \"team-${{each.value % 13}}\"\n      shard = \"s${{each.value % 16}}\"\n    }}\n  }}\n}}\n"
    )
}
