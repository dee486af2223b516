//! A running plugin process: launched with go-plugin's environment, its
//! handshake line read from stdout, its output pumped into the log, and
//! stopped with `GRPCController.Shutdown` then a kill (GP `client.go`
//! `Start` and `Kill`; design §2 "Client").

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::BufReader;
use tokio::process::{Child, Command};
use tokio::task::JoinHandle;
use tonic::transport::Channel;

use super::LaunchError;
use super::output::{self, Tail};
use crate::handshake::{self, HandshakeLine, Network};
use crate::proto::goplugin::{
    Empty, grpc_controller_client::GrpcControllerClient, grpc_stdio_client::GrpcStdioClient,
};
use crate::tls::Identity;

/// The protocol versions infra offers, lowest first (`PLUGIN_PROTOCOL_VERSIONS=5,6`).
pub const OFFERED_VERSIONS: [u32; 2] = [5, 6];
/// How long a plugin has to print its handshake line (go-plugin's
/// `StartTimeout`).
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a plugin has to exit after `Shutdown` (go-plugin's `Kill` waits 2 s).
const EXIT_TIMEOUT: Duration = Duration::from_secs(2);

/// A plugin process started by [`PluginProcess::launch`]. Dropping it kills
/// the process; [`PluginProcess::shutdown`] stops it gracefully first.
#[derive(Debug)]
pub struct PluginProcess {
    name: String,
    child: Child,
    pid: Option<u32>,
    channel: Channel,
    /// The unix socket the plugin listens on, removed after it exits.
    socket: Option<PathBuf>,
    tail: Tail,
    /// The stdout and GRPCStdio pumps (the stderr pump ends at EOF).
    tasks: Vec<JoinHandle<()>>,
}

impl PluginProcess {
    /// Starts `executable args…` as the plugin `name` (used in messages and
    /// logs) with the inherited environment plus go-plugin's variables: the
    /// magic cookie, `PLUGIN_PROTOCOL_VERSIONS=5,6`, the port range and,
    /// unless `TF_DISABLE_PLUGIN_TLS` is set, `PLUGIN_CLIENT_CERT` with a
    /// fresh certificate. stdin is null; the process gets its own process
    /// group so the terminal's Ctrl-C does not reach it. Waits up to 60 s for
    /// the handshake line, connects, and starts logging the plugin's stderr,
    /// stdout and GRPCStdio. Returns the process, the gRPC channel and the
    /// negotiated protocol version (5 or 6).
    pub async fn launch(
        executable: &Path,
        args: &[String],
        name: &str,
    ) -> Result<(PluginProcess, Channel, u32), LaunchError> {
        let tls_disabled =
            std::env::var_os(handshake::ENV_DISABLE_TLS).is_some_and(|v| !v.is_empty());
        let identity = if tls_disabled {
            None
        } else {
            Some(Identity::generate()?)
        };
        let versions: Vec<String> = OFFERED_VERSIONS.iter().map(u32::to_string).collect();
        let mut command = Command::new(executable);
        command
            .args(args)
            .env(handshake::MAGIC_COOKIE_KEY, handshake::MAGIC_COOKIE_VALUE)
            .env(handshake::ENV_PROTOCOL_VERSIONS, versions.join(","))
            .env(
                handshake::ENV_MIN_PORT,
                handshake::DEFAULT_PORT_RANGE.0.to_string(),
            )
            .env(
                handshake::ENV_MAX_PORT,
                handshake::DEFAULT_PORT_RANGE.1.to_string(),
            )
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(true);
        match &identity {
            Some(identity) => command.env(handshake::ENV_CLIENT_CERT, &identity.cert_pem),
            None => command.env_remove(handshake::ENV_CLIENT_CERT),
        };
        let mut child = command.spawn().map_err(|error| LaunchError::Spawn {
            name: name.to_string(),
            executable: executable.display().to_string(),
            error,
        })?;
        let pid = child.id();
        tracing::debug!(plugin = name, pid, path = %executable.display(), "plugin started");

        let tail = Tail::default();
        let stderr_task = child.stderr.take().map(|stderr| {
            tokio::spawn(output::pump_stderr(name.to_string(), stderr, tail.clone()))
        });
        let Some(stdout) = child.stdout.take() else {
            return Err(LaunchError::ExitedBeforeHandshake {
                name: name.to_string(),
                status: "no stdout".to_string(),
                last_output: String::new(),
            });
        };
        let mut stdout = BufReader::new(stdout);

        let line =
            match tokio::time::timeout(START_TIMEOUT, read_handshake(&mut stdout, name)).await {
                Ok(Ok(Some(line))) => line,
                Ok(Ok(None)) => {
                    // stdout closed: the process is exiting; collect its status
                    // and the rest of its stderr for the message.
                    let status = match tokio::time::timeout(EXIT_TIMEOUT, child.wait()).await {
                        Ok(Ok(status)) => status.to_string(),
                        _ => "stdout closed".to_string(),
                    };
                    if let Some(task) = stderr_task {
                        let _ = tokio::time::timeout(EXIT_TIMEOUT, task).await;
                    }
                    return Err(LaunchError::ExitedBeforeHandshake {
                        name: name.to_string(),
                        status,
                        last_output: tail.text(),
                    });
                }
                Ok(Err(error)) => return Err(error),
                Err(_) => {
                    return Err(LaunchError::Timeout {
                        name: name.to_string(),
                        waiting_for: "print its handshake line".to_string(),
                        last_output: tail.text(),
                    });
                }
            };
        tracing::debug!(plugin = name, version = line.protocol_version, network = line.network.as_str(), address = %line.address, tls = line.server_cert.is_some(), "plugin handshake");

        let mut tasks = vec![tokio::spawn(output::pump_stdout(name.to_string(), stdout))];
        let socket = (line.network == Network::Unix).then(|| PathBuf::from(&line.address));
        let channel = match super::connect(&line, identity.as_ref()).await {
            Ok(channel) => channel,
            Err(error) => {
                // Dropping the child kills it; its socket would be left behind.
                if let Some(socket) = &socket {
                    let _ = std::fs::remove_file(socket);
                }
                return Err(error);
            }
        };
        tasks.push(tokio::spawn(pump_stdio(name.to_string(), channel.clone())));
        let process = PluginProcess {
            name: name.to_string(),
            child,
            pid,
            channel: channel.clone(),
            socket,
            tail,
            tasks,
        };
        Ok((process, channel, line.protocol_version))
    }

    /// The plugin's name as given to [`PluginProcess::launch`].
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The process id, if the process was started.
    pub fn pid(&self) -> Option<u32> {
        self.pid
    }

    /// The last (up to 50) lines the plugin wrote on stderr, for crash
    /// reports (a Go panic prints its trace there).
    pub fn last_output(&self) -> String {
        self.tail.text()
    }

    /// The exit status if the process has exited (checked without waiting).
    pub fn exit_status(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Stops the plugin: `GRPCController.Shutdown` (any error, such as
    /// Unimplemented, ignored), up to 2 s for the process to exit, then
    /// SIGKILL; removes the socket file if the plugin left it. Every wait
    /// is bounded, so this returns within about 6 s.
    pub async fn shutdown(mut self) {
        let mut controller = GrpcControllerClient::new(self.channel.clone());
        match tokio::time::timeout(EXIT_TIMEOUT, controller.shutdown(Empty {})).await {
            Ok(Ok(_)) => {}
            Ok(Err(status)) => {
                tracing::debug!(plugin = %self.name, "GRPCController.Shutdown: {status}")
            }
            Err(_) => tracing::debug!(plugin = %self.name, "GRPCController.Shutdown timed out"),
        }
        match tokio::time::timeout(EXIT_TIMEOUT, self.child.wait()).await {
            Ok(Ok(status)) => tracing::debug!(plugin = %self.name, %status, "plugin exited"),
            _ => {
                tracing::warn!(plugin = %self.name, pid = self.pid, "plugin did not exit after shutdown; killing it");
                let _ = self.child.start_kill();
                let _ = tokio::time::timeout(EXIT_TIMEOUT, self.child.wait()).await;
            }
        }
        // Drop removes the socket file if the plugin left it.
    }
}

impl Drop for PluginProcess {
    /// The process is killed (`kill_on_drop`); its socket file and output
    /// tasks go with it.
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
        if let Some(socket) = &self.socket {
            let _ = std::fs::remove_file(socket);
        }
    }
}

/// Reads stdout lines until the handshake line. Lines too short to be one
/// (fewer than four `|` fields) are logged and skipped; a line that looks
/// like one but is wrong is an error. `None` means stdout ended first.
async fn read_handshake(
    stdout: &mut BufReader<tokio::process::ChildStdout>,
    name: &str,
) -> Result<Option<HandshakeLine>, LaunchError> {
    let mut line = Vec::new();
    loop {
        match output::read_line_capped(stdout, &mut line, output::MAX_LINE_BYTES).await {
            Ok(true) => {}
            Ok(false) | Err(_) => return Ok(None),
        }
        let text = output::line_text(&line);
        if text.trim().split('|').count() < 4 {
            tracing::debug!(plugin = name, stream = "stdout", "{text}");
            continue;
        }
        return HandshakeLine::parse(&text, &OFFERED_VERSIONS)
            .map(Some)
            .map_err(|error| LaunchError::Handshake {
                name: name.to_string(),
                error,
            });
    }
}

/// Copies the plugin's GRPCStdio stream into the log; Unimplemented or
/// Unavailable mean the plugin has none (GP `grpc_stdio.go`).
async fn pump_stdio(plugin: String, channel: Channel) {
    let mut client = GrpcStdioClient::new(channel);
    let mut stream = match client.stream_stdio(Empty {}).await {
        Ok(response) => response.into_inner(),
        Err(status) => {
            tracing::trace!(plugin, "no GRPCStdio: {status}");
            return;
        }
    };
    while let Ok(Some(data)) = stream.message().await {
        let stream = match data.channel() {
            crate::proto::goplugin::stdio_data::Channel::Stderr => "stderr",
            _ => "stdout",
        };
        output::log_stdio(&plugin, stream, &data.data);
    }
}
