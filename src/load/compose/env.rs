//! A service's environment: `environment` (list or mapping, bare `KEY`
//! from the outer variables) over its `env_file`s.

use super::*;
use crate::diag::Diagnostic;
use crate::syntax::source::{FileId, Span};
use crate::syntax::yaml::{Kind, Node};

impl Ctx<'_> {
    pub(super) fn environment(&mut self, node: Option<&Node>) -> Vec<EnvVar> {
        let Some(node) = node else {
            return Vec::new();
        };
        let mut out = Vec::new();
        match &node.kind {
            Kind::Map(entries) => {
                for e in entries {
                    let Some(key) = e.key.as_str() else { continue };
                    let value = if e.value.is_null() {
                        self.outer(key, e.key.span)
                    } else {
                        self.value(&e.value)
                    };
                    out.push(EnvVar {
                        key: key.to_string(),
                        key_span: e.key.span,
                        value,
                        source: EnvSource::Environment,
                    });
                }
            }
            Kind::Seq(items) => {
                for item in items {
                    let Some(text) = item.as_str() else { continue };
                    let (key, value) = match text.split_once('=') {
                        Some((k, _)) => {
                            // Interpolate the whole item, then drop `KEY=`:
                            // the key itself holds no variable.
                            let value = self
                                .value(item)
                                .map(|v| strip_key(v, k.len() + 1, item.span));
                            (k.to_string(), value)
                        }
                        None => (text.to_string(), self.outer(text, item.span)),
                    };
                    let key_span = Span::new(
                        item.span.file,
                        item.span.start as usize,
                        item.span.start as usize + key.len(),
                    );
                    out.push(EnvVar {
                        key,
                        key_span,
                        value,
                        source: EnvSource::Environment,
                    });
                }
            }
            Kind::Scalar(_) => {}
        }
        out
    }

    pub(super) fn env_files(
        &mut self,
        node: Option<&Node>,
        files: &mut Vec<FileId>,
    ) -> Vec<EnvVar> {
        let Some(node) = node else {
            return Vec::new();
        };
        let items: Vec<&Node> = match &node.kind {
            Kind::Seq(items) => items.iter().collect(),
            _ => vec![node],
        };
        let mut out = Vec::new();
        for item in items {
            let (path_node, required) = match &item.kind {
                Kind::Map(_) => (
                    item.get("path"),
                    item.get("required").and_then(Node::as_bool).unwrap_or(true),
                ),
                _ => (Some(item), true),
            };
            let Some(path_node) = path_node else { continue };
            let Some(rel) = self.text(path_node) else {
                continue;
            };
            let dir = self.folder(path_node.span.file);
            let path = crate::discover::normalize(&dir.join(&rel));
            if !self.scope.contains(&path) {
                self.diagnostics.push(
                    Diagnostic::parse_error(
                        path_node.span,
                        format!(
                            "env_file {rel} is outside the checked tree; isolint does not read it"
                        ),
                    )
                    .with_label("this env file"),
                );
                continue;
            }
            let text = match crate::discover::read_text(self.sources, &path) {
                Ok(t) => t,
                Err(_) if !required => continue,
                // A secret file kept out of git: its values are given at
                // deploy time, unless the configuration says it must exist.
                Err(crate::discover::ReadError::Io(e))
                    if e.kind() == std::io::ErrorKind::NotFound
                        && !(self.required_env_file)(&path) =>
                {
                    self.diagnostics.push(
                        Diagnostic::unresolved(
                            path_node.span,
                            format!(
                                "env_file {rel} is not in the tree; its values are taken as given at deploy time"
                            ),
                        )
                        .with_label("not in the tree")
                        .with_help(
                            "pass it with --env-file to check its values, or list it in [compose] required-env-files if it must exist",
                        ),
                    );
                    continue;
                }
                Err(e) => {
                    self.diagnostics.push(
                        Diagnostic::parse_error(path_node.span, format!("env_file {rel}: {e}"))
                            .with_label("this env file cannot be read"),
                    );
                    continue;
                }
            };
            // One file for every service that loads it: a line of it is
            // one fact, however many services it reaches.
            let id = self.sources.add_once(&path, text.as_str());
            files.push(id);
            let vars = self.vars;
            match crate::load::dotenv::parse(id, &text, &|name| vars.get(name).cloned()) {
                Ok(env) => out.extend(env.entries.into_iter().map(|e| EnvVar {
                    key: e.key,
                    key_span: e.key_span,
                    value: e.value,
                    source: EnvSource::EnvFile(id),
                })),
                Err(d) => self.diagnostics.push(d),
            }
        }
        out
    }
}
