//! Building an environment's graph from the resolved model: a node per
//! service, site, upstream outside the compose file, database and OAuth2
//! client, an edge per reference, each anchored at the spans it comes from.

use super::*;
use crate::load::compose::VolumeKind;
use crate::load::dsn::Dsn;
use crate::model::domain::Domains;
use crate::model::references::dial_host;
use crate::model::{Environment, ServiceKind};
use crate::syntax::value::Text;
use crate::syntax::value::Value;

/// The drawing of one environment, before findings are marked.
pub fn build(env: &Environment, domains: &Domains) -> Graph {
    let mut b = Builder {
        env,
        domains,
        res: env.resolved(domains),
        g: Graph {
            name: env.name.clone(),
            ..Graph::default()
        },
        service_nodes: Vec::new(),
    };
    b.services();
    b.sites();
    b.databases();
    b.urls();
    b.mounts();
    b.clients();
    let mut g = b.g;
    g.clusters = domains
        .list
        .iter()
        .map(|d| d.name.clone())
        .filter(|d| g.nodes.iter().any(|n| n.domain.as_ref() == Some(d)))
        .collect();
    g
}

/// One environment's graph as it is built: the model at hand, and each
/// service's node.
struct Builder<'a> {
    env: &'a Environment,
    domains: &'a Domains,
    res: &'a crate::model::resolve::Resolution,
    g: Graph,
    service_nodes: Vec<usize>,
}

impl Builder<'_> {
    /// The node of the service named `name`.
    fn service_node(&self, name: &str) -> Option<usize> {
        self.env
            .services
            .iter()
            .position(|s| s.service.name.eq_ignore_ascii_case(name))
            .and_then(|i| self.service_nodes.get(i).copied())
    }

    /// A node for each service, anchored at everything written for it.
    fn services(&mut self) {
        let (env, res) = (self.env, self.res);
        for (si, s) in env.services.iter().enumerate() {
            let mut spans = vec![s.service.name_span];
            for e in &s.service.environment {
                spans.push(e.key_span);
                spans.extend(e.value.as_ref().and_then(Value::span));
            }
            spans.extend(s.service.image.as_ref().and_then(Value::span));
            spans.extend(
                s.service
                    .command
                    .iter()
                    .chain(&s.service.entrypoint)
                    .filter_map(Value::span),
            );
            spans.extend(s.service.ports.iter().map(|p| p.span));
            spans.extend(s.service.volumes.iter().map(|v| v.span));
            spans.extend(s.service.networks.iter().flatten().map(|(_, span)| *span));
            spans.extend(s.service.network_mode.as_ref().map(|(_, span)| *span));
            if let Some(ory) = &s.ory {
                for setting in ory.settings() {
                    spans.extend(setting.value.span());
                    if let crate::load::ory::Source::Yaml { key_span } = setting.source {
                        spans.push(key_span);
                    }
                }
            }
            let anchors = spans.into_iter().map(Anchor::at).collect();
            self.service_nodes.push(self.g.node(Node {
                anchors,
                ..Node::new(
                    ident("svc_", &s.service.name),
                    s.service.name.clone(),
                    s.kind.as_str().to_string(),
                    Shape::Service,
                    res.service_domain(si).map(str::to_string),
                )
            }));
        }
    }

    /// Caddy sites and their upstreams.
    fn sites(&mut self) {
        let (env, res) = (self.env, self.res);
        for (i, site) in env.sites.iter().enumerate() {
            let name = site
                .addresses
                .iter()
                .map(|a| a.text.clone().unwrap_or_else(|| a.raw.clone()))
                .collect::<Vec<_>>()
                .join(", ");
            let from = self.g.node(Node {
                anchors: site
                    .addresses
                    .iter()
                    .map(|a| Anchor {
                        span: a.span,
                        through: a.via.to_vec(),
                    })
                    .collect(),
                ..Node::new(
                    format!("site_{i}"),
                    name,
                    "site".to_string(),
                    Shape::Site,
                    res.site_domain(i).map(str::to_string),
                )
            });
            for (ui, u) in site.upstreams.iter().enumerate() {
                let target = res.upstream(i, ui);
                let domain = target.and_then(|t| t.domain.clone());
                let service = target.and_then(|t| match t.services.as_slice() {
                    [one] => env.services.get(*one),
                    _ => None,
                });
                let to = match service.and_then(|s| self.service_node(&s.service.name)) {
                    Some(to) => to,
                    None => {
                        let target = u.dial.as_deref().unwrap_or(&u.raw);
                        let host = u.dial.as_deref().map_or(target, dial_host);
                        self.g.node(Node::new(
                            ident("ext_", host),
                            target.to_string(),
                            "upstream".to_string(),
                            Shape::External,
                            domain,
                        ))
                    }
                };
                let anchor = Anchor {
                    span: u.span,
                    through: u.via.to_vec(),
                };
                self.g.edge(from, to, &u.directive, vec![anchor]);
            }
        }
    }

    /// Each service's database, by host and name (never its credentials).
    fn databases(&mut self) {
        let (env, res, domains) = (self.env, self.res, self.domains);
        for i in 0..env.services.len() {
            let Some(db) = res.database(i) else {
                continue;
            };
            let (key, value) = (db.key, db.value.clone());
            // A DSN that is one variable still names a database: by it.
            let whole = match value.pieces.as_slice() {
                [crate::syntax::value::Piece::Var(v)] if value.text().is_none() => Some(Dsn {
                    scheme: Text::Symbolic(vec![v.name.clone()]),
                    user: None,
                    has_password: false,
                    host: None,
                    port: None,
                    database: Some(Text::Symbolic(vec![v.name.clone()])),
                    database_template: Some(format!("${{{}}}", v.name)),
                    params: Vec::new(),
                    unknown_query: Vec::new(),
                    redacted: String::new(),
                }),
                _ => None,
            };
            let Some(dsn) = db.dsn.clone().or(whole) else {
                continue;
            };
            let (Some(database), Some(from)) =
                (dsn.database.as_ref(), self.service_nodes.get(i).copied())
            else {
                continue;
            };
            let db = match database {
                Text::Known(name) => name.clone(),
                symbolic => dsn
                    .database_template
                    .clone()
                    .unwrap_or_else(|| part(symbolic)),
            };
            // Host names are case-insensitive: `Postgres` is `postgres`.
            let mut server = dsn
                .host
                .as_ref()
                .map(|h| match h {
                    Text::Known(host) => host.to_ascii_lowercase(),
                    symbolic => part(symbolic),
                })
                .unwrap_or_default();
            if let Some(port) = &dsn.port {
                server = format!("{server}:{}", part(port));
            }
            let domain = crate::model::resolve::database_domain(&dsn, domains).map(|(d, _)| d);
            let kind = if server.is_empty() {
                "database".to_string()
            } else {
                format!("database on {server}")
            };
            let to = self.g.node(Node::new(
                ident("db_", &format!("{server}_{db}")),
                db,
                kind,
                Shape::Database,
                domain.map(str::to_string),
            ));
            // Where the DSN is written for this service; a `.env` line it
            // comes from may serve several.
            let anchors = value
                .span()
                .into_iter()
                .map(Anchor::at)
                .chain(written_anchor(&value))
                .collect();
            self.g.edge(from, to, key, anchors);
        }
    }

    /// URLs of other services a service is configured with (the proxy's are its
    /// sites' addresses, drawn already).
    fn urls(&mut self) {
        let (env, res) = (self.env, self.res);
        for url in &res.urls {
            let (Some(s), Some(from)) = (
                env.services.get(url.service),
                self.service_nodes.get(url.service).copied(),
            ) else {
                continue;
            };
            if s.kind == ServiceKind::Proxy {
                continue;
            }
            let Some(to) = (match url.target.services.as_slice() {
                [one] => self.service_nodes.get(*one).copied(),
                _ => None,
            })
            .filter(|to| *to != from) else {
                continue;
            };
            let anchors = url
                .value
                .span()
                .into_iter()
                .chain([url.key_span])
                .map(Anchor::at)
                .chain(written_anchor(&url.value))
                .collect();
            self.g.edge(from, to, &url.key, anchors);
        }
    }

    /// Config folders mounted across the boundary (a folder of one domain in a
    /// service of another): to the service whose folder it is. Mounts within a
    /// domain are the rule and are not drawn.
    fn mounts(&mut self) {
        let (env, res, domains) = (self.env, self.res, self.domains);
        for (i, s) in env.services.iter().enumerate() {
            let (Some(from), Some(own)) =
                (self.service_nodes.get(i).copied(), res.service_domain(i))
            else {
                continue;
            };
            for v in &s.service.volumes {
                let Some(source) = v.source.as_deref().filter(|_| v.kind == VolumeKind::Bind)
                else {
                    continue;
                };
                let Some(theirs) = domains.of_name(source).filter(|d| *d != own) else {
                    continue;
                };
                let owner = env.services.iter().position(|t| {
                    t.service.name != s.service.name
                        && t.service.volumes.iter().any(|w| {
                            w.kind == VolumeKind::Bind && w.source.as_deref() == Some(source)
                        })
                });
                let to = match owner.and_then(|o| self.service_nodes.get(o).copied()) {
                    Some(to) => to,
                    None => self.g.node(Node::new(
                        ident("dir_", source),
                        source.to_string(),
                        "config folder".to_string(),
                        Shape::External,
                        Some(theirs.to_string()),
                    )),
                };
                self.g.edge(
                    from,
                    to,
                    &format!("mounts {source}"),
                    vec![Anchor::at(v.span)],
                );
            }
        }
    }

    /// OAuth2 clients and the Hydra each is registered in.
    fn clients(&mut self) {
        let (env, res) = (self.env, self.res);
        for (i, c) in env.oauth2_clients.iter().enumerate() {
            let r = &c.registration;
            let name = r
                .client_id
                .as_ref()
                .map_or_else(|| "(no client_id)".to_string(), shown);
            // The registration (told apart by the calls it came through) and
            // where its client id is written.
            let mut anchors = vec![Anchor {
                span: r.span,
                through: r.via.clone(),
            }];
            anchors.extend(
                r.client_id
                    .as_ref()
                    .and_then(Value::span)
                    .map(|span| Anchor {
                        span,
                        through: r.via.clone(),
                    }),
            );
            anchors.extend(r.client_id.as_ref().and_then(written_anchor));
            let from = self.g.node(Node {
                anchors: anchors.clone(),
                ..Node::new(
                    format!("client_{i}"),
                    name,
                    "oauth2 client".to_string(),
                    Shape::Client,
                    res.client_domain(i).map(str::to_string),
                )
            });
            let hydra = res.client_hydra(env, i).map(|h| h.service.name.clone());
            if let Some(to) = hydra.as_deref().and_then(|h| self.service_node(h)) {
                self.g.edge(from, to, "registered in", anchors);
            }
        }
    }
}
