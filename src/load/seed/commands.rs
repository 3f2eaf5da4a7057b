//! The commands that register OAuth2 clients: `curl` to the admin API
//! (POST `/admin/clients`, PUT `/admin/clients/<id>`, the v1 `/clients`),
//! `hydra create client|oauth2-client`, `hydra clients create`, each
//! possibly through `docker|podman exec`; payloads inline, from a heredoc,
//! a file or `jq -n --arg`.

use super::*;
use crate::syntax::source::{CharOffsets, Span};
use crate::syntax::value::{Piece, Value, Var};
use brush_parser::ast::{self, Command, CommandPrefixOrSuffixItem};
use std::collections::HashMap;

impl Flow<'_> {
    pub(super) fn record(
        &mut self,
        admin_url: Value,
        client_id: Option<Value>,
        method: &str,
        at: Span,
    ) {
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
    pub(super) fn curl(&mut self, args: &[(Value, Span)], at: Span) {
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
    pub(super) fn hydra_cli(&mut self, args: &[(Value, Span)], at: Span) {
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
    pub(super) fn here_document(&self, doc: &ast::IoHereDocument, at: Span) -> Value {
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
    pub(super) fn is_internal(&self, name: &str) -> bool {
        name.bytes().all(|b| b.is_ascii_digit())
            || self.assigned.contains(name)
            || self.scopes.iter().any(|s| s.locals.contains_key(name))
    }

    /// `$(jq -n --arg id "$ID" '{client_id: $id, ...}')`: the JSON object
    /// jq builds, as far as its `client_id` goes.
    pub(super) fn jq_payload(&self, command: &str, span: Span) -> Option<Value> {
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
}

/// The container a `docker [compose] exec` / `podman exec` runs in: the
/// first word after `exec` that is not an option (or an option's value).
pub(super) fn exec_target(args: &[(Value, Span)]) -> Option<String> {
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
