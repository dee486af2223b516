//! go-plugin's handshake: the environment a client passes to a plugin, and
//! the one line the plugin prints on stdout to say where it listens
//! (`CORE|APP|NETWORK|ADDR|grpc|CERT`). Mirrors go-plugin's `server.go`
//! `Serve` (writing) and `client.go` `Start` (reading); constants from
//! Terraform's `internal/plugin/serve.go`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD;

/// The environment variable holding the magic cookie (Terraform's
/// `Handshake.MagicCookieKey`).
pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
/// Terraform's magic cookie value; a plugin refuses to run without it.
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
/// The protocol versions a client offers, comma separated (`5,6`).
pub const ENV_PROTOCOL_VERSIONS: &str = "PLUGIN_PROTOCOL_VERSIONS";
/// The lowest TCP port a plugin may listen on.
pub const ENV_MIN_PORT: &str = "PLUGIN_MIN_PORT";
/// The highest TCP port a plugin may listen on.
pub const ENV_MAX_PORT: &str = "PLUGIN_MAX_PORT";
/// The client's AutoMTLS certificate, PEM; absent means plain connections.
pub const ENV_CLIENT_CERT: &str = "PLUGIN_CLIENT_CERT";
/// The directory for the plugin's unix socket (default: the temp dir).
pub const ENV_UNIX_SOCKET_DIR: &str = "PLUGIN_UNIX_SOCKET_DIR";
/// infra's own switch: `tcp` makes `infra provider serve` listen on TCP
/// instead of a unix socket (go-plugin picks TCP only on Windows).
pub const ENV_INFRA_NETWORK: &str = "INFRA_PLUGIN_NETWORK";
/// Terraform's switch that turns AutoMTLS off on the client side (any
/// non-empty value; TF `internal/command/meta_providers.go`).
pub const ENV_DISABLE_TLS: &str = "TF_DISABLE_PLUGIN_TLS";
/// The port range Terraform passes (GP `client.go` defaults).
pub const DEFAULT_PORT_RANGE: (u16, u16) = (10000, 25000);

/// go-plugin's core protocol version, the first field of the line.
pub const CORE_PROTOCOL_VERSION: u32 = 1;

/// What go-plugin prints on stderr when a plugin binary is run without the
/// magic cookie (GP `server.go` `Serve`, verbatim).
pub const NOT_A_PLUGIN_MESSAGE: &str = "This binary is a plugin. These are not meant to be executed directly.\n\
Please execute the program that consumes these plugins, which will\n\
load any plugins automatically\n";

/// The kind of address in the handshake line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Network {
    /// A unix domain socket; the address is its path.
    Unix,
    /// TCP; the address is `host:port`.
    Tcp,
}

impl Network {
    /// The word go-plugin writes (`unix` or `tcp`).
    pub fn as_str(self) -> &'static str {
        match self {
            Network::Unix => "unix",
            Network::Tcp => "tcp",
        }
    }
}

/// The parsed handshake line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandshakeLine {
    /// The application protocol version the plugin serves (5 or 6 for
    /// Terraform providers).
    pub protocol_version: u32,
    /// Unix socket or TCP.
    pub network: Network,
    /// The socket path or `host:port`.
    pub address: String,
    /// The server's certificate, DER (AutoMTLS), or `None` for plain gRPC.
    pub server_cert: Option<Vec<u8>>,
}

/// A handshake line that can't be used; the message names the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandshakeError(pub String);

impl std::fmt::Display for HandshakeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for HandshakeError {}

impl HandshakeLine {
    /// The line as go-plugin's server writes it, without the newline:
    /// `1|VERSION|NETWORK|ADDRESS|grpc|CERT` with CERT the unpadded standard
    /// base64 of the DER, or empty (six fields always; GP `server.go`).
    pub fn format(&self) -> String {
        let cert = self
            .server_cert
            .as_deref()
            .map(|der| STANDARD_NO_PAD.encode(der))
            .unwrap_or_default();
        format!(
            "{CORE_PROTOCOL_VERSION}|{}|{}|{}|grpc|{cert}",
            self.protocol_version,
            self.network.as_str(),
            self.address
        )
    }

    /// Parses a line the way go-plugin's client does (GP `client.go`
    /// `Start`): trimmed, split on `|`, at least four fields; core version
    /// 1; the app version one of `offered`; network `unix` or `tcp`; the
    /// protocol (fifth field, defaulting to netrpc when absent) must be
    /// `grpc`; the certificate is read only when the sixth field is longer
    /// than 50 characters (shorter values are "extra" data from old
    /// implementations), as base64 standard alphabet with or without
    /// padding; a seventh field (broker multiplexing) is ignored.
    pub fn parse(line: &str, offered: &[u32]) -> Result<HandshakeLine, HandshakeError> {
        let err = |m: String| Err(HandshakeError(m));
        let line = line.trim();
        let parts: Vec<&str> = line.split('|').collect();
        let [core, version, network, address, rest @ ..] = parts.as_slice() else {
            return err(format!("unrecognized plugin handshake line: {line:?}"));
        };
        if core.parse::<u32>().ok() != Some(CORE_PROTOCOL_VERSION) {
            return err(format!(
                "incompatible go-plugin core protocol version {core:?} (infra speaks {CORE_PROTOCOL_VERSION})"
            ));
        }
        let protocol_version = match version.parse::<u32>() {
            Ok(v) if offered.contains(&v) => v,
            _ => {
                let offered: Vec<String> = offered.iter().map(u32::to_string).collect();
                return err(format!(
                    "the plugin serves protocol version {version:?}, but infra offered {}",
                    offered.join(",")
                ));
            }
        };
        let network = match *network {
            "unix" => Network::Unix,
            "tcp" => Network::Tcp,
            other => return err(format!("unknown plugin address type {other:?}")),
        };
        if address.is_empty() {
            return err("the plugin handshake line has an empty address".to_string());
        }
        match rest.first() {
            Some(&"grpc") => {}
            Some(other) => {
                return err(format!(
                    "unsupported plugin protocol {other:?}; infra supports grpc only"
                ));
            }
            None => {
                return err(
                    "unsupported plugin protocol \"netrpc\"; infra supports grpc only".to_string(),
                );
            }
        }
        let server_cert = match rest.get(1) {
            Some(cert) if cert.len() > 50 => Some(
                STANDARD_NO_PAD
                    .decode(cert.trim_end_matches('='))
                    .map_err(|e| {
                        HandshakeError(format!(
                            "error parsing the plugin's server certificate: {e}"
                        ))
                    })?,
            ),
            _ => None,
        };
        Ok(HandshakeLine {
            protocol_version,
            network,
            address: (*address).to_string(),
            server_cert,
        })
    }
}

/// Parses a `PLUGIN_PROTOCOL_VERSIONS` value (`5,6`); fields that are not
/// numbers are skipped, as go-plugin does (GP `server.go` `protocolVersion`).
pub fn parse_versions(value: &str) -> Vec<u32> {
    value
        .split(',')
        .filter_map(|v| v.trim().parse().ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn der() -> Vec<u8> {
        (0u8..200).collect()
    }

    #[test]
    fn format_writes_six_fields_with_unpadded_base64() {
        let line = HandshakeLine {
            protocol_version: 6,
            network: Network::Unix,
            address: "/tmp/plugin123".into(),
            server_cert: None,
        };
        assert_eq!(line.format(), "1|6|unix|/tmp/plugin123|grpc|");
        let with_cert = HandshakeLine {
            server_cert: Some(vec![1, 2, 3, 4]),
            ..line
        };
        // 4 bytes are "AQIDBA==" padded; go-plugin writes RawStdEncoding.
        assert_eq!(with_cert.format(), "1|6|unix|/tmp/plugin123|grpc|AQIDBA");
    }

    #[test]
    fn parse_round_trips_format() {
        let line = HandshakeLine {
            protocol_version: 5,
            network: Network::Tcp,
            address: "127.0.0.1:10001".into(),
            server_cert: Some(der()),
        };
        assert_eq!(
            HandshakeLine::parse(&format!("{}\n", line.format()), &[5, 6]),
            Ok(line)
        );
    }

    #[test]
    fn parse_tolerates_padding_and_ignores_a_seventh_field() {
        let cert = base64::engine::general_purpose::STANDARD.encode(der());
        assert!(cert.ends_with('='), "the test needs a padded encoding");
        let parsed = HandshakeLine::parse(&format!("1|6|unix|/s|grpc|{cert}|true"), &[5, 6]);
        assert_eq!(parsed.map(|l| l.server_cert), Ok(Some(der())));
    }

    #[test]
    fn parse_reads_the_certificate_only_when_longer_than_50_characters() {
        let short = "A".repeat(50);
        let parsed = HandshakeLine::parse(&format!("1|6|unix|/s|grpc|{short}"), &[6]);
        assert_eq!(parsed.map(|l| l.server_cert), Ok(None));
        let parsed = HandshakeLine::parse("1|6|unix|/s|grpc|", &[6]);
        assert_eq!(parsed.map(|l| l.server_cert), Ok(None));
        let parsed = HandshakeLine::parse("1|6|unix|/s|grpc", &[6]);
        assert_eq!(parsed.map(|l| l.server_cert), Ok(None));
    }

    #[test]
    fn parse_rejects_bad_lines() {
        let bad = [
            ("", "unrecognized"),
            ("hello world", "unrecognized"),
            ("1|6|unix", "unrecognized"),
            ("2|6|unix|/s|grpc|", "core protocol"),
            ("x|6|unix|/s|grpc|", "core protocol"),
            ("1|4|unix|/s|grpc|", "protocol version \"4\""),
            ("1|six|unix|/s|grpc|", "protocol version"),
            ("1|6|udp|/s|grpc|", "address type"),
            ("1|6|unix||grpc|", "empty address"),
            ("1|6|unix|/s|netrpc|", "unsupported plugin protocol"),
            ("1|6|unix|/s", "netrpc"),
            (
                &format!("1|6|unix|/s|grpc|{}", "!".repeat(60)),
                "server certificate",
            ),
        ];
        for (line, expected) in bad {
            match HandshakeLine::parse(line, &[5, 6]) {
                Err(HandshakeError(message)) => {
                    assert!(message.contains(expected), "{line:?}: {message}")
                }
                Ok(parsed) => panic!("{line:?} parsed as {parsed:?}"),
            }
        }
    }

    #[test]
    fn versions_parse_like_go_plugin() {
        assert_eq!(parse_versions("5,6"), vec![5, 6]);
        assert_eq!(parse_versions(" 6 , x,5"), vec![6, 5]);
        assert_eq!(parse_versions(""), Vec::<u32>::new());
    }
}
