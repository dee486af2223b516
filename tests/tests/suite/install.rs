//! `infra init` installs provider plugins as `terraform init` does: from
//! filesystem mirrors (packed and unpacked), a network mirror and a
//! registry (signed checksums) served over TLS on 127.0.0.1 with a test
//! CA (`INFRA_CA_CERT_FILE`), into `.infra/providers/`, recorded in
//! `.infra.lock.hcl`; later runs start only what the lock file accepts.
//! Every failure is a clear error that leaves nothing half-installed.

use crate::install_server::Server;
use crate::support::{Run, Workdir, assert_contains};
use std::path::{Path, PathBuf};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/install/");

/// The fixture package's `h1:` hash, as Terraform 1.15.5 locks it when
/// installing it from a filesystem mirror.
const H1: &str = "h1:/7ShTGLK8e/MUvHWa5/ibN37qTpaThq15/d5iscvXzs=";
/// Its `zh:` hash (the archive's SHA-256, as in SHA256SUMS).
const ZH: &str = "zh:c3569287c59193948d62aa7cf4547627f8a9d6656168fc5c6a448c71d24d8359";

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{DATA}{name}")).expect("fixture")
}

/// The platform this test runs on, in Go's names.
fn platform() -> String {
    let os = match std::env::consts::OS {
        "macos" => "darwin",
        o => o,
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        a => a,
    };
    format!("{os}_{arch}")
}

fn config(source: &str, version: &str) -> String {
    format!(
        "infra {{\n  required_providers {{\n    demo = {{\n      source  = \"{source}\"\n      version = \"{version}\"\n    }}\n  }}\n}}\n\nresource \"demo_thing\" \"a\" {{}}\n"
    )
}

/// Runs `infra ARGS` in `w` with the CLI configuration `cli.tfrc`, `HOME`
/// in the directory, no system plugin directories, and the test CA.
fn run(w: &Workdir, args: &[&str], ca: Option<&str>) -> Run {
    run_with(w, args, ca, &[])
}

/// [`run`] with more environment variables.
fn run_with(w: &Workdir, args: &[&str], ca: Option<&str>, vars: &[(&str, &str)]) -> Run {
    let mut c = w.command(args);
    c.envs(vars.iter().copied());
    c.env("TF_CLI_CONFIG_FILE", w.path().join("cli.tfrc"))
        .env_remove("INFRA_CLI_CONFIG_FILE")
        .env_remove("TF_PLUGIN_CACHE_DIR")
        .env("HOME", w.path())
        .env("XDG_DATA_HOME", w.path().join("xdg"))
        .env("XDG_DATA_DIRS", w.path().join("xdg-dirs"));
    match ca {
        Some(pem) => {
            w.write("ca.pem", pem);
            c.env("INFRA_CA_CERT_FILE", w.path().join("ca.pem"));
        }
        None => {
            c.env_remove("INFRA_CA_CERT_FILE");
        }
    }
    let out = c.output().expect("runs infra");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn ok(r: Run) -> Run {
    assert_eq!(
        r.code, 0,
        "--- stdout\n{}\n--- stderr\n{}",
        r.stdout, r.stderr
    );
    r
}

fn failed(r: Run) -> Run {
    assert_eq!(
        r.code, 1,
        "--- stdout\n{}\n--- stderr\n{}",
        r.stdout, r.stderr
    );
    r
}

/// Text with line wrapping and the renderer's gutter removed.
fn flat(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '│')
        .collect()
}

fn installed_dir(w: &Workdir, host: &str, version: &str) -> PathBuf {
    w.path()
        .join(".infra/providers")
        .join(host)
        .join("test/demo")
        .join(version)
        .join(platform())
}

/// Everything under `.infra/providers` (relative paths), to show that a
/// failed install left nothing behind.
fn providers_tree(w: &Workdir) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            out.push(
                p.strip_prefix(root)
                    .expect("under root")
                    .display()
                    .to_string(),
            );
            if p.is_dir() {
                walk(root, &p, out);
            }
        }
    }
    let root = w.path().join(".infra/providers");
    let mut out = Vec::new();
    walk(&root, &root, &mut out);
    out.sort();
    out
}

/// A working directory whose `cli.tfrc` has a filesystem mirror `mirror/`
/// holding the fixture as version `versions` (packed).
fn with_fs_mirror(constraint: &str, versions: &[&str]) -> Workdir {
    let w = Workdir::new(&config("example.com/test/demo", constraint));
    w.write(
        "cli.tfrc",
        &format!(
            "provider_installation {{\n  filesystem_mirror {{\n    path = \"{}\"\n  }}\n}}\n",
            w.path().join("mirror").display()
        ),
    );
    for v in versions {
        add_packed(&w, v);
    }
    w
}

fn add_packed(w: &Workdir, version: &str) {
    let dir = w.path().join("mirror/example.com/test/demo");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(
        dir.join(format!(
            "terraform-provider-demo_{version}_{}.zip",
            platform()
        )),
        fixture("terraform-provider-demo_1.0.0.zip"),
    )
    .expect("write");
}

#[test]
fn init_installs_from_a_filesystem_mirror_and_locks_it_as_terraform_does() {
    let w = with_fs_mirror("~> 1.0", &["1.0.0", "0.9.0"]);
    let r = ok(run(&w, &["init"], None));
    assert_contains(
        &r.stderr,
        "- Finding example.com/test/demo versions matching \"~> 1.0\"...",
    );
    assert_contains(
        &r.stderr,
        "- Installed example.com/test/demo v1.0.0 (unauthenticated)",
    );
    assert_contains(
        &r.stdout,
        "Plugin: example.com/test/demo v1.0.0 (installed).",
    );
    // Byte for byte what Terraform writes for this package (header aside).
    assert_eq!(
        w.read_text(".infra.lock.hcl").expect("lock file"),
        format!(
            "# This file is maintained automatically by \"infra init\".\n# Manual edits may be lost in future updates.\n\nprovider \"example.com/test/demo\" {{\n  version     = \"1.0.0\"\n  constraints = \"~> 1.0\"\n  hashes = [\n    \"{H1}\",\n  ]\n}}\n"
        )
    );
    let exe = installed_dir(&w, "example.com", "1.0.0").join("terraform-provider-demo_v1.0.0");
    assert!(exe.is_file());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&exe).expect("meta").permissions().mode();
        assert_eq!(mode & 0o111, 0o111, "the executable keeps its mode");
    }
    // plan finds it there (starting it is the plugin client's part: this
    // one is not a real plugin).
    let r = failed(run(&w, &["plan"], None));
    assert_contains(
        &flat(&r.stderr),
        &format!(
            ".infra/providers/example.com/test/demo/1.0.0/{}/terraform-provider-demo_v1.0.0",
            platform()
        ),
    );
    assert!(!r.stderr.contains("not installed"), "{}", r.stderr);
    // A second init reuses what is installed, without the mirror.
    std::fs::remove_dir_all(w.path().join("mirror")).expect("rm mirror");
    let r = ok(run(&w, &["init"], None));
    assert_contains(
        &r.stdout,
        "Plugin: example.com/test/demo v1.0.0 (already installed).",
    );
    assert_contains(
        &r.stderr,
        "- Reusing previous version of example.com/test/demo from the dependency lock file",
    );
}

#[test]
fn a_changed_installed_package_is_refused_until_reinstalled() {
    let w = with_fs_mirror("~> 1.0", &["1.0.0"]);
    ok(run(&w, &["init"], None));
    let dir = installed_dir(&w, "example.com", "1.0.0");
    std::fs::write(
        dir.join("terraform-provider-demo_v1.0.0"),
        "#!/bin/sh\necho evil\n",
    )
    .expect("tamper");
    let r = failed(run(&w, &["plan"], None));
    assert_contains(&r.stderr, "provider::checksum-mismatch");
    assert_contains(&r.stderr, "does not match the lock file");
    // init puts the locked package back; then it runs again.
    ok(run(&w, &["init"], None));
    let r = failed(run(&w, &["plan"], None));
    assert!(!r.stderr.contains("checksum-mismatch"), "{}", r.stderr);
}

#[test]
fn a_mirror_package_that_no_longer_matches_the_lock_file_is_not_installed() {
    let w = with_fs_mirror("~> 1.0", &["1.0.0"]);
    ok(run(&w, &["init"], None));
    std::fs::remove_dir_all(w.path().join(".infra/providers")).expect("rm");
    // Another package under the same version.
    let zip = w.path().join(format!(
        "mirror/example.com/test/demo/terraform-provider-demo_1.0.0_{}.zip",
        platform()
    ));
    let mut bytes = std::fs::read(&zip).expect("read");
    let other = {
        let d = tempfile::tempdir().expect("temp");
        let f = d.path().join("z.zip");
        // A different but valid archive: the fixture with one more file.
        std::fs::write(&f, &bytes).expect("write");
        let status = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!(
                "cd {} && echo extra > EXTRA && zip -q z.zip EXTRA",
                d.path().display()
            ))
            .status();
        match status {
            Ok(s) if s.success() => std::fs::read(&f).expect("read"),
            // No `zip` tool: a corrupt archive is refused as well.
            _ => {
                bytes.truncate(bytes.len() / 2);
                bytes
            }
        }
    };
    std::fs::write(&zip, other).expect("write");
    let r = failed(run(&w, &["init"], None));
    assert!(
        r.stderr.contains("provider::checksum-mismatch") || r.stderr.contains("not a zip archive"),
        "{}",
        r.stderr
    );
    // Nothing half-installed: no package, no staging directory.
    assert!(
        providers_tree(&w)
            .iter()
            .all(|p| !p.contains("1.0.0") && !p.contains(".installing")),
        "{:?}",
        providers_tree(&w)
    );
    assert_contains(&w.read_text(".infra.lock.hcl").expect("lock kept"), H1);
}

#[test]
fn the_lock_file_pins_the_version_until_upgrade() {
    let w = with_fs_mirror(">= 1.0", &["1.0.0"]);
    ok(run(&w, &["init"], None));
    add_packed(&w, "1.1.0");
    add_packed(&w, "2.0.0-beta1");
    let r = ok(run(&w, &["init"], None));
    assert_contains(&r.stdout, "v1.0.0 (already installed)");
    let r = ok(run(&w, &["init", "-upgrade"], None));
    assert_contains(
        &r.stdout,
        "Plugin: example.com/test/demo v1.1.0 (installed).",
    );
    let lock = w.read_text(".infra.lock.hcl").expect("lock");
    assert_contains(&lock, "version     = \"1.1.0\"");
    assert_contains(&lock, "constraints = \">= 1.0.0\"");
    // Constraints that no longer allow the locked version: say --upgrade.
    w.config(&config("example.com/test/demo", "~> 1.0.0"));
    let r = failed(run(&w, &["plan"], None));
    assert_contains(&flat(&r.stderr), "run`infrainit--upgrade`");
    let r = failed(run(&w, &["init"], None));
    assert_contains(&r.stderr, "provider::install-failed");
    assert_contains(&flat(&r.stderr), "doesnotallow");
    ok(run(&w, &["init", "--upgrade"], None));
    assert_contains(
        &w.read_text(".infra.lock.hcl").expect("lock"),
        "version     = \"1.0.0\"",
    );
}

#[test]
fn missing_versions_and_unserved_providers_are_clear_errors() {
    let w = with_fs_mirror(">= 2.0", &["1.0.0", "1.5.0"]);
    let r = failed(run(&w, &["init"], None));
    assert_contains(&r.stderr, "provider::install-failed");
    assert_contains(
        &flat(&r.stderr),
        &flat("no available version matches \">= 2.0.0\" (available for"),
    );
    assert_contains(&flat(&r.stderr), "1.0.0,1.5.0");
    assert!(w.read(".infra.lock.hcl").is_none());
    assert!(
        providers_tree(&w)
            .iter()
            .all(|p| p.starts_with('.') || !p.contains("demo")),
        "{:?}",
        providers_tree(&w)
    );
    // A provider no method serves.
    w.write(
        "cli.tfrc",
        &format!(
            "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    exclude = [\"example.com/*/*\"]\n  }}\n}}\n",
            w.path().join("mirror").display()
        ),
    );
    let r = failed(run(&w, &["init"], None));
    assert_contains(
        &flat(&r.stderr),
        &flat("no installation method of the CLI configuration serves it"),
    );
    // Before init, plan says to run it.
    let r = failed(run(&w, &["plan"], None));
    assert_contains(&r.stderr, "provider::not-installed");
    assert_contains(&flat(&r.stderr), "run`infrainit`");
}

#[test]
fn unpacked_mirrors_the_implied_local_directory_and_the_plugin_cache() {
    // The unpacked layout, in the implied mirror terraform.d/plugins (no
    // provider_installation at all).
    let w = Workdir::new(&config("example.com/test/demo", "1.0.0"));
    w.write(
        "cli.tfrc",
        &format!(
            "plugin_cache_dir = \"{}\"\n",
            w.path().join("cache").display()
        ),
    );
    let unpacked = w
        .path()
        .join("terraform.d/plugins/example.com/test/demo/1.0.0")
        .join(platform());
    std::fs::create_dir_all(&unpacked).expect("mkdir");
    std::fs::write(
        unpacked.join("terraform-provider-demo_v1.0.0"),
        "#!/bin/sh\nexit 1\n",
    )
    .expect("write");
    let r = ok(run(&w, &["init"], None));
    assert_contains(&r.stdout, "v1.0.0 (installed)");
    let cached = w
        .path()
        .join("cache/example.com/test/demo/1.0.0")
        .join(platform());
    assert!(
        cached.join("terraform-provider-demo_v1.0.0").is_file(),
        "the cache is filled"
    );
    // Offline: no mirror, nothing installed; the cache has the locked package.
    std::fs::remove_dir_all(w.path().join("terraform.d")).expect("rm");
    std::fs::remove_dir_all(w.path().join(".infra/providers")).expect("rm");
    let r = ok(run(&w, &["init"], None));
    assert_contains(&r.stderr, "from the shared cache directory");
    assert!(
        installed_dir(&w, "example.com", "1.0.0")
            .join("terraform-provider-demo_v1.0.0")
            .is_file()
    );
}

/// Network mirror routes serving the fixture for this platform, listing
/// `hashes`.
fn mirror_routes(
    hashes: &'static [&'static str],
) -> impl Fn(&str) -> Option<(u16, Vec<u8>)> + Send + Sync + 'static {
    move |path: &str| match path {
        "/mirror/example.com/test/demo/index.json" => {
            Some((200, br#"{"versions":{"1.0.0":{},"0.5.0":{}}}"#.to_vec()))
        }
        "/mirror/example.com/test/demo/1.0.0.json" => Some((
            200,
            serde_json::json!({"archives": {platform(): {
                "url": "files/demo.zip",
                "hashes": hashes,
            }}})
            .to_string()
            .into_bytes(),
        )),
        "/mirror/example.com/test/demo/files/demo.zip" => {
            Some((200, fixture("terraform-provider-demo_1.0.0.zip")))
        }
        _ => None,
    }
}

fn with_network_mirror(server: &Server) -> Workdir {
    let w = Workdir::new(&config("example.com/test/demo", "~> 1.0"));
    w.write(
        "cli.tfrc",
        &format!(
            "provider_installation {{\n  network_mirror {{\n    url = \"{}/mirror/\"\n  }}\n}}\n",
            server.url()
        ),
    );
    w
}

#[test]
fn a_network_mirror_over_tls_serves_verified_packages() {
    static GOOD: &[&str] = &[ZH];
    let server = Server::start(mirror_routes(GOOD));
    let w = with_network_mirror(&server);
    // Without the test CA, the mirror's certificate is not trusted.
    let r = failed(run(&w, &["init"], None));
    assert_contains(&r.stderr, "provider::install-failed");
    assert_contains(&flat(&r.stderr), &flat("cannot reach"));
    let r = ok(run(&w, &["init"], Some(&server.ca_pem)));
    assert_contains(
        &r.stderr,
        "- Installed example.com/test/demo v1.0.0 (verified checksum)",
    );
    assert_contains(&w.read_text(".infra.lock.hcl").expect("lock"), H1);
    assert!(
        installed_dir(&w, "example.com", "1.0.0")
            .join("terraform-provider-demo_v1.0.0")
            .is_file()
    );
}

#[test]
fn a_network_mirror_package_with_other_hashes_is_refused() {
    static WRONG: &[&str] =
        &["zh:0000000000000000000000000000000000000000000000000000000000000000"];
    let server = Server::start(mirror_routes(WRONG));
    let w = with_network_mirror(&server);
    let r = failed(run(&w, &["init"], Some(&server.ca_pem)));
    assert_contains(
        &flat(&r.stderr),
        &flat("does not match the hashes the network mirror lists"),
    );
    assert!(
        providers_tree(&w).iter().all(|p| !p.contains("demo")),
        "{:?}",
        providers_tree(&w)
    );
    assert!(w.read(".infra.lock.hcl").is_none());
}

/// Registry routes: discovery, versions, the download document naming
/// `key`, SHA256SUMS (`sums`), its signature, and the archive (`zip`).
fn registry_routes(
    key: &'static str,
    sums: Vec<u8>,
    zip: Vec<u8>,
) -> impl Fn(&str) -> Option<(u16, Vec<u8>)> + Send + Sync + 'static {
    let (os, arch) = {
        let p = platform();
        let (o, a) = p.split_once('_').expect("os_arch");
        (o.to_string(), a.to_string())
    };
    move |path: &str| {
        let download = format!("/v1/providers/test/demo/1.0.0/download/{os}/{arch}");
        match path {
            "/.well-known/terraform.json" => Some((200, br#"{"providers.v1":"/v1/providers/"}"#.to_vec())),
            "/v1/providers/test/demo/versions" => Some((
                200,
                serde_json::json!({"versions": [
                    {"version": "1.0.0", "protocols": ["5.0"], "platforms": [{"os": os, "arch": arch}]},
                    {"version": "1.1.0", "protocols": ["5.0"], "platforms": [{"os": "plan9", "arch": "mips"}]},
                    {"version": "0.1.0", "protocols": ["4.0"], "platforms": [{"os": os, "arch": arch}]},
                ]})
                .to_string()
                .into_bytes(),
            )),
            p if p == download => Some((
                200,
                serde_json::json!({
                    "protocols": ["5.0"],
                    "os": os, "arch": arch,
                    "filename": format!("terraform-provider-demo_1.0.0_{os}_{arch}.zip"),
                    "download_url": "/files/demo.zip",
                    "shasums_url": "/files/SHA256SUMS",
                    "shasums_signature_url": "/files/SHA256SUMS.sig",
                    "shasum": ZH.trim_start_matches("zh:"),
                    "signing_keys": {"gpg_public_keys": [{
                        "key_id": "0663D89175EF3127",
                        "ascii_armor": String::from_utf8(fixture(key)).expect("utf-8"),
                    }]},
                })
                .to_string()
                .into_bytes(),
            )),
            "/files/SHA256SUMS" => Some((200, sums.clone())),
            "/files/SHA256SUMS.sig" => Some((200, fixture("SHA256SUMS.sig"))),
            "/files/demo.zip" => Some((200, zip.clone())),
            _ => None,
        }
    }
}

fn with_registry(server: &Server, constraint: &str) -> Workdir {
    let w = Workdir::new(&config(&format!("{}/test/demo", server.host), constraint));
    // No provider_installation: the implied `direct`.
    w.write("cli.tfrc", "");
    w
}

#[test]
fn the_registry_protocol_installs_a_signed_package() {
    let server = Server::start(registry_routes(
        "signing-key.asc",
        fixture("SHA256SUMS"),
        fixture("terraform-provider-demo_1.0.0.zip"),
    ));
    let w = with_registry(&server, "~> 1.0");
    let r = ok(run(&w, &["init"], Some(&server.ca_pem)));
    assert_contains(&r.stderr, "(signed, key ID 0663D89175EF3127)");
    assert_contains(&r.stderr, "- Downloading https://");
    let lock = w.read_text(".infra.lock.hcl").expect("lock");
    // The local h1 and the signed zh of every platform (all the same here).
    assert_contains(&lock, &format!("    \"{H1}\",\n    \"{ZH}\",\n  ]"));
    assert!(
        installed_dir(&w, &server.host, "1.0.0")
            .join("terraform-provider-demo_v1.0.0")
            .is_file()
    );
    // The locked package is reused: no download the second time.
    let before = server.hits.lock().expect("hits").len();
    let r = ok(run(&w, &["init"], Some(&server.ca_pem)));
    assert_contains(&r.stdout, "already installed");
    assert_eq!(server.hits.lock().expect("hits").len(), before);
}

#[test]
fn bad_signatures_and_checksums_from_a_registry_are_refused() {
    let server = Server::start(registry_routes(
        "other-key.asc",
        fixture("SHA256SUMS"),
        fixture("terraform-provider-demo_1.0.0.zip"),
    ));
    let w = with_registry(&server, "~> 1.0");
    let r = failed(run(&w, &["init"], Some(&server.ca_pem)));
    assert_contains(
        &flat(&r.stderr),
        &flat("the checksums' signature does not verify with the registry's signing key"),
    );
    assert!(
        !server
            .hits
            .lock()
            .expect("hits")
            .iter()
            .any(|h| h == "/files/demo.zip"),
        "nothing downloaded"
    );
    // Checksums changed after signing.
    let mut sums = fixture("SHA256SUMS");
    sums[0] = if sums[0] == b'0' { b'1' } else { b'0' };
    server.set_routes(registry_routes(
        "signing-key.asc",
        sums,
        fixture("terraform-provider-demo_1.0.0.zip"),
    ));
    let r = failed(run(&w, &["init"], Some(&server.ca_pem)));
    assert_contains(&flat(&r.stderr), "doesnotverify");
    // A signed checksum the archive does not match.
    let mut zip = fixture("terraform-provider-demo_1.0.0.zip");
    zip.push(0);
    server.set_routes(registry_routes(
        "signing-key.asc",
        fixture("SHA256SUMS"),
        zip,
    ));
    let r = failed(run(&w, &["init"], Some(&server.ca_pem)));
    assert_contains(
        &flat(&r.stderr),
        &flat("does not match its signed checksum"),
    );
    assert!(
        providers_tree(&w).iter().all(|p| !p.contains("demo")),
        "{:?}",
        providers_tree(&w)
    );
    assert!(w.read(".infra.lock.hcl").is_none());
    // A version the registry does not have for this platform.
    server.set_routes(registry_routes(
        "signing-key.asc",
        fixture("SHA256SUMS"),
        fixture("terraform-provider-demo_1.0.0.zip"),
    ));
    w.config(&config(&format!("{}/test/demo", server.host), ">= 1.1"));
    let r = failed(run(&w, &["init"], Some(&server.ca_pem)));
    assert_contains(
        &flat(&r.stderr),
        &flat("no available version matches \">= 1.1.0\""),
    );
}

#[test]
fn an_unreachable_registry_is_a_clear_error() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let w = Workdir::new(&config(&format!("127.0.0.1:{port}/test/demo"), "~> 1.0"));
    w.write("cli.tfrc", "");
    let r = failed(run(&w, &["init"], None));
    assert_contains(&r.stderr, "provider::install-failed");
    let text = flat(&r.stderr);
    assert_contains(
        &text,
        &flat(&format!(
            "cannot reach https://127.0.0.1:{port}/.well-known/terraform.json"
        )),
    );
    assert_contains(&text, "(tried3times)");
    assert!(w.read(".infra.lock.hcl").is_none());
}

#[test]
fn registry_tokens_and_host_blocks_are_read_as_terraform_reads_them() {
    const TOKEN: &str = "s3cr3t-registry-token";
    let server = Server::start(registry_routes(
        "signing-key.asc",
        fixture("SHA256SUMS"),
        fixture("terraform-provider-demo_1.0.0.zip"),
    ));
    // The registry's API wants a token; its files do not (Terraform sends
    // credentials to the API only).
    server.require_token(TOKEN, "/files/");
    // A host that does not resolve: its `host` block gives `providers.v1`.
    let host = "registry.example.test";
    let w = Workdir::new(&config(&format!("{host}/test/demo"), "~> 1.0"));
    let host_block = format!(
        "host \"{host}\" {{\n  services = {{\n    \"providers.v1\" = \"{}/v1/providers/\"\n  }}\n}}\n",
        server.url()
    );
    w.write("cli.tfrc", &host_block);
    let r = failed(run(&w, &["init"], Some(&server.ca_pem)));
    let text = flat(&r.stderr);
    assert_contains(
        &text,
        &flat("answered 401 Unauthorized (infra sent no token;"),
    );
    assert_contains(&text, "TF_TOKEN_registry_example_test");
    assert!(w.read(".infra.lock.hcl").is_none());
    // A wrong token from the environment is refused and not printed.
    let r = failed(run_with(
        &w,
        &["init"],
        Some(&server.ca_pem),
        &[("TF_TOKEN_registry_example_test", "wrong-token-value")],
    ));
    assert_contains(&flat(&r.stderr), &flat("the token infra sent was refused"));
    assert!(!r.stderr.contains("wrong-token-value") && !r.stdout.contains("wrong-token-value"));
    // The token of a `credentials` block installs it.
    w.write(
        "cli.tfrc",
        &format!("{host_block}credentials \"{host}\" {{\n  token = \"{TOKEN}\"\n}}\n"),
    );
    server.auth.lock().expect("auth").clear();
    let r = ok(run(&w, &["init"], Some(&server.ca_pem)));
    assert_contains(&r.stderr, "(signed, key ID 0663D89175EF3127)");
    assert!(!r.stderr.contains(TOKEN) && !r.stdout.contains(TOKEN));
    assert!(
        installed_dir(&w, host, "1.0.0")
            .join("terraform-provider-demo_v1.0.0")
            .is_file()
    );
    assert_contains(
        &w.read_text(".infra.lock.hcl").expect("lock"),
        &format!("provider \"{host}/test/demo\""),
    );
    let auth = server.auth.lock().expect("auth").clone();
    let bearer = format!("Bearer {TOKEN}");
    // No discovery request (the host block stands for it); the API saw the
    // token, the files did not.
    assert!(
        auth.iter().all(|(p, _)| p != "/.well-known/terraform.json"),
        "{auth:?}"
    );
    assert!(
        auth.iter().any(|(p, _)| p.starts_with("/files/")),
        "{auth:?}"
    );
    for (path, header) in &auth {
        if path.starts_with("/files/") {
            assert_eq!(header, &None, "{path}");
        } else {
            assert_eq!(header.as_deref(), Some(bearer.as_str()), "{path}");
        }
    }
}
