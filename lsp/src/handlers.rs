//! Requests: decoding parameters, finding the document and module, and
//! calling the feature's module.

use crate::documents::{Documents, Module};
use crate::main_loop::Server;
use crate::{
    actions, completion, cross_module, definition, folding, format, hover, inlay, rename, semantic,
    signature, symbols,
};
use infra_lang::{SourceFile, syntax};
use lsp_server::{ErrorCode, Request};
use lsp_types::request::{
    CodeActionRequest, Completion, DocumentSymbolRequest, FoldingRangeRequest, Formatting,
    GotoDefinition, HoverRequest, InlayHintRequest, PrepareRenameRequest, RangeFormatting,
    References, Rename, Request as _, SemanticTokensFullRequest, SemanticTokensRangeRequest,
    SignatureHelpRequest, WorkspaceSymbolRequest,
};
use lsp_types::{
    CodeActionParams, CompletionParams, DocumentFormattingParams, DocumentRangeFormattingParams,
    DocumentSymbolParams, DocumentSymbolResponse, FoldingRangeParams, GotoDefinitionParams, Hover,
    HoverContents, HoverParams, InlayHintParams, MarkupContent, MarkupKind, ReferenceParams,
    RenameParams, SemanticTokens, SemanticTokensParams, SemanticTokensRangeParams,
    SemanticTokensResult, SignatureHelpParams, TextDocumentPositionParams, Url,
    WorkspaceSymbolParams,
};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;

/// An error answer: its code and message.
pub type Failure = (ErrorCode, String);

fn params<P: DeserializeOwned>(req: Request) -> Result<P, Failure> {
    serde_json::from_value(req.params).map_err(|e| (ErrorCode::InvalidParams, e.to_string()))
}

fn json<T: serde::Serialize>(value: T) -> Result<Value, Failure> {
    serde_json::to_value(value).map_err(|e| (ErrorCode::InternalError, e.to_string()))
}

/// Answers one request (`shutdown` is handled by the loop).
///
/// # Errors
/// Bad parameters, an unknown method, or a rename the user must fix.
pub(crate) fn request(server: &mut Server<'_>, req: Request) -> Result<Value, Failure> {
    match req.method.as_str() {
        Formatting::METHOD => {
            let p: DocumentFormattingParams = params(req)?;
            let uri = p.text_document.uri;
            let Some(doc) = server.docs.get(&uri) else {
                return json(Value::Null);
            };
            json(format::format(&file_name(&uri), doc))
        }
        RangeFormatting::METHOD => {
            let p: DocumentRangeFormattingParams = params(req)?;
            let uri = p.text_document.uri;
            let Some(doc) = server.docs.get(&uri) else {
                return json(Value::Null);
            };
            json(format::format_range(&file_name(&uri), doc, p.range))
        }
        SignatureHelpRequest::METHOD => {
            let p: SignatureHelpParams = params(req)?;
            let uri = p.text_document_position_params.text_document.uri;
            let Some(doc) = server.docs.get(&uri) else {
                return json(Value::Null);
            };
            let text = doc.text.clone();
            let offset = doc
                .lines
                .offset(&text, p.text_document_position_params.position);
            let module = server.docs.module_of(&uri).map(|(m, _)| m);
            json(signature::signature_help(module.as_deref(), &text, offset))
        }
        InlayHintRequest::METHOD => {
            let p: InlayHintParams = params(req)?;
            let Some((module, Some(file))) = server.docs.module_of(&p.text_document.uri) else {
                return json(Value::Null);
            };
            let (Some(f), Some(lines)) = (module.files.get(file), module.lines.get(file)) else {
                return json(Value::Null);
            };
            let text = f.source.text();
            let (from, to) = (
                lines.offset(text, p.range.start),
                lines.offset(text, p.range.end),
            );
            json(inlay::inlay_hints(
                &module,
                &server.providers,
                file,
                from,
                to,
            ))
        }
        CodeActionRequest::METHOD => {
            let p: CodeActionParams = params(req)?;
            let uri = p.text_document.uri;
            let Some(doc) = server.docs.get(&uri) else {
                return json(Value::Null);
            };
            json(actions::code_actions(
                &uri,
                &doc.text,
                &doc.lines,
                &server.providers,
                &p.context.diagnostics,
            ))
        }
        DocumentSymbolRequest::METHOD => {
            let p: DocumentSymbolParams = params(req)?;
            let symbols = on_tree(server, &p.text_document.uri, symbols::document_symbols);
            json(symbols.map(DocumentSymbolResponse::Nested))
        }
        FoldingRangeRequest::METHOD => {
            let p: FoldingRangeParams = params(req)?;
            json(on_tree(
                server,
                &p.text_document.uri,
                folding::folding_ranges,
            ))
        }
        SemanticTokensFullRequest::METHOD => {
            let p: SemanticTokensParams = params(req)?;
            json(semantic_tokens(server, &p.text_document.uri, None))
        }
        SemanticTokensRangeRequest::METHOD => {
            let p: SemanticTokensRangeParams = params(req)?;
            json(semantic_tokens(server, &p.text_document.uri, Some(p.range)))
        }
        WorkspaceSymbolRequest::METHOD => {
            let p: WorkspaceSymbolParams = params(req)?;
            let mut dirs: BTreeSet<PathBuf> = server.roots.iter().cloned().collect();
            dirs.extend(
                server
                    .docs
                    .iter()
                    .filter_map(|(u, _)| Documents::module_dir(u)),
            );
            let mut out = Vec::new();
            for dir in dirs {
                let module = server.docs.module(&dir);
                out.extend(symbols::workspace_symbols(&module, &p.query));
            }
            json(out)
        }
        Completion::METHOD => {
            let p: CompletionParams = params(req)?;
            let uri = p.text_document_position.text_document.uri;
            let Some(doc) = server.docs.get(&uri) else {
                return json(Value::Null);
            };
            let text = doc.text.clone();
            let offset = doc.lines.offset(&text, p.text_document_position.position);
            let module = server.docs.module_of(&uri).map(|(m, _)| m);
            let stale = uri
                .to_file_path()
                .ok()
                .and_then(|p| server.docs.last_good(&p));
            let last_good = stale
                .as_ref()
                .and_then(|(m, i)| m.files.get(*i))
                .map(|f| &f.ast);
            json(completion::complete(
                module.as_deref(),
                last_good,
                &server.providers,
                &file_name(&uri),
                &text,
                offset,
            ))
        }
        HoverRequest::METHOD => {
            let p: HoverParams = params(req)?;
            let Some((module, file, offset)) = locate(server, p.text_document_position_params)
            else {
                return json(Value::Null);
            };
            let contents =
                cross_module::hover(&mut server.docs, &server.providers, &module, file, offset)
                    .or_else(|| hover::hover(&module, &server.providers, file, offset));
            json(contents.map(|value| Hover {
                contents: HoverContents::Markup(MarkupContent {
                    kind: MarkupKind::Markdown,
                    value,
                }),
                range: None,
            }))
        }
        GotoDefinition::METHOD => {
            let p: GotoDefinitionParams = params(req)?;
            let Some((module, file, offset)) = locate(server, p.text_document_position_params)
            else {
                return json(Value::Null);
            };
            json(definition::definition(&module, file, offset))
        }
        References::METHOD => {
            let p: ReferenceParams = params(req)?;
            let include = p.context.include_declaration;
            let Some((module, file, offset)) = locate(server, p.text_document_position) else {
                return json(Value::Null);
            };
            if let Some((target, _)) = cross_module::target_at(&module, file, offset) {
                let roots = server.roots.clone();
                return json(cross_module::references(
                    &mut server.docs,
                    &roots,
                    &target,
                    include,
                ));
            }
            json(definition::references(&module, file, offset, include))
        }
        PrepareRenameRequest::METHOD => {
            let p: TextDocumentPositionParams = params(req)?;
            let Some((module, file, offset)) = locate(server, p) else {
                return json(Value::Null);
            };
            if let Some((_, range)) = cross_module::target_at(&module, file, offset) {
                return json(range);
            }
            json(rename::prepare(&module, file, offset))
        }
        Rename::METHOD => {
            let p: RenameParams = params(req)?;
            let Some((module, file, offset)) = locate(server, p.text_document_position) else {
                return Err((
                    ErrorCode::RequestFailed,
                    "the file does not parse: fix its syntax first".into(),
                ));
            };
            if let Some((target, _)) = cross_module::target_at(&module, file, offset) {
                rename::check_name(&p.new_name).map_err(|m| (ErrorCode::RequestFailed, m))?;
                let roots = server.roots.clone();
                let changes =
                    cross_module::rename_edits(&mut server.docs, &roots, &target, &p.new_name);
                return json(lsp_types::WorkspaceEdit::new(changes));
            }
            let edit = rename::rename(&module, file, offset, &p.new_name)
                .map_err(|m| (ErrorCode::RequestFailed, m))?;
            json(edit)
        }
        "infra/testPanic" if std::env::var("INFRA_LSP_TEST_PANIC").is_ok_and(|v| v == "1") => {
            panic!("a panic asked for by the test suite")
        }
        other => Err((
            ErrorCode::MethodNotFound,
            format!("infra lsp does not answer {other}"),
        )),
    }
}

/// The semantic tokens of open document `uri` (on `range`'s lines): from
/// the syntax tree, or from the lexer alone when the text does not parse.
fn semantic_tokens(
    server: &Server<'_>,
    uri: &Url,
    range: Option<lsp_types::Range>,
) -> Option<SemanticTokensResult> {
    let doc = server.docs.get(uri)?;
    let parsed = syntax::parse(&SourceFile::new(file_name(uri), doc.text.as_str()));
    let data = semantic::tokens(parsed.file.as_ref(), &doc.text, &doc.lines, range);
    Some(SemanticTokensResult::Tokens(SemanticTokens {
        result_id: None,
        data,
    }))
}

/// `feature` on the syntax tree of open document `uri`: `None` when it
/// is not open, empty when it does not parse.
fn on_tree<T: Default>(
    server: &Server<'_>,
    uri: &Url,
    feature: fn(&infra_lang::ast::File, &str, &crate::position::Lines) -> T,
) -> Option<T> {
    let doc = server.docs.get(uri)?;
    let parsed = syntax::parse(&SourceFile::new(file_name(uri), doc.text.as_str()));
    Some(
        parsed
            .file
            .map(|f| feature(&f, &doc.text, &doc.lines))
            .unwrap_or_default(),
    )
}

/// The module, file index and byte offset of a position in a `.infra`
/// file that parses.
fn locate(
    server: &mut Server<'_>,
    p: TextDocumentPositionParams,
) -> Option<(Arc<Module>, usize, usize)> {
    let (module, file) = server.docs.module_of(&p.text_document.uri)?;
    let file = file?;
    let text = module.files.get(file)?.source.text();
    let offset = module.lines.get(file)?.offset(text, p.position);
    Some((module, file, offset))
}

/// The last segment of a URI's path, used to name the file in diagnostics.
pub fn file_name(uri: &Url) -> String {
    match uri.to_file_path() {
        Ok(p) => p
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
        Err(()) => uri
            .path_segments()
            .and_then(|mut s| s.next_back())
            .unwrap_or("")
            .to_string(),
    }
}
