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
use crate::syntax::value::Value;
use std::collections::HashMap;

mod commands;
mod flow;
mod parse;
mod words;
use commands::*;
use flow::*;
use parse::*;
use words::*;

mod payload;

/// Calls into shell functions nested deeper than this are not followed.
const MAX_CALL_DEPTH: usize = 16;
/// Function calls followed in one script, in all (`f(){ f;f;f;f; }`).
/// Real seed scripts make dozens; each call re-reads the body's words.
const MAX_CALLS: usize = 1_000;

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

#[cfg(test)]
mod tests;
