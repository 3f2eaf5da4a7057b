//! Reading the files of a project: a compose file and the files it
//! includes or extends from (each once, depth-limited, inside the tree),
//! env files, and merging a later definition over an earlier one.

use super::*;
use crate::diag::Diagnostic;
use crate::syntax::source::{FileId, SourceMap, Span};
use crate::syntax::value::{Origin, parse_template};
use crate::syntax::yaml::{self, Kind, Node};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The variables of `files` read in order (a later one wins), then
/// `extra`, which wins over them all and is known while they are read.
pub(super) fn env_file_vars(
    sources: &SourceMap,
    files: &[PathBuf],
    extra: &Vars,
) -> (Vars, Vec<Diagnostic>) {
    let mut vars = Vars::new();
    let mut diagnostics = Vec::new();
    for path in files {
        match crate::discover::read_source(sources, path) {
            Ok((id, text)) => {
                let known = |name: &str| extra.get(name).or_else(|| vars.get(name)).cloned();
                match crate::load::dotenv::parse(id, &text, &known) {
                    Ok(env) => {
                        for e in env.entries {
                            if let Some(v) = e.value {
                                vars.insert(e.key, Arc::new(v));
                            }
                        }
                    }
                    Err(d) => diagnostics.push(d),
                }
            }
            Err(unreadable) => diagnostics.push(unreadable.at_file(sources)),
        }
    }
    for (k, v) in extra {
        vars.insert(k.clone(), v.clone());
    }
    (vars, diagnostics)
}

/// `include:` and `extends:` chains deeper than this are refused.
pub(super) const MAX_DEPTH: usize = 16;

/// Reads and parses a compose-format file once per run; a failure is a
/// CFG001 at `at` (the line that names it), or at the file itself.
pub(super) fn parse_file(
    sources: &SourceMap,
    path: &Path,
    at: Option<(Span, &str)>,
) -> Result<(FileId, Node), Diagnostic> {
    let text = crate::discover::read_text(sources, path).map_err(|error| {
        let unreadable = crate::discover::Unreadable {
            path: path.to_path_buf(),
            error,
        };
        match at {
            Some((span, what)) => match &unreadable.error {
                crate::discover::ReadError::Io(io) if io.kind() == std::io::ErrorKind::NotFound => {
                    Diagnostic::parse_error(
                        span,
                        format!(
                            "{what} {} does not exist",
                            crate::syntax::source::display_path(path)
                        ),
                    )
                }
                _ => unreadable.at(span, &format!("{what} ")),
            }
            .with_label("compose stops here"),
            None => unreadable.at_file(sources),
        }
    })?;
    let file = sources.add_once(path, text.as_str());
    let docs = yaml::parse(file, &text)?;
    let root = docs.into_iter().next().unwrap_or(Node {
        kind: Kind::Map(Vec::new()),
        span: Span::new(file, 0, 0),
        alias: None,
        tag: None,
    });
    Ok((file, root))
}

pub(super) fn load_chain(
    sources: &SourceMap,
    scope: &crate::discover::Scope,
    path: &Path,
    named_at: Option<Span>,
    project: &Project,
    chain: &mut Vec<PathBuf>,
) -> Compose {
    let mut out = Compose::default();
    let (file, root) = match parse_file(sources, path, named_at.map(|s| (s, "include"))) {
        Ok(parsed) => parsed,
        Err(d) => {
            out.diagnostics.push(d);
            return out;
        }
    };
    out.file = Some(file);
    out.files.push(file);
    let here = crate::discover::absolute(path);
    chain.push(here.clone());
    // Relative `include` and `extends` paths resolve against the project
    // folder, as compose-go's resource loader does (for every file of a
    // `-f` set, not only the first).
    for include in root.get("include").map(Node::items).unwrap_or(&[]) {
        let Some(c) = include_entry(sources, scope, include, project, chain, &mut out) else {
            continue;
        };
        out.files.extend(c.files);
        out.diagnostics.extend(c.diagnostics);
        for service in c.services {
            match out.services.iter().find(|s| s.name == service.name) {
                // The same definition included twice (two includes of one
                // file) is one service, as compose takes it.
                Some(earlier) if earlier.name_span == service.name_span => {}
                Some(earlier) => out.diagnostics.push(
                    Diagnostic::parse_error(
                        service.name_span,
                        format!(
                            "included files define service {} twice; compose refuses conflicting definitions",
                            service.name
                        ),
                    )
                    .with_related(earlier.name_span, "defined here")
                    .with_label("defined again"),
                ),
                None => out.services.push(service),
            }
        }
    }
    let mut ctx = Ctx {
        sources,
        vars: project.vars,
        scope,
        project: project.dir,
        // The file's own relative paths resolve against the project folder
        // (every file of a `-f` set; an include's own project folder).
        bases: vec![(file, PathBuf::new())],
        required_env_file: project.required_env_file,
        unreadable: Vec::new(),
        diagnostics: Vec::new(),
    };
    for entry in root.get("services").map(Node::entries).unwrap_or(&[]) {
        let Some(name) = entry.key.as_str() else {
            continue;
        };
        let mut seen = vec![(here.clone(), name.to_string())];
        let node = ctx.resolve_extends(&root, project.dir, &entry.value, &mut seen, &mut out.files);
        let service = ctx.service(name, entry.key.span, &node, &mut out.files);
        if let Some(earlier) = out.services.iter().find(|s| s.name == service.name) {
            ctx.diagnostics.push(
                Diagnostic::parse_error(
                    entry.key.span,
                    format!(
                        "service {name} is also defined by an included file ({}); compose refuses a redefinition",
                        sources.display_path(earlier.name_span.file)
                    ),
                )
                .with_related(earlier.name_span, "defined here")
                .with_label("defined again"),
            );
            continue;
        }
        out.services.push(service);
    }
    chain.pop();
    out.diagnostics.append(&mut ctx.diagnostics);
    out
}

/// The folder of a file's relative paths, said relative to the project
/// folder when it is another (`""` when it is the project's own).
pub(super) fn project_base(project: &Path, dir: &Path) -> PathBuf {
    if project == dir {
        return PathBuf::new();
    }
    let (p, d) = (
        crate::discover::absolute(project),
        crate::discover::absolute(dir),
    );
    if p == d {
        return PathBuf::new();
    }
    pathdiff::diff_paths(&d, &p).unwrap_or(d)
}

/// A relative path written in a file whose folder is `base` (relative
/// to the project), said from the project folder: `./kratos` or `kratos`
/// in `ory/compose.yml` is `./ory/kratos`. Absolute paths, `~` and URLs
/// (a git build context) are left as written; callers pass paths only
/// (a bind mount's source, a build context), never a named volume.
pub(super) fn rebase_path(base: &Path, rel: String) -> String {
    let absolute = rel.starts_with(['/', '~', '$']) || Path::new(&rel).is_absolute();
    let url = rel.contains("://") || rel.starts_with("git@");
    if base.as_os_str().is_empty() || absolute || url {
        return rel;
    }
    let joined = crate::discover::normalize(&base.join(&rel));
    let text = joined.to_string_lossy().replace('\\', "/");
    if text.starts_with("..") {
        text
    } else {
        format!("./{text}")
    }
}

/// One `include:` entry (a path, or `path` with `project_directory` and
/// `env_file`), loaded as its own project: the files `path` lists merged
/// in order like a `-f` set, relative paths resolved against its project
/// folder (`project_directory`, else the first file's folder), variables
/// from its `env_file`s (else that folder's `.env`) under the including
/// project's, which win. Paths the entry writes are the including
/// project's. A file compose cannot read stops it: CFG001, `None`.
pub(super) fn include_entry(
    sources: &SourceMap,
    scope: &crate::discover::Scope,
    entry: &Node,
    project: &Project,
    chain: &mut Vec<PathBuf>,
    out: &mut Compose,
) -> Option<Compose> {
    let paths: Vec<&Node> = match entry.get("path") {
        Some(p) if matches!(p.kind, Kind::Seq(_)) => p.items().iter().collect(),
        Some(p) => vec![p],
        None if matches!(entry.kind, Kind::Scalar(_)) => vec![entry],
        None => Vec::new(),
    };
    let text_of = |n: &Node| {
        let mut v = parse_template(
            n.as_str()?,
            Origin {
                whole: n.span,
                offset: None,
            },
        )
        .ok()?;
        v.bind(&|name| project.vars.get(name).cloned());
        v.text()
    };
    let mut refuse = |span: Span, message: String, label: &str| {
        out.diagnostics
            .push(Diagnostic::parse_error(span, message).with_label(label));
        None
    };
    let mut files = Vec::new();
    for node in paths {
        let Some(rel) = text_of(node) else { continue };
        // A remote include (an OCI artifact, a git URL) is not in the tree.
        if rel.contains("://") || rel.starts_with("git@") {
            continue;
        }
        let path = crate::discover::normalize(&project.dir.join(&rel));
        if chain.contains(&crate::discover::absolute(&path)) {
            return refuse(
                node.span,
                format!("include {rel} includes itself (a cycle)"),
                "this include closes the cycle",
            );
        }
        if chain.len() >= MAX_DEPTH {
            return refuse(
                node.span,
                format!("include {rel} is nested more than {MAX_DEPTH} deep"),
                "this include",
            );
        }
        if path.exists() && !scope.contains(&path) {
            return refuse(
                node.span,
                format!("include {rel} is outside the checked tree; isolint does not read it"),
                "this include",
            );
        }
        files.push((path, node.span));
    }
    let (first, _) = files.first()?;
    let dir = entry
        .get("project_directory")
        .and_then(text_of)
        .map_or_else(
            || first.parent().map(Path::to_path_buf).unwrap_or_default(),
            |d| crate::discover::normalize(&project.dir.join(d)),
        );
    let listed: Vec<&Node> = match entry.get("env_file") {
        Some(e) if matches!(e.kind, Kind::Seq(_)) => e.items().iter().collect(),
        Some(e) => vec![e],
        None => Vec::new(),
    };
    let mut env_files = Vec::new();
    for node in listed {
        let Some(rel) = text_of(node) else { continue };
        let path = crate::discover::normalize(&project.dir.join(&rel));
        if !path.is_file() {
            return refuse(
                node.span,
                format!("include env_file {rel} does not exist"),
                "compose stops here",
            );
        }
        env_files.push(path);
    }
    if env_files.is_empty() {
        env_files.extend(Some(dir.join(".env")).filter(|p| p.is_file()));
    }
    let (vars, mut diagnostics) = env_file_vars(sources, &env_files, project.vars);
    out.diagnostics.append(&mut diagnostics);
    let included = Project {
        dir: &dir,
        vars: &vars,
        required_env_file: project.required_env_file,
    };
    let mut merged = Compose::default();
    for (path, span) in files {
        let c = load_chain(sources, scope, &path, Some(span), &included, chain);
        merged.files.extend(c.files);
        merged.diagnostics.extend(c.diagnostics);
        for service in c.services {
            match merged.services.iter_mut().find(|s| s.name == service.name) {
                Some(earlier) => earlier.overlay(service),
                None => merged.services.push(service),
            }
        }
    }
    // The included project's relative paths, said from the including one.
    let base = project_base(project.dir, &dir);
    for service in &mut merged.services {
        service.rebase(&base);
    }
    Some(merged)
}

pub(super) fn merge_values(base: &Node, over: &Node) -> Node {
    // Compose's `!reset` and `!override` replace instead of merging.
    if matches!(over.tag.as_deref(), Some("!reset" | "!override")) {
        return over.clone();
    }
    match (&base.kind, &over.kind) {
        (Kind::Seq(a), Kind::Seq(b)) => Node {
            kind: Kind::Seq(a.iter().chain(b).cloned().collect()),
            span: over.span,
            alias: over.alias,
            tag: over.tag.clone(),
        },
        (Kind::Map(a), Kind::Map(b)) => {
            let mut merged = a.clone();
            for e in b {
                match merged.iter_mut().find(|m| m.key.as_str() == e.key.as_str()) {
                    Some(m) => m.value = e.value.clone(),
                    None => merged.push(e.clone()),
                }
            }
            Node {
                kind: Kind::Map(merged),
                span: over.span,
                alias: over.alias,
                tag: over.tag.clone(),
            }
        }
        _ => over.clone(),
    }
}
