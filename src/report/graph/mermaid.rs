//! The graph as a Mermaid flowchart: it renders on GitHub (job summaries,
//! Markdown files) and in most Markdown viewers.

use super::{AMBER, Graph, Node, RED, Shape, cluster_title, edge_label, node_lines};
use crate::diag::Severity;
use std::fmt::Write;

/// One flowchart per graph, each titled with its environment.
pub fn render(graphs: &[Graph]) -> String {
    let mut out = String::new();
    for (i, g) in graphs.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&flowchart(g));
    }
    out
}

/// One graph's flowchart.
pub fn flowchart(g: &Graph) -> String {
    let mut out = String::new();
    if let Some(name) = &g.name {
        // A JSON string is a YAML string: any folder name stays one title
        // (without the control characters YAML refuses).
        let name: String = name.chars().filter(|c| !c.is_control()).collect();
        let title = serde_json::to_string(&name).unwrap_or_default();
        let _ = writeln!(out, "---\ntitle: {title}\n---");
    }
    out.push_str("flowchart LR\n");
    for domain in &g.clusters {
        let _ = writeln!(
            out,
            "  subgraph {}[\"{}\"]",
            super::ident("domain_", domain),
            text(&cluster_title(domain))
        );
        for n in g.members(Some(domain)) {
            let _ = writeln!(out, "    {}", node(n));
        }
        out.push_str("  end\n");
    }
    for n in g.members(None) {
        let _ = writeln!(out, "  {}", node(n));
    }
    let mut links: Vec<(Severity, String)> = Vec::new();
    for (i, e) in g.edges.iter().enumerate() {
        let (Some(from), Some(to)) = (g.nodes.get(e.from), g.nodes.get(e.to)) else {
            continue;
        };
        let _ = writeln!(
            out,
            "  {} {}|\"{}\"| {}",
            from.id,
            if e.finding { "-.->" } else { "-->" },
            text(&edge_label(e)),
            to.id
        );
        if let Some(s) = e.severity {
            links.push((s, i.to_string()));
        }
    }
    // Errors red, warnings amber.
    for (severity, class, colour, fill) in [
        (Severity::Error, "finding", RED, "#fde8e8"),
        (Severity::Warning, "warning", AMBER, "#fdf3d8"),
    ] {
        let nodes: Vec<&str> = g
            .nodes
            .iter()
            .filter(|n| n.severity == Some(severity))
            .map(|n| n.id.as_str())
            .collect();
        if !nodes.is_empty() {
            let _ = writeln!(
                out,
                "  classDef {class} fill:{fill},stroke:{colour},stroke-width:3px,color:{colour}"
            );
            let _ = writeln!(out, "  class {} {class}", nodes.join(","));
        }
        let edges: Vec<&str> = links
            .iter()
            .filter(|(s, _)| *s == severity)
            .map(|(_, i)| i.as_str())
            .collect();
        if !edges.is_empty() {
            let _ = writeln!(
                out,
                "  linkStyle {} stroke:{colour},stroke-width:3px,color:{colour}",
                edges.join(",")
            );
        }
    }
    out
}

fn node(n: &Node) -> String {
    let label = node_lines(n)
        .iter()
        .map(|l| text(l))
        .collect::<Vec<_>>()
        .join("<br/>");
    let (open, close) = match n.shape {
        Shape::Service => ("[", "]"),
        Shape::Site => ("([", "])"),
        Shape::Database => ("[(", ")]"),
        Shape::Client => ("{{", "}}"),
        Shape::External => ("[/", "/]"),
    };
    format!("{}{open}\"{label}\"{close}", n.id)
}

/// Text inside a quoted Mermaid label, as entities where Mermaid would
/// read it as syntax: quotes and markup; `%` (Mermaid strips `%%{...}`
/// directives anywhere in the text); a backtick (it opens a Markdown
/// string); and the word `direction` (a line holding `direction LR` is
/// read as a direction statement).
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '#' => out.push_str("#35;"),
            '%' => out.push_str("#37;"),
            '`' => out.push_str("#96;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.replace("direction", "#100;irection")
}
