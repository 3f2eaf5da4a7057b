//! OAuth2 client registrations in seed scripts.
//!
//! The script is parsed with brush-parser (a POSIX/bash parser); a small
//! data-flow pass then runs over it without executing anything: it tracks
//! variable assignments (`X="${X:-http://iam-hydra:4445}"`, payloads held
//! in variables), function definitions and calls (positional parameters
//! carry the Hydra URL and the client id), and reads every registration:
//! `curl ... POST .../admin/clients -d '{"client_id": ...}'`,
//! `curl -X PUT .../admin/clients/<id>`, and `hydra create client|
//! oauth2-client --endpoint URL --id ID`. Values stay symbolic when they
//! come from variables that are not known.

use crate::diag::Diagnostic;
use crate::load::compose::Vars;
use crate::syntax::source::{CharOffsets, FileId, Span};
use crate::syntax::value::{Op, Piece, Value, Var};
use brush_parser::ast::{
    self, Command, CommandPrefixOrSuffixItem, CompoundCommand, CompoundList, SimpleCommand,
};
use brush_parser::word::{Parameter, ParameterExpr, ParameterTestType, WordPiece};
use std::collections::HashMap;
use std::sync::Arc;

/// Calls into shell functions nested deeper than this are not followed.
const MAX_CALL_DEPTH: usize = 16;
/// Function calls followed in one script, in all (`f(){ f;f;f;f; }`).
/// Real seed scripts make dozens; each call re-reads the body's words.
const MAX_CALLS: usize = 1_000;
/// Scripts nesting `(`, `{` or `$(` deeper than this are refused before the
/// shell parser, whose recursion follows the nesting.
const MAX_NESTING: usize = 200;

/// One OAuth2 client registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    /// The Hydra admin URL the request goes to (without `/admin/...`).
    pub admin_url: Value,
    /// The client id, when the request names one.
    pub client_id: Option<Value>,
    /// `POST`, `PUT` or `cli`.
    pub method: String,
    /// The command (`curl`, `hydra`) that registers.
    pub span: Span,
    /// Calls of wrapper functions that led here, outermost first.
    pub via: Vec<Span>,
    /// The service or container the command runs in (`docker compose exec
    /// iam-hydra hydra create ...`): a `localhost` endpoint is that one.
    pub inside: Option<String>,
}

/// Parses a script and extracts its registrations. `vars` are the values
/// the script sees at start (the environment of the service that runs it).
pub fn registrations(
    file: FileId,
    text: &str,
    vars: &Vars,
) -> Result<Vec<Registration>, Diagnostic> {
    let offsets = CharOffsets::new(text);
    let program = parse(file, text, &offsets)?;
    let mut flow = Flow {
        file,
        offsets: &offsets,
        scopes: vec![Scope::default()],
        globals: vars.clone(),
        functions: HashMap::new(),
        found: Vec::new(),
        via: Vec::new(),
        calls: 0,
        inside: None,
    };
    for list in &program.complete_commands {
        flow.list(list);
    }
    Ok(flow.found)
}

/// The deepest nesting of `(` and `{` (a rough, quote-blind count: it
/// only bounds the parser's recursion).
fn nesting(text: &str) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    for b in text.bytes() {
        match b {
            b'(' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b')' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

fn parse(file: FileId, text: &str, offsets: &CharOffsets) -> Result<ast::Program, Diagnostic> {
    if nesting(text) > MAX_NESTING {
        return Err(Diagnostic::parse_error(
            Span::new(file, 0, 0),
            format!(
                "this shell script nests brackets more than {MAX_NESTING} deep; isolint does not read it"
            ),
        ));
    }
    let options = brush_parser::ParserOptions::default();
    // The parser is third-party code on untrusted input: a panic inside it
    // becomes a diagnostic, never a crash.
    let result = std::panic::catch_unwind(|| {
        brush_parser::Parser::new(std::io::Cursor::new(text), &options).parse_program()
    });
    let err_at = |pos: Option<&brush_parser::SourcePosition>| {
        let at = pos.map_or(text.trim_end().len(), |p| offsets.byte(p.index));
        Span::new(file, at, at)
    };
    match result {
        Ok(Ok(program)) => Ok(program),
        Ok(Err(e)) => {
            let pos = match &e {
                brush_parser::ParseError::ParsingNear(p) => Some(p),
                brush_parser::ParseError::Tokenizing { position, .. } => position.as_ref(),
                brush_parser::ParseError::ParsingAtEndOfInput => None,
            };
            Err(Diagnostic::parse_error(
                err_at(pos),
                format!("this shell script does not parse: {e}"),
            )
            .with_label("here"))
        }
        Err(_) => Err(Diagnostic::parse_error(
            err_at(None),
            "this shell script could not be parsed (the shell parser failed on it)",
        )),
    }
}

/// Variables of one function call (positional parameters, `local`s).
#[derive(Default, Clone)]
struct Scope {
    positional: Vec<Value>,
    locals: Vars,
}

struct Flow<'a> {
    file: FileId,
    offsets: &'a CharOffsets,
    scopes: Vec<Scope>,
    globals: Vars,
    functions: HashMap<String, ast::FunctionBody>,
    found: Vec<Registration>,
    via: Vec<Span>,
    calls: usize,
    /// The container of the `docker exec` being followed, if any.
    inside: Option<String>,
}

impl Flow<'_> {
    fn span(&self, loc: Option<&brush_parser::SourceSpan>) -> Span {
        match loc {
            Some(l) => Span::new(
                self.file,
                self.offsets.byte(l.start.index),
                self.offsets.byte(l.end.index),
            ),
            None => Span::new(self.file, 0, 0),
        }
    }

    fn lookup(&self, name: &str) -> Option<Arc<Value>> {
        self.scopes
            .iter()
            .rev()
            .find_map(|s| s.locals.get(name).cloned())
            .or_else(|| self.globals.get(name).cloned())
    }

    fn list(&mut self, list: &CompoundList) {
        for item in &list.0 {
            for (_, pipeline) in item.0.iter() {
                for command in &pipeline.seq {
                    self.command(command);
                }
            }
        }
    }

    fn command(&mut self, command: &Command) {
        match command {
            Command::Simple(s) => self.simple(s),
            Command::Compound(c, _) => self.compound(c),
            Command::Function(f) => {
                self.functions.insert(f.fname.value.clone(), f.body.clone());
            }
            Command::ExtendedTest(..) => {}
        }
    }

    fn compound(&mut self, c: &CompoundCommand) {
        match c {
            CompoundCommand::BraceGroup(b) => self.list(&b.list),
            CompoundCommand::Subshell(s) => self.list(&s.list),
            CompoundCommand::ForClause(f) => self.list(&f.body.list),
            CompoundCommand::ArithmeticForClause(f) => self.list(&f.body.list),
            CompoundCommand::WhileClause(w) | CompoundCommand::UntilClause(w) => {
                self.list(&w.0);
                self.list(&w.1.list);
            }
            CompoundCommand::IfClause(i) => {
                self.list(&i.condition);
                self.list(&i.then);
                for e in i.elses.iter().flatten() {
                    if let Some(c) = &e.condition {
                        self.list(c);
                    }
                    self.list(&e.body);
                }
            }
            CompoundCommand::CaseClause(c) => {
                for item in &c.cases {
                    if let Some(cmd) = &item.cmd {
                        self.list(cmd);
                    }
                }
            }
            CompoundCommand::Arithmetic(_) | CompoundCommand::Coprocess(_) => {}
        }
    }

    fn assign(&mut self, a: &ast::Assignment, local: bool, whole: &ast::Word) {
        let ast::AssignmentName::VariableName(name) = &a.name else {
            return;
        };
        let ast::AssignmentValue::Scalar(word) = &a.value else {
            return;
        };
        // The value's own location when the parser gives one; else the
        // whole `NAME=value` word's, past `NAME=`.
        let span = match (&word.loc, &whole.loc) {
            (Some(l), _) => self.span(Some(l)),
            (None, Some(_)) => {
                let w = self.span(whole.loc.as_ref());
                let skip = whole
                    .value
                    .strip_prefix(name.as_str())
                    .and_then(|r| r.strip_prefix('='))
                    .map_or(0, |_| name.len() + 1);
                Span::new(w.file, w.start as usize + skip, w.end as usize)
            }
            (None, None) => self.span(None),
        };
        let value = Arc::new(self.text_value(&word.value, span));
        match self.scopes.last_mut() {
            Some(scope) if local => {
                scope.locals.insert(name.clone(), value);
            }
            _ => {
                self.globals.insert(name.clone(), value);
            }
        }
    }

    fn simple(&mut self, s: &SimpleCommand) {
        for item in s.prefix.iter().flat_map(|p| &p.0) {
            if let CommandPrefixOrSuffixItem::AssignmentWord(a, w) = item {
                self.assign(a, false, w);
            }
        }
        let Some(name_word) = &s.word_or_name else {
            return;
        };
        let name = name_word.value.as_str();
        let suffix: Vec<&CommandPrefixOrSuffixItem> = s.suffix.iter().flat_map(|x| &x.0).collect();
        if matches!(
            name,
            "export" | "readonly" | "local" | "declare" | "typeset"
        ) {
            for item in &suffix {
                if let CommandPrefixOrSuffixItem::AssignmentWord(a, w) = item {
                    self.assign(a, name == "local", w);
                }
            }
            return;
        }
        let args: Vec<(Value, Span)> = suffix
            .iter()
            .filter_map(|item| match item {
                CommandPrefixOrSuffixItem::Word(w) => {
                    Some((self.word(w), self.span(w.loc.as_ref())))
                }
                CommandPrefixOrSuffixItem::AssignmentWord(_, w) => {
                    Some((self.word(w), self.span(w.loc.as_ref())))
                }
                _ => None,
            })
            .collect();
        let at = self.span(name_word.loc.as_ref());
        let program = name.rsplit('/').next().unwrap_or(name);
        // `docker compose exec hydra hydra create ...`, `sudo curl ...`:
        // the program may come later in the words.
        let later = |word: &str| {
            args.iter()
                .position(|(v, _)| literal_prefix(v).rsplit('/').next() == Some(word))
        };
        match program {
            "curl" => self.curl(&args, at),
            "hydra" => self.hydra_cli(&args, at),
            "docker" | "podman" | "sudo" | "exec" | "env" | "kubectl" => {
                self.inside = exec_target(&args);
                if let Some(i) = later("curl") {
                    self.curl(args.get(i + 1..).unwrap_or(&[]), at);
                } else if let Some(i) = later("hydra").filter(|i| {
                    args.get(i + 1)
                        .is_some_and(|(v, _)| literal_prefix(v) == "create")
                }) {
                    self.hydra_cli(args.get(i + 1..).unwrap_or(&[]), at);
                }
                self.inside = None;
            }
            _ => {
                if let Some(body) = self.functions.get(name).cloned()
                    && self.scopes.len() < MAX_CALL_DEPTH
                    && self.calls < MAX_CALLS
                {
                    self.calls += 1;
                    self.scopes.push(Scope {
                        positional: args.into_iter().map(|(v, _)| v).collect(),
                        locals: Vars::new(),
                    });
                    self.via.push(at);
                    self.compound(&body.0);
                    self.via.pop();
                    self.scopes.pop();
                }
            }
        }
    }

    fn record(&mut self, admin_url: Value, client_id: Option<Value>, method: &str, at: Span) {
        let inside = self.inside.clone();
        self.found.push(Registration {
            inside,
            admin_url,
            client_id,
            method: method.to_string(),
            span: at,
            via: self.via.clone(),
        });
    }

    /// `curl [-X METHOD] URL [-d|--data|--data-raw|--json PAYLOAD] ...`
    fn curl(&mut self, args: &[(Value, Span)], at: Span) {
        let mut method: Option<String> = None;
        let mut payload: Option<Value> = None;
        let mut urls: Vec<Value> = Vec::new();
        let mut i = 0;
        while let Some((arg, _)) = args.get(i) {
            let text = literal_prefix(arg);
            let next = args.get(i + 1).map(|(v, _)| v.clone());
            match text.as_str() {
                "-X" | "--request" => {
                    method = next.as_ref().and_then(Value::text);
                    i += 2;
                    continue;
                }
                "-d" | "--data" | "--data-raw" | "--data-binary" | "--json" => {
                    payload = next;
                    i += 2;
                    continue;
                }
                "-H" | "--header" | "-u" | "--user" | "-o" | "--output" | "-w" | "--write-out"
                | "--cacert" | "--cert" | "--key" => {
                    i += 2;
                    continue;
                }
                t if t.starts_with('-') && arg.is_literal() => {
                    i += 1;
                    continue;
                }
                _ => urls.push(arg.clone()),
            }
            i += 1;
        }
        for url in urls {
            let Some((base, rest)) = split_at_literal(&url, "/admin/clients") else {
                continue;
            };
            let method = method.clone().unwrap_or_else(|| {
                if payload.is_some() {
                    "POST".into()
                } else {
                    "GET".into()
                }
            });
            let method = method.to_ascii_uppercase();
            match method.as_str() {
                "POST" => {
                    let id = payload.as_ref().and_then(json_client_id);
                    self.record(base, id, "POST", at);
                }
                "PUT" => {
                    let id = trim_leading_slash(rest)
                        .or_else(|| payload.as_ref().and_then(json_client_id));
                    self.record(base, id, "PUT", at);
                }
                _ => {}
            }
        }
    }

    /// `hydra create client|oauth2-client --endpoint URL --id ID` (also
    /// `--endpoint=URL`, `-e URL`).
    fn hydra_cli(&mut self, args: &[(Value, Span)], at: Span) {
        let words: Vec<String> = args.iter().map(|(v, _)| literal_prefix(v)).collect();
        let creates = words.iter().position(|w| w == "create").is_some_and(|i| {
            matches!(
                words.get(i + 1).map(String::as_str),
                Some("client" | "oauth2-client" | "clients")
            )
        });
        if !creates {
            return;
        }
        let flag = |names: &[&str]| -> Option<Value> {
            args.iter().enumerate().find_map(|(i, (v, _))| {
                let text = literal_prefix(v);
                for n in names {
                    if text == *n {
                        return args.get(i + 1).map(|(v, _)| v.clone());
                    }
                    if let Some(rest) = strip_literal_prefix(v, &format!("{n}=")) {
                        return Some(rest);
                    }
                }
                None
            })
        };
        let Some(endpoint) = flag(&["--endpoint", "-e"]) else {
            return;
        };
        let id = flag(&["--id"]);
        self.record(endpoint, id, "cli", at);
    }

    /// A shell word as a value: quotes removed, escapes applied, every
    /// parameter expansion a variable piece bound to what is known.
    fn word(&self, word: &ast::Word) -> Value {
        self.text_value(&word.value, self.span(word.loc.as_ref()))
    }

    /// Raw shell word text (also a `${X:-default}`'s default) as a value.
    fn text_value(&self, raw: &str, span: Span) -> Value {
        let options = brush_parser::ParserOptions::default();
        let mut out = Vec::new();
        match brush_parser::word::parse(raw, &options) {
            Ok(pieces) => {
                for p in pieces {
                    self.piece(&p.piece, span, &mut out);
                }
            }
            Err(_) => out.push(Piece::Lit {
                text: raw.to_string(),
                span,
            }),
        }
        Value { pieces: merge(out) }
    }

    fn piece(&self, piece: &WordPiece, span: Span, out: &mut Vec<Piece>) {
        match piece {
            WordPiece::Text(t) => out.push(Piece::Lit {
                text: unescape_unquoted(t),
                span,
            }),
            WordPiece::SingleQuotedText(t) | WordPiece::AnsiCQuotedText(t) => {
                out.push(Piece::Lit {
                    text: t.clone(),
                    span,
                });
            }
            WordPiece::EscapeSequence(t) => {
                out.push(Piece::Lit {
                    text: t.strip_prefix('\\').unwrap_or(t).to_string(),
                    span,
                });
            }
            WordPiece::DoubleQuotedSequence(inner)
            | WordPiece::GettextDoubleQuotedSequence(inner) => {
                for p in inner {
                    self.piece(&p.piece, span, out);
                }
            }
            WordPiece::TildeExpansion(_) => out.push(Piece::Lit {
                text: "~".into(),
                span,
            }),
            WordPiece::ParameterExpansion(expr) => out.push(Piece::Var(self.expansion(expr, span))),
            // The command itself is not shown: it may hold a secret.
            WordPiece::CommandSubstitution(_) | WordPiece::BackquotedCommandSubstitution(_) => {
                out.push(Piece::Var(Var {
                    name: "$(...)".into(),
                    span,
                    op: None,
                    bound: None,
                }));
            }
            WordPiece::ArithmeticExpression(_) => {
                out.push(Piece::Var(Var {
                    name: "$((...))".into(),
                    span,
                    op: None,
                    bound: None,
                }));
            }
        }
    }

    fn expansion(&self, expr: &ParameterExpr, span: Span) -> Var {
        let (parameter, op) = match expr {
            ParameterExpr::Parameter { parameter, .. } => (parameter, None),
            ParameterExpr::UseDefaultValues {
                parameter,
                test_type,
                default_value,
                ..
            }
            | ParameterExpr::AssignDefaultValues {
                parameter,
                test_type,
                default_value,
                ..
            } => {
                let op = match test_type {
                    ParameterTestType::UnsetOrNull => Op::DefaultUnsetOrEmpty,
                    ParameterTestType::Unset => Op::DefaultUnset,
                };
                (
                    parameter,
                    Some((
                        op,
                        self.text_value(default_value.as_deref().unwrap_or(""), span),
                    )),
                )
            }
            ParameterExpr::IndicateErrorIfNullOrUnset {
                parameter,
                test_type,
                ..
            } => {
                let op = match test_type {
                    ParameterTestType::UnsetOrNull => Op::RequiredNonEmpty,
                    ParameterTestType::Unset => Op::Required,
                };
                (parameter, Some((op, Value::default())))
            }
            ParameterExpr::UseAlternativeValue {
                parameter,
                test_type,
                alternative_value,
                ..
            } => {
                let op = match test_type {
                    ParameterTestType::UnsetOrNull => Op::AltNonEmpty,
                    ParameterTestType::Unset => Op::Alt,
                };
                (
                    parameter,
                    Some((
                        op,
                        self.text_value(alternative_value.as_deref().unwrap_or(""), span),
                    )),
                )
            }
            _ => {
                return Var {
                    name: "${...}".into(),
                    span,
                    op: None,
                    bound: None,
                };
            }
        };
        let (name, bound) = match parameter {
            Parameter::Named(n) => (n.clone(), self.lookup(n)),
            Parameter::Positional(i) => {
                let idx = usize::try_from(*i).unwrap_or(usize::MAX);
                let bound = idx.checked_sub(1).and_then(|k| {
                    self.scopes
                        .last()
                        .and_then(|s| s.positional.get(k))
                        .cloned()
                        .map(Arc::new)
                });
                (format!("{i}"), bound)
            }
            _ => ("${...}".into(), None),
        };
        Var {
            name,
            span,
            op,
            bound,
        }
    }
}

fn unescape_unquoted(t: &str) -> String {
    let mut out = String::with_capacity(t.len());
    let mut chars = t.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn merge(pieces: Vec<Piece>) -> Vec<Piece> {
    let mut out: Vec<Piece> = Vec::with_capacity(pieces.len());
    for p in pieces {
        match (out.last_mut(), p) {
            (Some(Piece::Lit { text, .. }), Piece::Lit { text: next, .. }) => text.push_str(&next),
            (_, p) => out.push(p),
        }
    }
    out
}

/// The literal text a value starts with (for flags and sub-commands).
fn literal_prefix(v: &Value) -> String {
    match v.pieces.first() {
        Some(Piece::Lit { text, .. }) => text.clone(),
        _ => String::new(),
    }
}

/// `v` without a literal `prefix`.
fn strip_literal_prefix(v: &Value, prefix: &str) -> Option<Value> {
    let Some(Piece::Lit { text, span }) = v.pieces.first() else {
        return None;
    };
    let rest = text.strip_prefix(prefix)?;
    let mut pieces = v.pieces.clone();
    if let Some(first) = pieces.first_mut() {
        *first = Piece::Lit {
            text: rest.to_string(),
            span: *span,
        };
    }
    Some(Value { pieces })
}

/// Splits a value at the first literal occurrence of `needle`: the part
/// before, and the literal text after it (within the same piece and on).
fn split_at_literal(v: &Value, needle: &str) -> Option<(Value, Value)> {
    for (i, p) in v.pieces.iter().enumerate() {
        let Piece::Lit { text, span } = p else {
            continue;
        };
        let Some(at) = text.find(needle) else {
            continue;
        };
        let mut before: Vec<Piece> = v.pieces.get(..i).unwrap_or(&[]).to_vec();
        if at > 0 {
            before.push(Piece::Lit {
                text: text.get(..at).unwrap_or("").to_string(),
                span: *span,
            });
        }
        let mut after = vec![Piece::Lit {
            text: text.get(at + needle.len()..).unwrap_or("").to_string(),
            span: *span,
        }];
        after.extend(v.pieces.get(i + 1..).unwrap_or(&[]).iter().cloned());
        return Some((
            Value { pieces: before },
            Value {
                pieces: merge(after),
            },
        ));
    }
    None
}

/// `/<id>` → the id (up to `?`); `None` for an empty rest.
fn trim_leading_slash(v: Value) -> Option<Value> {
    let mut v = strip_literal_prefix(&v, "/")?;
    let mut keep = Vec::new();
    for p in v.pieces.drain(..) {
        match p {
            Piece::Lit { text, span } => {
                let cut = text.split(['?', '/']).next().unwrap_or("").to_string();
                let stop = cut.len() < text.len();
                if !cut.is_empty() {
                    keep.push(Piece::Lit { text: cut, span });
                }
                if stop {
                    break;
                }
            }
            var => keep.push(var),
        }
    }
    (!keep.is_empty()).then_some(Value { pieces: keep })
}

/// The `client_id` of a JSON payload: parsed as JSON when its text is
/// known; otherwise read from the template (`"client_id": "$2"`), so an id
/// held in a variable stays symbolic with that variable.
fn json_client_id(payload: &Value) -> Option<Value> {
    // The template walk keeps the variables the id came through; JSON
    // parsing covers what the walk cannot (escapes, unusual spacing).
    template_client_id(payload).or_else(|| {
        let json = serde_json::from_str::<serde_json::Value>(&payload.text()?).ok()?;
        let id = json.get("client_id")?.as_str()?;
        Some(Value::literal(id, payload.span()?))
    })
}

/// The container a `docker [compose] exec` / `podman exec` runs in: the
/// first word after `exec` that is not an option (or an option's value).
fn exec_target(args: &[(Value, Span)]) -> Option<String> {
    let words: Vec<String> = args.iter().map(|(v, _)| literal_prefix(v)).collect();
    let mut rest = words.iter().skip_while(|w| *w != "exec").skip(1);
    while let Some(w) = rest.next() {
        match w.as_str() {
            "-u" | "--user" | "-w" | "--workdir" | "-e" | "--env" | "--index" => {
                rest.next();
            }
            w if w.starts_with('-') => {}
            w => return Some(w.to_string()),
        }
    }
    None
}

/// The span of `len` bytes at `from` in a literal written as is or in one
/// pair of quotes (`'{"client_id": "x"}'`); the whole literal's span when
/// its text was unescaped on the way (the offsets no longer match).
fn sub_span(span: Span, text: &str, from: usize, len: usize) -> Span {
    let width = (span.end - span.start) as usize;
    let lead = if width == text.len() {
        0
    } else if width == text.len() + 2 {
        1
    } else {
        return span;
    };
    let start = span.start as usize + lead + from;
    Span::new(span.file, start, start + len)
}

fn template_client_id(payload: &Value) -> Option<Value> {
    // Walk the pieces: find `"client_id"`, then `:`, then the quoted value.
    let mut state = 0; // 0: looking for key, 1: for ':', 2: for opening quote, 3: in value
    let mut value: Vec<Piece> = Vec::new();
    walk_client_id(payload, &mut state, &mut value, 0)
}

/// One level of [`template_client_id`]'s walk: a variable holding part of
/// the payload (`-d "${PAYLOAD}"`, the payload itself holding a variable)
/// is walked into, except inside the id, where it is the id's own piece.
fn walk_client_id(
    payload: &Value,
    state: &mut u8,
    value: &mut Vec<Piece>,
    depth: usize,
) -> Option<Value> {
    for p in &payload.pieces {
        match p {
            Piece::Lit { text, span } => {
                let mut rest = text.as_str();
                loop {
                    match *state {
                        0 => match rest.find("\"client_id\"") {
                            Some(i) => {
                                rest = rest.get(i + 11..).unwrap_or("");
                                *state = 1;
                            }
                            None => break,
                        },
                        1 => match rest.trim_start().strip_prefix(':') {
                            Some(r) => {
                                rest = r;
                                *state = 2;
                            }
                            None if rest.trim().is_empty() => break,
                            None => return None,
                        },
                        2 => match rest.trim_start().strip_prefix('"') {
                            Some(r) => {
                                rest = r;
                                *state = 3;
                            }
                            None if rest.trim().is_empty() => break,
                            None => return None,
                        },
                        _ => match rest.find('"') {
                            Some(end) => {
                                if end > 0 {
                                    let from = text.len() - rest.len();
                                    value.push(Piece::Lit {
                                        text: rest.get(..end).unwrap_or("").to_string(),
                                        span: sub_span(*span, text, from, end),
                                    });
                                }
                                return Some(Value {
                                    pieces: std::mem::take(value),
                                });
                            }
                            None => {
                                if !rest.is_empty() {
                                    value.push(Piece::Lit {
                                        text: rest.to_string(),
                                        span: *span,
                                    });
                                }
                                break;
                            }
                        },
                    }
                }
            }
            Piece::Var(_) if *state == 3 => value.push(p.clone()),
            Piece::Var(v) => {
                if let Some(b) = v.bound.as_deref()
                    && depth < 16
                    && let Some(found) = walk_client_id(b, state, value, depth + 1)
                {
                    return Some(found);
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (admin URL text, client id text, method, unbound variables of the id)
    type Found = (Option<String>, Option<String>, String, Vec<String>);

    fn regs(src: &str) -> Vec<Found> {
        registrations(FileId(0), src, &Vars::new())
            .unwrap_or_else(|d| panic!("{}", d.message))
            .into_iter()
            .map(|r| {
                let vars = r.client_id.as_ref().map(Value::unbound).unwrap_or_default();
                (
                    r.admin_url.text(),
                    r.client_id.as_ref().and_then(Value::text),
                    r.method,
                    vars,
                )
            })
            .collect()
    }

    fn s(x: &str) -> Option<String> {
        Some(x.to_string())
    }

    #[test]
    fn recursive_functions_stop_at_the_call_budget() {
        // Found by fuzzing: functions calling themselves with long words
        // ran 10,000 calls, each parsing every word again.
        let long = "x".repeat(400);
        let src = format!(
            "f() {{\n  V={long}\n  f \"$1\" \"$V\"\n  f \"$1\" \"$V\" \"$V\"\n  curl -X POST \"$1/admin/clients\" -d '{{\"client_id\": \"a\"}}'\n}}\nf http://ciam-hydra:4445\n"
        );
        let regs = registrations(FileId(0), &src, &Vars::new())
            .unwrap_or_else(|d| panic!("{}", d.message));
        // Each call followed registers once: exactly the budget's worth.
        assert_eq!(regs.len(), 1_000);
    }

    #[test]
    fn inline_payload_and_default_admin_url() {
        let src = r#"#!/bin/sh
set -eu
IAM_HYDRA_ADMIN_URL="${IAM_HYDRA_ADMIN_URL:-http://iam-hydra:4445}"
curl -sf -X POST "${IAM_HYDRA_ADMIN_URL}/admin/clients" \
  -H 'Content-Type: application/json' \
  -d '{"client_id": "site-iam-client", "grant_types": ["authorization_code"]}'
"#;
        assert_eq!(
            regs(src),
            vec![(
                s("http://iam-hydra:4445"),
                s("site-iam-client"),
                "POST".into(),
                vec![]
            )]
        );
    }

    #[test]
    fn payload_in_an_earlier_variable() {
        let src = r#"PAYLOAD='{"client_id":"athena-ciam-client","scope":"openid"}'
curl -X POST "$CIAM_HYDRA_ADMIN_URL/admin/clients" -d "${PAYLOAD}"
"#;
        let r = regs(src);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].0, None, "the admin URL is only known at deploy time");
        assert_eq!(r[0].1, s("athena-ciam-client"));
    }

    #[test]
    fn wrapper_function_with_positional_parameters() {
        let src = r#"create_oauth2_client() {
  local url="$1"
  curl -s -X POST "${url}/admin/clients" -d "{\"client_id\": \"$2\", \"client_name\": \"$3\"}"
}
SITE_CIAM_CLIENT_ID=site-ciam-client
create_oauth2_client "http://ciam-hydra:4445" "${SITE_CIAM_CLIENT_ID}" "Shop"
create_oauth2_client "http://iam-hydra:4445" "$UNKNOWN_ID" "Staff"
"#;
        let r = regs(src);
        assert_eq!(r.len(), 2, "{r:?}");
        assert_eq!(
            (r[0].0.clone(), r[0].1.clone()),
            (s("http://ciam-hydra:4445"), s("site-ciam-client"))
        );
        assert_eq!(
            (r[1].0.clone(), r[1].1.clone(), r[1].3.clone()),
            (
                s("http://iam-hydra:4445"),
                None,
                vec!["UNKNOWN_ID".to_string()]
            )
        );
    }

    #[test]
    fn put_by_id_and_hydra_cli() {
        let src = r#"curl -X PUT "http://iam-hydra:4445/admin/clients/athena-ciam-client" -d @client.json
hydra create client --endpoint http://ciam-hydra:4445 --id site-ciam-client --grant-type authorization_code
hydra create oauth2-client --endpoint=http://iam-hydra:4445 --id "$ID"
curl http://iam-hydra:4445/admin/clients
"#;
        let r = regs(src);
        assert_eq!(r.len(), 3, "{r:?}");
        assert_eq!(
            (r[0].1.clone(), r[0].2.as_str()),
            (s("athena-ciam-client"), "PUT")
        );
        assert_eq!(
            (r[1].0.clone(), r[1].1.clone(), r[1].2.as_str()),
            (s("http://ciam-hydra:4445"), s("site-ciam-client"), "cli")
        );
        assert_eq!(
            (r[2].0.clone(), r[2].3.clone()),
            (s("http://iam-hydra:4445"), vec!["ID".to_string()])
        );
    }

    #[test]
    fn exec_wrappers_and_call_explosions() {
        let src = "docker compose exec -T iam-hydra hydra create client --endpoint http://iam-hydra:4445 --id x\nf() { f; f; f; f; }\nf\n";
        let r = regs(src);
        assert_eq!(r.len(), 1, "{r:?}");
        let deep = "(".repeat(5000) + &")".repeat(5000);
        assert!(registrations(FileId(0), &deep, &Vars::new()).is_err());
    }

    #[test]
    fn registrations_inside_conditionals_and_loops() {
        let src = r#"for c in a b; do
  if [ -n "$c" ]; then
    curl -X POST http://h:4445/admin/clients -d '{"client_id":"x"}'
  fi
done
"#;
        assert_eq!(regs(src).len(), 1);
    }

    #[test]
    fn a_script_that_does_not_parse_is_a_diagnostic() {
        let d = registrations(FileId(0), "if then fi (\n", &Vars::new());
        assert!(d.is_err());
        let d = registrations(FileId(0), "echo \"unterminated\n", &Vars::new());
        assert!(d.is_err());
    }
}
