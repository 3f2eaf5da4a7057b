//! Compose projects as compose chooses them. Without `-f`, compose reads
//! the first of [`DEFAULT_FILES`] in a folder, then the first of
//! [`OVERRIDE_FILES`]; every other compose file (`compose.prod.yml`,
//! `quickstart-postgres.yml`) is a stack people pass with `-f`, so it is
//! checked as its own stack, never merged with its neighbours. A file that
//! another one includes or extends is part of that one, not a stack.
//! `isolint.toml` describes `-f` sets (`files = [...]`); their files are
//! taken out of discovery.

use crate::syntax::yaml::{self, Node};
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

/// The files compose reads without `-f`, in its order of preference.
pub const DEFAULT_FILES: [&str; 4] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yml",
    "docker-compose.yaml",
];

/// The override compose applies after the default file, in its order.
pub const OVERRIDE_FILES: [&str; 4] = [
    "compose.override.yml",
    "compose.override.yaml",
    "docker-compose.override.yml",
    "docker-compose.override.yaml",
];

/// One compose project: what `docker compose [-f ...]` would run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stack {
    /// The project folder: `.env`, relative paths and `$PWD` are its.
    pub dir: PathBuf,
    /// Compose files in merge order (`-f a -f b`); empty for a folder
    /// configured as an environment without one.
    pub files: Vec<PathBuf>,
    /// The environment's name, unique among the stacks of a run.
    pub name: String,
    /// Names its profile may come from, in order: the folder's, then the
    /// file's (`docker-compose.production.yaml` in `deploy/`).
    pub profile_names: Vec<String>,
    /// Deploy-time values for this stack (configured), read as
    /// `--env-file` is.
    pub env_files: Vec<PathBuf>,
    /// Whether it is named after its folder (else after a file), which
    /// decides how a clashing name is made unique.
    pub by_folder: bool,
    /// Seed scripts the tree's walk found in its folder (not in a folder
    /// below that is an environment of its own): run on their own unless
    /// a service mounts them.
    pub scripts: Vec<PathBuf>,
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn folder_name(dir: &Path) -> String {
    dir.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| dir.to_string_lossy().into_owned())
}

/// The name a compose file gives its stack: `compose.prod.yml` → `prod`,
/// `docker-compose-dev.yaml` → `dev`, `quickstart-postgres.yml` →
/// `quickstart-postgres`; `None` for `compose.yml` itself.
pub fn file_label(path: &Path) -> Option<String> {
    let stem = path.file_stem()?.to_string_lossy().into_owned();
    let rest = ["docker-compose", "compose"]
        .iter()
        .find_map(|p| stem.strip_prefix(p))
        .map_or(stem.as_str(), |r| r.trim_start_matches(['.', '-', '_']));
    (!rest.is_empty()).then(|| rest.to_string())
}

/// What compose reads without `-f`, from the files a folder has (`has`
/// gives the path of a name it holds): the first default file, then the
/// first override; nothing without a default file.
fn default_set(has: impl Fn(&str) -> Option<PathBuf>) -> Vec<PathBuf> {
    let Some(base) = DEFAULT_FILES.iter().find_map(|n| has(n)) else {
        return Vec::new();
    };
    std::iter::once(base)
        .chain(OVERRIDE_FILES.iter().find_map(|n| has(n)))
        .collect()
}

impl Stack {
    /// The stack compose runs in `dir` without `-f`: its default file and
    /// override (none when the folder has no default file), with the seed
    /// scripts a walk of the folder finds.
    pub fn of_folder(dir: &Path) -> Stack {
        let files = default_set(|name| Some(dir.join(name)).filter(|p| p.is_file()));
        let mut stack = Stack::of_folder_files(dir, files);
        let listing =
            crate::discover::list_tree(dir, crate::discover::Walk::default(), |_| false, |_| false);
        stack.scripts = scripts_in(dir, &listing);
        stack
    }

    /// A stack named after its folder `dir`.
    fn of_folder_files(dir: &Path, files: Vec<PathBuf>) -> Stack {
        let name = folder_name(dir);
        Stack {
            dir: dir.to_path_buf(),
            files,
            profile_names: vec![name.clone()],
            name,
            env_files: Vec::new(),
            by_folder: true,
            scripts: Vec::new(),
        }
    }

    /// A stack of the files given, in order (compose's `-f`): the project
    /// folder is the first file's.
    pub fn of_files(name: String, files: Vec<PathBuf>) -> Stack {
        let dir = files
            .first()
            .and_then(|f| f.parent())
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let mut profile_names = vec![name.clone(), folder_name(&dir)];
        profile_names.extend(files.last().and_then(|f| file_label(f)));
        Stack {
            dir,
            files,
            name,
            profile_names,
            env_files: Vec::new(),
            by_folder: false,
            scripts: Vec::new(),
        }
    }
}

/// The compose files that `path` includes (`include:`) or extends from
/// (`extends: {file}`), as written relative to `dir`, its project folder.
/// Only files that mention either are parsed.
fn references(path: &Path, dir: &Path) -> Vec<PathBuf> {
    let Ok(text) = crate::discover::read_disk(path) else {
        return Vec::new();
    };
    if !text.contains("include") && !text.contains("extends") {
        return Vec::new();
    }
    let Ok(docs) = yaml::parse(crate::syntax::source::FileId(0), &text) else {
        return Vec::new();
    };
    let Some(root) = docs.first() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut add = |node: &Node| {
        if let Some(p) = node.as_str().filter(|p| !p.contains('$')) {
            out.push(crate::discover::normalize(&dir.join(p)));
        }
    };
    for item in root.get("include").map(Node::items).unwrap_or(&[]) {
        match item.get("path") {
            Some(p) if p.items().is_empty() => add(p),
            Some(p) => p.items().iter().for_each(&mut add),
            None => add(item),
        }
    }
    // A default file that another extends from is still what `docker
    // compose up` runs in its folder: a stack of its own.
    let is_default = |node: &Node| {
        node.as_str()
            .and_then(|p| Path::new(p).file_name())
            .is_some_and(|n| DEFAULT_FILES.iter().any(|d| n == *d))
    };
    for service in root.get("services").map(Node::entries).unwrap_or(&[]) {
        if let Some(file) = service.value.get("extends").and_then(|e| e.get("file"))
            && !is_default(file)
        {
            add(file);
        }
    }
    out
}

/// Groups the compose files a walk found into stacks, as compose would
/// run them; `configured` folders without compose files are stacks of
/// their own, and the files of `sets` (the configured `-f` sets) are left
/// out, with what they include or extend (said from their project
/// folder). Names are made unique with the folder's path below `root`.
pub fn stacks(
    root: &Path,
    compose: &[PathBuf],
    configured: &[PathBuf],
    sets: &[Stack],
) -> Vec<Stack> {
    let canonical = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    let claimed: HashSet<PathBuf> = sets
        .iter()
        .flat_map(|s| s.files.iter().map(|f| canonical(f)))
        .collect();
    // Files are made canonical only to compare them with claimed or
    // referenced ones: a tree without either (the common case) needs none.
    let is_claimed = |f: &Path| !claimed.is_empty() && claimed.contains(&canonical(f));
    let discovered = compose
        .iter()
        .filter(|f| !is_claimed(f))
        .flat_map(|f| references(f, f.parent().unwrap_or(Path::new(""))));
    let configured_refs = sets
        .iter()
        .flat_map(|s| s.files.iter().flat_map(|f| references(f, &s.dir)));
    let referenced: HashSet<PathBuf> = discovered
        .chain(configured_refs)
        .map(|p| canonical(&p))
        .collect();
    let mut by_folder: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
    for file in compose {
        if !referenced.is_empty() && referenced.contains(&canonical(file)) {
            continue;
        }
        if let Some(dir) = file.parent() {
            by_folder
                .entry(dir.to_path_buf())
                .or_default()
                .push(file.clone());
        }
    }
    for dir in configured {
        by_folder.entry(dir.clone()).or_default();
    }
    let configured: HashSet<&PathBuf> = configured.iter().collect();
    let mut out = Vec::new();
    for (dir, files) in by_folder {
        let folder = folder_name(&dir);
        // A folder's only compose file names its stack after the folder
        // (`prod/compose.prod.yml` is `prod`); beside others (configured
        // sets' too), after itself.
        let alone = files.len() == 1;
        let files: Vec<PathBuf> = files.into_iter().filter(|f| !is_claimed(f)).collect();
        let has = |name: &str| files.iter().find(|f| file_name(f) == name).cloned();
        let set = default_set(has);
        // An override that lost to another is read by no compose run.
        let rest: Vec<&PathBuf> = files
            .iter()
            .filter(|f| !set.contains(f))
            .filter(|f| set.is_empty() || !OVERRIDE_FILES.contains(&file_name(f).as_str()))
            .collect();
        if !set.is_empty() {
            out.push(Stack::of_folder_files(&dir, set));
        } else if rest.is_empty() && configured.contains(&dir) {
            out.push(Stack::of_folder_files(&dir, Vec::new()));
        }
        for file in rest {
            let label = file_label(file);
            let name = if alone {
                folder.clone()
            } else {
                label.clone().unwrap_or_else(|| {
                    file.file_stem()
                        .map(|s| s.to_string_lossy().into_owned())
                        .unwrap_or_default()
                })
            };
            out.push(Stack {
                dir: dir.clone(),
                files: vec![file.clone()],
                name,
                profile_names: std::iter::once(folder.clone()).chain(label).collect(),
                env_files: Vec::new(),
                by_folder: alone,
                scripts: Vec::new(),
            });
        }
    }
    unique_names(root, &mut out);
    out
}

/// The seed scripts the walk found below `dir`, but for those in a
/// folder below it that is an environment of its own (a compose file or
/// a configured folder there). The listing is sorted, so what lies below
/// a folder is one run of it.
pub fn scripts_in(dir: &Path, listing: &crate::discover::Listing) -> Vec<PathBuf> {
    let below = |list: &[PathBuf]| -> std::ops::Range<usize> {
        let start = list.partition_point(|p| p.as_path() < dir);
        let len = list.get(start..).map_or(0, |rest| {
            rest.iter().take_while(|p| p.starts_with(dir)).count()
        });
        start..start + len
    };
    let nested: Vec<&Path> = [&listing.compose, &listing.configured]
        .into_iter()
        .flat_map(|list| list.get(below(list)).unwrap_or(&[]))
        .map(|p| {
            if listing.configured.contains(p) {
                p.as_path()
            } else {
                p.parent().unwrap_or(p)
            }
        })
        .filter(|n| *n != dir)
        .collect();
    listing
        .scripts
        .get(below(&listing.scripts))
        .unwrap_or(&[])
        .iter()
        .filter(|s| !nested.iter().any(|n| s.starts_with(n)))
        .cloned()
        .collect()
}

/// Gives stacks that share a name the folder's path below `root` as
/// theirs (`platform/cloud`, `ory/cloud`; a file's stack adds the file:
/// `ops/compose.prod.yml`), then a number if still needed.
pub fn unique_names(root: &Path, stacks: &mut [Stack]) {
    let names: Vec<String> = stacks.iter().map(|s| s.name.clone()).collect();
    let clashes = |name: &str| names.iter().filter(|n| *n == name).count() > 1;
    for stack in stacks.iter_mut().filter(|s| clashes(&s.name)) {
        let rel = stack
            .dir
            .strip_prefix(root)
            .map(|r| r.to_string_lossy().replace('\\', "/"))
            .unwrap_or_default();
        if rel.is_empty() {
            continue;
        }
        stack.name = match stack.files.first() {
            Some(file) if !stack.by_folder => format!("{rel}/{}", file_name(file)),
            _ => rel,
        };
    }
    let mut taken: Vec<String> = Vec::with_capacity(stacks.len());
    for stack in stacks.iter_mut() {
        let base = stack.name.clone();
        let mut n = 2;
        while taken.contains(&stack.name) {
            stack.name = format!("{base}-{n}");
            n += 1;
        }
        taken.push(stack.name.clone());
    }
}

#[cfg(test)]
mod tests;
