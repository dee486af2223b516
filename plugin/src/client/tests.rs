//! Launching plugin processes: a shell script stands in for the plugin
//! binary, passing the handshake line of a server run in-process (with the
//! client certificate the script received), so the environment, the stdout
//! reading, the connection and the shutdown are all exercised. The
//! end-to-end launch of `infra provider serve` is in the CLI's tests.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{LaunchError, PluginProcess};
use crate::handshake::MAGIC_COOKIE_VALUE;
use crate::server::ListenOn;
use crate::server::tests::{Running, settings, start};

const WAIT: Duration = Duration::from_secs(20);

/// Writes `body` as a script in `dir`; it is run as `/bin/sh SCRIPT DIR`
/// (not executed directly, which could fail with ETXTBSY while other test
/// threads fork).
fn script(dir: &Path, body: &str) -> PathBuf {
    let path = dir.join("plugin.sh");
    std::fs::write(&path, body).expect("write the script");
    path
}

async fn launch(
    dir: &Path,
    script: &Path,
) -> Result<(PluginProcess, tonic::transport::Channel, u32), LaunchError> {
    let args = [script.display().to_string(), dir.display().to_string()];
    PluginProcess::launch(Path::new("/bin/sh"), &args, "example.com/test/fake").await
}

async fn wait_for_file(path: &Path) -> String {
    let found = tokio::time::timeout(WAIT, async {
        loop {
            if let Ok(text) = std::fs::read_to_string(path) {
                return text;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
    found.await.expect("the script wrote its file")
}

const FAKE_PLUGIN: &str = r#"
dir="$1"
printf '%s|%s|%s|%s' "$TF_PLUGIN_MAGIC_COOKIE" "$PLUGIN_PROTOCOL_VERSIONS" "$PLUGIN_MIN_PORT" "$PLUGIN_MAX_PORT" > "$dir/env"
printf '%s' "$PLUGIN_CLIENT_CERT" > "$dir/cert.tmp" && mv "$dir/cert.tmp" "$dir/cert.pem"
echo '{"@level":"info","@message":"plugin starting","@module":"fake"}' >&2
echo "some output before the handshake"
while [ ! -e "$dir/line" ]; do sleep 0.02; done
cat "$dir/line"
while [ ! -e "$dir/stop" ]; do sleep 0.02; done
"#;

/// Launches [`FAKE_PLUGIN`] in `dir` against a server run in-process with
/// the client certificate the script received.
async fn launch_fake(dir: &Path) -> (PluginProcess, Running) {
    let script = script(dir, FAKE_PLUGIN);
    let launching = {
        let dir = dir.to_path_buf();
        tokio::spawn(async move { launch(&dir, &script).await })
    };
    let client_pem = wait_for_file(&dir.join("cert.pem")).await;
    assert!(
        client_pem.starts_with("-----BEGIN CERTIFICATE-----"),
        "{client_pem}"
    );
    let mut server_settings = settings(
        ListenOn::Unix {
            dir: Some(dir.to_path_buf()),
        },
        None,
    );
    server_settings.client_cert_pem = Some(client_pem);
    let running = start(server_settings).await;
    assert!(
        running.line.server_cert.is_some(),
        "AutoMTLS is on: {}",
        running.raw_line
    );
    std::fs::write(dir.join("line.tmp"), format!("{}\n", running.raw_line)).expect("write");
    std::fs::rename(dir.join("line.tmp"), dir.join("line")).expect("rename");

    let launched = tokio::time::timeout(WAIT, launching)
        .await
        .expect("launch in time")
        .expect("task");
    let (process, _channel, version) = launched.expect("launch succeeds");
    assert_eq!(version, 6);
    assert_eq!(
        std::fs::read_to_string(dir.join("env")).expect("env"),
        format!("{MAGIC_COOKIE_VALUE}|5,6|10000|25000")
    );
    (process, running)
}

/// The whole client path: environment, AutoMTLS with the certificate the
/// plugin received, the handshake line after other output, Shutdown.
#[tokio::test]
async fn launch_connects_with_the_certificate_it_passed_and_shuts_down() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (process, running) = launch_fake(dir.path()).await;
    // The server stops on Shutdown; the fake plugin then exits.
    let stop = dir.path().join("stop");
    let served = tokio::spawn(async move {
        let served = running.task.await;
        let _ = std::fs::write(stop, "");
        served
    });
    tokio::time::timeout(WAIT, process.shutdown())
        .await
        .expect("shutdown in time");
    let served = tokio::time::timeout(WAIT, served)
        .await
        .expect("serve returned")
        .expect("task");
    assert!(matches!(served, Ok(Ok(()))), "{served:?}");
}

/// A plugin still running after Shutdown is killed.
#[tokio::test]
async fn shutdown_kills_a_plugin_that_does_not_exit() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (process, running) = launch_fake(dir.path()).await;
    let pid = process.pid().expect("pid");
    assert!(Path::new(&format!("/proc/{pid}")).exists());
    tokio::time::timeout(WAIT, process.shutdown())
        .await
        .expect("shutdown in time");
    assert!(
        !Path::new(&format!("/proc/{pid}")).exists(),
        "the plugin was killed and reaped"
    );
    let served = tokio::time::timeout(WAIT, running.task)
        .await
        .expect("serve returned");
    assert!(matches!(served, Ok(Ok(()))), "{served:?}");
}

#[tokio::test]
async fn a_plugin_that_exits_before_the_handshake_reports_its_stderr() {
    let dir = tempfile::tempdir().expect("temp dir");
    let script = script(
        dir.path(),
        "echo 'panic: no provider here' >&2\necho 'goroutine 1 [running]:' >&2\nexit 3\n",
    );
    let result = tokio::time::timeout(WAIT, launch(dir.path(), &script))
        .await
        .expect("in time");
    let Err(error) = result else {
        panic!("launch succeeded")
    };
    assert!(
        matches!(error, LaunchError::ExitedBeforeHandshake { .. }),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(message.contains("example.com/test/fake"), "{message}");
    assert!(message.contains("exit status: 3"), "{message}");
    assert!(
        message.contains("panic: no provider here\ngoroutine 1 [running]:"),
        "{message}"
    );
}

#[tokio::test]
async fn a_bad_handshake_line_is_an_error_naming_the_plugin() {
    let dir = tempfile::tempdir().expect("temp dir");
    let script = script(dir.path(), "echo '1|4|unix|/nowhere|grpc|'\nsleep 5\n");
    let result = tokio::time::timeout(WAIT, launch(dir.path(), &script))
        .await
        .expect("in time");
    let Err(error) = result else {
        panic!("launch succeeded")
    };
    let message = error.to_string();
    assert!(matches!(error, LaunchError::Handshake { .. }), "{error:?}");
    assert!(
        message.contains("example.com/test/fake") && message.contains("\"4\""),
        "{message}"
    );
}

#[tokio::test]
async fn a_missing_executable_is_a_spawn_error() {
    let result =
        PluginProcess::launch(Path::new("/nonexistent/terraform-provider-x"), &[], "x").await;
    assert!(
        matches!(result, Err(LaunchError::Spawn { .. })),
        "{result:?}"
    );
}
