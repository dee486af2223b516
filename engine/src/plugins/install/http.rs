//! HTTPS for the installer: one client (rustls with the system's root
//! certificates, plus the PEM certificates of the file
//! `INFRA_CA_CERT_FILE` names, e.g. a test or company CA; the system
//! roots themselves follow `SSL_CERT_FILE`/`SSL_CERT_DIR`), a timeout on
//! connecting and on every read, retries of failed connections, timeouts
//! and 5xx answers with a growing pause, and bounded bodies: metadata
//! documents are read into memory up to [`MAX_DOCUMENT`], packages are
//! streamed to a file. A client may carry a host's API token
//! ([`Http::with_token`]), sent as `Authorization: Bearer` on its
//! requests, as Terraform's registry and mirror clients send the
//! credentials of their host (never on package or checksum downloads).

use crate::plugins::cliconfig::Token;
use std::io::Write as _;
use std::path::Path;
use std::time::Duration;

/// infra's variable naming a PEM file of extra CA certificates trusted
/// for registries and mirrors.
pub const CA_ENV: &str = "INFRA_CA_CERT_FILE";
/// How many times a request is tried in all.
pub const ATTEMPTS: u32 = 3;
/// The largest JSON document or checksum file read: 16 MiB.
pub const MAX_DOCUMENT: usize = 16 << 20;
/// The largest package downloaded: 2 GiB.
pub const MAX_PACKAGE: u64 = 2 << 30;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const READ_TIMEOUT: Duration = Duration::from_secs(30);

/// An HTTPS client for registries and mirrors.
#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
    /// The host whose credentials this client sends (set by
    /// [`Http::with_token`]), named when a request is refused.
    creds_host: Option<String>,
    token: Option<Token>,
}

impl Http {
    /// A client trusting the system roots and the certificates of
    /// `INFRA_CA_CERT_FILE` (from `env`), when set.
    ///
    /// # Errors
    /// The file cannot be read or holds no PEM certificate, or the TLS
    /// setup fails.
    pub fn new(env: &dyn Fn(&str) -> Option<String>) -> Result<Http, String> {
        let mut b = reqwest::Client::builder()
            .user_agent(concat!("infra/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(CONNECT_TIMEOUT)
            .read_timeout(READ_TIMEOUT);
        if let Some(file) = env(CA_ENV).filter(|f| !f.is_empty()) {
            let pem = std::fs::read(&file).map_err(|e| {
                format!("cannot read the CA certificates of {CA_ENV} ({file}): {e}")
            })?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
                format!("{CA_ENV} ({file}) holds no PEM certificates: {}", chain(&e))
            })?;
            if certs.is_empty() {
                return Err(format!("{CA_ENV} ({file}) holds no PEM certificates"));
            }
            for c in certs {
                b = b.add_root_certificate(c);
            }
        }
        let client = b
            .build()
            .map_err(|e| format!("cannot set up HTTPS: {}", chain(&e)))?;
        Ok(Http {
            client,
            creds_host: None,
            token: None,
        })
    }

    /// The same client for the API of `host`, sending its `token` (when
    /// `Some`) as `Authorization: Bearer` on every request.
    pub fn with_token(&self, host: &str, token: Option<Token>) -> Http {
        Http {
            client: self.client.clone(),
            creds_host: Some(host.to_string()),
            token,
        }
    }

    /// GETs `url` and returns its body (at most [`MAX_DOCUMENT`] bytes),
    /// retrying as the module says. `Ok(None)` for a 404.
    ///
    /// # Errors
    /// A message with the URL: unreachable, another status than 200/404,
    /// a body too large.
    pub async fn get(&self, url: &str) -> Result<Option<Vec<u8>>, String> {
        let Some(mut resp) = self.send(url).await? else {
            return Ok(None);
        };
        let mut body = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| format!("cannot read {url}: {}", chain(&e)))?
        {
            if body.len() + chunk.len() > MAX_DOCUMENT {
                return Err(format!("{url} is larger than {} MiB", MAX_DOCUMENT >> 20));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Some(body))
    }

    /// GETs `url` into the new file `to`, calling `progress` with the
    /// bytes received so far and the total when known. A 404 is an error
    /// here.
    ///
    /// # Errors
    /// As [`Http::get`], and a file that cannot be written.
    pub async fn download(
        &self,
        url: &str,
        to: &Path,
        progress: &dyn Fn(u64, Option<u64>),
    ) -> Result<(), String> {
        let Some(mut resp) = self.send(url).await? else {
            return Err(format!("{url} answered 404 Not Found"));
        };
        let total = resp.content_length();
        let mut file = std::fs::File::create(to)
            .map_err(|e| format!("cannot create {}: {e}", to.display()))?;
        let mut got: u64 = 0;
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| format!("cannot download {url}: {}", chain(&e)))?
        {
            got = got.saturating_add(chunk.len() as u64);
            if got > MAX_PACKAGE {
                return Err(format!("{url} is larger than {} GiB", MAX_PACKAGE >> 30));
            }
            file.write_all(&chunk)
                .map_err(|e| format!("cannot write {}: {e}", to.display()))?;
            progress(got, total);
        }
        file.sync_all()
            .map_err(|e| format!("cannot write {}: {e}", to.display()))?;
        Ok(())
    }

    /// Sends a GET, retrying connection failures, timeouts and 5xx
    /// answers; `None` for a 404.
    async fn send(&self, url: &str) -> Result<Option<reqwest::Response>, String> {
        let mut last = String::new();
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(250 << attempt)).await;
            }
            let mut request = self.client.get(url);
            if let Some(t) = &self.token {
                request = request.bearer_auth(t.expose());
            }
            match request.send().await {
                Ok(r) if r.status() == reqwest::StatusCode::NOT_FOUND => return Ok(None),
                Ok(r) if r.status().is_success() => return Ok(Some(r)),
                Ok(r) if r.status().is_server_error() => {
                    last = format!("{url} answered {}", r.status());
                }
                Ok(r)
                    if matches!(
                        r.status(),
                        reqwest::StatusCode::UNAUTHORIZED | reqwest::StatusCode::FORBIDDEN
                    ) =>
                {
                    let host = self.creds_host.clone().unwrap_or_else(|| {
                        reqwest::Url::parse(url)
                            .ok()
                            .and_then(|u| u.host_str().map(str::to_string))
                            .unwrap_or_default()
                    });
                    let sent = if self.token.is_some() {
                        "the token infra sent was refused"
                    } else {
                        "infra sent no token"
                    };
                    return Err(format!(
                        "{url} answered {} ({sent}; tokens come from a `credentials \"{host}\" {{ token = ... }}` block of the CLI configuration or {})",
                        r.status(),
                        crate::plugins::cliconfig::token_variable(&host)
                    ));
                }
                Ok(r) => return Err(format!("{url} answered {}", r.status())),
                Err(e) if e.is_connect() || e.is_timeout() || e.is_request() => {
                    last = format!("cannot reach {url}: {}", chain(&e));
                }
                Err(e) => return Err(format!("cannot reach {url}: {}", chain(&e))),
            }
        }
        Err(format!("{last} (tried {ATTEMPTS} times)"))
    }
}

/// An error with its causes, `a: b: c`, each said once.
fn chain(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut cur = e.source();
    while let Some(s) = cur {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cur = s.source();
    }
    parts.join(": ")
}
