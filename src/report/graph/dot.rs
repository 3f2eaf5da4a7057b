//! The graph in Graphviz's DOT language, for people who have Graphviz
//! (`dot -Tsvg`): domains are clusters, errors red, warnings amber.

use super::{Graph, Node, Shape, cluster_title, colour, edge_label, fill, node_lines};
use std::fmt::Write;

/// One `digraph` per graph (a DOT file may hold several).
pub fn render(graphs: &[Graph]) -> String {
    let mut out = String::new();
    for g in graphs {
        let name = g.name.as_deref().unwrap_or("isolint");
        let _ = writeln!(out, "digraph {} {{", quoted(name));
        out.push_str("  graph [rankdir=LR, fontname=\"Helvetica\", labelloc=t];\n");
        out.push_str(
            "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#ffffff\", fontname=\"Helvetica\", fontsize=11];\n",
        );
        out.push_str("  edge [fontname=\"Helvetica\", fontsize=9];\n");
        if let Some(name) = &g.name {
            let _ = writeln!(out, "  label={};", quoted(name));
        }
        for domain in &g.clusters {
            let _ = writeln!(out, "  subgraph {} {{", super::ident("cluster_", domain));
            let _ = writeln!(
                out,
                "    label={}; style=\"rounded,dashed\"; color=\"#555555\";",
                quoted(&cluster_title(domain))
            );
            for n in g.members(Some(domain)) {
                let _ = writeln!(out, "    {}", node(n));
            }
            out.push_str("  }\n");
        }
        for n in g.members(None) {
            let _ = writeln!(out, "  {}", node(n));
        }
        for e in &g.edges {
            let (Some(from), Some(to)) = (g.nodes.get(e.from), g.nodes.get(e.to)) else {
                continue;
            };
            let mut attrs = format!("label={}", quoted(&edge_label(e)));
            if let Some(c) = colour(e.severity) {
                let _ = write!(attrs, ", color=\"{c}\", fontcolor=\"{c}\", penwidth=2.5");
            }
            if e.finding {
                attrs.push_str(", style=dashed");
            }
            let _ = writeln!(out, "  {} -> {} [{attrs}];", from.id, to.id);
        }
        out.push_str("}\n");
    }
    out
}

fn node(n: &Node) -> String {
    let shape = match n.shape {
        Shape::Service => "box",
        Shape::Site => "oval",
        Shape::Database => "cylinder",
        Shape::Client => "hexagon",
        Shape::External => "parallelogram",
    };
    let mut attrs = format!("label={}, shape={shape}", quoted(&node_lines(n).join("\n")));
    if let (Some(c), Some(f)) = (colour(n.severity), fill(n.severity)) {
        let _ = write!(
            attrs,
            ", color=\"{c}\", fontcolor=\"{c}\", fillcolor=\"{f}\", penwidth=2.5"
        );
    }
    format!("{} [{attrs}];", n.id)
}

/// A DOT string: quotes and backslashes escaped, new lines as `\n`.
fn quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
