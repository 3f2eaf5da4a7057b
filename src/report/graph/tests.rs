use super::*;

fn node(id: &str, name: &str, domain: Option<&str>) -> Node {
    Node {
        id: id.to_string(),
        name: name.to_string(),
        kind: "site".to_string(),
        shape: Shape::Site,
        domain: domain.map(str::to_string),
        codes: BTreeSet::new(),
        severity: None,
        anchors: Vec::new(),
        base: String::new(),
    }
}

/// Names come from the tree: quotes, markup and new lines in them stay
/// text in every format.
#[test]
fn hostile_names_stay_text() {
    let name = "a\"b<c>&d#e\\f\ng";
    let mut g = Graph {
        name: Some("pr\"od".to_string()),
        clusters: vec!["ciam".to_string()],
        nodes: vec![node("site_0", name, Some("ciam")), node("svc_x", "x", None)],
        edges: Vec::new(),
    };
    g.edge(0, 1, "reverse_proxy \"x\"", Vec::new());
    let mermaid = mermaid::render(std::slice::from_ref(&g));
    assert!(mermaid.contains("title: \"pr\\\"od\""), "{mermaid}");
    assert!(
        mermaid.contains("a#quot;b#lt;c#gt;&d#35;e\\f g<br/>site"),
        "{mermaid}"
    );
    assert!(
        mermaid.contains("|\"reverse_proxy #quot;x#quot;\"|"),
        "{mermaid}"
    );
    let dot = dot::render(std::slice::from_ref(&g));
    assert!(
        dot.contains("label=\"a\\\"b<c>&d#e\\\\f\\ng\\nsite\""),
        "{dot}"
    );
    let svg = svg::render(&g);
    let doc = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{e}\n{svg}"));
    assert!(
        doc.descendants()
            .any(|n| n.text() == Some("a\"b<c>&d#e\\f g")),
        "{svg}"
    );
}

#[test]
fn names_alike_in_punctuation_get_their_own_nodes() {
    let mut g = Graph::default();
    let a = g.node(node("svc_a_b", "a.b", None));
    let b = g.node(node("svc_a_b", "a-b", None));
    let again = g.node(node("svc_a_b", "a.b", None));
    assert_eq!((a, b, again), (0, 1, 0));
    let ids: Vec<&str> = g.nodes.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(ids, ["svc_a_b", "svc_a_b_1"]);
}

#[test]
fn edges_between_the_same_nodes_join_and_long_labels_are_cut() {
    let mut g = Graph {
        nodes: vec![node("a", "a", None), node("b", "b", None)],
        ..Graph::default()
    };
    for key in ["K1", "K2", "K1", "K3", "K4"] {
        g.edge(0, 1, key, Vec::new());
    }
    assert_eq!(g.edges.len(), 1);
    let e = g.edges.first().unwrap_or_else(|| panic!("no edge"));
    assert_eq!(edge_label(e), "K1, K2 +2");
}

use proptest::prelude::*;

/// Any shape the model can give (up to 40 nodes in three domains or
/// none, any edges between distinct nodes, both ways, repeated) is
/// laid out and drawn: dagre must not panic, and the SVG parses.
fn any_graph() -> impl Strategy<Value = Graph> {
    let one = (0usize..4, 0usize..5, "[a-z:.{}$-]{1,12}");
    (
        proptest::collection::vec(one, 1..40),
        proptest::collection::vec((0usize..40, 0usize..40, any::<bool>()), 0..80),
    )
        .prop_map(|(nodes, edges)| {
            let domains = ["ciam", "iam", "partner"];
            let shapes = [
                Shape::Service,
                Shape::Site,
                Shape::Database,
                Shape::Client,
                Shape::External,
            ];
            let mut g = Graph {
                name: Some("p".to_string()),
                clusters: domains.iter().map(|d| d.to_string()).collect(),
                ..Graph::default()
            };
            for (i, (domain, shape, name)) in nodes.into_iter().enumerate() {
                let mut n = node(&format!("n{i}"), &name, domains.get(domain).copied());
                n.shape = shapes.get(shape).copied().unwrap_or(Shape::Service);
                g.nodes.push(n);
            }
            let count = g.nodes.len();
            for (from, to, red) in edges {
                let (from, to) = (from % count, to % count);
                if from == to {
                    continue;
                }
                g.edge(from, to, "e", Vec::new());
                if red {
                    let span =
                        crate::syntax::source::Span::new(crate::syntax::source::FileId(0), 0, 0);
                    g.finding_edge(to, from, &Diagnostic::parse_error(span, "x"));
                }
            }
            g.clusters
                .retain(|d| g.nodes.iter().any(|n| n.domain.as_deref() == Some(d)));
            g
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]
    #[test]
    fn any_graph_is_laid_out_and_drawn(g in any_graph()) {
        let svg = svg::render(&g);
        prop_assert!(roxmltree::Document::parse(&svg).is_ok(), "{}", svg);
        let _ = mermaid::render(std::slice::from_ref(&g));
        let _ = dot::render(std::slice::from_ref(&g));
    }
}
