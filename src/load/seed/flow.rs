//! The data flow over a script, without running it: assignments,
//! `local`s, function definitions and calls with their positional
//! parameters, each command seen with what is known at that point.

use super::*;
use crate::load::compose::Vars;
use crate::syntax::source::{CharOffsets, FileId, Span};
use crate::syntax::value::Value;
use brush_parser::ast::{
    self, Command, CommandPrefixOrSuffixItem, CompoundCommand, CompoundList, SimpleCommand,
};
use std::collections::HashMap;
use std::sync::Arc;

/// Variables of one function call (positional parameters, `local`s).
#[derive(Default, Clone)]
pub(super) struct Scope {
    pub(super) positional: Vec<Value>,
    pub(super) locals: Vars,
}

pub(super) struct Flow<'a> {
    pub(super) file: FileId,
    pub(super) text: &'a str,
    pub(super) read_file: &'a dyn Fn(&str) -> Option<Value>,
    /// Names the script assigns itself: its own variables, resolved in
    /// place, never shown as variables the deploy supplies.
    pub(super) assigned: std::collections::HashSet<String>,
    /// What the current command reads on standard input (a heredoc or a
    /// here-string), for `curl -d @-`.
    pub(super) stdin: Option<Value>,
    pub(super) offsets: &'a CharOffsets,
    pub(super) scopes: Vec<Scope>,
    pub(super) globals: Vars,
    pub(super) functions: HashMap<String, ast::FunctionBody>,
    pub(super) found: Vec<Registration>,
    pub(super) via: Vec<Span>,
    pub(super) calls: usize,
    /// The container of the `docker exec` being followed, if any.
    pub(super) inside: Option<String>,
}

impl Flow<'_> {
    pub(super) fn span(&self, loc: Option<&brush_parser::SourceSpan>) -> Span {
        match loc {
            Some(l) => Span::new(
                self.file,
                self.offsets.byte(l.start.index),
                self.offsets.byte(l.end.index),
            ),
            None => Span::new(self.file, 0, 0),
        }
    }

    pub(super) fn lookup(&self, name: &str) -> Option<Arc<Value>> {
        self.scopes
            .iter()
            .rev()
            .find_map(|s| s.locals.get(name).cloned())
            .or_else(|| self.globals.get(name).cloned())
    }

    pub(super) fn list(&mut self, list: &CompoundList) {
        for item in &list.0 {
            for (_, pipeline) in item.0.iter() {
                for command in &pipeline.seq {
                    self.command(command);
                }
            }
        }
    }

    pub(super) fn command(&mut self, command: &Command) {
        match command {
            Command::Simple(s) => self.simple(s),
            Command::Compound(c, _) => self.compound(c),
            Command::Function(f) => {
                self.functions.insert(f.fname.value.clone(), f.body.clone());
            }
            Command::ExtendedTest(..) => {}
        }
    }

    pub(super) fn compound(&mut self, c: &CompoundCommand) {
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

    pub(super) fn assign(&mut self, a: &ast::Assignment, local: bool, whole: &ast::Word) {
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

    pub(super) fn simple(&mut self, s: &SimpleCommand) {
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
}
