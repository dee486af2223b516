//! The server's loop: initialize, then take every message waiting, handle
//! notifications (document changes) and requests in order, each request
//! under `catch_unwind` so a panic answers that request with an error and
//! the server goes on; publish diagnostics once a module's edits have
//! paused for [`DEBOUNCE`].

use crate::diagnostics::module_diagnostics;
use crate::documents::Documents;
use crate::handlers;
use infra_engine::provider::Providers;
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidChangeWatchedFiles, DidCloseTextDocument, DidOpenTextDocument,
    DidSaveTextDocument, Notification as _, PublishDiagnostics,
};
use lsp_types::{
    CompletionOptions, FoldingRangeProviderCapability, HoverProviderCapability, InitializeParams,
    OneOf, PositionEncodingKind, PublishDiagnosticsParams, RenameOptions,
    SemanticTokensFullOptions, SemanticTokensOptions, ServerCapabilities,
    TextDocumentSyncCapability, TextDocumentSyncKind, Url,
};
use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::io::Write as _;
use std::os::fd::AsFd as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// How long a module's edits must pause before it is checked again.
pub const DEBOUNCE: Duration = Duration::from_millis(50);

/// Runs the language server on standard input and output until the
/// client sends `exit`.
///
/// Messages are written to a duplicate of the standard output descriptor,
/// not through `std::io::stdout()`, whose lock the CLI's entry point holds
/// for the whole command.
///
/// # Errors
/// A message when the connection broke or the client did not follow the
/// protocol (no `initialize` first, `exit` without `shutdown`).
pub fn serve_stdio(providers: Providers) -> Result<(), String> {
    let out = std::io::stdout()
        .as_fd()
        .try_clone_to_owned()
        .map_err(|e| format!("infra lsp: cannot write to standard output: {e}"))?;
    let mut out = std::io::BufWriter::new(std::fs::File::from(out));
    let (server, client) = Connection::memory();
    let Connection {
        sender: to_server,
        receiver: from_server,
    } = client;
    let reader = std::thread::spawn(move || {
        let stdin = std::io::stdin();
        let mut input = stdin.lock();
        while let Ok(Some(message)) = Message::read(&mut input) {
            let exit = matches!(&message, Message::Notification(n) if n.method == "exit");
            if to_server.send(message).is_err() || exit {
                break;
            }
        }
    });
    let writer = std::thread::spawn(move || {
        for message in from_server {
            if message.write(&mut out).and_then(|()| out.flush()).is_err() {
                break;
            }
        }
    });
    let result = serve(&server, providers);
    drop(server);
    let _ = writer.join();
    // The reader ends at `exit` or at the end of input; after a protocol
    // error it may still wait on standard input, so it is not waited for.
    drop(reader);
    result
}

/// The server over any connection (tests use an in-memory one).
fn serve(connection: &Connection, providers: Providers) -> Result<(), String> {
    let capabilities = serde_json::to_value(capabilities()).map_err(|e| e.to_string())?;
    let params = connection
        .initialize(capabilities)
        .map_err(|e| format!("infra lsp: {e}"))?;
    let params: InitializeParams = serde_json::from_value(params).unwrap_or_default();
    let mut roots: Vec<PathBuf> = params
        .workspace_folders
        .unwrap_or_default()
        .iter()
        .filter_map(|f| f.uri.to_file_path().ok())
        .collect();
    #[allow(deprecated)] // Older clients send only `rootUri`.
    let root = params.root_uri.and_then(|u| u.to_file_path().ok());
    roots.extend(root);
    let mut server = Server {
        connection,
        providers,
        docs: Documents::default(),
        roots,
        pending: HashMap::new(),
        published: HashMap::new(),
        cancelled: HashSet::new(),
        shutdown: false,
    };
    server.run()
}

fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(PositionEncodingKind::UTF16),
        text_document_sync: Some(TextDocumentSyncCapability::Kind(
            TextDocumentSyncKind::INCREMENTAL,
        )),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![".".into(), "\"".into()]),
            ..CompletionOptions::default()
        }),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Right(RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: Default::default(),
        })),
        document_formatting_provider: Some(OneOf::Left(true)),
        document_range_formatting_provider: Some(OneOf::Left(true)),
        signature_help_provider: Some(lsp_types::SignatureHelpOptions {
            trigger_characters: Some(vec!["(".into(), ",".into()]),
            retrigger_characters: None,
            work_done_progress_options: Default::default(),
        }),
        inlay_hint_provider: Some(OneOf::Left(true)),
        code_action_provider: Some(lsp_types::CodeActionProviderCapability::Simple(true)),
        document_symbol_provider: Some(OneOf::Left(true)),
        workspace_symbol_provider: Some(OneOf::Left(true)),
        folding_range_provider: Some(FoldingRangeProviderCapability::Simple(true)),
        semantic_tokens_provider: Some(
            SemanticTokensOptions {
                legend: crate::semantic::legend(),
                full: Some(SemanticTokensFullOptions::Bool(true)),
                range: Some(true),
                ..SemanticTokensOptions::default()
            }
            .into(),
        ),
        ..ServerCapabilities::default()
    }
}

/// The server's state between messages.
pub(crate) struct Server<'c> {
    connection: &'c Connection,
    pub(crate) providers: Providers,
    pub(crate) docs: Documents,
    pub(crate) roots: Vec<PathBuf>,
    /// Modules to check, and when (their edits' pause ends).
    pending: HashMap<PathBuf, Instant>,
    /// The files each module last published diagnostics for.
    published: HashMap<PathBuf, BTreeSet<Url>>,
    /// Requests the client cancelled before they were handled.
    cancelled: HashSet<RequestId>,
    shutdown: bool,
}

impl Server<'_> {
    fn run(&mut self) -> Result<(), String> {
        let mut queue = VecDeque::new();
        loop {
            let first = match self.pending.values().min() {
                None => self.connection.receiver.recv().ok(),
                Some(due) => {
                    let wait = due.saturating_duration_since(Instant::now());
                    match self.connection.receiver.recv_timeout(wait) {
                        Ok(m) => Some(m),
                        Err(crossbeam_timeout) if crossbeam_timeout.is_timeout() => None,
                        Err(_) => return Err("infra lsp: the client closed the connection".into()),
                    }
                }
            };
            if first.is_none() && self.pending.is_empty() {
                return Err("infra lsp: the client closed the connection".into());
            }
            queue.extend(first);
            queue.extend(self.connection.receiver.try_iter());
            // Cancellations first: a request waiting behind others may be
            // cancelled already.
            for m in &queue {
                if let Message::Notification(n) = m
                    && n.method == "$/cancelRequest"
                    && let Some(id) = n.params.get("id")
                {
                    let id = match id {
                        serde_json::Value::Number(n) => {
                            n.as_i64().map(|i| RequestId::from(i as i32))
                        }
                        serde_json::Value::String(s) => Some(RequestId::from(s.clone())),
                        _ => None,
                    };
                    self.cancelled.extend(id);
                }
            }
            while let Some(m) = queue.pop_front() {
                match m {
                    Message::Request(req) => self.request(req),
                    Message::Notification(n) if n.method == "exit" => {
                        return if self.shutdown {
                            Ok(())
                        } else {
                            Err("infra lsp: exit without shutdown".into())
                        };
                    }
                    Message::Notification(n) => self.notification(n),
                    Message::Response(_) => {}
                }
            }
            self.publish_due();
        }
    }

    fn send(&self, message: Message) {
        // A closed connection ends the loop at the next receive.
        let _ = self.connection.sender.send(message);
    }

    fn request(&mut self, req: Request) {
        let id = req.id.clone();
        if self.cancelled.remove(&id) {
            self.send(
                Response::new_err(id, ErrorCode::RequestCanceled as i32, "cancelled".into()).into(),
            );
            return;
        }
        if req.method == "shutdown" {
            self.shutdown = true;
            self.send(Response::new_ok(id, ()).into());
            return;
        }
        if self.shutdown {
            self.send(
                Response::new_err(
                    id,
                    ErrorCode::InvalidRequest as i32,
                    "the server is shutting down".into(),
                )
                .into(),
            );
            return;
        }
        let method = req.method.clone();
        let response = match catch_unwind(AssertUnwindSafe(|| handlers::request(self, req))) {
            Ok(Ok(value)) => Response::new_ok(id, value),
            Ok(Err((code, message))) => Response::new_err(id, code as i32, message),
            Err(panic) => {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                eprintln!("infra lsp: {method} panicked: {what}");
                Response::new_err(
                    id,
                    ErrorCode::InternalError as i32,
                    format!("infra lsp: internal error in {method} (logged); the server goes on"),
                )
            }
        };
        self.send(response.into());
    }

    fn notification(&mut self, n: Notification) {
        let method = n.method.clone();
        if catch_unwind(AssertUnwindSafe(|| self.apply(n))).is_err() {
            eprintln!("infra lsp: {method} panicked; the server goes on");
        }
    }

    /// Applies a document notification and schedules the check of its module.
    fn apply(&mut self, n: Notification) {
        let now = Instant::now();
        let uri = match n.method.as_str() {
            DidOpenTextDocument::METHOD => {
                let Ok(p) =
                    serde_json::from_value::<lsp_types::DidOpenTextDocumentParams>(n.params)
                else {
                    return;
                };
                let d = p.text_document;
                self.docs.open(d.uri.clone(), d.text, d.version);
                self.schedule(&d.uri, now);
                return;
            }
            DidChangeTextDocument::METHOD => {
                let Ok(p) =
                    serde_json::from_value::<lsp_types::DidChangeTextDocumentParams>(n.params)
                else {
                    return;
                };
                self.docs.change(
                    &p.text_document.uri,
                    p.text_document.version,
                    p.content_changes,
                );
                p.text_document.uri
            }
            DidCloseTextDocument::METHOD => {
                let Ok(p) =
                    serde_json::from_value::<lsp_types::DidCloseTextDocumentParams>(n.params)
                else {
                    return;
                };
                self.docs.close(&p.text_document.uri);
                p.text_document.uri
            }
            DidSaveTextDocument::METHOD => {
                let Ok(p) =
                    serde_json::from_value::<lsp_types::DidSaveTextDocumentParams>(n.params)
                else {
                    return;
                };
                p.text_document.uri
            }
            DidChangeWatchedFiles::METHOD => {
                let Ok(p) =
                    serde_json::from_value::<lsp_types::DidChangeWatchedFilesParams>(n.params)
                else {
                    return;
                };
                self.docs.disk_changed();
                for c in p.changes {
                    self.schedule(&c.uri, now);
                }
                return;
            }
            _ => return,
        };
        self.schedule(&uri, now + DEBOUNCE);
    }

    fn schedule(&mut self, uri: &Url, at: Instant) {
        match Documents::module_dir(uri) {
            Some(dir) => {
                self.pending.insert(dir, at);
            }
            None => self.publish_single(uri),
        }
    }

    /// Checks the modules whose pause is over, unless more messages wait
    /// (they are handled first: the check then sees the newest text).
    fn publish_due(&mut self) {
        let now = Instant::now();
        let due: Vec<PathBuf> = self
            .pending
            .iter()
            .filter(|(_, at)| **at <= now)
            .map(|(d, _)| d.clone())
            .collect();
        for dir in due {
            if !self.connection.receiver.is_empty() {
                return;
            }
            self.pending.remove(&dir);
            let files = match catch_unwind(AssertUnwindSafe(|| {
                module_diagnostics(&mut self.docs, &dir, &self.providers)
            })) {
                Ok(f) => f,
                Err(_) => {
                    eprintln!(
                        "infra lsp: checking {} panicked; the server goes on",
                        dir.display()
                    );
                    continue;
                }
            };
            let now: BTreeSet<Url> = files.iter().map(|f| f.uri.clone()).collect();
            let before = self.published.insert(dir, now.clone()).unwrap_or_default();
            for gone in before.difference(&now) {
                self.publish(gone.clone(), Vec::new(), None);
            }
            for f in files {
                self.publish(f.uri, f.diagnostics, f.version);
            }
        }
    }

    /// A document that is not a file (an unsaved buffer): its syntax only.
    fn publish_single(&mut self, uri: &Url) {
        let Some(doc) = self.docs.get(uri) else {
            self.publish(uri.clone(), Vec::new(), None);
            return;
        };
        let version = doc.version;
        let diags = crate::diagnostics::syntax_diagnostics(uri, &doc.text);
        self.publish(uri.clone(), diags, Some(version));
    }

    fn publish(&self, uri: Url, diagnostics: Vec<lsp_types::Diagnostic>, version: Option<i32>) {
        let params = PublishDiagnosticsParams::new(uri, diagnostics, version);
        if let Ok(params) = serde_json::to_value(params) {
            self.send(Notification::new(PublishDiagnostics::METHOD.into(), params).into());
        }
    }
}
