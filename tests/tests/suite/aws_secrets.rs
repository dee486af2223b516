//! Secrets from where they live: data sources `aws_ssm_parameter` and
//! `aws_secretsmanager_secret_version` against the local server (moto),
//! the parameter and secret made here with the SDK. The secrets must show
//! nowhere but where the configuration puts them on purpose: not in any
//! command's output, and in no file under the working directory but the
//! one the configuration writes them to (the state is encrypted).

use crate::s3::{Services, bucket, provider_block};
use crate::support::{Run, Workdir, assert_contains};
use std::path::Path;

const DB_PASSWORD: &str = "ssm-secure-Xq7pW2vL9";
const API_TOKEN: &str = "sm-token-Hk3mN8rT5";
const OLD_TOKEN: &str = "sm-token-old-Jd4sF6";

/// Every file under `dir` (recursively), but `except`.
fn files(dir: &Path, except: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).expect("read dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, except, out);
        } else if p != except {
            out.push(p);
        }
    }
}

fn clean(r: &Run) {
    for s in [DB_PASSWORD, API_TOKEN, OLD_TOKEN] {
        assert!(
            !r.stdout.contains(s) && !r.stderr.contains(s),
            "a secret was printed:\n{}\n{}",
            r.stdout,
            r.stderr
        );
    }
}

#[test]
fn ssm_parameters_and_secrets_are_read_used_and_never_shown() {
    let aws = Services::new();
    let prefix = bucket("/infra-test/app");
    let db = format!("{prefix}/db-password");
    let region = format!("{prefix}/region");
    aws.rt
        .block_on(
            aws.ssm
                .put_parameter()
                .name(&db)
                .value(DB_PASSWORD)
                .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
                .send(),
        )
        .expect("put the SecureString parameter");
    aws.rt
        .block_on(
            aws.ssm
                .put_parameter()
                .name(&region)
                .value("eu-west-3")
                .r#type(aws_sdk_ssm::types::ParameterType::String)
                .send(),
        )
        .expect("put the String parameter");
    let secret = bucket("infra-test-api");
    let first = aws
        .rt
        .block_on(
            aws.secrets
                .create_secret()
                .name(&secret)
                .secret_string(OLD_TOKEN)
                .send(),
        )
        .expect("create the secret");
    let old_version = first.version_id.expect("version id");
    aws.rt
        .block_on(
            aws.secrets
                .put_secret_value()
                .secret_id(&secret)
                .secret_string(API_TOKEN)
                .send(),
        )
        .expect("a new version");
    let config = format!(
        r#"
terraform {{
  encryption {{
    key_provider "pbkdf2" "main" {{
      passphrase = sensitive_env("STATE_PASSPHRASE")
      iterations = 200000
    }}
    method "aes_gcm" "main" {{ keys = key_provider.pbkdf2.main }}
    state {{ method = method.aes_gcm.main }}
    plan {{ method = method.aes_gcm.main }}
  }}
}}
{}
data "aws_ssm_parameter" "db" {{
  name = "{db}"
}}
data "aws_ssm_parameter" "region" {{
  name            = "{region}"
  with_decryption = false
}}
data "aws_secretsmanager_secret_version" "api" {{
  secret_id = "{secret}"
}}
data "aws_secretsmanager_secret_version" "old" {{
  secret_id  = "{secret}"
  version_id = "{old_version}"
}}
resource "local_sensitive_file" "env" {{
  filename = "out/app.env"
  content  = "DB=${{data.aws_ssm_parameter.db.value}}\nAPI=${{data.aws_secretsmanager_secret_version.api.secret_string}}\n"
}}
output "db" {{
  value     = data.aws_ssm_parameter.db.value
  sensitive = true
}}
output "facts" {{
  value = {{
    db_type        = data.aws_ssm_parameter.db.type
    db_version     = data.aws_ssm_parameter.db.version
    db_insecure    = data.aws_ssm_parameter.db.insecure_value
    db_arn         = data.aws_ssm_parameter.db.arn
    region         = data.aws_ssm_parameter.region.insecure_value
    api_id         = data.aws_secretsmanager_secret_version.api.id
    api_stages     = data.aws_secretsmanager_secret_version.api.version_stages
    old_version    = data.aws_secretsmanager_secret_version.old.version_id
    old_is_current = contains(data.aws_secretsmanager_secret_version.old.version_stages, "AWSCURRENT")
  }}
}}
output "old" {{
  value     = data.aws_secretsmanager_secret_version.old.secret_string
  sensitive = true
}}
"#,
        provider_block()
    );
    let w = Workdir::new(&config);
    let run = |args: &[&str], code: i32| -> Run {
        let out = w
            .command(args)
            .env("STATE_PASSPHRASE", "the state passphrase, long")
            .output()
            .expect("run infra");
        let r = Run::of(&out);
        assert_eq!(r.code, code, "infra {args:?}\n{}\n{}", r.stdout, r.stderr);
        clean(&r);
        r
    };
    run(&["validate"], 0);
    let plan = run(&["plan"], 0);
    assert_contains(&plan.stdout, "(sensitive value)");
    run(&["apply", "--auto-approve"], 0);
    // A saved plan reads them again (and holds them only encrypted).
    run(&["plan", "-out", "tfplan"], 0);
    run(&["apply", "tfplan"], 0);
    let facts = run(&["output", "--json", "facts"], 0).stdout;
    let facts: serde_json::Value = serde_json::from_str(&facts).expect("JSON");
    assert_eq!(facts["db_type"], "SecureString");
    assert_eq!(facts["db_version"], 1);
    assert!(facts["db_insecure"].is_null(), "{facts}");
    assert!(
        facts["db_arn"]
            .as_str()
            .is_some_and(|a| a.starts_with("arn:aws:ssm:")),
        "{facts}"
    );
    assert_eq!(facts["region"], "eu-west-3");
    assert_eq!(facts["api_id"], format!("{secret}|AWSCURRENT"));
    assert_eq!(facts["api_stages"], serde_json::json!(["AWSCURRENT"]));
    assert_eq!(facts["old_version"], old_version.as_str());
    assert_eq!(facts["old_is_current"], false);
    for args in [
        &["output"][..],
        &["output", "--json"],
        &["state", "list"],
        &["state", "show", "data.aws_ssm_parameter.db"],
        &[
            "state",
            "show",
            "data.aws_secretsmanager_secret_version.api",
        ],
        &["plan", "--json"],
        &["plan"],
        &["history"],
    ] {
        run(args, 0);
    }
    // Where the user put them on purpose, they are.
    let shown = w
        .command(&["output", "--raw", "--show-sensitive", "db"])
        .env("STATE_PASSPHRASE", "the state passphrase, long")
        .output()
        .expect("run infra");
    assert_eq!(String::from_utf8_lossy(&shown.stdout), DB_PASSWORD);
    let env_file = w.path().join("out/app.env");
    assert_eq!(
        std::fs::read_to_string(&env_file).expect("out/app.env"),
        format!("DB={DB_PASSWORD}\nAPI={API_TOKEN}\n")
    );
    // Nowhere else.
    let mut all = Vec::new();
    files(w.path(), &env_file, &mut all);
    assert!(all.iter().any(|p| p.ends_with("state.json")), "{all:?}");
    for p in all {
        let body = String::from_utf8_lossy(&std::fs::read(&p).expect("read")).into_owned();
        for s in [DB_PASSWORD, API_TOKEN, OLD_TOKEN] {
            assert!(!body.contains(s), "{} holds a secret", p.display());
        }
    }
    run(&["destroy", "--auto-approve"], 0);
}

#[test]
fn missing_parameters_and_secrets_and_unknown_arguments_are_errors() {
    let w = Workdir::new(&format!(
        r#"{}
data "aws_ssm_parameter" "p" {{
  name       = "/infra-test/none"
  overwrite  = true
}}
data "aws_secretsmanager_secret_version" "s" {{
  secret_id     = "x"
  version_stage = "AWSCURRENT"
  secret_string = "set by hand"
}}
"#,
        provider_block()
    ));
    let r = w.expect(&["validate"], 1);
    assert_contains(&r.stderr, "overwrite");
    assert_contains(&r.stderr, "secret_string");
    w.config(&format!(
        r#"{}
data "aws_ssm_parameter" "p" {{
  name = "/infra-test/{}/none"
}}
"#,
        provider_block(),
        bucket("missing")
    ));
    let r = w.expect(&["plan"], 1);
    assert_contains(&r.stderr, "does not exist");
    w.config(&format!(
        r#"{}
data "aws_secretsmanager_secret_version" "s" {{
  secret_id = "{}"
}}
"#,
        provider_block(),
        bucket("no-such-secret")
    ));
    let r = w.expect(&["plan"], 1);
    assert_contains(&r.stderr, "does not exist or has");
}
