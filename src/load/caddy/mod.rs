//! A Caddyfile and everything it imports, resolved into site blocks.
//!
//! [`load`] reads a Caddyfile, expands `import` (snippets, files, globs,
//! arguments, blocks) and collects snippets, named routes and sites in
//! Caddy's order. Import cycles, missing files and files outside the
//! checked tree become CFG001 diagnostics at the `import` line; the rest of
//! the Caddyfile is still loaded. [`sites`] then turns the expanded sites
//! into addresses and upstreams.

pub mod address;
mod imports;
pub mod shorthand;
pub mod sites;
pub mod upstream;

use crate::diag::Diagnostic;
use crate::discover::Scope;
use crate::syntax::caddyfile::ast::{Body, Directive, Entry, EntryKind, TopItem};
use crate::syntax::caddyfile::parser::{parse_directives, parse_file};
use crate::syntax::caddyfile::token::{Env, Token};
use crate::syntax::source::{FileId, SourceMap, Span};
use imports::{BlockArgs, ImportLine, Target, glob_files, set_via, substitute};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Imports nested deeper than this are refused (a runaway recursion that
/// is not a cycle, e.g. through ever-longer arguments).
const MAX_IMPORT_DEPTH: usize = 32;
/// Directives one Caddyfile may expand to; bounds exponential imports.
const MAX_EXPANDED_DIRECTIVES: usize = 200_000;

/// A loaded Caddyfile.
#[derive(Debug, Clone, Default)]
pub struct CaddyConfig {
    /// The file that was loaded.
    pub file: Option<FileId>,
    pub global_options: Option<Entry>,
    /// Site blocks, imports expanded, in file order.
    pub sites: Vec<Entry>,
    /// Named routes by name, imports expanded.
    pub named_routes: BTreeMap<String, Entry>,
    /// Every file read, the Caddyfile first.
    pub files: Vec<FileId>,
    /// CFG001 diagnostics.
    pub diagnostics: Vec<Diagnostic>,
}

/// Loads `path` and its imports, reading only inside `scope`.
pub fn load(sources: &SourceMap, scope: &Scope, path: &Path, env: &Env) -> CaddyConfig {
    let mut loader = Loader::new(sources, scope, env);
    match loader.read(path, None) {
        Ok(file) => loader.run(file, path),
        Err(d) => loader.config.diagnostics.push(d),
    }
    loader.config
}

/// Like [`load`], with the Caddyfile's own text given (an editor's
/// unsaved buffer, or a benchmark's input); imports are still read from
/// disk relative to `path`.
pub fn load_text(
    sources: &SourceMap,
    scope: &Scope,
    path: &Path,
    text: &str,
    env: &Env,
) -> CaddyConfig {
    let mut loader = Loader::new(sources, scope, env);
    let file = loader.sources.add(path, text);
    loader.config.files.push(file);
    loader.run(file, path);
    loader.config
}

struct Snippet {
    body: Vec<Directive>,
}

pub(crate) struct Loader<'a> {
    sources: &'a SourceMap,
    scope: &'a Scope,
    env: &'a Env,
    snippets: HashMap<String, Snippet>,
    token_cache: HashMap<FileId, Result<Arc<[Token]>, Diagnostic>>,
    config: CaddyConfig,
    /// Import nodes being expanded (file paths, `file:snippet`), for cycles.
    stack: Vec<String>,
    expanded: usize,
    /// Top-level blocks read so far (global options must be first).
    blocks_seen: usize,
}

impl<'a> Loader<'a> {
    fn new(sources: &'a SourceMap, scope: &'a Scope, env: &'a Env) -> Loader<'a> {
        Loader {
            sources,
            scope,
            env,
            snippets: HashMap::new(),
            token_cache: HashMap::new(),
            config: CaddyConfig::default(),
            stack: Vec::new(),
            expanded: 0,
            blocks_seen: 0,
        }
    }

    /// Parses the top-level file and expands everything it imports.
    fn run(&mut self, file: FileId, path: &Path) {
        self.config.file = Some(file);
        match self.tokens(file).and_then(|tokens| parse_file(&tokens)) {
            Ok(parsed) => {
                let node = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
                self.stack.push(node.to_string_lossy().to_string());
                self.top_items(parsed.items);
            }
            Err(d) => self.config.diagnostics.push(d),
        }
    }

    pub(crate) fn env(&self) -> &Env {
        self.env
    }

    /// Reads a file into the source map (once). `at` is the import line
    /// that asked for it, for the diagnostic when it cannot be read.
    fn read(&mut self, path: &Path, at: Option<Span>) -> Result<FileId, Diagnostic> {
        if let Some(id) = self.sources.find(path) {
            if !self.config.files.contains(&id) {
                self.config.files.push(id);
            }
            return Ok(id);
        }
        match crate::discover::read_source(self.sources, path) {
            Ok((id, _)) => {
                self.config.files.push(id);
                Ok(id)
            }
            Err(unreadable) => Err(match at {
                Some(span) => unreadable.at(span, "Could not import "),
                None => unreadable.at_file(self.sources),
            }),
        }
    }

    /// A file's tokens, lexed once however often it is imported.
    fn tokens(&mut self, file: FileId) -> Result<Arc<[Token]>, Diagnostic> {
        if let Some(cached) = self.token_cache.get(&file) {
            return cached.clone();
        }
        let lexed =
            crate::syntax::caddyfile::lexer::lex_with_env(file, self.sources.text(file), self.env)
                .map(Arc::from);
        self.token_cache.insert(file, lexed.clone());
        lexed
    }

    fn top_items(&mut self, items: Vec<TopItem>) {
        for item in items {
            match item {
                TopItem::Import(d) => {
                    if let Err(e) = self.import_top(&d) {
                        self.config.diagnostics.push(e);
                    }
                }
                TopItem::Entry(e) => {
                    if let Err(e) = self.entry(e) {
                        self.config.diagnostics.push(e);
                    }
                }
            }
        }
    }

    fn entry(&mut self, mut entry: Entry) -> Result<(), Diagnostic> {
        let kind = entry.kind();
        // (Caddy drops snippets as it parses: they do not count.)
        if !matches!(kind, EntryKind::GlobalOptions | EntryKind::Snippet) {
            self.blocks_seen += 1;
        }
        match kind {
            EntryKind::Snippet => {
                let name = entry.defined_name().unwrap_or_default();
                if self.snippets.contains_key(&name) {
                    let span = entry.head_span().unwrap_or(Span::new(FileId(0), 0, 0));
                    return Err(Diagnostic::parse_error(
                        span,
                        format!("redeclaration of previously declared snippet {name}"),
                    ));
                }
                let body = entry.directives().to_vec();
                self.snippets.insert(name, Snippet { body });
            }
            EntryKind::NamedRoute => {
                let name = entry.defined_name().unwrap_or_default();
                if self.config.named_routes.contains_key(&name) {
                    let span = entry.head_span().unwrap_or(Span::new(FileId(0), 0, 0));
                    return Err(Diagnostic::parse_error(
                        span,
                        format!("redeclaration of previously declared named route {name}"),
                    ));
                }
                // Reported, and the route still kept, so that its `invoke`
                // lines are not reported as well.
                if let Some(import) = import_with_block(entry.directives()) {
                    self.config.diagnostics.push(
                        Diagnostic::parse_error(
                            import.span,
                            "unrecognized directive: import - Caddy expands no import with a block inside a named route",
                        )
                        .with_label("an import with a block, in a named route"),
                    );
                }
                let body = std::mem::take(entry.directives_mut());
                *entry.directives_mut() = self.body(body);
                self.config.named_routes.insert(name, entry);
            }
            EntryKind::GlobalOptions => {
                if self.blocks_seen > 0 {
                    let span = entry.head_span().unwrap_or(Span::new(FileId(0), 0, 0));
                    return Err(Diagnostic::parse_error(
                        span,
                        "a block without an address is the global options block, and it must come first",
                    )
                    .with_label("Caddy refuses global options after another block"));
                }
                let body = std::mem::take(entry.directives_mut());
                *entry.directives_mut() = self.body(body);
                self.config.global_options = Some(entry);
            }
            EntryKind::Site => {
                site_head(&entry)?;
                let body = std::mem::take(entry.directives_mut());
                *entry.directives_mut() = self.body(body);
                self.config.sites.push(entry);
            }
        }
        Ok(())
    }

    /// Expands the imports of a block body, recursively.
    fn body(&mut self, dirs: Vec<Directive>) -> Vec<Directive> {
        let mut out = Vec::with_capacity(dirs.len());
        for mut d in dirs {
            if d.tokens.first().is_some_and(|t| t.text() == "import") {
                match self.import_body(&d) {
                    Ok(mut spliced) => out.append(&mut spliced),
                    Err(e) => self.config.diagnostics.push(e),
                }
                continue;
            }
            if let Some(b) = d.block.as_mut() {
                b.body = self.body(std::mem::take(&mut b.body));
            }
            out.push(d);
        }
        out
    }

    /// Resolves what an import line names, guarding against cycles.
    fn target(&mut self, line: &ImportLine) -> Result<(Target, String), Diagnostic> {
        if self.snippets.contains_key(&line.pattern) {
            let node = format!("snippet:{}", line.pattern);
            return Ok((Target::Snippet(line.pattern.clone()), node));
        }
        let dir = self
            .sources
            .path(line.span.file)
            .parent()
            .map_or_else(PathBuf::new, Path::to_path_buf);
        let files: Vec<PathBuf> = glob_files(&dir, &line.pattern)
            .map_err(|m| Diagnostic::parse_error(line.span, m).with_label("this import"))?
            .into_iter()
            .map(|f| f.canonicalize().unwrap_or(f))
            .collect();
        for f in &files {
            if !self.scope.contains(f) {
                return Err(Diagnostic::parse_error(
                    line.span,
                    format!(
                        "import of {} leaves the checked tree; isolint does not read outside {}",
                        line.pattern,
                        crate::syntax::source::display_path(self.scope.root())
                    ),
                )
                .with_label("imports a file outside the tree"));
            }
        }
        let node = files
            .iter()
            .map(|f| f.to_string_lossy().to_string())
            .collect::<Vec<_>>()
            .join(",");
        Ok((Target::Files(files), node))
    }

    /// Enters an import node, or reports the cycle it would close.
    fn enter(&mut self, line: &ImportLine, node: &str) -> Result<(), Diagnostic> {
        if self.stack.iter().any(|n| n == node) {
            let mut d = Diagnostic::parse_error(
                line.span,
                format!(
                    "a cycle of imports exists: importing {} here leads back to itself",
                    line.pattern
                ),
            )
            .with_label("this import closes the cycle");
            if let Some(first) = line.directive.tokens.first() {
                for s in first.via.iter() {
                    d = d.with_related(*s, "imported through here");
                }
            }
            return Err(d);
        }
        if self.stack.len() >= MAX_IMPORT_DEPTH {
            return Err(Diagnostic::parse_error(
                line.span,
                format!("imports nested deeper than {MAX_IMPORT_DEPTH} levels"),
            ));
        }
        self.stack.push(node.to_string());
        Ok(())
    }

    /// Marks imported directives with their import chain and substitutes
    /// the import's arguments and blocks, within the expansion budget.
    fn prepare(
        &mut self,
        line: &ImportLine,
        mut dirs: Vec<Directive>,
        blocks: &BlockArgs,
    ) -> Result<Vec<Directive>, Diagnostic> {
        set_via(&mut dirs, &line.chain());
        let mut budget = MAX_EXPANDED_DIRECTIVES.saturating_sub(self.expanded);
        let before = budget;
        let out = substitute(dirs, line.args, blocks, &mut budget).map_err(|_| {
            Diagnostic::parse_error(
                line.span,
                format!(
                    "imports expand to more than {MAX_EXPANDED_DIRECTIVES} directives; refusing to expand further"
                ),
            )
        })?;
        self.expanded += before - budget;
        Ok(out)
    }

    /// The directives an import brings, before its own imports are
    /// expanded. A file imported at the top level is read as entries, each
    /// entry as one directive whose tokens are its keys.
    fn imported(
        &mut self,
        line: &ImportLine,
        target: &Target,
        top: bool,
    ) -> Result<Vec<Directive>, Diagnostic> {
        let files = match target {
            Target::Snippet(name) => {
                return Ok(self
                    .snippets
                    .get(name)
                    .map(|s| s.body.clone())
                    .unwrap_or_default());
            }
            Target::Files(files) => files,
        };
        let mut dirs = Vec::new();
        for f in files {
            let id = self.read(f, Some(line.span))?;
            let parsed = self.tokens(id).and_then(|tokens| {
                if top {
                    Ok(parse_file(&tokens)?
                        .items
                        .into_iter()
                        .map(item_to_directive)
                        .collect())
                } else {
                    parse_directives(&tokens)
                }
            });
            dirs.extend(parsed.map_err(|e| e.with_related(line.span, "imported here"))?);
        }
        Ok(dirs)
    }

    /// The directives an import line brings, arguments substituted. A
    /// cycle is refused before anything is read. On success the import's
    /// node stays on the stack until the caller has expanded the result.
    fn expand_import(&mut self, d: &Directive, top: bool) -> Result<Vec<Directive>, Diagnostic> {
        let line = ImportLine::read(self, d)?;
        let (target, node) = self.target(&line)?;
        // The import's own block is expanded where it is written, before
        // the import is entered (so `import s { import s }` is no cycle).
        let block = d.block.clone().map(|mut b| {
            b.body = self.body(std::mem::take(&mut b.body));
            b
        });
        let blocks = BlockArgs::from_block(block.as_ref())?;
        self.enter(&line, &node)?;
        let dirs = self
            .imported(&line, &target, top)
            .and_then(|dirs| self.prepare(&line, dirs, &blocks));
        if dirs.is_err() {
            self.stack.pop();
        }
        dirs
    }

    fn import_body(&mut self, d: &Directive) -> Result<Vec<Directive>, Diagnostic> {
        let dirs = self.expand_import(d, false)?;
        let out = self.body(dirs);
        self.stack.pop();
        Ok(out)
    }

    fn import_top(&mut self, d: &Directive) -> Result<(), Diagnostic> {
        let dirs = self.expand_import(d, true)?;
        self.top_items(dirs.into_iter().map(directive_to_item).collect());
        self.stack.pop();
        Ok(())
    }
}

/// What Caddy's adapter refuses in a site's head: a key that is a known
/// directive (a directive written outside any site, which Caddy reads as
/// the address of a site that runs to the end of the file), and, after a
/// site written without braces, a second site (Caddy reads it as one more
/// directive of the first, which it does not recognise).
fn site_head(entry: &Entry) -> Result<(), Diagnostic> {
    if let Some(key) = entry
        .keys
        .iter()
        .find(|k| sites::is_standard_directive(&k.text()))
    {
        let name = key.text();
        return Err(Diagnostic::parse_error(
            key.span,
            format!(
                "parsed '{name}' as a site address, but it is a known directive; directives must appear in a site block"
            ),
        )
        .with_label("a directive outside any site"));
    }
    if let Body::Unbraced(body) = &entry.body
        && let Some(d) = body
            .iter()
            .find(|d| d.block.is_some() && looks_like_address(&d.name()))
        && let Some(name) = d.tokens.first()
    {
        return Err(Diagnostic::parse_error(
            name.span,
            format!(
                "unrecognized directive: {}; did you mean to define a second site? If so, you must use curly braces around each site to separate their configurations",
                name.text()
            ),
        )
        .with_label("read as a directive of the site above, which has no braces"));
    }
    Ok(())
}

/// The first `import` with a block in `dirs`, at any depth.
fn import_with_block(dirs: &[Directive]) -> Option<&Token> {
    dirs.iter().find_map(|d| {
        let block = d.block.as_ref()?;
        match d.tokens.first() {
            Some(t) if t.text() == "import" => Some(t),
            _ => import_with_block(&block.body),
        }
    })
}

/// A directive name no directive has: an address's port, host or scheme.
fn looks_like_address(name: &str) -> bool {
    name.contains([':', '.', '/']) || name.starts_with("{$") || name == "localhost"
}

/// A top-level item as one directive: its keys are the tokens, its body
/// the block.
fn item_to_directive(item: TopItem) -> Directive {
    match item {
        TopItem::Import(d) => d,
        TopItem::Entry(e) => {
            let block = match e.body {
                Body::Braced(b) => Some(b),
                Body::Unbraced(body) => {
                    let at = e
                        .keys
                        .first()
                        .map_or(Span::new(FileId(0), 0, 0), |t| t.span);
                    Some(crate::syntax::caddyfile::ast::Block {
                        open: at,
                        close: at,
                        body,
                    })
                }
            };
            Directive {
                tokens: e.keys,
                block,
            }
        }
    }
}

/// A line of imported top-level text, read as an entry (site addresses
/// lose a trailing comma, as in the parser).
fn directive_to_item(d: Directive) -> TopItem {
    if d.tokens.first().is_some_and(|t| t.text() == "import") {
        return TopItem::Import(d);
    }
    let body = match d.block {
        Some(b) => Body::Braced(b),
        None => Body::Unbraced(Vec::new()),
    };
    let keys = d
        .tokens
        .into_iter()
        .filter_map(|mut t| {
            if t.text().ends_with(',') {
                crate::syntax::caddyfile::parser::strip_trailing_comma(&mut t);
            }
            (!t.text().is_empty()).then_some(t)
        })
        .collect();
    TopItem::Entry(Entry { keys, body })
}
