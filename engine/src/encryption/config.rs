//! The `encryption` block of the settings block, read from the syntax tree
//! into a [`Spec`]: key providers, methods and the `state`/`plan` targets
//! with their `fallback` chains, references between them resolved, every
//! argument infra does not support reported. Mirrors OpenTofu's
//! `internal/encryption/config` (block shapes) and `targets.go` (method
//! references, `enforced`). Values (`passphrase`, `iterations`, …) stay
//! expressions here; [`super::build`] evaluates them.

use infra_lang::ast::{Attribute, Block, Expr, ExprKind};
use infra_lang::diagnostic::did_you_mean;
use infra_lang::{Diagnostic, SourceFile, Span};
use std::sync::Arc;

/// The key provider types infra implements (`aws_kms` through the
/// [`super::keys::RemoteKeyProviders`] the CLI gives).
pub const KEY_PROVIDERS: &[&str] = &["pbkdf2", "external", "aws_kms"];
/// OpenTofu's other key provider types: recognised, refused.
const OTHER_KEY_PROVIDERS: &[&str] = &["gcp_kms", "azure_vault", "openbao", "static", "xor"];
/// The method types infra implements.
pub const METHODS: &[&str] = &["aes_gcm", "unencrypted"];

/// A key provider's arguments by type (the rest are refused).
fn key_provider_args(kind: &str) -> &'static [&'static str] {
    match kind {
        "pbkdf2" => &[
            "passphrase",
            "key_length",
            "iterations",
            "hash_function",
            "salt_length",
            "encrypted_metadata_alias",
        ],
        "aws_kms" => AWS_KMS_ARGS,
        _ => &["command", "encrypted_metadata_alias"],
    }
}

/// The arguments of `aws_kms` infra reads (OpenTofu's
/// `keyprovider/aws_kms/config.go`, the part that applies to infra's AWS
/// client; `skip_credentials_validation` and `skip_requesting_account_id`
/// are accepted because infra never makes those calls anyway).
pub const AWS_KMS_ARGS: &[&str] = &[
    "kms_key_id",
    "key_spec",
    "region",
    "profile",
    "access_key",
    "secret_key",
    "max_retries",
    "encryption_context",
    "skip_credentials_validation",
    "skip_requesting_account_id",
    "encrypted_metadata_alias",
];

/// OpenTofu's other `aws_kms` arguments (the S3 backend's mirrored
/// settings): recognised, refused rather than ignored.
const AWS_KMS_UNSUPPORTED: &[&str] = &[
    "token",
    "sts_region",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "insecure",
    "use_dualstack_endpoint",
    "use_fips_endpoint",
    "custom_ca_bundle",
    "ec2_metadata_service_endpoint",
    "ec2_metadata_service_endpoint_mode",
    "skip_metadata_api_check",
    "shared_credentials_files",
    "shared_config_files",
    "assume_role",
    "assume_role_with_web_identity",
    "allowed_account_ids",
    "forbidden_account_ids",
    "retry_mode",
];

/// The arguments of `aws_kms`'s `endpoints` block: `kms` is infra's (the
/// KMS endpoint, e.g. a local server); OpenTofu's `iam` and `sts` serve
/// role assumption, which infra does not do.
const AWS_KMS_ENDPOINTS: &[&str] = &["kms"];

/// A declared key provider: `key_provider "TYPE" "NAME" { ... }`.
#[derive(Clone, Debug)]
pub struct KeyProviderSpec {
    /// `pbkdf2` or `external`.
    pub kind: String,
    /// Its name.
    pub name: String,
    /// Its arguments, unevaluated.
    pub args: Vec<Attribute>,
    /// `aws_kms`'s `endpoints { kms = ... }` arguments, unevaluated.
    pub endpoints: Vec<Attribute>,
    /// The span of its labels, for diagnostics.
    pub span: Span,
}

impl KeyProviderSpec {
    /// `key_provider.TYPE.NAME`: the default key of its metadata.
    pub fn addr(&self) -> String {
        format!("key_provider.{}.{}", self.kind, self.name)
    }

    /// The argument `name`, if written.
    pub fn arg(&self, name: &str) -> Option<&Attribute> {
        self.args.iter().find(|a| a.name.name == name)
    }
}

/// A declared method: `method "TYPE" "NAME" { keys = key_provider.T.N }`.
#[derive(Clone, Debug)]
pub struct MethodSpec {
    /// `aes_gcm` or `unencrypted`.
    pub kind: String,
    /// Its name.
    pub name: String,
    /// `aes_gcm`'s key provider: an index into [`Spec::key_providers`].
    pub keys: Option<usize>,
    /// The span of its labels.
    pub span: Span,
}

impl MethodSpec {
    /// True for the `unencrypted` method.
    pub fn is_unencrypted(&self) -> bool {
        self.kind == "unencrypted"
    }
}

/// A target (`state`, `plan`): its methods, the first for writing and all
/// in order for reading, and `enforced`.
#[derive(Clone, Debug)]
pub struct TargetSpec {
    /// Indices into [`Spec::methods`]: `method`, then each `fallback`'s.
    pub methods: Vec<usize>,
    /// `enforced = ...`, unevaluated.
    pub enforced: Option<Expr>,
    /// The span of the target block's keyword.
    pub span: Span,
}

/// An `encryption` block, parsed and checked.
#[derive(Clone, Debug)]
pub struct Spec {
    /// Its file.
    pub source: Arc<SourceFile>,
    /// The span of the `encryption` keyword.
    pub span: Span,
    /// Key providers in declaration order.
    pub key_providers: Vec<KeyProviderSpec>,
    /// Methods in declaration order.
    pub methods: Vec<MethodSpec>,
    /// The `state` target.
    pub state: Option<TargetSpec>,
    /// The `plan` target.
    pub plan: Option<TargetSpec>,
}

struct Parser<'a> {
    src: &'a Arc<SourceFile>,
    diags: Vec<Diagnostic>,
}

impl Parser<'_> {
    fn err(&mut self, code: &'static str, span: Span, message: String, help: String) {
        self.diags.push(
            Diagnostic::error(code, message)
                .in_file(self.src)
                .primary(span, "here")
                .with_help(help),
        );
    }

    fn unknown_arg(&mut self, what: &str, a: &Attribute, allowed: &[&str]) {
        let help = match did_you_mean(&a.name.name, allowed.iter().copied()) {
            Some(s) => format!("Did you mean `{s}`?"),
            None if allowed.is_empty() => format!("{what} takes no arguments."),
            None => format!("{what} takes {}.", list(allowed)),
        };
        self.err(
            "encryption::invalid",
            a.name.span,
            format!("{what} has no argument `{}`", a.name.name),
            help,
        );
    }

    fn unknown_block(&mut self, what: &str, b: &Block, allowed: &[&str]) {
        let help = if allowed.is_empty() {
            format!("{what} has no nested blocks.")
        } else {
            format!("{what} takes the blocks {}.", list(allowed))
        };
        self.err(
            "encryption::invalid",
            b.kind.span,
            format!("{what} has no block `{}`", b.kind.name),
            help,
        );
    }

    /// The two labels `TYPE` and `NAME` of `b`.
    fn labels(&mut self, b: &Block) -> Option<(String, String, Span)> {
        match b.labels.as_slice() {
            [t, n] => Some((t.value.clone(), n.value.clone(), t.span.to(n.span))),
            _ => {
                self.err(
                    "encryption::invalid",
                    b.kind.span,
                    format!(
                        "a `{}` block has two labels, its type and its name",
                        b.kind.name
                    ),
                    format!("Write `{} \"TYPE\" \"NAME\" {{ ... }}`.", b.kind.name),
                );
                None
            }
        }
    }

    fn key_provider(&mut self, b: &Block) -> Option<KeyProviderSpec> {
        let (kind, name, span) = self.labels(b)?;
        if !KEY_PROVIDERS.contains(&kind.as_str()) {
            let help = if OTHER_KEY_PROVIDERS.contains(&kind.as_str()) {
                "infra implements the key providers `pbkdf2` (a passphrase), `external` (a command printing a key) and `aws_kms`; see docs/encryption.md.".to_string()
            } else {
                match did_you_mean(&kind, KEY_PROVIDERS.iter().copied()) {
                    Some(s) => format!("Did you mean `{s}`?"),
                    None => "The key providers are `pbkdf2`, `external` and `aws_kms`.".into(),
                }
            };
            self.err(
                "encryption::unsupported",
                span,
                format!("key provider type `{kind}` is not supported by infra"),
                help,
            );
            return None;
        }
        let allowed = key_provider_args(&kind);
        let what = format!("`key_provider \"{kind}\"`");
        for a in b.body.attributes() {
            if a.name.name == "chain" {
                self.err(
                    "encryption::unsupported",
                    a.name.span,
                    "`chain` (a passphrase from another key provider) is not supported by infra"
                        .into(),
                    "Give `passphrase` directly, e.g. from a sensitive variable.".into(),
                );
            } else if kind == "aws_kms" && AWS_KMS_UNSUPPORTED.contains(&a.name.name.as_str()) {
                self.err(
                    "encryption::unsupported",
                    a.name.span,
                    format!(
                        "`{}` of `key_provider \"aws_kms\"` is not supported by infra",
                        a.name.name
                    ),
                    format!(
                        "Remove it; infra's aws_kms takes {} and an `endpoints {{ kms = ... }}` block (docs/encryption.md).",
                        list(AWS_KMS_ARGS)
                    ),
                );
            } else if !allowed.contains(&a.name.name.as_str()) {
                self.unknown_arg(&what, a, allowed);
            }
        }
        let mut endpoints: Option<&Block> = None;
        for nb in b.body.blocks() {
            if kind == "aws_kms" && nb.kind.name == "endpoints" && endpoints.is_none() {
                endpoints = Some(nb);
            } else if kind == "aws_kms" && nb.kind.name == "endpoints" {
                self.err(
                    "encryption::invalid",
                    nb.kind.span,
                    "a second `endpoints` block".into(),
                    "Keep one `endpoints` block.".into(),
                );
            } else if kind == "aws_kms" {
                self.unknown_block(&what, nb, &["endpoints"]);
            } else {
                self.unknown_block(&what, nb, &[]);
            }
        }
        if let Some(e) = endpoints {
            for a in e.body.attributes() {
                if !AWS_KMS_ENDPOINTS.contains(&a.name.name.as_str()) {
                    self.unknown_arg("`endpoints` of `aws_kms`", a, AWS_KMS_ENDPOINTS);
                }
            }
            for nb in e.body.blocks() {
                self.unknown_block("`endpoints` of `aws_kms`", nb, &[]);
            }
        }
        let (required, help): (&[&str], &str) = match kind.as_str() {
            "pbkdf2" => (
                &["passphrase"],
                "Write `passphrase = var.passphrase` (at least 16 characters).",
            ),
            "aws_kms" => (
                &["kms_key_id", "key_spec"],
                "Write `kms_key_id = \"alias/NAME\"` (a key id, ARN or alias) and `key_spec = \"AES_256\"`.",
            ),
            _ => (
                &["command"],
                "Write `command = [\"./key-program\", \"arg\"]`.",
            ),
        };
        let missing: Vec<&str> = required
            .iter()
            .copied()
            .filter(|r| !b.body.attributes().any(|a| a.name.name == *r))
            .collect();
        if !missing.is_empty() {
            self.err(
                "encryption::invalid",
                span,
                format!("{what} needs {}", list(&missing)),
                help.into(),
            );
            return None;
        }
        Some(KeyProviderSpec {
            kind,
            name,
            args: b
                .body
                .attributes()
                .filter(|a| allowed.contains(&a.name.name.as_str()))
                .cloned()
                .collect(),
            endpoints: endpoints
                .map(|e| {
                    e.body
                        .attributes()
                        .filter(|a| AWS_KMS_ENDPOINTS.contains(&a.name.name.as_str()))
                        .cloned()
                        .collect()
                })
                .unwrap_or_default(),
            span,
        })
    }

    fn method(&mut self, b: &Block, providers: &[KeyProviderSpec]) -> Option<MethodSpec> {
        let (kind, name, span) = self.labels(b)?;
        if !METHODS.contains(&kind.as_str()) {
            let help = match did_you_mean(&kind, METHODS.iter().copied()) {
                Some(s) => format!("Did you mean `{s}`?"),
                None => "The methods are `aes_gcm` and `unencrypted` (for migration); see docs/encryption.md.".into(),
            };
            self.err(
                "encryption::unsupported",
                span,
                format!("method type `{kind}` is not supported by infra"),
                help,
            );
            return None;
        }
        let what = format!("`method \"{kind}\"`");
        let allowed: &[&str] = if kind == "aes_gcm" { &["keys"] } else { &[] };
        let mut keys = None;
        for a in b.body.attributes() {
            match a.name.name.as_str() {
                "keys" if kind == "aes_gcm" => {
                    keys = self.reference(&a.expr, "key_provider", |t, n| {
                        providers.iter().position(|p| p.kind == t && p.name == n)
                    });
                }
                "aad" if kind == "aes_gcm" => self.err(
                    "encryption::unsupported",
                    a.name.span,
                    "`aad` (additional authenticated data) is not supported by infra".into(),
                    "Remove it: data encrypted with an `aad` cannot be read without it.".into(),
                ),
                _ => self.unknown_arg(&what, a, allowed),
            }
        }
        for nb in b.body.blocks() {
            self.unknown_block(&what, nb, &[]);
        }
        if kind == "aes_gcm" && keys.is_none() {
            if !b.body.attributes().any(|a| a.name.name == "keys") {
                self.err(
                    "encryption::invalid",
                    span,
                    "`method \"aes_gcm\"` needs `keys`".into(),
                    "Write `keys = key_provider.pbkdf2.NAME`.".into(),
                );
            }
            return None;
        }
        Some(MethodSpec {
            kind,
            name,
            keys,
            span,
        })
    }

    /// `ROOT.TYPE.NAME` in `e`, resolved by `find`; diagnostics for any
    /// other expression and for a name declared nowhere.
    fn reference(
        &mut self,
        e: &Expr,
        root: &str,
        find: impl Fn(&str, &str) -> Option<usize>,
    ) -> Option<usize> {
        let Some((t, n)) = traversal(e, root) else {
            self.err(
                "encryption::invalid",
                e.span,
                format!("expected a reference `{root}.TYPE.NAME`"),
                format!(
                    "Refer to a `{root}` block of this `encryption` block, e.g. `{root}.{}`.",
                    if root == "method" {
                        "aes_gcm.main"
                    } else {
                        "pbkdf2.main"
                    }
                ),
            );
            return None;
        };
        let found = find(&t, &n);
        if found.is_none() {
            self.err(
                "encryption::undeclared",
                e.span,
                format!("there is no `{root} \"{t}\" \"{n}\"` in the encryption block"),
                "Declare it, or refer to one that is declared; a target's methods refer to `method` blocks, a method's `keys` to a `key_provider` block.".to_string(),
            );
        }
        found
    }

    fn target(
        &mut self,
        b: &Block,
        methods: &[MethodSpec],
        enforceable: bool,
    ) -> Option<TargetSpec> {
        let mut out = Vec::new();
        let mut enforced = None;
        let mut cur = b;
        let mut ok = true;
        loop {
            let what = format!("`{}`", cur.kind.name);
            let mut method = None;
            for a in cur.body.attributes() {
                match a.name.name.as_str() {
                    "method" => {
                        method = Some(self.reference(&a.expr, "method", |t, n| {
                            methods.iter().position(|m| m.kind == t && m.name == n)
                        }));
                    }
                    "enforced" if enforceable && std::ptr::eq(cur, b) => {
                        enforced = Some(a.expr.clone());
                    }
                    _ => {
                        let allowed: &[&str] = if enforceable && std::ptr::eq(cur, b) {
                            &["method", "enforced"]
                        } else {
                            &["method"]
                        };
                        self.unknown_arg(&what, a, allowed);
                        ok = false;
                    }
                }
            }
            match method {
                Some(Some(i)) => out.push(i),
                Some(None) => ok = false,
                None if std::ptr::eq(cur, b) && cur.body.blocks().next().is_none() => {}
                None => {
                    self.err(
                        "encryption::invalid",
                        cur.kind.span,
                        format!("{what} needs `method`"),
                        "Write `method = method.aes_gcm.NAME`.".into(),
                    );
                    ok = false;
                }
            }
            let mut next = None;
            for nb in cur.body.blocks() {
                if nb.kind.name == "fallback" && next.is_none() {
                    next = Some(nb);
                } else {
                    self.unknown_block(&what, nb, &["fallback"]);
                    ok = false;
                }
            }
            match next {
                Some(n) => cur = n,
                None => break,
            }
        }
        ok.then_some(TargetSpec {
            methods: out,
            enforced,
            span: b.kind.span,
        })
    }
}

/// `a`, `b` and `c`.
fn list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => String::new(),
    }
}

/// `ROOT.TYPE.NAME` as written, as (TYPE, NAME).
fn traversal(e: &Expr, root: &str) -> Option<(String, String)> {
    let ExprKind::GetAttr { object, name } = &e.kind else {
        return None;
    };
    let ExprKind::GetAttr {
        object: inner,
        name: kind,
    } = &object.kind
    else {
        return None;
    };
    match &inner.kind {
        ExprKind::Variable(r) if r.name == root => Some((kind.name.clone(), name.name.clone())),
        _ => None,
    }
}

/// Parses the `encryption` block `b` of file `src`: the spec (`None` when
/// it has errors) and its diagnostics (errors for anything malformed or
/// unsupported: unknown key provider or method types, `chain`, `aad`,
/// `remote_state_data_sources`, unknown arguments and blocks, references
/// to undeclared blocks, two blocks of the same type and name).
pub fn parse(src: &Arc<SourceFile>, b: &Block) -> (Option<Spec>, Vec<Diagnostic>) {
    let mut p = Parser {
        src,
        diags: Vec::new(),
    };
    if !b.labels.is_empty() {
        p.err(
            "encryption::invalid",
            b.kind.span,
            "the `encryption` block has no labels".into(),
            "Write `encryption { ... }` inside `terraform { ... }`.".into(),
        );
    }
    for a in b.body.attributes() {
        p.unknown_arg("`encryption`", a, &[]);
    }
    let mut providers: Vec<KeyProviderSpec> = Vec::new();
    for nb in b.body.blocks().filter(|nb| nb.kind.name == "key_provider") {
        if let Some(kp) = p.key_provider(nb) {
            if providers
                .iter()
                .any(|o| o.kind == kp.kind && o.name == kp.name)
            {
                p.err(
                    "encryption::invalid",
                    kp.span,
                    format!("{} is declared twice", kp.addr()),
                    "Give each key provider its own name.".into(),
                );
            } else {
                providers.push(kp);
            }
        }
    }
    let mut methods: Vec<MethodSpec> = Vec::new();
    for nb in b.body.blocks().filter(|nb| nb.kind.name == "method") {
        if let Some(m) = p.method(nb, &providers) {
            if methods.iter().any(|o| o.kind == m.kind && o.name == m.name) {
                p.err(
                    "encryption::invalid",
                    m.span,
                    format!("method.{}.{} is declared twice", m.kind, m.name),
                    "Give each method its own name.".into(),
                );
            } else {
                methods.push(m);
            }
        }
    }
    let (mut state, mut plan) = (None, None);
    for nb in b.body.blocks() {
        match nb.kind.name.as_str() {
            "key_provider" | "method" => {}
            "state" | "plan" => {
                let slot = if nb.kind.name == "state" {
                    &mut state
                } else {
                    &mut plan
                };
                if slot.is_some() {
                    p.err(
                        "encryption::invalid",
                        nb.kind.span,
                        format!("a second `{}` block", nb.kind.name),
                        "Keep one; add older methods as `fallback` blocks.".into(),
                    );
                } else {
                    *slot = p.target(nb, &methods, true);
                }
            }
            "remote_state_data_sources" => p.err(
                "encryption::unsupported",
                nb.kind.span,
                "`remote_state_data_sources` is not supported by infra".into(),
                "infra has no `terraform_remote_state` data source; remove the block.".into(),
            ),
            _ => p.unknown_block(
                "`encryption`",
                nb,
                &["key_provider", "method", "state", "plan"],
            ),
        }
    }
    let spec = Spec {
        source: src.clone(),
        span: b.kind.span,
        key_providers: providers,
        methods,
        state,
        plan,
    };
    if infra_lang::diagnostic::has_errors(&p.diags) {
        (None, p.diags)
    } else {
        (Some(spec), p.diags)
    }
}
