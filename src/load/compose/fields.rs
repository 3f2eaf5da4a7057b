//! A service's other fields: ports and volumes (short and long syntax),
//! `build`, aliases, networks, command words.

use super::*;
use crate::syntax::source::Span;
use crate::syntax::value::{Origin, Value, parse_template};
use crate::syntax::yaml::{Kind, Node};

impl Ctx<'_> {
    pub(super) fn ports(&mut self, node: &Node) -> Vec<Port> {
        let mut out = Vec::new();
        for item in node.items() {
            match &item.kind {
                Kind::Map(_) => {
                    let get = |k: &str| item.get(k);
                    let target = get("target").and_then(|n| self.text(n)).unwrap_or_default();
                    out.push(Port {
                        host_ip: get("host_ip").and_then(|n| self.text(n)),
                        published: get("published").and_then(|n| self.text(n)),
                        target,
                        protocol: get("protocol")
                            .and_then(|n| self.text(n))
                            .unwrap_or_else(|| "tcp".into()),
                        span: item.span,
                    });
                }
                _ => {
                    // A port only known at deploy time is kept as written.
                    if let Some(text) = self
                        .text(item)
                        .or_else(|| item.as_str().map(str::to_string))
                    {
                        out.push(short_port(&text, item.span));
                    }
                }
            }
        }
        out
    }

    pub(super) fn volumes(&mut self, node: &Node) -> Vec<Volume> {
        let mut out = Vec::new();
        for item in node.items() {
            match &item.kind {
                Kind::Map(_) => {
                    let kind = match item.get("type").and_then(Node::as_str) {
                        Some("bind") => VolumeKind::Bind,
                        Some("tmpfs") => VolumeKind::Tmpfs,
                        _ => VolumeKind::Volume,
                    };
                    out.push(Volume {
                        kind,
                        source: item.get("source").and_then(|n| self.text(n)),
                        target: item
                            .get("target")
                            .and_then(|n| self.text(n))
                            .unwrap_or_default(),
                        read_only: item
                            .get("read_only")
                            .and_then(Node::as_bool)
                            .unwrap_or(false),
                        // Findings about a mount point at what it mounts.
                        span: item.get("source").map_or(item.span, |n| n.span),
                    });
                }
                _ => {
                    if let Some(text) = self
                        .text(item)
                        .or_else(|| item.as_str().map(str::to_string))
                    {
                        out.push(short_volume(&text, item.span));
                    }
                }
            }
        }
        out
    }

    /// `build:`: a context string, or `context` and `dockerfile`.
    pub(super) fn build(&mut self, node: &Node) -> Build {
        match &node.kind {
            Kind::Map(_) => Build {
                context: node.get("context").and_then(|n| self.text(n)),
                dockerfile: node.get("dockerfile").and_then(|n| self.text(n)),
                span: node.span,
                from: None,
            },
            _ => Build {
                context: self.text(node),
                dockerfile: None,
                span: node.span,
                from: None,
            },
        }
    }

    pub(super) fn aliases(&mut self, node: &Node) -> Vec<String> {
        let mut out: Vec<String> = ["container_name", "hostname"]
            .iter()
            .filter_map(|k| node.get(k))
            .filter_map(|n| self.text(n))
            .collect();
        if let Some(networks) = node.get("networks") {
            for e in networks.entries() {
                out.extend(self.strings(e.value.get("aliases")));
            }
        }
        out.retain(|a| !a.is_empty());
        out
    }

    /// `networks:` as a list of names or a mapping keyed by them.
    pub(super) fn networks(&mut self, node: &Node) -> Vec<(String, Span)> {
        let named: Vec<(String, Span)> = match &node.kind {
            Kind::Seq(items) => items
                .iter()
                .filter_map(|i| Some((self.text(i)?, i.span)))
                .collect(),
            _ => node
                .entries()
                .iter()
                .filter_map(|e| Some((e.key.as_str()?.to_string(), e.key.span)))
                .collect(),
        };
        named.into_iter().filter(|(n, _)| !n.is_empty()).collect()
    }

    /// `command`/`entrypoint`: a list of words, or a string split at white
    /// space outside quotes.
    pub(super) fn words(&mut self, node: Option<&Node>) -> Vec<Value> {
        let Some(node) = node else {
            return Vec::new();
        };
        match &node.kind {
            Kind::Seq(items) => items.iter().filter_map(|i| self.value(i)).collect(),
            Kind::Scalar(s) => {
                // Each word keeps its own span when the string is written
                // as is (plain or simply quoted on one line) and the word
                // had no quotes of its own.
                let source = self
                    .sources
                    .text(node.span.file)
                    .get(node.span.start as usize..node.span.end as usize)
                    .unwrap_or("");
                let base = match source.find(s.value.as_str()) {
                    Some(at) if node.alias.is_none() && !s.value.is_empty() => {
                        Some(node.span.start as usize + at)
                    }
                    _ => None,
                };
                split_words(&s.value)
                    .into_iter()
                    .filter_map(|(w, range)| {
                        let exact = base.filter(|_| s.value.get(range.clone()) == Some(w.as_str()));
                        let origin = match exact {
                            Some(b) => Origin {
                                whole: Span::new(node.span.file, b + range.start, b + range.end),
                                offset: Some(b + range.start),
                            },
                            None => Origin {
                                whole: node.span,
                                offset: None,
                            },
                        };
                        parse_template(&w, origin).ok().map(|mut v| {
                            v.bind(&|name| self.known(name, node.span));
                            v
                        })
                    })
                    .collect()
            }
            Kind::Map(_) => Vec::new(),
        }
    }
}

/// Drops the first `n` bytes of literal text (a list item's `KEY=`).
pub(super) fn strip_key(mut v: Value, mut n: usize, item: Span) -> Value {
    use crate::syntax::value::Piece;
    while n > 0 {
        let Some(Piece::Lit { text, span }) = v.pieces.first_mut() else {
            break;
        };
        if text.len() <= n {
            n -= text.len();
            v.pieces.remove(0);
        } else {
            let cut = text.get(n..).unwrap_or("").to_string();
            if span.len() == text.len() {
                span.start += u32::try_from(n).unwrap_or(0);
            }
            *text = cut;
            n = 0;
        }
    }
    if v.pieces.is_empty() {
        v.pieces.push(Piece::Lit {
            text: String::new(),
            span: Span::new(item.file, item.end as usize, item.end as usize),
        });
    }
    v
}

/// `[[host_ip:]published:]target[/protocol]`; IPv6 host IPs in brackets.
pub fn short_port(text: &str, span: Span) -> Port {
    let (spec, protocol) = match text.rsplit_once('/') {
        Some((s, p)) => (s, p.to_string()),
        None => (text, "tcp".to_string()),
    };
    let (host_ip, rest) = match spec.strip_prefix('[') {
        Some(after) => match after.split_once("]:") {
            Some((ip, rest)) => (Some(ip.to_string()), rest),
            None => (None, spec),
        },
        None if spec.matches(':').count() == 2 => match spec.split_once(':') {
            Some((ip, rest)) => (Some(ip.to_string()), rest),
            None => (None, spec),
        },
        None => (None, spec),
    };
    let (published, target) = match rest.rsplit_once(':') {
        Some((p, t)) => ((!p.is_empty()).then(|| p.to_string()), t.to_string()),
        None => (None, rest.to_string()),
    };
    Port {
        host_ip: host_ip.filter(|s| !s.is_empty()),
        published,
        target,
        protocol,
        span,
    }
}

/// `source:target[:mode]`, or a lone target (an anonymous volume). A source
/// starting with `.`, `/` or `~` is a bind mount, else a named volume.
pub fn short_volume(text: &str, span: Span) -> Volume {
    let parts: Vec<&str> = text.split(':').collect();
    let (source, target, mode) = match parts.as_slice() {
        [t] => (None, t.to_string(), ""),
        [s, t] => (Some(s.to_string()), t.to_string(), ""),
        [s, t, m, ..] => (Some(s.to_string()), t.to_string(), *m),
        [] => (None, String::new(), ""),
    };
    let kind = match source.as_deref() {
        Some(s) if s.starts_with(['.', '/', '~']) => VolumeKind::Bind,
        _ => VolumeKind::Volume,
    };
    Volume {
        kind,
        source,
        target,
        read_only: mode.split(',').any(|m| m == "ro"),
        span,
    }
}

/// Splits a command string at white space outside single or double
/// quotes, removing the quotes (as compose does with shlex); each word
/// with the byte range it spans in `s`.
pub(super) fn split_words(s: &str) -> Vec<(String, std::ops::Range<usize>)> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut start: Option<usize> = None;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                start.get_or_insert(i);
            }
            (None, c) if c.is_whitespace() => {
                if let Some(from) = start.take() {
                    out.push((std::mem::take(&mut word), from..i));
                }
            }
            (None, c) => {
                word.push(c);
                start.get_or_insert(i);
            }
        }
    }
    if let Some(from) = start {
        out.push((word, from..s.len()));
    }
    out
}
