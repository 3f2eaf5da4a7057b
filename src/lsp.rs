//! `isolint lsp`: a language server over stdio (`lsp-server`, the
//! transport rust-analyzer uses). When a platform file is opened or saved,
//! the whole environment it belongs to is checked with the editor's open
//! buffers in place of the files, and diagnostics are published for every
//! file of it, with related locations, a link to the rule's document, and
//! a quick fix that adds a suppression.

use crate::check::{Given, Request};
use crate::diag::{Diagnostic, Severity};
use crate::syntax::source::{SourceMap, Span};
use lsp_server::{Connection, Message, Notification, Response};
use lsp_types as lsp;
use lsp_types::notification::Notification as _;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// Serves until the client says `exit`.
pub fn serve() -> Result<(), String> {
    let (connection, io) = Connection::stdio();
    let capabilities = lsp::ServerCapabilities {
        text_document_sync: Some(lsp::TextDocumentSyncCapability::Options(
            lsp::TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(lsp::TextDocumentSyncKind::FULL),
                save: Some(lsp::TextDocumentSyncSaveOptions::SaveOptions(
                    lsp::SaveOptions {
                        include_text: Some(true),
                    },
                )),
                ..Default::default()
            },
        )),
        code_action_provider: Some(lsp::CodeActionProviderCapability::Simple(true)),
        ..Default::default()
    };
    let capabilities = serde_json::to_value(capabilities).map_err(|e| e.to_string())?;
    connection
        .initialize(capabilities)
        .map_err(|e| format!("initialize: {e}"))?;
    let mut server = Server {
        connection: &connection,
        documents: BTreeMap::new(),
        published: BTreeSet::new(),
    };
    server.run()?;
    drop(connection);
    io.join().map_err(|e| format!("stdio: {e}"))
}

struct Server<'a> {
    connection: &'a Connection,
    /// Open documents: their path and text.
    documents: BTreeMap<PathBuf, String>,
    /// Files we published diagnostics for, to clear them when they are
    /// fixed.
    published: BTreeSet<PathBuf>,
}

fn path_of(uri: &lsp::Uri) -> Option<PathBuf> {
    url::Url::parse(uri.as_str()).ok()?.to_file_path().ok()
}

fn uri_of(path: &Path) -> Option<lsp::Uri> {
    let absolute = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let url = url::Url::from_file_path(absolute).ok()?;
    lsp::Uri::from_str(url.as_str()).ok()
}

/// An LSP position (0-based line, UTF-16 code units) of a byte offset.
fn position(sources: &SourceMap, span: Span, offset: u32) -> lsp::Position {
    let Some(file) = sources.get(span.file) else {
        return lsp::Position::new(0, 0);
    };
    let (line, _) = file.line_col(offset as usize);
    let (start, _) = file.line_range(line);
    let units = file
        .text
        .get(start..offset as usize)
        .map_or(0, |s| s.encode_utf16().count());
    lsp::Position::new(
        u32::try_from(line.saturating_sub(1)).unwrap_or(u32::MAX),
        u32::try_from(units).unwrap_or(u32::MAX),
    )
}

fn range(sources: &SourceMap, span: Span) -> lsp::Range {
    lsp::Range::new(
        position(sources, span, span.start),
        position(sources, span, span.end),
    )
}

fn to_lsp(sources: &SourceMap, d: &Diagnostic) -> lsp::Diagnostic {
    let related = d
        .related
        .iter()
        .filter_map(|r| {
            Some(lsp::DiagnosticRelatedInformation {
                location: lsp::Location::new(
                    uri_of(sources.path(r.span.file))?,
                    range(sources, r.span),
                ),
                message: r.message.clone(),
            })
        })
        .collect();
    let mut message = d.message.clone();
    if let Some(help) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    lsp::Diagnostic {
        range: range(sources, d.primary.span),
        severity: Some(match d.severity {
            Severity::Error => lsp::DiagnosticSeverity::ERROR,
            Severity::Warning => lsp::DiagnosticSeverity::WARNING,
            Severity::Info => lsp::DiagnosticSeverity::INFORMATION,
        }),
        code: Some(lsp::NumberOrString::String(d.code.to_string())),
        code_description: crate::rules::doc_url(d.code)
            .and_then(|u| lsp::Uri::from_str(&u).ok())
            .map(|href| lsp::CodeDescription { href }),
        source: Some("isolint".to_string()),
        message,
        related_information: Some(related),
        tags: None,
        data: None,
    }
}

impl Server<'_> {
    fn run(&mut self) -> Result<(), String> {
        for message in &self.connection.receiver {
            match message {
                Message::Request(request) => {
                    if self
                        .connection
                        .handle_shutdown(&request)
                        .map_err(|e| e.to_string())?
                    {
                        return Ok(());
                    }
                    self.request(request);
                }
                Message::Notification(n) => self.notification(n),
                Message::Response(_) => {}
            }
        }
        Ok(())
    }

    fn send(&self, message: Message) {
        let _ = self.connection.sender.send(message);
    }

    fn notification(&mut self, n: Notification) {
        use lsp::notification::{
            DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, DidSaveTextDocument,
        };
        match n.method.as_str() {
            DidOpenTextDocument::METHOD => {
                if let Ok(p) = serde_json::from_value::<lsp::DidOpenTextDocumentParams>(n.params)
                    && let Some(path) = path_of(&p.text_document.uri)
                {
                    self.open(&path, p.text_document.text);
                    self.check(&path);
                }
            }
            DidChangeTextDocument::METHOD => {
                if let Ok(p) = serde_json::from_value::<lsp::DidChangeTextDocumentParams>(n.params)
                    && let Some(path) = path_of(&p.text_document.uri)
                    && let Some(change) = p.content_changes.into_iter().last()
                {
                    self.open(&path, change.text);
                }
            }
            DidSaveTextDocument::METHOD => {
                if let Ok(p) = serde_json::from_value::<lsp::DidSaveTextDocumentParams>(n.params)
                    && let Some(path) = path_of(&p.text_document.uri)
                {
                    if let Some(text) = p.text {
                        self.open(&path, text);
                    }
                    self.check(&path);
                }
            }
            DidCloseTextDocument::METHOD => {
                if let Ok(p) = serde_json::from_value::<lsp::DidCloseTextDocumentParams>(n.params)
                    && let Some(path) = path_of(&p.text_document.uri)
                {
                    crate::discover::clear_buffer(&path);
                    self.documents.remove(&path);
                }
            }
            _ => {}
        }
    }

    fn open(&mut self, path: &Path, text: String) {
        crate::discover::set_buffer(path, text.clone());
        self.documents.insert(path.to_path_buf(), text);
    }

    /// Checks the environment of `path` and publishes every file's
    /// diagnostics (an empty list for files that no longer have any).
    fn check(&mut self, path: &Path) {
        let sources = SourceMap::new();
        let given = Given::default();
        let result = crate::check::tree_of(&sources, path, None).and_then(|tree| {
            crate::check::findings(
                &sources,
                &Request {
                    paths: vec![tree],
                    given: &given,
                    config: None,
                    select: &[],
                    ignore: &[],
                },
            )
        });
        let diagnostics = match result {
            Ok(d) => d,
            Err(crate::check::Fatal(message)) => {
                let params = lsp::ShowMessageParams {
                    typ: lsp::MessageType::ERROR,
                    message: format!("isolint: {message}"),
                };
                self.send(Message::Notification(Notification::new(
                    lsp::notification::ShowMessage::METHOD.to_string(),
                    params,
                )));
                return;
            }
        };
        let mut by_file: BTreeMap<PathBuf, Vec<lsp::Diagnostic>> = BTreeMap::new();
        for d in &diagnostics {
            let file = sources.path(d.primary.span.file);
            let file = file.canonicalize().unwrap_or_else(|_| file.to_path_buf());
            by_file.entry(file).or_default().push(to_lsp(&sources, d));
        }
        let this = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        let stale: Vec<PathBuf> = self
            .published
            .iter()
            .filter(|p| !by_file.contains_key(*p))
            .cloned()
            .collect();
        for file in stale {
            self.publish(&file, Vec::new());
            self.published.remove(&file);
        }
        if !by_file.contains_key(&this) {
            self.publish(&this, Vec::new());
        }
        for (file, list) in by_file {
            self.publish(&file, list);
            self.published.insert(file);
        }
    }

    fn publish(&self, file: &Path, diagnostics: Vec<lsp::Diagnostic>) {
        let Some(uri) = uri_of(file) else { return };
        let params = lsp::PublishDiagnosticsParams {
            uri,
            diagnostics,
            version: None,
        };
        self.send(Message::Notification(Notification::new(
            lsp::notification::PublishDiagnostics::METHOD.to_string(),
            params,
        )));
    }

    fn request(&mut self, request: lsp_server::Request) {
        use lsp::request::{CodeActionRequest, Request as _};
        if request.method != CodeActionRequest::METHOD {
            self.send(Message::Response(Response::new_err(
                request.id,
                lsp_server::ErrorCode::MethodNotFound as i32,
                format!("{} is not supported", request.method),
            )));
            return;
        }
        let actions = serde_json::from_value::<lsp::CodeActionParams>(request.params)
            .ok()
            .map(|p| self.code_actions(&p))
            .unwrap_or_default();
        self.send(Message::Response(Response::new_ok(request.id, actions)));
    }

    /// A quick fix per isolint diagnostic: a suppression comment, with a
    /// reason to fill in, at the end of its line (in files with `#`
    /// comments).
    fn code_actions(&self, params: &lsp::CodeActionParams) -> Vec<lsp::CodeActionOrCommand> {
        let uri = &params.text_document.uri;
        let Some(path) = path_of(uri) else {
            return Vec::new();
        };
        if !crate::rules::suppress::has_hash_comments(&path) {
            return Vec::new();
        }
        let text = self
            .documents
            .get(&path)
            .cloned()
            .or_else(|| crate::discover::read_text(&path).ok())
            .unwrap_or_default();
        params
            .context
            .diagnostics
            .iter()
            .filter(|d| d.source.as_deref() == Some("isolint"))
            .filter_map(|d| {
                let Some(lsp::NumberOrString::String(code)) = &d.code else {
                    return None;
                };
                let line = d.range.start.line;
                let line_text = text.lines().nth(line as usize)?;
                let end = u32::try_from(line_text.encode_utf16().count()).ok()?;
                let at = lsp::Position::new(line, end);
                let edit = lsp::TextEdit::new(
                    lsp::Range::new(at, at),
                    format!("  # isolint: ignore[{code}] reason"),
                );
                // lsp-types keys edits by `Uri`, whose lazily filled cache
                // never changes its hash.
                #[allow(clippy::mutable_key_type)]
                let changes = std::collections::HashMap::from([(uri.clone(), vec![edit])]);
                Some(lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
                    title: format!("Suppress {code} on this line (give the reason)"),
                    kind: Some(lsp::CodeActionKind::QUICKFIX),
                    diagnostics: Some(vec![d.clone()]),
                    edit: Some(lsp::WorkspaceEdit {
                        changes: Some(changes),
                        ..Default::default()
                    }),
                    ..Default::default()
                }))
            })
            .collect()
    }
}
