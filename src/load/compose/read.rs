//! Reading one compose file's services: the reader's state (project
//! folder, variables, which files resolve against which folder), values
//! with interpolation, `extends`.

use super::*;
use crate::diag::Diagnostic;
use crate::syntax::source::{FileId, SourceMap, Span};
use crate::syntax::value::{Origin, Value, parse_template};
use crate::syntax::yaml::{Kind, Node};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub(super) struct Ctx<'a> {
    pub(super) sources: &'a SourceMap,
    pub(super) vars: &'a Vars,
    pub(super) scope: &'a crate::discover::Scope,
    /// The project folder: relative paths are said from it.
    pub(super) project: &'a Path,
    /// Per file, the folder its relative paths resolve against, relative
    /// to the project folder (`""`: the project's own).
    pub(super) bases: Vec<(FileId, PathBuf)>,
    pub(super) required_env_file: &'a (dyn Fn(&Path) -> bool + Sync),
    /// Files `extends` names that cannot be read, with their finding.
    pub(super) unreadable: Vec<(PathBuf, usize)>,
    pub(super) diagnostics: Vec<Diagnostic>,
}

impl Ctx<'_> {
    /// A variable's value: the project's, and `$PWD`, the folder compose
    /// runs in (the project folder).
    pub(super) fn known(&self, name: &str, at: Span) -> Option<Arc<Value>> {
        self.vars
            .get(name)
            .cloned()
            .or_else(|| (name == "PWD").then(|| Arc::new(Value::literal(".", at))))
    }

    /// The folder (relative to the project) that relative paths written in
    /// `file` resolve against.
    pub(super) fn base(&mut self, file: FileId) -> PathBuf {
        if let Some((_, b)) = self.bases.iter().find(|(f, _)| *f == file) {
            return b.clone();
        }
        let dir = self
            .sources
            .path(file)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let base = project_base(self.project, &dir);
        self.bases.push((file, base.clone()));
        base
    }

    /// The folder on disk that relative paths written in `file` resolve
    /// against.
    pub(super) fn folder(&mut self, file: FileId) -> PathBuf {
        let base = self.base(file);
        crate::discover::normalize(&self.project.join(base))
    }

    /// A relative path written in `file`, said from the project folder.
    pub(super) fn rebased(&mut self, file: FileId, rel: String) -> String {
        let base = self.base(file);
        rebase_path(&base, rel)
    }

    /// `extends: { service: base }` (or `extends: base`), in the same file
    /// or `file:` another: the base's keys, overridden by the service's
    /// own, one level deep per key (lists concatenated, maps merged). A
    /// missing file or service stops compose: CFG001 at its line.
    pub(super) fn resolve_extends(
        &mut self,
        root: &Node,
        dir: &Path,
        service: &Node,
        seen: &mut Vec<(PathBuf, String)>,
        files: &mut Vec<FileId>,
    ) -> Node {
        let Some(ext) = service.get("extends") else {
            return service.clone();
        };
        let name_node = ext.get("service").unwrap_or(ext);
        let Some(base_name) = name_node.as_str() else {
            return service.clone();
        };
        let mut other: Option<(PathBuf, Node)> = None;
        if let Some(file_node) = ext.get("file") {
            let Some(rel) = self.text(file_node) else {
                return service.clone();
            };
            let path = crate::discover::normalize(&dir.join(&rel));
            // (A missing file is reported as missing, wherever it would be.)
            if path.exists() && !self.scope.contains(&path) {
                self.diagnostics.push(
                    Diagnostic::parse_error(
                        file_node.span,
                        format!(
                            "extends file {rel} is outside the checked tree; isolint does not read it"
                        ),
                    )
                    .with_label("this file"),
                );
                return service.clone();
            }
            // One finding per unreadable file, every line that names it.
            if let Some(&(_, at)) = self.unreadable.iter().find(|(p, _)| *p == path) {
                if let Some(d) = self.diagnostics.get_mut(at) {
                    d.related
                        .push(crate::diag::Label::new(file_node.span, "also named here"));
                }
                return service.clone();
            }
            match parse_file(self.sources, &path, Some((file_node.span, "extends file"))) {
                Ok((id, root)) => {
                    if !files.contains(&id) {
                        files.push(id);
                    }
                    other = Some((path, root));
                }
                Err(d) => {
                    self.unreadable.push((path, self.diagnostics.len()));
                    self.diagnostics.push(d);
                    return service.clone();
                }
            }
        }
        // The file this service is written in: the last one followed.
        let here = seen.last().map(|(p, _)| p.clone()).unwrap_or_default();
        let key = (
            other
                .as_ref()
                .map_or(here, |(p, _)| crate::discover::absolute(p)),
            base_name.to_string(),
        );
        if seen.contains(&key) || seen.len() >= MAX_DEPTH {
            self.diagnostics.push(
                Diagnostic::parse_error(
                    name_node.span,
                    format!("extends {base_name} leads back to itself (a cycle)"),
                )
                .with_label("this extends closes the cycle"),
            );
            return service.clone();
        }
        let base_root = other.as_ref().map_or(root, |(_, r)| r);
        let Some(base) = base_root.get("services").and_then(|s| s.entry(base_name)) else {
            let file = other.as_ref().map_or_else(
                || "this file".to_string(),
                |(p, _)| crate::syntax::source::display_path(p),
            );
            self.diagnostics.push(
                Diagnostic::parse_error(
                    name_node.span,
                    format!("extends {base_name}: no such service in {file}"),
                )
                .with_label("compose stops here"),
            );
            return service.clone();
        };
        let base_dir = other
            .as_ref()
            .and_then(|(p, _)| p.parent().map(Path::to_path_buf))
            .unwrap_or_else(|| dir.to_path_buf());
        seen.push(key);
        let base = self.resolve_extends(base_root, &base_dir, &base.value, seen, files);
        let mut merged = base.entries().to_vec();
        for e in service.entries() {
            if e.key.as_str() == Some("extends") {
                continue;
            }
            // Compose merges most keys; these are replaced outright.
            let replaced = matches!(e.key.as_str(), Some("command" | "entrypoint" | "profiles"));
            match merged.iter_mut().find(|m| m.key.as_str() == e.key.as_str()) {
                Some(m) if replaced => m.value = e.value.clone(),
                Some(m) => m.value = merge_values(&m.value, &e.value),
                None => merged.push(e.clone()),
            }
        }
        Node {
            kind: Kind::Map(merged),
            span: service.span,
            alias: service.alias,
            tag: service.tag.clone(),
        }
    }
    /// Interpolates a scalar; spans are exact when the scalar is written
    /// as is (plain, on one line), else every piece points at the scalar.
    pub(super) fn value(&mut self, node: &Node) -> Option<Value> {
        let text = match &node.kind {
            Kind::Scalar(s) => s.value.as_str(),
            _ => return None,
        };
        let source = self
            .sources
            .text(node.span.file)
            .get(node.span.start as usize..node.span.end as usize)
            .unwrap_or("");
        let origin = Origin {
            whole: node.span,
            offset: (source == text && node.alias.is_none()).then_some(node.span.start as usize),
        };
        match parse_template(text, origin) {
            Ok(mut v) => {
                v.bind(&|name| self.known(name, node.span));
                for (var, message) in v.failed_requirements() {
                    self.diagnostics.push(
                        Diagnostic::parse_error(
                            var.span,
                            format!(
                                "{} is set but empty, and `:?` makes compose stop here: {message}",
                                var.name
                            ),
                        )
                        .with_label("required non-empty"),
                    );
                }
                Some(v)
            }
            Err(e) => {
                self.diagnostics.push(
                    Diagnostic::parse_error(e.span, e.message).with_label("in this compose value"),
                );
                None
            }
        }
    }

    pub(super) fn text(&mut self, node: &Node) -> Option<String> {
        self.value(node).and_then(|v| v.text())
    }

    pub(super) fn strings(&mut self, node: Option<&Node>) -> Vec<String> {
        match node {
            Some(n) if matches!(n.kind, Kind::Seq(_)) => {
                n.items().iter().filter_map(|i| self.text(i)).collect()
            }
            Some(n) if matches!(n.kind, Kind::Map(_)) => n
                .entries()
                .iter()
                .filter_map(|e| e.key.as_str().map(str::to_string))
                .collect(),
            Some(n) => self.text(n).into_iter().collect(),
            None => Vec::new(),
        }
    }

    pub(super) fn service(
        &mut self,
        name: &str,
        name_span: Span,
        node: &Node,
        files: &mut Vec<FileId>,
    ) -> Service {
        let mut environment = self.env_files(node.get("env_file"), files);
        environment.extend(self.environment(node.get("environment")));
        let mut volumes = node
            .get("volumes")
            .map(|v| self.volumes(v))
            .unwrap_or_default();
        for v in &mut volumes {
            if v.kind == VolumeKind::Bind
                && let Some(source) = v.source.take()
            {
                v.source = Some(self.rebased(v.span.file, source));
            }
        }
        let mut build = node.get("build").map(|b| self.build(b));
        if let Some(b) = build.as_mut()
            && let Some(context) = b.context.take()
        {
            b.context = Some(self.rebased(b.span.file, context));
        }
        Service {
            name: name.to_string(),
            name_span,
            image: node.get("image").and_then(|n| self.value(n)),
            environment,
            ports: node.get("ports").map(|p| self.ports(p)).unwrap_or_default(),
            volumes,
            command: self.words(node.get("command")),
            entrypoint: self.words(node.get("entrypoint")),
            depends_on: self.strings(node.get("depends_on")),
            profiles: self.strings(node.get("profiles")),
            build,
            aliases: self.aliases(node),
            // No networks named, an empty list included: the default one.
            networks: node
                .get("networks")
                .map(|n| self.networks(n))
                .filter(|n| !n.is_empty()),
            // Known only at deploy time: kept as written, so that the
            // service is not taken for one on the default network.
            network_mode: node.get("network_mode").and_then(|n| {
                let v = self.value(n)?;
                Some((v.text().unwrap_or_else(|| v.template_text()), n.span))
            }),
            replaced: node
                .entries()
                .iter()
                .filter(|e| matches!(e.value.tag.as_deref(), Some("!reset" | "!override")))
                .filter_map(|e| e.key.as_str().map(str::to_string))
                .collect(),
        }
    }

    /// A bare `KEY`: the variable `KEY` of the outer environment.
    pub(super) fn outer(&self, key: &str, span: Span) -> Option<Value> {
        Some(Value {
            pieces: vec![crate::syntax::value::Piece::Var(
                crate::syntax::value::Var {
                    name: key.to_string(),
                    span,
                    op: None,
                    bound: self.vars.get(key).cloned(),
                    local: false,
                },
            )],
        })
    }
}
