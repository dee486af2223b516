//! A plugin's output: its stderr lines forwarded to infra's log at the
//! level they carry (hclog JSON or `[LEVEL]` prefixes, as go-plugin's
//! `logStderr` reads them), the last lines kept for crash reports, and its
//! stdout and GRPCStdio data logged at debug level.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncRead, BufReader};
use tracing::Level;

/// How many stderr lines are kept for crash reports.
const TAIL_LINES: usize = 50;
/// Longer lines are cut (a plugin must not make infra hold unbounded text).
pub(crate) const MAX_LINE_BYTES: usize = 64 * 1024;

/// The last [`TAIL_LINES`] lines of a plugin's stderr.
#[derive(Debug, Clone, Default)]
pub(crate) struct Tail(Arc<Mutex<VecDeque<String>>>);

impl Tail {
    fn push(&self, line: String) {
        let mut lines = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if lines.len() == TAIL_LINES {
            lines.pop_front();
        }
        lines.push_back(line);
    }

    /// The kept lines, joined with newlines.
    pub(crate) fn text(&self) -> String {
        let lines = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        lines
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Reads one line (up to and including `\n`) into `line`, keeping at most
/// `cap` bytes of it and discarding the rest. Returns false at end of input
/// with nothing read.
pub(crate) async fn read_line_capped<R: AsyncBufRead + Unpin>(
    reader: &mut R,
    line: &mut Vec<u8>,
    cap: usize,
) -> std::io::Result<bool> {
    line.clear();
    loop {
        let buf = reader.fill_buf().await?;
        if buf.is_empty() {
            return Ok(!line.is_empty());
        }
        let (take, done) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (buf.len(), false),
        };
        let room = cap.saturating_sub(line.len());
        line.extend_from_slice(&buf[..take.min(room)]);
        reader.consume(take);
        if done {
            return Ok(true);
        }
    }
}

/// The text of a line read by [`read_line_capped`], without the line end.
pub(crate) fn line_text(line: &[u8]) -> String {
    String::from_utf8_lossy(line)
        .trim_end_matches(['\n', '\r'])
        .to_string()
}

/// Reads the plugin's stderr to its end: every line goes to the tail and
/// to the log.
pub(crate) async fn pump_stderr(plugin: String, stderr: impl AsyncRead + Unpin, tail: Tail) {
    let mut reader = BufReader::new(stderr);
    let mut line = Vec::new();
    let mut in_panic = false;
    while let Ok(true) = read_line_capped(&mut reader, &mut line, MAX_LINE_BYTES).await {
        let text = line_text(&line);
        let (level, message) = stderr_level(&text, &mut in_panic);
        emit(level, &plugin, "stderr", &message);
        tail.push(text);
    }
}

/// Reads the plugin's stdout after the handshake line, logging it at debug.
pub(crate) async fn pump_stdout(plugin: String, mut reader: impl AsyncBufRead + Unpin) {
    let mut line = Vec::new();
    while let Ok(true) = read_line_capped(&mut reader, &mut line, MAX_LINE_BYTES).await {
        emit(Level::DEBUG, &plugin, "stdout", &line_text(&line));
    }
}

/// Logs one chunk of GRPCStdio data at debug, line by line.
pub(crate) fn log_stdio(plugin: &str, stream: &str, data: &[u8]) {
    for line in String::from_utf8_lossy(data).lines() {
        emit(Level::DEBUG, plugin, stream, line);
    }
}

/// The level and message of one stderr line, as go-plugin reads it: hclog
/// JSON (`@level`, `@message`, `@module`, other keys appended as
/// `key=value`), else a `[TRACE]`..`[ERROR]` prefix, else debug; from a
/// line starting `panic: ` or `fatal error: ` on, everything is an error.
pub(crate) fn stderr_level(line: &str, in_panic: &mut bool) -> (Level, String) {
    if let Ok(serde_json::Value::Object(entry)) = serde_json::from_str::<serde_json::Value>(line) {
        let text = |key: &str| {
            entry
                .get(key)
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default()
        };
        let level = match text("@level").to_ascii_lowercase().as_str() {
            "trace" => Level::TRACE,
            "info" => Level::INFO,
            "warn" | "warning" => Level::WARN,
            "error" => Level::ERROR,
            _ => Level::DEBUG,
        };
        let mut message = match text("@module") {
            "" => text("@message").to_string(),
            module => format!("{module}: {}", text("@message")),
        };
        for (key, value) in &entry {
            if !key.starts_with('@') && key != "timestamp" {
                let value = value
                    .as_str()
                    .map_or_else(|| value.to_string(), str::to_string);
                message.push_str(&format!(" {key}={value}"));
            }
        }
        return (level, message);
    }
    let level = if line.starts_with("[TRACE]") {
        Level::TRACE
    } else if line.starts_with("[DEBUG]") {
        Level::DEBUG
    } else if line.starts_with("[INFO]") {
        Level::INFO
    } else if line.starts_with("[WARN]") {
        Level::WARN
    } else if line.starts_with("[ERROR]") {
        Level::ERROR
    } else if line.starts_with("panic: ") || line.starts_with("fatal error: ") || *in_panic {
        *in_panic = true;
        Level::ERROR
    } else {
        Level::DEBUG
    };
    (level, line.to_string())
}

/// One `tracing` event for a plugin's line (the macros need a constant level).
fn emit(level: Level, plugin: &str, stream: &str, message: &str) {
    match level {
        Level::TRACE => tracing::trace!(plugin, stream, "{message}"),
        Level::DEBUG => tracing::debug!(plugin, stream, "{message}"),
        Level::INFO => tracing::info!(plugin, stream, "{message}"),
        Level::WARN => tracing::warn!(plugin, stream, "{message}"),
        _ => tracing::error!(plugin, stream, "{message}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hclog_json_lines_carry_their_level() {
        let mut in_panic = false;
        let line = r#"{"@level":"warn","@message":"slow","@module":"provider","@timestamp":"x","region":"eu"}"#;
        assert_eq!(
            stderr_level(line, &mut in_panic),
            (Level::WARN, "provider: slow region=eu".to_string())
        );
    }

    #[test]
    fn prefixed_and_panic_lines() {
        let mut in_panic = false;
        assert_eq!(stderr_level("[INFO] hi", &mut in_panic).0, Level::INFO);
        assert_eq!(stderr_level("plain", &mut in_panic).0, Level::DEBUG);
        assert_eq!(stderr_level("panic: boom", &mut in_panic).0, Level::ERROR);
        assert_eq!(
            stderr_level("goroutine 1 [running]:", &mut in_panic).0,
            Level::ERROR
        );
    }

    #[tokio::test]
    async fn long_lines_are_cut_and_the_rest_is_read() {
        let input = format!("{}\nnext\n", "x".repeat(100));
        let mut reader = BufReader::new(input.as_bytes());
        let mut line = Vec::new();
        assert!(
            read_line_capped(&mut reader, &mut line, 10)
                .await
                .expect("read")
        );
        assert_eq!(line_text(&line), "x".repeat(10));
        assert!(
            read_line_capped(&mut reader, &mut line, 10)
                .await
                .expect("read")
        );
        assert_eq!(line_text(&line), "next");
        assert!(
            !read_line_capped(&mut reader, &mut line, 10)
                .await
                .expect("read")
        );
    }

    #[test]
    fn the_tail_keeps_the_last_lines() {
        let tail = Tail::default();
        for i in 0..60 {
            tail.push(format!("line {i}"));
        }
        let text = tail.text();
        assert!(
            text.starts_with("line 10\n") && text.ends_with("line 59"),
            "{text}"
        );
    }
}
