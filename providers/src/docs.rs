//! The provider reference (docs/providers.md), generated from the
//! providers' own schemas so it cannot drift from what `infra validate`
//! checks: every provider's configuration arguments, resource types and
//! data sources, each attribute with its type, role and description.

use infra_engine::provider::{Attribute, ProviderSchema, ResourceSchema};
use std::fmt::Write;

/// The role column: required, optional, computed, with force-new and
/// sensitive marks.
fn role(a: &Attribute) -> String {
    let mut r = if a.required {
        "required".to_string()
    } else if a.optional && a.computed {
        "optional, computed".to_string()
    } else if a.optional {
        "optional".to_string()
    } else {
        "computed".to_string()
    };
    if a.force_new {
        r.push_str(", forces replacement");
    }
    if a.sensitive {
        r.push_str(", sensitive");
    }
    r
}

fn table(out: &mut String, schema: &ResourceSchema) {
    if schema.attributes.is_empty() {
        out.push_str("No arguments.\n\n");
        return;
    }
    out.push_str("| name | type | | description |\n|---|---|---|---|\n");
    for (name, a) in &schema.attributes {
        let _ = writeln!(
            out,
            "| `{name}` | `{}` | {} | {} |",
            a.ty.to_string().replace('|', "\\|"),
            role(a),
            a.description.replace('|', "\\|")
        );
    }
    out.push('\n');
}

fn provider_section(out: &mut String, name: &str, s: &ProviderSchema) {
    let _ = writeln!(out, "## Provider `{name}`\n");
    if !s.provider.description.is_empty() {
        let _ = writeln!(out, "{}\n", s.provider.description);
    }
    let _ = writeln!(out, "### Configuration: `provider \"{name}\" {{ ... }}`\n");
    table(out, &s.provider);
    for (t, r) in &s.resources {
        let _ = writeln!(out, "### Resource `{t}`\n\n{}\n", r.description);
        table(out, r);
    }
    for (t, r) in &s.data_sources {
        let _ = writeln!(out, "### Data source `{t}`\n\n{}\n", r.description);
        table(out, r);
    }
    for (f, sig) in &s.functions {
        let mut params: Vec<String> = sig
            .parameters
            .iter()
            .map(|p| format!("{} {}", p.name, p.ty))
            .collect();
        if let Some(v) = &sig.variadic {
            params.push(format!("{}... {}", v.name, v.ty));
        }
        let _ = writeln!(
            out,
            "### Function `provider::{name}::{f}`\n\n`provider::{name}::{f}({}) {}`\n\n{}\n",
            params.join(", "),
            sig.result,
            sig.description
        );
        for p in sig.parameters.iter().chain(&sig.variadic) {
            let _ = writeln!(out, "- `{}`: {}", p.name, p.description);
        }
        out.push('\n');
    }
}

/// docs/providers.md: every production provider of [`crate::all`], in
/// name order.
pub fn markdown_reference() -> String {
    let mut out = String::from(
        "# Provider reference\n\n\
         Generated from the providers' schemas (`providers/src/docs.rs`); do not edit by hand.\n\
         Regenerate with `INFRA_UPDATE_DOCS=1 cargo test -p infra-tests --test suite docs`.\n\n\
         A provider is chosen by the part of a type name before its first `_`\n\
         (`aws_s3_bucket` → `aws`). Nested blocks (`versioning { ... }`) are\n\
         attributes of object type; a block that may repeat (`lifecycle_rule`)\n\
         is a list of objects. \"forces replacement\": changing it replaces the\n\
         object; \"computed\": the provider sets it (known after apply when new).\n\n",
    );
    let providers = crate::all();
    for (name, p) in providers.iter() {
        provider_section(&mut out, name, p.schema());
    }
    out.push_str(include_str!("docs_terraform_providers.md"));
    out.push_str(SERVING);
    out
}

/// The hand-written section of docs/providers.md on `infra provider serve`.
const SERVING: &str = r#"## Serving infra's providers to Terraform/OpenTofu

`infra provider serve NAME` serves one of the providers above (`local`,
`random`, `infra`, `aws`) over the Terraform plugin protocol 6, with
HashiCorp go-plugin's handshake (magic cookie, one handshake line on
standard output, a unix socket, and mutual TLS when Terraform asks for
it), so Terraform and OpenTofu can use infra's providers. Terraform
starts it; it is not run by hand.

Terraform finds a provider binary named `terraform-provider-NAME`. Make
one per provider, a script that runs infra, in a directory of your choice:

```sh
mkdir -p ~/infra-providers
for p in local random infra aws; do
  printf '#!/bin/sh
exec infra provider serve %s
' "$p" > ~/infra-providers/terraform-provider-$p
  chmod +x ~/infra-providers/terraform-provider-$p
done
```

Point Terraform's CLI configuration at it with `dev_overrides` (in
`~/.terraformrc`, or a file named by `TF_CLI_CONFIG_FILE`; OpenTofu reads
`~/.tofurc` and `TF_CLI_CONFIG_FILE` the same way), under any source
address you choose:

```text
provider_installation {
  dev_overrides {
    "infra.example/infra/local"  = "/home/me/infra-providers"
    "infra.example/infra/random" = "/home/me/infra-providers"
    "infra.example/infra/infra"  = "/home/me/infra-providers"
  }
  direct {}
}
```

and require the providers by that address in the configuration:

```hcl
terraform {
  required_providers {
    local = { source = "infra.example/infra/local" }
  }
}
```

`terraform plan` then says "Provider development overrides are in
effect"; `terraform init` is not needed for overridden providers. State
written this way is Terraform's own (schema version 0, no private data);
the attribute names and meanings are those listed above.

Environment: `INFRA_PLUGIN_NETWORK=tcp` serves on 127.0.0.1 (a port
between `PLUGIN_MIN_PORT` and `PLUGIN_MAX_PORT`) instead of a unix
socket; `TF_DISABLE_PLUGIN_TLS=1` (read by Terraform) turns mutual TLS
off. Provider functions are served (GetFunctions, CallFunction):
`provider::local::direxists(path)` works under Terraform 1.8+ as under
infra. `MoveResourceState` is served for types that take objects of
other types (none of the providers above yet). Not served: resource
identities, planned destroys (Terraform removes objects without asking
the provider to plan it, as for most providers).
"#;
