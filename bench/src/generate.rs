//! The generated configuration both benchmarks use: N resources with
//! realistic attributes and references.

use std::fmt::Write as _;

/// A configuration of `n` resources: buckets, objects referencing them,
/// and `infra_data` resources chained through references; about 200 bytes
/// per resource.
pub fn generate(n: usize) -> String {
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
