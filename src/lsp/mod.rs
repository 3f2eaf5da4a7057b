//! `isolint lsp`: a language server over stdio (`lsp-server`, the
//! transport rust-analyzer uses). When a platform file is opened or saved,
//! the whole environment it belongs to is checked with the editor's open
//! buffers in place of the files, and diagnostics are published for every
//! file of it, with related locations, a link to the rule's document, and
//! a quick fix that adds a suppression ([`fix`]). Edits are checked as the user
//! types: a check waits until the document has been quiet for
//! [`QUIET`], so a burst of keystrokes is checked once, with the newest
//! text. Checks run on the message loop (a tree is checked in
//! milliseconds); a result that an edit made while it ran has outdated is
//! never published, a newer check follows.

mod fix;

use crate::check::{Given, Request};
use crate::diag::{Diagnostic, Severity};
use crate::syntax::source::{SourceMap, Span};
use lsp_server::{Connection, Message, Notification, Response};
use lsp_types as lsp;
use lsp_types::notification::Notification as _;
use std::collections::VecDeque;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::{Duration, Instant};

/// How long a document must be quiet after an edit before it is checked.
pub const QUIET: Duration = Duration::from_millis(150);

/// Serves over standard input and output until the client says `exit`.
pub fn serve() -> Result<(), String> {
    let (connection, io) = Connection::stdio();
    serve_on(&connection)?;
    drop(connection);
    io.join().map_err(|e| format!("stdio: {e}"))
}

/// Serves on `connection` until the client says `exit` (the latency
/// benchmark talks to it in memory).
pub fn serve_on(connection: &Connection) -> Result<(), String> {
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
    let params = connection
        .initialize(capabilities)
        .map_err(|e| format!("initialize: {e}"))?;
    let (options, bad_options) = match Options::from(&params) {
        Ok(options) => (options, None),
        Err(e) => (Options::default(), Some(crate::check::Fatal(e))),
    };
    let snippets = params
        .pointer("/capabilities/workspace/workspaceEdit/snippetEditSupport")
        .and_then(serde_json::Value::as_bool)
        .unwrap_or(false);
    let mut server = Server {
        connection,
        documents: BTreeMap::new(),
        published: BTreeMap::new(),
        due: BTreeMap::new(),
        backlog: VecDeque::new(),
        options,
        snippets,
    };
    if let Some(fatal) = bad_options {
        server.fail(&fatal);
    }
    server.run()
}

struct Server<'a> {
    connection: &'a Connection,
    /// Open documents by canonical path: the URI the client opened them
    /// with (diagnostics go back under it) and their text.
    documents: BTreeMap<PathBuf, (lsp::Uri, String)>,
    /// Per checked tree, the files we published diagnostics for, to clear
    /// them when they are fixed.
    published: BTreeMap<PathBuf, BTreeSet<PathBuf>>,
    /// Edited documents waiting to be checked, and when.
    due: BTreeMap<PathBuf, Instant>,
    /// Messages that arrived while a check ran, handled before the next.
    backlog: VecDeque<Message>,
    /// The client's deploy-time values.
    options: Options,
    /// Whether the client takes snippets in workspace edits (LSP 3.18's
    /// `workspace.workspaceEdit.snippetEditSupport`).
    snippets: bool,
}

/// The client's `initializationOptions`: deploy-time values, as
/// `--env-file` and `--var` give them (`{"envFiles": [...], "vars":
/// {"KEY": "value"}}`); they win over `isolint.toml`'s `[check]`. A
/// relative env file is the workspace's (its root), not the server's.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Options {
    env_files: Vec<PathBuf>,
    vars: BTreeMap<String, String>,
}

impl Options {
    /// The options of `initialize`'s parameters; ones of the wrong shape
    /// are none (told to the client once, by the caller).
    fn from(params: &serde_json::Value) -> Result<Options, String> {
        let Some(value) = params.get("initializationOptions").filter(|v| !v.is_null()) else {
            return Ok(Options::default());
        };
        // (serde's message quotes the value, which may be a secret.)
        let mut options: Options = serde_json::from_value(value.clone()).map_err(|_| {
            r#"initializationOptions must be {"envFiles": ["path", ...], "vars": {"NAME": "value", ...}}; they are not used"#
                .to_string()
        })?;
        let root = params
            .pointer("/workspaceFolders/0/uri")
            .or_else(|| params.get("rootUri"))
            .and_then(serde_json::Value::as_str)
            .and_then(|u| url::Url::parse(u).ok()?.to_file_path().ok());
        if let Some(root) = root {
            for file in &mut options.env_files {
                if file.is_relative() {
                    *file = root.join(&*file);
                }
            }
        }
        Ok(options)
    }

    /// The values, read now (an env file edited meanwhile is seen).
    fn given(&self, sources: &SourceMap) -> Result<Given, crate::check::Fatal> {
        let vars: Vec<(String, String)> = self.vars.clone().into_iter().collect();
        let mut given = Given::default();
        given.add_values(
            sources,
            (&self.env_files, "initializationOptions.envFiles"),
            (&vars, "initializationOptions.vars."),
        )?;
        Ok(given)
    }
}

fn path_of(uri: &lsp::Uri) -> Option<PathBuf> {
    url::Url::parse(uri.as_str()).ok()?.to_file_path().ok()
}

fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
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

/// One finding for the client; `rules` are the run's, for the link to the
/// rule's document.
fn to_lsp(
    sources: &SourceMap,
    d: &Diagnostic,
    rules: &[crate::rules::RuleMeta],
) -> lsp::Diagnostic {
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
        code_description: rules
            .iter()
            .find(|r| r.code == d.code)
            .and_then(|r| r.doc_url())
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
        use crossbeam_channel::RecvTimeoutError;
        loop {
            let message = if let Some(m) = self.backlog.pop_front() {
                m
            } else if let Some((path, at)) = self.next_due() {
                let wait = at.saturating_duration_since(Instant::now());
                match self.connection.receiver.recv_timeout(wait) {
                    Ok(m) => m,
                    Err(RecvTimeoutError::Timeout) => {
                        self.due.remove(&path);
                        self.check(&path);
                        continue;
                    }
                    Err(RecvTimeoutError::Disconnected) => return Ok(()),
                }
            } else {
                match self.connection.receiver.recv() {
                    Ok(m) => m,
                    Err(_) => return Ok(()),
                }
            };
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
    }

    /// The edited document to check first, and when.
    fn next_due(&self) -> Option<(PathBuf, Instant)> {
        self.due
            .iter()
            .min_by_key(|(_, at)| **at)
            .map(|(p, at)| (p.clone(), *at))
    }

    /// Whether a document the check of `tree` read (or one in the tree,
    /// or a configuration) was edited while it ran: the messages waiting
    /// are kept for the loop, and a result they outdate is not published.
    /// An edit elsewhere does not hold this tree's result back.
    fn edited_meanwhile(&mut self, tree: &Path, read: &SourceMap) -> bool {
        use lsp::notification::{
            DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, DidSaveTextDocument,
        };
        while let Ok(m) = self.connection.receiver.try_recv() {
            self.backlog.push_back(m);
        }
        let tree = canonical(tree);
        let mut read_files: Option<BTreeSet<PathBuf>> = None;
        self.backlog.iter().any(|m| {
            let Message::Notification(n) = m else {
                return false;
            };
            if ![
                DidChangeTextDocument::METHOD,
                DidOpenTextDocument::METHOD,
                DidSaveTextDocument::METHOD,
                DidCloseTextDocument::METHOD,
            ]
            .contains(&n.method.as_str())
            {
                return false;
            }
            let Some(path) = n
                .params
                .pointer("/textDocument/uri")
                .and_then(serde_json::Value::as_str)
                .and_then(|u| u.parse::<lsp::Uri>().ok())
                .and_then(|u| path_of(&u))
            else {
                return true;
            };
            let path = canonical(&path);
            path.starts_with(&tree)
                || path
                    .file_name()
                    .is_some_and(|f| f == crate::config::FILE_NAME)
                || read_files
                    .get_or_insert_with(|| {
                        // The files as read, however their paths were written.
                        (0..read.len())
                            .filter_map(|i| u32::try_from(i).ok())
                            .map(|i| canonical(read.path(crate::syntax::source::FileId(i))))
                            .collect()
                    })
                    .contains(&path)
        })
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
                    self.open(&path, p.text_document.uri, p.text_document.text);
                    self.check(&path);
                }
            }
            DidChangeTextDocument::METHOD => {
                if let Ok(p) = serde_json::from_value::<lsp::DidChangeTextDocumentParams>(n.params)
                    && let Some(path) = path_of(&p.text_document.uri)
                    && let Some(change) = p.content_changes.into_iter().last()
                {
                    // The newest text wins; it is checked once the typing
                    // pauses.
                    self.open(&path, p.text_document.uri, change.text);
                    self.due.insert(canonical(&path), Instant::now() + QUIET);
                }
            }
            DidSaveTextDocument::METHOD => {
                if let Ok(p) = serde_json::from_value::<lsp::DidSaveTextDocumentParams>(n.params)
                    && let Some(path) = path_of(&p.text_document.uri)
                {
                    if let Some(text) = p.text {
                        self.open(&path, p.text_document.uri, text);
                    }
                    self.check(&path);
                }
            }
            DidCloseTextDocument::METHOD => {
                if let Ok(p) = serde_json::from_value::<lsp::DidCloseTextDocumentParams>(n.params)
                    && let Some(path) = path_of(&p.text_document.uri)
                {
                    // Unsaved text is gone: the file on disk counts again.
                    self.documents.remove(&canonical(&path));
                    self.check(&path);
                }
            }
            _ => {}
        }
    }

    fn open(&mut self, path: &Path, uri: lsp::Uri, text: String) {
        self.documents.insert(canonical(path), (uri, text));
    }

    /// Checks the environment of `path` and publishes every file's
    /// diagnostics in it (an empty list for files that no longer have
    /// any). A file outside every environment gets none; a configuration
    /// that does not load gets its error, on the configuration file.
    fn check(&mut self, path: &Path) {
        self.due.remove(&canonical(path));
        // The open documents' texts are what this run reads of them.
        let sources = crate::discover::sources_with_buffers(
            self.documents
                .iter()
                .map(|(p, (_, text))| (p.as_path(), text.as_str())),
        );
        // A configuration's own error is kept under the configuration file.
        if let Some(file) = crate::config::find(path) {
            let file = canonical(&file);
            if let Err(d) = crate::config::load(&sources, &file) {
                let mut now = BTreeMap::new();
                let rules = crate::rules::Registry::default().all().to_vec();
                now.insert(file.clone(), vec![to_lsp(&sources, &d, &rules)]);
                self.replace(&file, now);
                return;
            }
            self.replace(&file, BTreeMap::new());
        }
        let given = match self.options.given(&sources) {
            Ok(given) => given,
            Err(fatal) => return self.fail(&fatal),
        };
        let tree = match crate::check::tree_of(&sources, path, None) {
            Ok(Some(tree)) => tree,
            Ok(None) => {
                self.publish(&canonical(path), Vec::new());
                return;
            }
            Err(fatal) => return self.fail(&fatal),
        };
        let request = Request::every_rule(vec![tree.clone()], &given, None);
        let checked = match crate::check::findings(&sources, &request) {
            Ok(checked) => checked,
            Err(fatal) => return self.fail(&fatal),
        };
        let mut now: BTreeMap<PathBuf, Vec<lsp::Diagnostic>> = BTreeMap::new();
        now.entry(canonical(path)).or_default();
        for d in &checked.diagnostics {
            let file = canonical(sources.path(d.primary.span.file));
            now.entry(file)
                .or_default()
                .push(to_lsp(&sources, d, &checked.rules));
        }
        // Edited while it ran: the result is outdated. It is checked again
        // once the edits are in (a newer edit of it pushes that back).
        if self.edited_meanwhile(&tree, &sources) {
            self.due.insert(canonical(path), Instant::now());
            return;
        }
        self.replace(&tree, now);
    }

    /// Publishes a tree's diagnostics, clearing its files that have none
    /// now; other trees' diagnostics stay.
    fn replace(&mut self, tree: &Path, now: BTreeMap<PathBuf, Vec<lsp::Diagnostic>>) {
        let before = self.published.remove(tree).unwrap_or_default();
        for stale in before.iter().filter(|f| !now.contains_key(*f)) {
            self.publish(stale, Vec::new());
        }
        let mut files = BTreeSet::new();
        for (file, list) in now {
            if !list.is_empty() {
                files.insert(file.clone());
            }
            self.publish(&file, list);
        }
        self.published.insert(tree.to_path_buf(), files);
    }

    /// A run that could not happen (an unreadable path): the first line of
    /// why, as a message.
    fn fail(&self, fatal: &crate::check::Fatal) {
        let first = fatal.0.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        let params = lsp::ShowMessageParams {
            typ: lsp::MessageType::ERROR,
            message: format!("isolint: {}", first.trim()),
        };
        self.send(Message::Notification(Notification::new(
            lsp::notification::ShowMessage::METHOD.to_string(),
            params,
        )));
    }

    fn publish(&self, file: &Path, diagnostics: Vec<lsp::Diagnostic>) {
        // Under the URI the client knows the file by, when it is open.
        let uri = match self.documents.get(file) {
            Some((uri, _)) => Some(uri.clone()),
            None => uri_of(file),
        };
        let Some(uri) = uri else { return };
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

    fn code_actions(&self, params: &lsp::CodeActionParams) -> Vec<serde_json::Value> {
        let Some(path) = path_of(&params.text_document.uri) else {
            return Vec::new();
        };
        let text = self
            .documents
            .get(&canonical(&path))
            .map(|(_, t)| t.clone())
            .or_else(|| crate::discover::read_disk(&path).ok())
            .unwrap_or_default();
        fix::suppressions(params, &path, &text, self.snippets)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An edit that arrives while a tree is checked holds that tree's
    /// result back when it touches the tree, and only then; the message
    /// stays for the loop either way.
    #[test]
    fn only_an_edit_of_what_was_checked_outdates_it() {
        let (server_side, client_side) = Connection::memory();
        let mut server = Server {
            connection: &server_side,
            documents: BTreeMap::new(),
            published: BTreeMap::new(),
            due: BTreeMap::new(),
            backlog: VecDeque::new(),
            options: Options::default(),
            snippets: false,
        };
        let dir = std::env::temp_dir().join(format!("isolint-lsp-{}", std::process::id()));
        let (tree, other) = (dir.join("platform/prod"), dir.join("platform/dev"));
        let edit = |file: &Path| {
            let uri = url::Url::from_file_path(file)
                .map(String::from)
                .unwrap_or_default();
            Message::Notification(Notification::new(
                "textDocument/didChange".to_string(),
                serde_json::json!({
                    "textDocument": {"uri": uri, "version": 2},
                    "contentChanges": [{"text": "services: {}\n"}],
                }),
            ))
        };
        let read = SourceMap::new();
        let send = |m: Message| {
            client_side.sender.send(m).unwrap_or_else(|e| panic!("{e}"));
        };
        send(edit(&other.join("compose.yml")));
        assert!(!server.edited_meanwhile(&tree, &read));
        send(edit(&tree.join("compose.yml")));
        assert!(server.edited_meanwhile(&tree, &read));
        assert_eq!(server.backlog.len(), 2, "the edits are kept for the loop");
        server.backlog.clear();
        send(edit(&dir.join(crate::config::FILE_NAME)));
        assert!(server.edited_meanwhile(&tree, &read));
    }
}
