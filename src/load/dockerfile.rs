//! A locally built service's Dockerfile (`parse-dockerfile`), for what it
//! says about the running container: the image its final stage is built
//! from (a build-only Kratos is `FROM oryd/kratos`), its `ENTRYPOINT` and
//! `CMD` where compose sets none (the `-c` path of a baked-in config), and
//! the build-context files it `COPY`s or `ADD`s in, which are read as
//! read-only mounts of those files: an Ory config, a Caddyfile or an init
//! script baked into the image is found as a mounted one is.

use crate::diag::Diagnostic;
use crate::load::compose::{Service, Volume, VolumeKind};
use crate::syntax::source::{FileId, SourceMap, Span};
use crate::syntax::value::Value;
use parse_dockerfile::{Command, Instruction, Source};
use std::path::{Path, PathBuf};

/// The Dockerfile of a build: `dockerfile` relative to the context, else
/// `Dockerfile`, else podman's `Containerfile`.
fn dockerfile_path(context: &Path, dockerfile: Option<&str>) -> Option<PathBuf> {
    match dockerfile {
        Some(name) => Some(crate::discover::normalize(&context.join(name))),
        None => ["Dockerfile", "Containerfile"]
            .iter()
            .map(|n| context.join(n))
            .find(|p| p.is_file()),
    }
}

/// Reads the Dockerfile of `service` (when it is built from a local
/// context) and applies what it says: the final stage's base image,
/// `ENTRYPOINT`/`CMD` where compose sets none, `COPY`/`ADD` of context
/// files as read-only mounts. `dir` is the project folder.
pub fn apply(
    sources: &SourceMap,
    scope: &crate::discover::Scope,
    service: &mut Service,
    dir: &Path,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let Some(build) = &service.build else {
        return;
    };
    let Some(context) = build.context.as_deref() else {
        return;
    };
    // A remote context (a git URL) is not in the tree.
    if context.contains("://") || context.starts_with("git@") {
        return;
    }
    let context_dir = crate::discover::normalize(&dir.join(context));
    let Some(path) = dockerfile_path(&context_dir, build.dockerfile.as_deref()) else {
        return;
    };
    if !path.is_file() || !scope.contains(&path) {
        return;
    }
    let Ok(text) = crate::discover::read_text(sources, &path) else {
        return;
    };
    let file = sources.add_once(&path, text.as_str());
    let parsed = match parse_dockerfile::parse(&text) {
        Ok(d) => d,
        Err(e) => {
            // A Dockerfile this parser refuses may still build: a note
            // that what it bakes in is not checked, not a parse error.
            let at = byte_of(&text, e.line(), e.column());
            diagnostics.push(
                Diagnostic::unresolved(
                    Span::new(file, at, at),
                    format!(
                        "isolint cannot read this Dockerfile ({e}); what it builds into {} is not checked",
                        service.name
                    ),
                )
                .with_label("here"),
            );
            return;
        }
    };
    let stage = final_stage(&parsed.instructions);
    let build_from = stage.from.map(|f| f.to_string());
    if let Some(b) = service.build.as_mut() {
        b.from = build_from;
    }
    // Compose's `entrypoint` also drops the image's CMD.
    let compose_entrypoint = !service.entrypoint.is_empty();
    if !compose_entrypoint && let Some(c) = stage.entrypoint {
        service.entrypoint = words(file, &text, c);
    }
    if service.command.is_empty()
        && !compose_entrypoint
        && let Some(c) = stage.cmd
    {
        service.command = words(file, &text, c);
    }
    let base = pathdiff::diff_paths(
        crate::discover::absolute(&context_dir),
        crate::discover::absolute(dir),
    )
    .unwrap_or_else(|| context_dir.clone());
    // What compose bind-mounts hides what the image holds there.
    let mounted: Vec<String> = service
        .volumes
        .iter()
        .filter(|v| v.kind == VolumeKind::Bind)
        .map(|v| v.target.trim_end_matches('/').to_string())
        .collect();
    let hidden = |target: &str| {
        mounted.iter().any(|m| {
            target == m
                || target
                    .strip_prefix(m.as_str())
                    .is_some_and(|r| r.starts_with('/'))
        })
    };
    for (sources_, dest, workdir) in stage.copies {
        let many = sources_.len() > 1 || dest.ends_with('/');
        let dest = if dest.starts_with('/') {
            dest.to_string()
        } else {
            format!("{}/{dest}", workdir.trim_end_matches('/'))
        };
        for (src, span) in sources_ {
            // Globs, variables and URLs are not followed.
            if src.contains(['*', '?', '$']) || src.contains("://") {
                continue;
            }
            let host = crate::discover::normalize(&context_dir.join(src.trim_start_matches('/')));
            let target = if many && host.is_file() {
                let name = host
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                format!("{}/{name}", dest.trim_end_matches('/'))
            } else {
                dest.trim_end_matches('/').to_string()
            };
            // (`COPY . .` in `/app`: `/app`, not `/app/.`.)
            let target = crate::discover::normalize(Path::new(&target))
                .to_string_lossy()
                .replace('\\', "/");
            if hidden(&target) {
                continue;
            }
            let rel = crate::discover::normalize(&base.join(src.trim_start_matches('/')));
            let rel = rel.to_string_lossy().replace('\\', "/");
            service.volumes.push(Volume {
                kind: VolumeKind::Bind,
                source: Some(if rel.starts_with("..") {
                    rel
                } else {
                    format!("./{rel}")
                }),
                target,
                read_only: true,
                span: Span::new(file, span.start, span.end),
            });
        }
    }
}

/// What the final stage (and the stages it is built `FROM`) says.
#[derive(Default)]
struct Stage<'s, 'i> {
    from: Option<&'s str>,
    entrypoint: Option<&'s Command<'i>>,
    cmd: Option<&'s Command<'i>>,
    /// Whether this stage itself set `CMD` (an inherited one is reset by
    /// an `ENTRYPOINT`, as Docker does).
    cmd_here: bool,
    /// (sources with their spans, destination, `WORKDIR` at the time).
    copies: Vec<Copied<'s>>,
    /// Its last `WORKDIR`, for a stage built on it.
    workdir: Option<String>,
}

type Copied<'s> = (Vec<(&'s str, std::ops::Range<usize>)>, &'s str, String);

/// The final stage, with what it inherits from the stages it names in
/// `FROM` (`FROM base AS app` ... `FROM app`).
fn final_stage<'s, 'i>(instructions: &'s [Instruction<'i>]) -> Stage<'s, 'i> {
    // Each stage: its name, and what it says itself.
    let mut stages: Vec<(Option<&str>, Stage)> = Vec::new();
    let mut workdir = String::from("/");
    for ins in instructions {
        match ins {
            Instruction::From(f) => {
                let image = f.image.value.as_ref();
                let name = f.as_.as_ref().map(|(_, n)| n.value.as_ref());
                // Built on an earlier stage: it starts as that one is.
                let earlier = stages
                    .iter()
                    .find(|(n, _)| n.is_some_and(|n| n.eq_ignore_ascii_case(image)));
                let mut stage = match earlier {
                    Some((_, s)) => Stage {
                        from: s.from,
                        entrypoint: s.entrypoint,
                        cmd: s.cmd,
                        cmd_here: false,
                        copies: s.copies.clone(),
                        workdir: s.workdir.clone(),
                    },
                    None => Stage::default(),
                };
                if stage.from.is_none() {
                    stage.from = Some(image);
                }
                // A stage built on an earlier one keeps its WORKDIR.
                workdir = stage.workdir.clone().unwrap_or_else(|| "/".into());
                stages.push((name, stage));
            }
            Instruction::Workdir(w) => {
                let dir = w.arguments.value.as_ref();
                workdir = if dir.starts_with('/') {
                    dir.to_string()
                } else {
                    format!("{}/{dir}", workdir.trim_end_matches('/'))
                };
                if let Some((_, s)) = stages.last_mut() {
                    s.workdir = Some(workdir.clone());
                }
            }
            Instruction::Entrypoint(e) => {
                if let Some((_, s)) = stages.last_mut() {
                    s.entrypoint = Some(&e.arguments);
                    if !s.cmd_here {
                        s.cmd = None;
                    }
                }
            }
            Instruction::Cmd(c) => {
                if let Some((_, s)) = stages.last_mut() {
                    s.cmd = Some(&c.arguments);
                    s.cmd_here = true;
                }
            }
            Instruction::Copy(c) => {
                // `COPY --from=stage` copies from another image, not the context.
                if c.options.iter().any(|f| f.name.value == "from") {
                    continue;
                }
                if let Some((_, s)) = stages.last_mut() {
                    s.copies
                        .push((paths(&c.src), c.dest.value.as_ref(), workdir.clone()));
                }
            }
            Instruction::Add(a) => {
                if let Some((_, s)) = stages.last_mut() {
                    s.copies
                        .push((paths(&a.src), a.dest.value.as_ref(), workdir.clone()));
                }
            }
            _ => {}
        }
    }
    stages.pop().map(|(_, s)| s).unwrap_or_default()
}

fn paths<'s>(src: &'s [Source<'_>]) -> Vec<(&'s str, std::ops::Range<usize>)> {
    src.iter()
        .filter_map(|s| match s {
            Source::Path(p) => Some((p.value.as_ref(), p.span.clone())),
            _ => None,
        })
        .collect()
}

/// An `ENTRYPOINT`/`CMD` as words, each with its span in the Dockerfile.
fn words(file: FileId, text: &str, command: &Command<'_>) -> Vec<Value> {
    match command {
        Command::Exec(list) => list
            .value
            .iter()
            .map(|w| Value::literal(w.value.as_ref(), Span::new(file, w.span.start, w.span.end)))
            .collect(),
        Command::Shell(shell) => {
            let at = shell.span.start;
            let body = text.get(shell.span.clone()).unwrap_or(shell.value);
            let mut out = Vec::new();
            let mut start = None;
            for (i, c) in body
                .char_indices()
                .chain(std::iter::once((body.len(), ' ')))
            {
                match (c.is_whitespace(), start) {
                    (true, Some(s)) => {
                        out.push(Value::literal(
                            body.get(s..i).unwrap_or(""),
                            Span::new(file, at + s, at + i),
                        ));
                        start = None;
                    }
                    (false, None) => start = Some(i),
                    _ => {}
                }
            }
            out
        }
        _ => Vec::new(),
    }
}

/// The byte offset of a 1-based line and column, on a character's
/// boundary (a column past a multi-byte character never splits it).
fn byte_of(text: &str, line: usize, column: usize) -> usize {
    let start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let mut at = (start + column.saturating_sub(1)).min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_column_never_splits_a_character() {
        let text = "# é\nRUN x\n";
        assert_eq!(byte_of(text, 1, 4), 2);
        assert_eq!(byte_of(text, 2, 2), 6);
        assert_eq!(byte_of(text, 9, 9), text.len());
    }

    /// The final stage's ENTRYPOINT and CMD, as written.
    fn program(dockerfile: &str) -> (Option<String>, Option<String>) {
        let parsed = parse_dockerfile::parse(dockerfile).unwrap_or_else(|e| panic!("{e}"));
        let stage = final_stage(&parsed.instructions);
        let text = |c: Option<&Command<'_>>| {
            c.map(|c| {
                words(FileId(0), dockerfile, c)
                    .iter()
                    .filter_map(Value::text)
                    .collect::<Vec<_>>()
                    .join(" ")
            })
        };
        (text(stage.entrypoint), text(stage.cmd))
    }

    #[test]
    fn an_entrypoint_resets_an_inherited_cmd_but_not_its_own_stages() {
        let base = "FROM oryd/kratos:v1 AS base\nCMD [\"serve\", \"-c\", \"/a.yml\"]\n";
        assert_eq!(
            program(&format!("{base}FROM base\nENTRYPOINT [\"kratos\"]\n")),
            (Some("kratos".into()), None)
        );
        assert_eq!(
            program(&format!(
                "{base}FROM base\nCMD [\"serve\"]\nENTRYPOINT [\"kratos\"]\n"
            )),
            (Some("kratos".into()), Some("serve".into()))
        );
        assert_eq!(program(base), (None, Some("serve -c /a.yml".into())));
    }
}
