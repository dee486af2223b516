//! Reading a CLI configuration file with infra's own parser. Terraform
//! reads it as HCL 1, whose one construct the native syntax lacks and CLI
//! configurations use is a quoted argument name (`"hashicorp/aws" =
//! "/dir"` in `dev_overrides`). Each such name is replaced, before
//! parsing, by a placeholder identifier of the same length, found with the
//! language's lexer; the name is then read back from the original text at
//! the same span. Spans are unchanged, so every diagnostic points at the
//! file as written.

use super::{CliConfig, DevOverride, HostServices, InstallMethod, Installation, Token};
use crate::plugins::address::ProviderAddr;
use infra_lang::ast::{Attribute, Block, BodyItem, Expr, ExprKind};
use infra_lang::syntax::lexer::{TokenKind, lex};
use infra_lang::{Diagnostic, SourceFile, Span, syntax};
use std::path::PathBuf;
use std::sync::Arc;

/// Parses CLI configuration `text` of the file shown as `path`; `env`
/// expands `$VAR` and `${VAR}` in `dev_overrides` directories and
/// `plugin_cache_dir`, as Terraform does.
///
/// # Errors
/// Syntax errors (`syntax::*`, with file and line), and
/// `cliconfig::invalid` for what Terraform also refuses: a second
/// `provider_installation` block, an argument where an installation method
/// block belongs, an unknown method, `dev_overrides` after another method,
/// an entry whose key is not a provider source or whose value is not a
/// string, an unset environment variable in a directory, a
/// `filesystem_mirror` without `path` or `network_mirror` without `url`,
/// a `credentials` or `host` block without exactly one host label, a
/// `credentials` block without a string `token`, `services` that is not an
/// object of strings.
pub fn parse(
    path: &str,
    text: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<CliConfig, Vec<Diagnostic>> {
    let original = SourceFile::new(path, text.to_string());
    let prepared = SourceFile::new(path, unquote_names(text));
    let parsed = syntax::parse(&prepared);
    let Some(file) = parsed
        .file
        .filter(|_| !infra_lang::diagnostic::has_errors(&parsed.diagnostics))
    else {
        return Err(parsed
            .diagnostics
            .into_iter()
            .map(|mut d| {
                d.source = Some(original.clone());
                d
            })
            .collect());
    };
    let mut r = Reader {
        src: original,
        env,
        diags: Vec::new(),
        config: CliConfig::default(),
    };
    let mut seen_installation = false;
    for item in &file.body.items {
        match item {
            BodyItem::Block(b) if b.kind.name == "provider_installation" => {
                if seen_installation {
                    r.error(
                        b.kind.span,
                        "only one `provider_installation` block is allowed",
                        "a second one",
                    );
                }
                seen_installation = true;
                r.installation(b);
            }
            BodyItem::Attribute(a) if a.name.name == "plugin_cache_dir" => {
                r.config.plugin_cache_dir = r.string(&a.expr).map(|s| r.expand(&s, a.expr.span));
            }
            BodyItem::Block(b) if b.kind.name == "credentials" => r.credentials(b),
            BodyItem::Block(b) if b.kind.name == "host" => r.host(b),
            BodyItem::Attribute(a) => r.config.other.push(a.name.name.clone()),
            BodyItem::Block(b) => r.config.other.push(b.kind.name.clone()),
        }
    }
    if r.diags.is_empty() {
        Ok(r.config)
    } else {
        Err(r.diags)
    }
}

/// `text` with every quoted argument name (a string directly after a line
/// break or `{` and followed by `=`) replaced by an identifier of the same
/// byte length. Text that does not lex is returned unchanged (the parser
/// then reports it).
fn unquote_names(text: &str) -> String {
    let Some(tokens) = lex(text, &[0]) else {
        return text.to_string();
    };
    let mut bytes = text.as_bytes().to_vec();
    let mut line_start = true;
    let mut i = 0;
    while i < tokens.len() {
        let t = tokens[i];
        if t.kind == TokenKind::OQuote && line_start {
            let close = match tokens.get(i + 1).map(|t| t.kind) {
                Some(TokenKind::QuotedLit) => i + 2,
                _ => i + 1,
            };
            if tokens.get(close).map(|t| t.kind) == Some(TokenKind::CQuote)
                && tokens.get(close + 1).map(|t| t.kind) == Some(TokenKind::Equal)
            {
                let span = Span::new(t.span.start, tokens[close].span.end);
                let name = placeholder(i, span.end - span.start);
                bytes[span.start..span.end].copy_from_slice(name.as_bytes());
                i = close + 1;
                line_start = false;
                continue;
            }
        }
        line_start = matches!(
            t.kind,
            TokenKind::Newline | TokenKind::Comment | TokenKind::OBrace
        );
        i += 1;
    }
    // Only ASCII was written over whole tokens (from `"` to `"`), so the
    // result is UTF-8 whenever the input was.
    String::from_utf8(bytes).unwrap_or_else(|_| text.to_string())
}

/// An identifier of exactly `len` (≥ 2) bytes, distinct for distinct `n`
/// while it fits: `_` and `n` in base 36, padded with `_`.
fn placeholder(n: usize, len: usize) -> String {
    const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut s = String::from("_");
    let mut n = n;
    loop {
        s.push(char::from(DIGITS[n % 36]));
        n /= 36;
        if n == 0 {
            break;
        }
    }
    s.truncate(len);
    while s.len() < len {
        s.push('_');
    }
    s
}

struct Reader<'e> {
    src: Arc<SourceFile>,
    env: &'e dyn Fn(&str) -> Option<String>,
    diags: Vec<Diagnostic>,
    config: CliConfig,
}

impl Reader<'_> {
    fn error(&mut self, span: Span, message: impl Into<String>, label: &str) {
        self.diags.push(
            Diagnostic::error("cliconfig::invalid", message)
                .in_file(&self.src)
                .primary(span, label.to_string())
                .with_help("See docs/providers.md for the CLI configuration infra reads."),
        );
    }

    /// The text of a quoted string as written (HCL 1 strings have no
    /// templates: `${HOME}` is kept for [`Reader::expand`]), with `\"`
    /// and `\\` unescaped.
    fn string(&mut self, e: &Expr) -> Option<String> {
        if let ExprKind::Template(_) = &e.kind {
            let raw = self.src.slice(e.span);
            if let Some(inner) = raw.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
                return Some(inner.replace("\\\"", "\"").replace("\\\\", "\\"));
            }
        }
        self.error(e.span, "expected a quoted string", "not a string");
        None
    }

    fn strings(&mut self, a: &Attribute) -> Vec<String> {
        match &a.expr.kind {
            ExprKind::Tuple(items) => items.iter().filter_map(|e| self.string(e)).collect(),
            _ => {
                self.error(
                    a.expr.span,
                    format!("`{}` must be a list of strings", a.name.name),
                    "not a list",
                );
                Vec::new()
            }
        }
    }

    /// `$VAR` and `${VAR}` replaced from the environment (Go's
    /// `os.Expand`, as Terraform's `dev_overrides` do); an unset variable
    /// is an error, as in Terraform; `$$` is a `$`.
    fn expand(&mut self, s: &str, span: Span) -> String {
        let mut out = String::new();
        let mut rest = s;
        while let Some(at) = rest.find('$') {
            out.push_str(&rest[..at]);
            let after = &rest[at + 1..];
            let (name, len) = if let Some(braced) = after.strip_prefix('{') {
                match braced.find('}') {
                    Some(end) => (&braced[..end], end + 2),
                    None => ("", 0),
                }
            } else if let Some(after_dollar) = after.strip_prefix('$') {
                out.push('$');
                rest = after_dollar;
                continue;
            } else {
                let end = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                (&after[..end], end)
            };
            if name.is_empty() {
                out.push('$');
                rest = after;
                continue;
            }
            match (self.env)(name).filter(|v| !v.is_empty()) {
                Some(v) => out.push_str(&v),
                None => self.error(
                    span,
                    format!("the environment variable {name} is not set"),
                    "used here",
                ),
            }
            rest = &after[len..];
        }
        out.push_str(rest);
        out
    }

    fn installation(&mut self, b: &Block) {
        for item in &b.body.items {
            let m = match item {
                BodyItem::Attribute(a) => {
                    self.error(
                        a.name.span,
                        "the items of `provider_installation` must be blocks",
                        "an argument",
                    );
                    continue;
                }
                BodyItem::Block(m) => m,
            };
            let (include, exclude) = self.patterns(m);
            let method = match m.kind.name.as_str() {
                "dev_overrides" => {
                    if !self.config.installation.is_empty() {
                        self.error(
                            m.kind.span,
                            "`dev_overrides` must come before every other installation method",
                            "after another method",
                        );
                    }
                    self.dev_overrides(m);
                    continue;
                }
                "direct" => InstallMethod::Direct,
                "filesystem_mirror" => match self.required(m, "path") {
                    Some(p) => InstallMethod::FilesystemMirror(p),
                    None => continue,
                },
                "network_mirror" => match self.required(m, "url") {
                    Some(u) => InstallMethod::NetworkMirror(u),
                    None => continue,
                },
                other => {
                    self.error(
                        m.kind.span,
                        format!("unknown provider installation method `{other}`"),
                        "not dev_overrides, direct, filesystem_mirror or network_mirror",
                    );
                    continue;
                }
            };
            self.config.installation.push(Installation {
                method,
                include,
                exclude,
            });
        }
    }

    fn patterns(&mut self, m: &Block) -> (Vec<String>, Vec<String>) {
        let mut include = Vec::new();
        let mut exclude = Vec::new();
        if m.kind.name != "dev_overrides" {
            for a in m.body.attributes() {
                match a.name.name.as_str() {
                    "include" => include = self.strings(a),
                    "exclude" => exclude = self.strings(a),
                    _ => {}
                }
            }
        }
        (include, exclude)
    }

    fn required(&mut self, m: &Block, name: &str) -> Option<String> {
        match m.body.attribute(name) {
            Some(a) => match self.string(&a.expr) {
                Some(s) if s.is_empty() => {
                    self.error(
                        a.expr.span,
                        format!("`{name}` of `{}` is empty", m.kind.name),
                        "empty",
                    );
                    None
                }
                s => s,
            },
            None => {
                self.error(
                    m.kind.span,
                    format!("`{}` needs `{name}`", m.kind.name),
                    "missing argument",
                );
                None
            }
        }
    }

    /// The one label of a `credentials`/`host` block: the host, lower case.
    fn host_label(&mut self, b: &Block) -> Option<String> {
        match b.labels.as_slice() {
            [l] if !l.value.is_empty() => Some(l.value.to_ascii_lowercase()),
            _ => {
                self.error(
                    b.kind.span,
                    format!("`{}` takes one label, the host name", b.kind.name),
                    "not one host label",
                );
                None
            }
        }
    }

    /// `credentials "HOST" { token = "..." }`. The token's text never
    /// appears in a diagnostic: errors point at its span only.
    fn credentials(&mut self, b: &Block) {
        let Some(host) = self.host_label(b) else {
            return;
        };
        let Some(a) = b.body.attribute("token") else {
            self.error(
                b.kind.span,
                "`credentials` needs `token` (infra reads no other kind of credentials)",
                "missing token",
            );
            return;
        };
        if let Some(token) = self.string(&a.expr) {
            self.config.credentials.push((host, Token(token)));
        }
    }

    /// `host "HOST" { services = { "providers.v1" = "URL" } }`.
    fn host(&mut self, b: &Block) {
        let Some(host) = self.host_label(b) else {
            return;
        };
        let mut services = Vec::new();
        match b.body.attribute("services").map(|a| &a.expr) {
            Some(Expr {
                kind: ExprKind::Object(items),
                ..
            }) => {
                for item in items {
                    let key = self.src.slice(item.key.span);
                    let id = key
                        .strip_prefix('"')
                        .and_then(|k| k.strip_suffix('"'))
                        .unwrap_or(key)
                        .to_string();
                    if let Some(url) = self.string(&item.value) {
                        services.push((id, url));
                    }
                }
            }
            Some(e) => self.error(
                e.span,
                "`services` must be an object of service ids and URLs",
                "not an object",
            ),
            None => self.error(b.kind.span, "`host` needs `services`", "missing services"),
        }
        self.config.hosts.push(HostServices { host, services });
    }

    fn dev_overrides(&mut self, m: &Block) {
        for item in &m.body.items {
            let a = match item {
                BodyItem::Attribute(a) => a,
                BodyItem::Block(nb) => {
                    self.error(
                        nb.kind.span,
                        "`dev_overrides` holds `\"SOURCE\" = \"DIR\"` entries, not blocks",
                        "a block",
                    );
                    continue;
                }
            };
            // The key as written: the quoted name (its placeholder's span)
            // or a bare identifier.
            let written = self.src.slice(a.name.span);
            let key = written
                .strip_prefix('"')
                .and_then(|k| k.strip_suffix('"'))
                .unwrap_or(written)
                .to_string();
            let source = match ProviderAddr::parse(&key) {
                Ok(s) => s,
                Err(e) => {
                    self.error(
                        a.name.span,
                        format!("invalid provider source in `dev_overrides`: {e}"),
                        "not a provider source",
                    );
                    continue;
                }
            };
            let Some(dir) = self.string(&a.expr) else {
                continue;
            };
            let dir = PathBuf::from(self.expand(&dir, a.expr.span));
            self.config.dev_overrides.push(DevOverride { source, dir });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plugins::cliconfig::token_variable;

    fn env(k: &str) -> Option<String> {
        (k == "PLUGINS").then(|| "/opt/plugins".to_string())
    }

    #[test]
    fn a_terraform_cli_configuration_is_read() {
        let text = r#"# as Terraform users write it
plugin_cache_dir = "$PLUGINS/cache"
disable_checkpoint = true
credentials "app.terraform.io" {
  token = "secret"
}
provider_installation {
  dev_overrides {
    "example.com/test/demo" = "${PLUGINS}/demo"
    "hashicorp/null"        = "/x/null"
    random = "/x/random"
  }
  filesystem_mirror {
    path    = "/mirror"
    include = ["example.com/*/*"]
  }
  direct {
    exclude = ["example.com/*/*"]
  }
}
"#;
        let c = parse("cli.tfrc", text, &env).expect("parses");
        let names: Vec<String> = c
            .dev_overrides
            .iter()
            .map(|o| o.source.to_string())
            .collect();
        assert_eq!(
            names,
            [
                "example.com/test/demo",
                "registry.terraform.io/hashicorp/null",
                "registry.terraform.io/hashicorp/random"
            ]
        );
        assert_eq!(c.dev_overrides[0].dir, PathBuf::from("/opt/plugins/demo"));
        assert_eq!(c.plugin_cache_dir.as_deref(), Some("/opt/plugins/cache"));
        assert_eq!(c.installation.len(), 2);
        assert_eq!(
            c.installation[0].method,
            InstallMethod::FilesystemMirror("/mirror".into())
        );
        assert_eq!(c.installation[1].exclude, ["example.com/*/*"]);
        assert!(c.unsupported_settings().is_empty());
        assert_eq!(
            c.token_for("APP.terraform.io", &env)
                .map(|t| t.expose().to_string()),
            Some("secret".into())
        );
        assert!(!format!("{c:?}").contains("secret"));
    }

    #[test]
    fn tokens_come_from_the_environment_first_and_hosts_give_services() {
        let text = r#"credentials "my-registry.example.com" {
  token = "from-file"
}
credentials_helper "vault" {}
host "My-Registry.example.com" {
  services = {
    "providers.v1" = "https://127.0.0.1:8443/v1/providers/"
    "modules.v1"   = "/v1/modules/"
  }
}
"#;
        let c = parse("cli.tfrc", text, &env).expect("parses");
        let host = "my-registry.example.com";
        assert_eq!(token_variable(host), "TF_TOKEN_my__registry_example_com");
        let from_env =
            |k: &str| (k == "TF_TOKEN_my__registry_example_com").then(|| "from-env".to_string());
        assert_eq!(
            c.token_for(host, &from_env).map(|t| t.expose().to_string()),
            Some("from-env".into())
        );
        assert_eq!(
            c.token_for(host, &env).map(|t| t.expose().to_string()),
            Some("from-file".into())
        );
        assert_eq!(c.token_for("other.example.com", &env), None);
        assert_eq!(
            c.service("MY-REGISTRY.example.com", "providers.v1"),
            Some("https://127.0.0.1:8443/v1/providers/")
        );
        assert_eq!(
            c.unsupported_settings(),
            [
                "credentials_helper",
                "host \"my-registry.example.com\" services \"modules.v1\""
            ]
        );
        let e = parse(
            "cli.tfrc",
            "credentials {\n  token = \"t0p\"\n}\ncredentials \"h\" {\n  token = 1\n}\n",
            &env,
        )
        .expect_err("invalid");
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(e.iter().all(|d| !d.message.contains("t0p")), "{e:?}");
    }

    #[test]
    fn malformed_files_name_the_line() {
        let e = parse(
            "cli.tfrc",
            "provider_installation {\n  dev_overrides {\n    \"a/b\" = \n",
            &env,
        )
        .expect_err("syntax error");
        assert!(
            e[0].code.starts_with("syntax::") && e[0].path() == Some("cli.tfrc"),
            "{e:?}"
        );
        let e = parse(
            "cli.tfrc",
            "provider_installation {\n  direct {}\n  dev_overrides {\n    \"a//b\" = \"/d\"\n    \"x/y\" = \"$NOPE/d\"\n  }\n  magic {}\n}\n",
            &env,
        )
        .expect_err("invalid");
        let lines: Vec<(usize, &str)> = e
            .iter()
            .map(|d| (d.range().map_or(0, |r| r.0.line), d.message.as_str()))
            .collect();
        assert_eq!(lines.len(), 4, "{lines:?}");
        assert_eq!(lines[0].0, 3);
        assert!(lines[1].1.contains("invalid provider source") && lines[1].0 == 4);
        assert!(lines[2].1.contains("NOPE is not set") && lines[2].0 == 5);
        assert!(
            lines[3]
                .1
                .contains("unknown provider installation method `magic`")
        );
    }

    #[test]
    fn placeholders_keep_length_and_differ() {
        assert_eq!(placeholder(0, 5), "_0___");
        assert_eq!(placeholder(37, 3), "_11");
        assert_eq!(placeholder(40, 2), "_4");
        let t = "x {\n  \"a/b\" = \"1\"\n  \"é\" = \"2\"\n}\n";
        let u = unquote_names(t);
        assert_eq!(u.len(), t.len());
        assert!(!u.contains("\"a/b\"") && u.contains("= \"1\""));
    }
}
