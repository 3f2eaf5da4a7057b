//! The graph as SVG, laid out in-process: no Graphviz binary needed.
//! The layout is dagre's (the layered layout Mermaid uses), with the
//! domains as compound nodes so each is one box; this file only draws the
//! boxes, labels and arrows it placed.

use super::{Graph, Shape, cluster_title, colour, edge_label_lines, fill, node_lines};
use dagre::graph::{Graph as Layout, GraphOptions};
use dagre::layout::types::LabelPos;
use dagre::{EdgeLabel, GraphLabel, LayoutOptions, NodeLabel, RankDir};
use std::fmt::Write;

const FONT: &str = "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace";
const FONT_SIZE: f64 = 12.0;
/// The advance of one character of the monospace font at [`FONT_SIZE`].
const CHAR_WIDTH: f64 = 7.3;
const LINE_HEIGHT: f64 = 16.0;
const PAD: f64 = 12.0;
/// Room above the drawing for the environment's name.
const HEADER: f64 = 30.0;
/// Keys an edge label lists, one a line, before "+N".
const EDGE_KEYS: usize = 2;
/// The line height of an edge label (10 px text).
const EDGE_LINE: f64 = 13.0;

fn text_size(lines: &[String]) -> (f64, f64) {
    let widest = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    (
        widest as f64 * CHAR_WIDTH + 2.0 * PAD,
        lines.len() as f64 * LINE_HEIGHT + PAD,
    )
}

/// A node's lines in the drawing, short where the shape says the rest: a
/// site's addresses without their scheme (`https://login.example.com` →
/// `login.example.com`), a database's server without "database".
fn lines_of(n: &super::Node) -> Vec<String> {
    let mut lines = node_lines(n);
    match (n.shape, lines.as_mut_slice()) {
        (Shape::Site, [first, ..]) => {
            *first = first.replace("https://", "").replace("http://", "");
        }
        // The cylinder says it is a database: the server is enough.
        (Shape::Database, [_, kind, ..]) => {
            *kind = kind.replace("database on ", "on ");
        }
        _ => {}
    }
    lines
}

/// Where a node stands in the flow a request takes: sites, then apps,
/// then Kratos, then Hydra (and the clients registered in it), then
/// databases.
fn tier(n: &super::Node) -> u8 {
    match (n.shape, n.kind.as_str()) {
        (Shape::Site, _) => 0,
        (Shape::Database, _) => 4,
        (Shape::Client, _) | (Shape::Service, "kratos") => 2,
        (Shape::Service, "hydra") => 3,
        _ => 1,
    }
}

/// The ends an edge is laid out with: along the flow, so that return
/// URLs (Kratos → Hera, Hydra → Hera) do not add a column each and the
/// drawing stays about as wide as the flow is deep.
fn layout_ends<'a>(
    from: &'a super::Node,
    to: &'a super::Node,
) -> (&'a super::Node, &'a super::Node) {
    if tier(from) > tier(to) {
        (to, from)
    } else {
        (from, to)
    }
}

/// The layout's name of an edge: a model edge and a finding's edge may
/// join the same two nodes, and so may two edges of opposite directions
/// once laid out along the flow.
fn edge_name(i: usize) -> String {
    format!("e{i}")
}

/// One SVG document per graph.
pub fn render(g: &Graph) -> String {
    let mut layout: Layout<NodeLabel, EdgeLabel> = Layout::with_options(GraphOptions {
        directed: true,
        // A finding's dashed edge may join the nodes a model edge joins.
        multigraph: true,
        compound: true,
    });
    for domain in &g.clusters {
        let id = super::ident("domain_", domain);
        layout.set_node(
            id,
            Some(NodeLabel {
                padding: PAD,
                ..NodeLabel::default()
            }),
        );
    }
    for n in &g.nodes {
        let (width, height) = text_size(&lines_of(n));
        layout.set_node(
            n.id.clone(),
            Some(NodeLabel {
                width,
                height,
                ..NodeLabel::default()
            }),
        );
        if let Some(domain) = &n.domain {
            layout.set_parent(&n.id, Some(&super::ident("domain_", domain)));
        }
    }
    for (i, e) in g.edges.iter().enumerate() {
        let (Some(from), Some(to)) = (g.nodes.get(e.from), g.nodes.get(e.to)) else {
            continue;
        };
        let (width, height) = text_size(&edge_label_lines(e, EDGE_KEYS));
        let (tail, head) = layout_ends(from, to);
        layout.set_edge(
            tail.id.clone(),
            head.id.clone(),
            Some(EdgeLabel {
                width: width - PAD,
                height: height - PAD / 2.0,
                // The line runs through its label, which masks it.
                labelpos: LabelPos::Center,
                ..EdgeLabel::default()
            }),
            Some(&edge_name(i)),
        );
    }
    dagre::layout(
        &mut layout,
        Some(LayoutOptions {
            rankdir: RankDir::LR,
            nodesep: 30.0,
            ranksep: 28.0,
            marginx: 20.0,
            marginy: 20.0,
            ..LayoutOptions::default()
        }),
    );
    let (width, height) = layout
        .graph_label::<GraphLabel>()
        .map_or((0.0, 0.0), |l| (l.width, l.height));
    // Room for the title, however few the nodes.
    let title = g.name.as_deref().map_or(0, |n| n.chars().count()) as f64;
    let width = width.max(title * CHAR_WIDTH * 14.0 / FONT_SIZE + 40.0);

    let mut out = String::new();
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"{FONT}\" font-size=\"{FONT_SIZE}\">",
        w = num(width),
        h = num(height + HEADER),
    );
    if let Some(name) = &g.name {
        let _ = writeln!(out, "<title>{}</title>", xml(name));
    }
    let _ = writeln!(
        out,
        "<defs>{}{}{}</defs>",
        marker("arrow", "#444444"),
        marker("arrow-red", super::RED),
        marker("arrow-amber", super::AMBER)
    );
    let _ = writeln!(
        out,
        "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>"
    );
    if let Some(name) = &g.name {
        let _ = writeln!(
            out,
            "<text x=\"20\" y=\"24\" font-weight=\"bold\" font-size=\"14\">{}</text>",
            xml(name)
        );
    }
    out.push_str(&format!("<g transform=\"translate(0 {})\">\n", num(HEADER)));
    let box_of = |id: &str| {
        let n = layout.node(id)?;
        Some((n.x?, n.y?, n.width, n.height))
    };
    for domain in &g.clusters {
        let Some((x, y, w, h)) = box_of(&super::ident("domain_", domain)) else {
            continue;
        };
        // The title sits in the box's top padding, above its nodes.
        let top = y - h / 2.0;
        let _ = writeln!(
            out,
            "<g class=\"domain\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"8\" fill=\"#f4f6fb\" stroke=\"#555555\" stroke-dasharray=\"6 4\"/><text x=\"{}\" y=\"{}\" font-weight=\"bold\">{}</text></g>",
            num(x - w / 2.0),
            num(top),
            num(w),
            num(h),
            num(x - w / 2.0 + PAD),
            num(top + 16.0),
            xml(&cluster_title(domain))
        );
    }
    for (i, e) in g.edges.iter().enumerate() {
        let (Some(from), Some(to)) = (g.nodes.get(e.from), g.nodes.get(e.to)) else {
            continue;
        };
        let (tail, head) = layout_ends(from, to);
        let Some(label) = layout.edge(&tail.id, &head.id, Some(&edge_name(i))) else {
            continue;
        };
        // Laid out against the flow: drawn from its own tail again.
        let mut points = label.points.clone();
        if tail.id != from.id {
            points.reverse();
        }
        let red = !e.codes.is_empty();
        let (color, arrow, stroke) = match colour(e.severity) {
            Some(c) if c == super::RED => (c, "arrow-red", 2.5),
            Some(c) => (c, "arrow-amber", 2.5),
            None => ("#444444", "arrow", 1.2),
        };
        let path = points
            .iter()
            .enumerate()
            .map(|(i, p)| {
                format!(
                    "{}{} {}",
                    if i == 0 { "M" } else { "L" },
                    num(p.x),
                    num(p.y)
                )
            })
            .collect::<Vec<_>>()
            .join(" ");
        let _ = write!(
            out,
            "<g class=\"edge{}\"><path d=\"{path}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"{stroke}\"{} marker-end=\"url(#{arrow})\"/>",
            if red { " finding" } else { "" },
            if e.finding {
                " stroke-dasharray=\"6 4\""
            } else {
                ""
            }
        );
        if let (Some(x), Some(y)) = (label.x, label.y) {
            let lines = edge_label_lines(e, EDGE_KEYS);
            let widest = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0);
            let w = widest as f64 * CHAR_WIDTH * 10.0 / FONT_SIZE + 6.0;
            let h = lines.len() as f64 * EDGE_LINE + 2.0;
            let top = y - h / 2.0;
            let _ = write!(
                out,
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#ffffff\" fill-opacity=\"0.85\"/>",
                num(x - w / 2.0),
                num(top),
                num(w),
                num(h)
            );
            for (i, line) in lines.iter().enumerate() {
                let _ = write!(
                    out,
                    "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"10\" fill=\"{color}\">{}</text>",
                    num(x),
                    num(top + 11.0 + i as f64 * EDGE_LINE),
                    xml(line)
                );
            }
        }
        out.push_str("</g>\n");
    }
    for n in &g.nodes {
        let Some((x, y, w, h)) = box_of(&n.id) else {
            continue;
        };
        let red = !n.codes.is_empty();
        let marked = colour(n.severity);
        let (stroke, fill, width) = match (marked, fill(n.severity)) {
            (Some(c), Some(f)) => (c, f, 2.5),
            _ => ("#333333", "#ffffff", 1.2),
        };
        let _ = write!(
            out,
            "<g class=\"node{}\">{}",
            if red { " finding" } else { "" },
            shape(
                n.shape,
                (x, y, w, h),
                &format!("fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"{width}\"")
            )
        );
        let lines = lines_of(n);
        let first = y - (lines.len() as f64 - 1.0) * LINE_HEIGHT / 2.0 + 4.0;
        for (i, line) in lines.iter().enumerate() {
            let style = match i {
                0 => " font-weight=\"bold\"".to_string(),
                1 => " fill=\"#555555\"".to_string(),
                _ => format!(
                    " fill=\"{}\" font-weight=\"bold\"",
                    marked.unwrap_or("#333333")
                ),
            };
            let _ = write!(
                out,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\"{style}>{}</text>",
                num(x),
                num(first + i as f64 * LINE_HEIGHT),
                xml(line)
            );
        }
        out.push_str("</g>\n");
    }
    out.push_str("</g>\n</svg>\n");
    out
}

/// A node's outline, centred at (x, y); `paint` holds its fill and
/// stroke attributes.
fn shape(shape: Shape, (x, y, w, h): (f64, f64, f64, f64), paint: &str) -> String {
    let (left, top) = (x - w / 2.0, y - h / 2.0);
    match shape {
        Shape::Service => format!(
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"4\" {paint}/>",
            num(left),
            num(top),
            num(w),
            num(h)
        ),
        Shape::Site => format!(
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"{}\" {paint}/>",
            num(left),
            num(top),
            num(w),
            num(h),
            num(h / 2.0)
        ),
        Shape::Database => {
            let ry = 5.0;
            format!(
                "<path d=\"M{l} {t} a{rx} {ry} 0 0 0 {w} 0 a{rx} {ry} 0 0 0 -{w} 0 v{hh} a{rx} {ry} 0 0 0 {w} 0 v-{hh}\" {paint}/>",
                l = num(left),
                t = num(top + ry),
                rx = num(w / 2.0),
                ry = num(ry),
                w = num(w),
                hh = num(h - 2.0 * ry),
            )
        }
        Shape::Client => {
            let d = h / 3.0;
            format!(
                "<polygon points=\"{},{} {},{} {},{} {},{} {},{} {},{}\" {paint}/>",
                num(left + d),
                num(top),
                num(left + w - d),
                num(top),
                num(left + w),
                num(y),
                num(left + w - d),
                num(top + h),
                num(left + d),
                num(top + h),
                num(left),
                num(y)
            )
        }
        Shape::External => {
            let d = h / 4.0;
            format!(
                "<polygon points=\"{},{} {},{} {},{} {},{}\" {paint}/>",
                num(left + d),
                num(top),
                num(left + w),
                num(top),
                num(left + w - d),
                num(top + h),
                num(left),
                num(top + h)
            )
        }
    }
}

fn marker(id: &str, color: &str) -> String {
    format!(
        "<marker id=\"{id}\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0 0 L10 5 L0 10 z\" fill=\"{color}\"/></marker>"
    )
}

/// A coordinate with one decimal: stable text, small files.
fn num(v: f64) -> String {
    let v = if v.is_finite() { v } else { 0.0 };
    let s = format!("{v:.1}");
    s.strip_suffix(".0").map_or(s.clone(), str::to_string)
}

/// Text as XML character data or an attribute value.
fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 does not allow.
            c if (c as u32) < 0x20 && c != '\t' => out.push(' '),
            '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}
