//! `isolint graph`: an environment drawn as its isolation boundary. The
//! domains are clusters; services, Caddy sites, databases and OAuth2
//! clients are nodes; the edges are what crosses or keeps the boundary:
//! a site to its upstreams, a service to its database, a service to the
//! services its URLs name, a client to the Hydra it is registered in, a
//! config folder mounted across the boundary.
//! Nodes and edges that a finding points at are red and carry its code.
//!
//! This file builds the drawing from the model; `mermaid.rs`, `dot.rs`
//! and `svg.rs` write it, and `summary.rs` puts the Mermaid form in a
//! GitHub job summary.

pub mod dot;
pub mod mermaid;
pub mod summary;
pub mod svg;

use crate::diag::{Diagnostic, Severity};
use crate::syntax::source::{SourceMap, Span};
use crate::syntax::value::Text;
use crate::syntax::value::Value;
use std::collections::BTreeSet;

mod build;
pub use build::*;

/// What a node or edge was drawn from: a span, and where it must have
/// been reached through to count. A token of a snippet (or a wrapper
/// function's `curl`) is one span for every site (or call) that uses it;
/// the import (or call) lines tell the uses apart.
#[derive(Debug, Clone)]
struct Anchor {
    span: Span,
    through: Vec<Span>,
}

impl Anchor {
    fn at(span: Span) -> Anchor {
        Anchor {
            span,
            through: Vec::new(),
        }
    }
}

/// How a node is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Service,
    Site,
    Database,
    Client,
    /// An upstream that is no service of the environment.
    External,
}

#[derive(Debug, Clone)]
pub struct Node {
    /// Unique in its graph, and safe as a Mermaid or DOT identifier.
    pub id: String,
    pub name: String,
    /// What it is: `kratos`, `app`, `site`, `database on postgres:5432`...
    pub kind: String,
    pub shape: Shape,
    pub domain: Option<String>,
    /// Codes of the findings that point at it.
    pub codes: BTreeSet<&'static str>,
    /// The worst of those findings (infos are not drawn).
    pub severity: Option<Severity>,
    anchors: Vec<Anchor>,
    /// The id before it was made unique: with name and kind, what says
    /// two nodes are the same thing.
    base: String,
}

impl Node {
    /// A node with no finding on it yet and nothing written for it.
    fn new(id: String, name: String, kind: String, shape: Shape, domain: Option<String>) -> Node {
        Node {
            id,
            name,
            kind,
            shape,
            domain,
            codes: BTreeSet::new(),
            severity: None,
            anchors: Vec::new(),
            base: String::new(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Edge {
    pub from: usize,
    pub to: usize,
    /// What makes the edge (`reverse_proxy`, `DSN`, `KRATOS_PUBLIC_URL`),
    /// one per source.
    pub labels: Vec<String>,
    pub codes: BTreeSet<&'static str>,
    pub severity: Option<Severity>,
    /// Drawn for a finding alone (dashed): the finding joins two nodes
    /// that no edge of the model joins (the same secret, colliding ports).
    pub finding: bool,
    anchors: Vec<Anchor>,
}

/// One environment's drawing.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    /// The environment's name (`None` for a lone Caddyfile).
    pub name: Option<String>,
    /// The domains that have nodes, in the policy's order.
    pub clusters: Vec<String>,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
}

impl Graph {
    /// Whether any node or edge is red.
    pub fn has_findings(&self) -> bool {
        self.nodes.iter().any(|n| !n.codes.is_empty())
            || self.edges.iter().any(|e| !e.codes.is_empty())
    }

    /// The part of the graph the findings are about: the nodes they mark
    /// and every node one edge from those, with the edges that touch a
    /// marked node. Empty when nothing is marked.
    pub fn focus(&self) -> Graph {
        let marked = |i: usize| self.nodes.get(i).is_some_and(|n| !n.codes.is_empty());
        let touching = |e: &Edge| !e.codes.is_empty() || marked(e.from) || marked(e.to);
        let mut keep: Vec<usize> = (0..self.nodes.len()).filter(|&i| marked(i)).collect();
        for e in self.edges.iter().filter(|e| touching(e)) {
            for i in [e.from, e.to] {
                if !keep.contains(&i) {
                    keep.push(i);
                }
            }
        }
        keep.sort_unstable();
        let new_index = |i: usize| keep.iter().position(|&k| k == i);
        let nodes: Vec<Node> = keep
            .iter()
            .filter_map(|&i| self.nodes.get(i).cloned())
            .collect();
        let edges = self
            .edges
            .iter()
            .filter(|e| touching(e))
            .filter_map(|e| {
                Some(Edge {
                    from: new_index(e.from)?,
                    to: new_index(e.to)?,
                    ..e.clone()
                })
            })
            .collect();
        let clusters = self
            .clusters
            .iter()
            .filter(|d| nodes.iter().any(|n| n.domain.as_ref() == Some(*d)))
            .cloned()
            .collect();
        Graph {
            name: self.name.clone(),
            clusters,
            nodes,
            edges,
        }
    }

    /// The nodes of a cluster (`None`: outside every domain), in order.
    pub fn members<'a>(&'a self, domain: Option<&'a str>) -> impl Iterator<Item = &'a Node> {
        self.nodes
            .iter()
            .filter(move |n| n.domain.as_deref() == domain)
    }

    /// Marks the nodes and edges the findings point at: one of their
    /// anchors overlaps a location of the finding (primary or related),
    /// and so does one of the lines it was reached through, if any. A
    /// finding that joins nodes no marked edge joins gets a dashed edge of
    /// its own, from the node of its primary location to the others.
    pub fn mark(&mut self, findings: &[Diagnostic], sources: &SourceMap) {
        // Infos are notes, not breaks: they colour nothing.
        for d in findings.iter().filter(|d| d.severity > Severity::Info) {
            let worst = |s: &mut Option<Severity>| *s = (*s).max(Some(d.severity));
            let spans = locations(d);
            let touched = |s: Span| spans.iter().any(|f| overlaps(sources, s, *f));
            let hit = |a: &Anchor| {
                touched(a.span) && (a.through.is_empty() || a.through.iter().any(|t| touched(*t)))
            };
            let mut edge_hit = false;
            for e in &mut self.edges {
                if !e.finding && e.anchors.iter().any(hit) {
                    e.codes.insert(d.code);
                    worst(&mut e.severity);
                    edge_hit = true;
                }
            }
            // The nodes hit, in the order of the finding's locations.
            let mut joined: Vec<usize> = Vec::new();
            for span in &spans {
                for (i, n) in self.nodes.iter_mut().enumerate() {
                    let at_span = |a: &Anchor| {
                        overlaps(sources, a.span, *span)
                            && (a.through.is_empty() || a.through.iter().any(|t| touched(*t)))
                    };
                    if n.anchors.iter().any(at_span) {
                        n.codes.insert(d.code);
                        worst(&mut n.severity);
                        if !joined.contains(&i) {
                            joined.push(i);
                        }
                    }
                }
            }
            if edge_hit {
                continue;
            }
            if let Some((&from, rest)) = joined.split_first() {
                for &to in rest {
                    self.finding_edge(from, to, d);
                }
            }
        }
    }

    /// Whether a finding points at anything of this graph.
    pub fn touches(&self, d: &Diagnostic, sources: &SourceMap) -> bool {
        let spans = locations(d);
        self.nodes
            .iter()
            .flat_map(|n| &n.anchors)
            .chain(self.edges.iter().flat_map(|e| &e.anchors))
            .any(|a| spans.iter().any(|f| overlaps(sources, a.span, *f)))
    }

    fn finding_edge(&mut self, from: usize, to: usize, d: &Diagnostic) {
        let (code, severity, label) = (d.code, d.severity, d.name.to_string());
        if let Some(e) = self
            .edges
            .iter_mut()
            .find(|e| e.finding && e.from == from && e.to == to)
        {
            e.codes.insert(code);
            e.severity = e.severity.max(Some(severity));
            if !e.labels.contains(&label) {
                e.labels.push(label);
            }
            return;
        }
        self.edges.push(Edge {
            from,
            to,
            labels: vec![label],
            codes: BTreeSet::from([code]),
            severity: Some(severity),
            finding: true,
            anchors: Vec::new(),
        });
    }

    /// Adds a node, or returns the one already drawn for the same thing
    /// (same id, name and kind). Names that differ only in punctuation
    /// (`a.b`, `a-b`) would share an id; the later one gets a numbered id.
    fn node(&mut self, mut node: Node) -> usize {
        node.base = node.id.clone();
        let same = |n: &Node| n.base == node.base && n.name == node.name && n.kind == node.kind;
        if let Some(i) = self.nodes.iter().position(same) {
            if let Some(n) = self.nodes.get_mut(i) {
                n.anchors.extend(node.anchors);
            }
            return i;
        }
        let mut k = 0;
        while self.nodes.iter().any(|n| n.id == node.id) {
            k += 1;
            node.id = format!("{}_{k}", node.base);
        }
        self.nodes.push(node);
        self.nodes.len() - 1
    }

    /// Adds an edge; a second edge between the same nodes joins the first,
    /// so a service with three URLs of one Kratos has one arrow.
    fn edge(&mut self, from: usize, to: usize, label: &str, anchors: Vec<Anchor>) {
        if let Some(e) = self
            .edges
            .iter_mut()
            .find(|e| !e.finding && e.from == from && e.to == to)
        {
            if !e.labels.iter().any(|l| l == label) {
                e.labels.push(label.to_string());
            }
            e.anchors.extend(anchors);
            return;
        }
        self.edges.push(Edge {
            from,
            to,
            labels: vec![label.to_string()],
            codes: BTreeSet::new(),
            severity: None,
            finding: false,
            anchors,
        });
    }
}

/// A finding's locations: the primary one, then the related ones (not
/// the hops on the way, which are not what it is about).
fn locations(d: &Diagnostic) -> Vec<Span> {
    std::iter::once(d.primary.span)
        .chain(d.related.iter().filter(|l| !l.hop).map(|l| l.span))
        .collect()
}

/// Whether two spans overlap. A file read twice (by two environments)
/// has two ids and one path.
fn overlaps(sources: &SourceMap, a: Span, b: Span) -> bool {
    (a.start < b.end && b.start < a.end || a.start == b.start)
        && (a.file == b.file || sources.path(a.file) == sources.path(b.file))
}

/// `text` as an identifier: lower-case letters, digits and `_`.
fn ident(prefix: &str, text: &str) -> String {
    let mut id = String::from(prefix);
    for c in text.chars() {
        id.push(if c.is_ascii_alphanumeric() {
            c.to_ascii_lowercase()
        } else {
            '_'
        });
    }
    id
}

/// What a value shows in a label: its text, or its template (variable
/// names) when it is not known; secret pieces are masked.
fn shown(v: &Value) -> String {
    v.display_text(
        &crate::syntax::redact::is_secret_name,
        crate::syntax::redact::MASK,
    )
    .unwrap_or_else(|| v.template_text())
}

fn part(p: &Text) -> String {
    match p {
        Text::Known(s) => s.clone(),
        Text::Symbolic(vars) => vars
            .iter()
            .map(|v| format!("${{{v}}}"))
            .collect::<Vec<_>>()
            .join(""),
    }
}

/// Where a value's text is written when that is elsewhere (a `.env`
/// line, a wrapper's call): marked only with the reference it came
/// through, since other values may read the same line.
fn written_anchor(v: &Value) -> Option<Anchor> {
    let (span, through) = v.written_at()?;
    (!through.is_empty()).then_some(Anchor { span, through })
}

/// The text of a node's label: name, kind and, when red, the codes.
pub fn node_lines(n: &Node) -> Vec<String> {
    let mut lines = vec![n.name.clone(), n.kind.clone()];
    if !n.codes.is_empty() {
        lines.push(codes(&n.codes));
    }
    lines
}

/// A key as an edge shows it: an Ory path without its list index and
/// its `selfservice.` prefix (`selfservice.allowed_return_urls.0` →
/// `allowed_return_urls`, `selfservice.flows.login.ui_url` →
/// `flows.login.ui_url`); environment variables as they are.
pub fn short_key(key: &str) -> String {
    let key = key.strip_prefix("selfservice.").unwrap_or(key);
    let key = match key.rsplit_once('.') {
        Some((head, index)) if index.chars().all(|c| c.is_ascii_digit()) => head,
        _ => key,
    };
    key.to_string()
}

/// The keys of an edge, shortened and each once.
pub fn edge_keys(e: &Edge) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for k in e.labels.iter().map(|l| short_key(l)) {
        if !out.contains(&k) {
            out.push(k);
        }
    }
    out
}

/// The text of an edge's label: the codes first when marked, then what
/// makes it (the first two, and how many more).
pub fn edge_label(e: &Edge) -> String {
    edge_label_lines(e, 2).join(", ")
}

/// An edge's label as lines: the codes, then at most `keys` keys, then
/// how many more.
pub fn edge_label_lines(e: &Edge, keys: usize) -> Vec<String> {
    let all = edge_keys(e);
    let mut lines: Vec<String> = all.iter().take(keys).cloned().collect();
    if all.len() > keys
        && let Some(last) = lines.last_mut()
    {
        *last = format!("{last} +{}", all.len() - keys);
    }
    if let Some(first) = lines.first_mut()
        && !e.codes.is_empty()
    {
        *first = format!("{}: {first}", codes(&e.codes));
    }
    lines
}

/// The colour of a marked node or edge: red for errors, amber for
/// warnings.
pub fn colour(severity: Option<Severity>) -> Option<&'static str> {
    match severity {
        Some(Severity::Error) => Some(RED),
        Some(Severity::Warning) => Some(AMBER),
        _ => None,
    }
}

/// The light fill of a marked node.
pub fn fill(severity: Option<Severity>) -> Option<&'static str> {
    match severity {
        Some(Severity::Error) => Some("#fde8e8"),
        Some(Severity::Warning) => Some("#fdf3d8"),
        _ => None,
    }
}

fn codes(codes: &BTreeSet<&'static str>) -> String {
    codes.iter().copied().collect::<Vec<_>>().join(" ")
}

/// A cluster's title: the domain's name in capitals.
pub fn cluster_title(domain: &str) -> String {
    domain.to_uppercase()
}

/// The red of errors, in every format.
pub const RED: &str = "#d62728";
/// The amber of warnings, in every format.
pub const AMBER: &str = "#b7791f";

#[cfg(test)]
mod tests;
