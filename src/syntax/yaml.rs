//! YAML with exact spans, anchors, aliases and merge keys.
//!
//! `saphyr-parser` (a maintained YAML 1.2 parser) gives events with
//! positions; this module builds a tree whose every key and value carries
//! its [`Span`], resolves aliases (a copy keeps the anchored node's spans
//! and remembers the alias that brought it), applies merge keys (`<<: *x`)
//! with explicit keys winning, reports duplicate keys, and bounds alias
//! expansion so a "billion laughs" file is refused at once.
//!
//! serde_yaml is not used: it is deprecated, and it deserialises into
//! values without positions, so a finding could not point at the line.

use crate::diag::Diagnostic;
use crate::syntax::source::{CharOffsets, FileId, Span};
use saphyr_parser::{Event, Parser, ScalarStyle};
use std::collections::HashMap;

/// Nodes that aliases may copy into one file, in total.
pub const MAX_ALIAS_NODES: usize = 100_000;
/// Collections nested deeper than this are refused.
pub const MAX_DEPTH: usize = 128;

/// One YAML node.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub kind: Kind,
    /// Where the node is written (for an alias copy: the anchored node).
    pub span: Span,
    /// The alias (`*name`) that brought this copy in, if any.
    pub alias: Option<Span>,
    /// An explicit tag (`!!str`, compose's `!reset`), as handle + suffix.
    pub tag: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Scalar(Scalar),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

/// A scalar as written; typed readings are methods, so a quoted `"true"`
/// stays a string.
#[derive(Debug, Clone, PartialEq)]
pub struct Scalar {
    pub value: String,
    /// Plain (unquoted, not a block scalar).
    pub plain: bool,
}

/// A key and its value. `merged` is the span of the `<<` value that
/// brought the entry in, for entries that come from a merge key.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: Node,
    pub value: Node,
    pub merged: Option<Span>,
}

impl Node {
    /// The scalar text, for scalars.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar(s) => Some(&s.value),
            _ => None,
        }
    }

    /// A real YAML boolean: a plain, untagged (or `!!bool`) `true`/`false`
    /// in YAML 1.2's core spellings. The string `"true"` is not one.
    pub fn as_bool(&self) -> Option<bool> {
        let Kind::Scalar(s) = &self.kind else {
            return None;
        };
        let bool_tag = |t: &str| t == "!!bool" || t == "tag:yaml.org,2002:bool";
        if !s.plain || self.tag.as_deref().is_some_and(|t| !bool_tag(t)) {
            return None;
        }
        match s.value.as_str() {
            "true" | "True" | "TRUE" => Some(true),
            "false" | "False" | "FALSE" => Some(false),
            _ => None,
        }
    }

    /// A plain `null`, `~` or empty scalar.
    pub fn is_null(&self) -> bool {
        matches!(&self.kind, Kind::Scalar(s) if s.plain && self.tag.is_none()
            && matches!(s.value.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    pub fn entries(&self) -> &[Entry] {
        match &self.kind {
            Kind::Map(e) => e,
            _ => &[],
        }
    }

    pub fn items(&self) -> &[Node] {
        match &self.kind {
            Kind::Seq(i) => i,
            _ => &[],
        }
    }

    /// The entry of a mapping whose key is the scalar `key`.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.entries().iter().find(|e| e.key.as_str() == Some(key))
    }

    /// Follows a dotted path: `session.cookie.domain`, with list indices
    /// as `urls.0` or `urls[0]`.
    pub fn get(&self, path: &str) -> Option<&Node> {
        let mut node = self;
        for segment in path_segments(path) {
            node = match (&node.kind, segment) {
                (Kind::Map(_), seg) => &node.entry(seg)?.value,
                (Kind::Seq(items), seg) => items.get(seg.parse::<usize>().ok()?)?,
                (Kind::Scalar(_), _) => return None,
            };
        }
        Some(node)
    }

    /// How many nodes this subtree holds (itself included).
    fn size(&self) -> usize {
        1 + match &self.kind {
            Kind::Scalar(_) => 0,
            Kind::Seq(items) => items.iter().map(Node::size).sum(),
            Kind::Map(entries) => entries.iter().map(|e| e.key.size() + e.value.size()).sum(),
        }
    }
}

/// `a.b[0].c` → `a`, `b`, `0`, `c`.
fn path_segments(path: &str) -> impl Iterator<Item = &str> {
    path.split(['.', '[', ']']).filter(|s| !s.is_empty())
}

/// Parses every document of a YAML file. Errors are CFG001 diagnostics;
/// the first one ends the parse, like the YAML loaders of Ory and compose.
pub fn parse(file: FileId, text: &str) -> Result<Vec<Node>, Diagnostic> {
    let offsets = CharOffsets::new(text);
    let mut builder = Builder {
        file,
        offsets: &offsets,
        parser: Parser::new_from_str(text),
        anchors: HashMap::new(),
        alias_budget: MAX_ALIAS_NODES,
        depth: 0,
    };
    builder.stream()
}

struct Builder<'a> {
    file: FileId,
    offsets: &'a CharOffsets,
    parser: Parser<'a, saphyr_parser::StrInput<'a>>,
    anchors: HashMap<usize, Node>,
    alias_budget: usize,
    depth: usize,
}

type Next<'a> = (Event<'a>, Span);

impl<'a> Builder<'a> {
    fn span(&self, s: saphyr_parser::Span) -> Span {
        Span::new(
            self.file,
            self.offsets.byte(s.start.index()),
            self.offsets.byte(s.end.index()),
        )
    }

    fn next(&mut self) -> Result<Next<'a>, Diagnostic> {
        match self.parser.next_event() {
            Some(Ok((event, span))) => {
                let span = self.span(span);
                Ok((event, span))
            }
            Some(Err(e)) => {
                // An error found at the end of the input is shown at the
                // end of the last line that holds anything.
                let at = self
                    .offsets
                    .byte(e.marker().index())
                    .min(self.offsets.content_end());
                Err(Diagnostic::parse_error(
                    Span::new(self.file, at, at),
                    format!("invalid YAML: {}", e.info()),
                ))
            }
            None => Err(Diagnostic::parse_error(
                Span::new(self.file, self.offsets.len(), self.offsets.len()),
                "invalid YAML: unexpected end of input",
            )),
        }
    }

    fn stream(&mut self) -> Result<Vec<Node>, Diagnostic> {
        let mut docs = Vec::new();
        loop {
            let (event, span) = self.next()?;
            match event {
                Event::StreamEnd => return Ok(docs),
                Event::DocumentStart(_) => {
                    self.anchors.clear();
                    let (first, at) = self.next()?;
                    let root = self.node(first, at)?;
                    // DocumentEnd follows the root.
                    let _ = self.next()?;
                    docs.push(root);
                }
                Event::StreamStart | Event::DocumentEnd | Event::Nothing => {}
                _ => {
                    return Err(Diagnostic::parse_error(
                        span,
                        "invalid YAML: unexpected event",
                    ));
                }
            }
        }
    }

    fn remember(&mut self, anchor: usize, node: &Node) {
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
    }

    /// Builds the node that starts with `event`.
    fn node(&mut self, event: Event<'a>, span: Span) -> Result<Node, Diagnostic> {
        match event {
            Event::Scalar(value, style, anchor, tag) => {
                let node = Node {
                    kind: Kind::Scalar(Scalar {
                        value: value.into_owned(),
                        plain: style == ScalarStyle::Plain,
                    }),
                    span,
                    alias: None,
                    tag: tag.map(|t| format!("{}{}", t.handle, t.suffix)),
                };
                self.remember(anchor, &node);
                Ok(node)
            }
            Event::Alias(id) => {
                let Some(target) = self.anchors.get(&id) else {
                    return Err(Diagnostic::parse_error(
                        span,
                        "invalid YAML: alias to an unknown anchor",
                    ));
                };
                let size = target.size();
                if size > self.alias_budget {
                    return Err(Diagnostic::parse_error(
                        span,
                        format!(
                            "aliases in this file expand to more than {MAX_ALIAS_NODES} nodes; refusing to expand (an alias bomb?)"
                        ),
                    )
                    .with_label("this alias is one too many"));
                }
                self.alias_budget -= size;
                let mut copy = target.clone();
                copy.alias = Some(span);
                Ok(copy)
            }
            Event::SequenceStart(anchor, tag) => {
                let tag = tag.map(|t| format!("{}{}", t.handle, t.suffix));
                self.enter(span)?;
                let mut items = Vec::new();
                let end = loop {
                    let (event, at) = self.next()?;
                    if let Event::SequenceEnd = event {
                        break at;
                    }
                    items.push(self.node(event, at)?);
                };
                self.depth -= 1;
                let node = Node {
                    kind: Kind::Seq(items),
                    span: span.to(end),
                    alias: None,
                    tag,
                };
                self.remember(anchor, &node);
                Ok(node)
            }
            Event::MappingStart(anchor, tag) => {
                let tag = tag.map(|t| format!("{}{}", t.handle, t.suffix));
                self.enter(span)?;
                let mut explicit: Vec<Entry> = Vec::new();
                let mut seen: Option<HashMap<String, usize>> = None;
                let mut merges: Vec<(Node, Span)> = Vec::new();
                let end = loop {
                    let (event, at) = self.next()?;
                    if let Event::MappingEnd = event {
                        break at;
                    }
                    let key = self.node(event, at)?;
                    let (event, at) = self.next()?;
                    let value = self.node(event, at)?;
                    if key.as_str() == Some("<<") && key.alias.is_none() && is_plain(&key) {
                        let at = value.alias.unwrap_or(value.span);
                        merges.push((value, at));
                        continue;
                    }
                    if let Some(k) = key.as_str() {
                        // Small mappings (nearly all) are scanned; large
                        // ones get an index, so neither costs much.
                        let prev = if explicit.len() < INDEX_FROM {
                            explicit.iter().position(|e| e.key.as_str() == Some(k))
                        } else {
                            let index = seen.get_or_insert_with(|| index_keys(&explicit));
                            index.get(k).copied()
                        };
                        if let Some(prev) = prev {
                            let first = explicit.get(prev).map_or(key.span, |e| e.key.span);
                            return Err(Diagnostic::parse_error(
                                key.span,
                                format!("duplicate key '{k}' in this mapping"),
                            )
                            .with_label("defined again here")
                            .with_related(first, "first defined here"));
                        }
                        if let Some(index) = &mut seen {
                            index.insert(k.to_string(), explicit.len());
                        }
                    }
                    explicit.push(Entry {
                        key,
                        value,
                        merged: None,
                    });
                };
                self.depth -= 1;
                let entries = merge(explicit, merges, span)?;
                let node = Node {
                    kind: Kind::Map(entries),
                    span: span.to(end),
                    alias: None,
                    tag,
                };
                self.remember(anchor, &node);
                Ok(node)
            }
            _ => Err(Diagnostic::parse_error(
                span,
                "invalid YAML: unexpected event",
            )),
        }
    }

    fn enter(&mut self, span: Span) -> Result<(), Diagnostic> {
        if self.depth >= MAX_DEPTH {
            return Err(Diagnostic::parse_error(
                span,
                format!("YAML nested deeper than {MAX_DEPTH} levels"),
            ));
        }
        self.depth += 1;
        Ok(())
    }
}

/// From this many keys on, a mapping's duplicate check uses an index.
const INDEX_FROM: usize = 32;

/// Each key's text → the index of its entry.
fn index_keys(entries: &[Entry]) -> HashMap<String, usize> {
    entries
        .iter()
        .enumerate()
        .filter_map(|(i, e)| Some((e.key.as_str()?.to_string(), i)))
        .collect()
}

fn is_plain(n: &Node) -> bool {
    matches!(&n.kind, Kind::Scalar(s) if s.plain)
}

/// Applies merge keys: entries of the merged mappings that the mapping
/// does not set itself, earlier merges winning over later ones.
fn merge(
    mut explicit: Vec<Entry>,
    merges: Vec<(Node, Span)>,
    at: Span,
) -> Result<Vec<Entry>, Diagnostic> {
    if merges.is_empty() {
        return Ok(explicit);
    }
    let mut present: std::collections::HashSet<String> = explicit
        .iter()
        .filter_map(|e| e.key.as_str().map(str::to_string))
        .collect();
    for (value, from) in merges {
        let sources: Vec<&Node> = match &value.kind {
            Kind::Map(_) => vec![&value],
            Kind::Seq(items) => items.iter().collect(),
            Kind::Scalar(_) => {
                return Err(Diagnostic::parse_error(
                    from,
                    "a merge key (`<<`) takes a mapping or a list of mappings",
                )
                .with_related(at, "in this mapping"));
            }
        };
        for source in sources {
            for e in source.entries() {
                let Some(k) = e.key.as_str() else { continue };
                if present.insert(k.to_string()) {
                    let mut e = e.clone();
                    e.merged = Some(from);
                    explicit.push(e);
                }
            }
        }
    }
    Ok(explicit)
}

#[cfg(test)]
mod tests;
