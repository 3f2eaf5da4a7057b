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

mod payload;

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

/// What a script reads besides its text: the values it sees at start
/// (the environment of the service that runs it), and the files its
/// commands name (`curl -d @client.json`, a path as the script writes it,
/// resolved from the script's folder or the service's mounts).
pub struct Context<'a> {
    pub vars: &'a Vars,
    pub file: &'a dyn Fn(&str) -> Option<Value>,
}

impl<'a> Context<'a> {
    /// A script that sees `vars` and reads no other file.
    pub fn with_vars(vars: &'a Vars) -> Context<'a> {
        Context {
            vars,
            file: &|_| None,
        }
    }
}

/// Parses a script and extracts its registrations.
pub fn registrations(
    file: FileId,
    text: &str,
    context: &Context,
) -> Result<Vec<Registration>, Diagnostic> {
    let offsets = CharOffsets::new(text);
    let program = parse(file, text, &offsets)?;
    let vars = context.vars;
    let mut flow = Flow {
        file,
        text,
        read_file: context.file,
        assigned: std::collections::HashSet::new(),
        stdin: None,
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
    text: &'a str,
    read_file: &'a dyn Fn(&str) -> Option<Value>,
    /// Names the script assigns itself: its own variables, resolved in
    /// place, never shown as variables the deploy supplies.
    assigned: std::collections::HashSet<String>,
    /// What the current command reads on standard input (a heredoc or a
    /// here-string), for `curl -d @-`.
    stdin: Option<Value>,
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
            // A loop variable is the script's own.
            CompoundCommand::ForClause(f) => {
                self.assigned.insert(f.variable_name.clone());
                self.list(&f.body.list);
            }
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
        if !local {
            self.assigned.insert(name.clone());
        }
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
        // `read NAME...` sets the script's own variables.
        if name == "read" {
            for item in &suffix {
                if let CommandPrefixOrSuffixItem::Word(w) = item
                    && !w.value.starts_with('-')
                {
                    self.assigned.insert(w.value.clone());
                }
            }
        }
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
        self.stdin = suffix.iter().find_map(|item| match item {
            CommandPrefixOrSuffixItem::IoRedirect(ast::IoRedirect::HereDocument(_, doc)) => {
                Some(self.here_document(doc, at))
            }
            CommandPrefixOrSuffixItem::IoRedirect(ast::IoRedirect::HereString(_, w)) => {
                Some(self.word(w))
            }
            _ => None,
        });
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
                } else if let Some(i) = (0..args.len()).find(|&i| {
                    // (`exec hydra hydra create`: the service may be called
                    // `hydra` too; the program is the one a command follows.)
                    let word = |k: usize| args.get(k).map(|(v, _)| literal_prefix(v));
                    word(i).is_some_and(|w| w.rsplit('/').next() == Some("hydra"))
                        && word(i + 1).is_some_and(|w| w == "create" || w == "clients")
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
        // Data given, even when its value cannot be read: the request is a POST.
        let mut data = false;
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
                    data = true;
                    // `@-` reads standard input, `@FILE` a file (not
                    // with `--data-raw`, which takes `@` literally).
                    payload = match next.as_ref().and_then(Value::text) {
                        Some(t) if t == "@-" && text != "--data-raw" => self.stdin.clone(),
                        Some(t) if t.starts_with('@') && text != "--data-raw" => {
                            t.get(1..).and_then(|f| (self.read_file)(f))
                        }
                        _ => next,
                    };
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
            // Hydra's admin API: `/admin/clients` (v2), `/clients` (v1).
            let Some((base, rest)) = split_at_literal(&url, "/admin/clients").or_else(|| {
                // (Only right after the host: `/admin/realms/x/clients`
                // is another server's API.)
                split_at_literal(&url, "/clients").filter(|(base, rest)| {
                    let base = base.template_text();
                    let path = base.split_once("://").map_or("", |(_, r)| r);
                    !path.contains('/')
                        && (literal_prefix(rest).is_empty()
                            || literal_prefix(rest).starts_with(['/', '?']))
                })
            }) else {
                continue;
            };
            let method = method
                .clone()
                .unwrap_or_else(|| if data { "POST".into() } else { "GET".into() });
            let method = method.to_ascii_uppercase();
            match method.as_str() {
                "POST" => {
                    let id = payload.as_ref().and_then(payload::client_id);
                    self.record(base, id, "POST", at);
                }
                "PUT" => {
                    let id = trim_leading_slash(rest)
                        .or_else(|| payload.as_ref().and_then(payload::client_id));
                    self.record(base, id, "PUT", at);
                }
                _ => {}
            }
        }
    }

    /// `hydra create client|oauth2-client` (v2) or `hydra clients create`
    /// (v1), with `--endpoint URL` (also `--endpoint=URL`, `-e URL`; else
    /// `$HYDRA_ADMIN_URL`) and `--id`/`--client-id ID`.
    fn hydra_cli(&mut self, args: &[(Value, Span)], at: Span) {
        let words: Vec<String> = args.iter().map(|(v, _)| literal_prefix(v)).collect();
        let after = |first: &str, then: &[&str]| {
            words
                .iter()
                .position(|w| w == first)
                .is_some_and(|i| words.get(i + 1).is_some_and(|w| then.contains(&w.as_str())))
        };
        let creates = after("create", &["client", "oauth2-client", "clients"])
            || after("clients", &["create"]);
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
        let endpoint = flag(&["--endpoint", "-e"]).unwrap_or_else(|| Value {
            pieces: vec![Piece::Var(Var {
                name: "HYDRA_ADMIN_URL".into(),
                span: at,
                op: None,
                bound: self.lookup("HYDRA_ADMIN_URL"),
                local: self.is_internal("HYDRA_ADMIN_URL"),
            })],
        });
        let id = flag(&["--id", "--client-id"]);
        self.record(endpoint, id, "cli", at);
    }

    /// A heredoc's body: expanded unless its delimiter is quoted; its span
    /// is found in the script after the command that reads it.
    fn here_document(&self, doc: &ast::IoHereDocument, at: Span) -> Value {
        let body = doc.doc.value.as_str();
        let from = at.end as usize;
        let span = self
            .text
            .get(from..)
            .and_then(|rest| rest.find(body))
            .map_or(at, |i| {
                Span::new(self.file, from + i, from + i + body.len())
            });
        if doc.requires_expansion {
            // Quotes are text in a heredoc; only expansions apply.
            let escaped = body.replace('"', "\\\"").replace('\'', "\\'");
            self.text_value(&escaped, span)
        } else {
            Value::literal(body, span)
        }
    }

    /// Whether a variable is the script's own: a positional parameter, a
    /// `local`, or a name the script assigns.
    fn is_internal(&self, name: &str) -> bool {
        name.bytes().all(|b| b.is_ascii_digit())
            || self.assigned.contains(name)
            || self.scopes.iter().any(|s| s.locals.contains_key(name))
    }

    /// `$(jq -n --arg id "$ID" '{client_id: $id, ...}')`: the JSON object
    /// jq builds, as far as its `client_id` goes.
    fn jq_payload(&self, command: &str, span: Span) -> Option<Value> {
        let offsets = CharOffsets::new(command);
        let program = parse(self.file, command, &offsets).ok()?;
        let (_, pipeline) = program
            .complete_commands
            .first()?
            .0
            .first()?
            .0
            .iter()
            .next()?;
        let simple = pipeline.seq.first()?;
        let Command::Simple(simple) = simple else {
            return None;
        };
        if simple.word_or_name.as_ref()?.value.rsplit('/').next() != Some("jq") {
            return None;
        }
        let words: Vec<&ast::Word> = simple
            .suffix
            .iter()
            .flat_map(|x| &x.0)
            .filter_map(|item| match item {
                CommandPrefixOrSuffixItem::Word(w) => Some(w),
                _ => None,
            })
            .collect();
        let mut args: HashMap<String, Value> = HashMap::new();
        let mut filter = None;
        let mut i = 0;
        while let Some(w) = words.get(i) {
            match w.value.as_str() {
                "--arg" | "--argjson" => {
                    if let (Some(name), Some(value)) = (words.get(i + 1), words.get(i + 2)) {
                        args.insert(name.value.clone(), self.text_value(&value.value, span));
                    }
                    i += 3;
                    continue;
                }
                t if t.starts_with('-') => {}
                _ if filter.is_none() => filter = Some(self.text_value(&w.value, span).text()?),
                _ => {}
            }
            i += 1;
        }
        static KEY: std::sync::LazyLock<Option<regex::Regex>> = std::sync::LazyLock::new(|| {
            regex::Regex::new(r#"(?:"client_id"|\bclient_id)\s*:\s*(?:\$(\w+)|"([^"\\]*)")"#).ok()
        });
        let captures = KEY.as_ref()?.captures(filter.as_deref()?)?;
        let id = match (captures.get(1), captures.get(2)) {
            (Some(arg), _) => args.get(arg.as_str())?.clone(),
            (None, Some(text)) => Value::literal(text.as_str(), span),
            _ => return None,
        };
        let mut pieces = vec![Piece::Lit {
            text: "{\"client_id\": \"".into(),
            span,
        }];
        pieces.extend(id.pieces);
        pieces.push(Piece::Lit {
            text: "\"}".into(),
            span,
        });
        Some(Value { pieces })
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
            WordPiece::CommandSubstitution(command)
                if let Some(json) = self.jq_payload(command, span) =>
            {
                out.extend(json.pieces);
            }
            // The command itself is not shown: it may hold a secret.
            WordPiece::CommandSubstitution(_) | WordPiece::BackquotedCommandSubstitution(_) => {
                out.push(Piece::Var(Var {
                    name: "$(...)".into(),
                    span,
                    op: None,
                    bound: None,
                    local: false,
                }));
            }
            WordPiece::ArithmeticExpression(_) => {
                out.push(Piece::Var(Var {
                    name: "$((...))".into(),
                    span,
                    op: None,
                    bound: None,
                    local: false,
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
                    local: false,
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
            // The script's own variables are followed like any other, but
            // are not variables the deploy supplies.
            local: self.is_internal(&name),
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

/// Joins neighbouring literal pieces written at the same place (text
/// from elsewhere, such as a caller's argument, keeps its own span).
fn merge(pieces: Vec<Piece>) -> Vec<Piece> {
    let mut out: Vec<Piece> = Vec::with_capacity(pieces.len());
    for p in pieces {
        match (out.last_mut(), p) {
            (
                Some(Piece::Lit { text, span }),
                Piece::Lit {
                    text: next,
                    span: at,
                },
            ) if *span == at => {
                text.push_str(&next);
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// (admin URL text, client id text, method, unbound variables of the id)
    type Found = (Option<String>, Option<String>, String, Vec<String>);

    fn regs(src: &str) -> Vec<Found> {
        registrations(FileId(0), src, &Context::with_vars(&Vars::new()))
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
        let regs = registrations(FileId(0), &src, &Context::with_vars(&Vars::new()))
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
        assert!(registrations(FileId(0), &deep, &Context::with_vars(&Vars::new())).is_err());
    }

    #[test]
    fn v1_forms_and_the_cli_endpoint_from_the_environment() {
        let src = r#"hydra clients create --endpoint http://hydra:4445 --id v1-cli
curl -X POST http://hydra:4445/clients -d '{"client_id": "v1-curl"}'
curl -X POST http://hydra:4445/clientsx -d '{"client_id": "not-admin"}'
docker compose exec -T hydra hydra create oauth2-client --client-id in-container
curl -X POST http://keycloak:8080/admin/realms/x/clients -d '{"client_id": "keycloak"}'
curl -X POST http://hydra:4445/admin/clients -d @missing.json
"#;
        let r = regs(src);
        assert_eq!(r.len(), 4, "{r:?}");
        // A payload that cannot be read still makes a registration.
        assert_eq!((r[3].1.clone(), r[3].2.as_str()), (None, "POST"));
        assert_eq!(
            (r[0].0.clone(), r[0].1.clone()),
            (s("http://hydra:4445"), s("v1-cli"))
        );
        assert_eq!(
            (r[1].0.clone(), r[1].1.clone()),
            (s("http://hydra:4445"), s("v1-curl"))
        );
        // No `--endpoint`: `$HYDRA_ADMIN_URL`, unknown here.
        assert_eq!((r[2].0.clone(), r[2].1.clone()), (None, s("in-container")));
        let found =
            registrations(FileId(0), src, &Context::with_vars(&Vars::new())).unwrap_or_default();
        assert_eq!(found[2].admin_url.vars(), ["HYDRA_ADMIN_URL"]);
        assert_eq!(found[2].inside.as_deref(), Some("hydra"));
    }

    #[test]
    fn payloads_from_heredocs_here_strings_files_and_jq() {
        let src = r#"curl -X POST "$U/admin/clients" -d @- <<'EOF'
{"client_id": "from-heredoc"}
EOF
curl -X POST "$U/admin/clients" --data-binary @- <<EOF
{"client_id": "app-$SUFFIX"}
EOF
curl -X POST "$U/admin/clients" -d @- <<< '{"client_id": "here-string"}'
curl -X POST "$U/admin/clients" -d @client.json
curl -X POST "$U/admin/clients" --data-raw @client.json
curl -X POST "$U/admin/clients" -d "$(jq -n --arg id "$JQ_ID" '{client_id: $id, scope: "openid"}')"
"#;
        let json = "{\n  \"client_id\": \"from-file\"\n}\n";
        let read = |name: &str| {
            (name == "client.json")
                .then(|| Value::literal(json, Span::new(FileId(7), 0, json.len())))
        };
        let vars = Vars::new();
        let found = registrations(
            FileId(0),
            src,
            &Context {
                vars: &vars,
                file: &read,
            },
        )
        .unwrap_or_else(|d| panic!("{}", d.message));
        let ids: Vec<String> = found
            .iter()
            .map(|r| {
                r.client_id
                    .as_ref()
                    .map(Value::template_text)
                    .unwrap_or_default()
            })
            .collect();
        assert_eq!(
            ids,
            [
                "from-heredoc",
                "app-${SUFFIX}",
                "here-string",
                "from-file",
                "",
                "${JQ_ID}"
            ]
        );
        // Exact spans: in the script for a quoted heredoc, in the file.
        let at = |i: usize| found[i].client_id.as_ref().and_then(Value::span);
        let start = src.find("from-heredoc").unwrap_or(0);
        assert_eq!(at(0), Some(Span::new(FileId(0), start, start + 12)));
        assert_eq!(at(3), Some(Span::new(FileId(7), 18, 27)));
    }

    #[test]
    fn only_deploy_time_variables_are_listed() {
        let src = r#"URL="${HYDRA_URL:-http://hydra:4445}"
reg() {
  local id="$2"
  curl -X POST "$1/admin/clients" -d "{\"client_id\": \"${id}\"}"
}
reg "$URL" "${APP_CLIENT_ID}"
for c in one two; do
  curl -X POST "$URL/admin/clients" -d "{\"client_id\": \"$c\"}"
done
read -r answer
curl -X POST "$URL/admin/clients" -d "{\"client_id\": \"$answer\"}"
"#;
        let found = registrations(FileId(0), src, &Context::with_vars(&Vars::new()))
            .unwrap_or_else(|d| panic!("{}", d.message));
        assert_eq!(found.len(), 3);
        for r in &found[1..] {
            let vars = r.client_id.as_ref().map(Value::vars).unwrap_or_default();
            assert!(vars.is_empty(), "a loop or read variable: {vars:?}");
        }
        let id = found[0].client_id.clone().unwrap_or_default();
        assert_eq!(id.vars(), ["APP_CLIENT_ID"]);
        assert_eq!(found[0].admin_url.vars(), ["HYDRA_URL"]);
        assert_eq!(
            found[0].admin_url.text().as_deref(),
            Some("http://hydra:4445")
        );
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
        let d = registrations(
            FileId(0),
            "if then fi (\n",
            &Context::with_vars(&Vars::new()),
        );
        assert!(d.is_err());
        let d = registrations(
            FileId(0),
            "echo \"unterminated\n",
            &Context::with_vars(&Vars::new()),
        );
        assert!(d.is_err());
    }
}
