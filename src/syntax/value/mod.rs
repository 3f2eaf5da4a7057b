//! Values with provenance: literal text and `${VAR}` references, as compose
//! interpolation writes them.
//!
//! A [`Value`] is a sequence of pieces. A variable piece may be *bound* to
//! the value it has (from `.env`, an `env_file`, `--env-file` or `--var`),
//! which has pieces and spans of its own, so a finding can show the compose
//! line and the `.env` line a value came through. A variable that is not
//! bound stays symbolic: its name is remembered, and two services that use
//! the same unbound variable can still be seen to share it.

use crate::syntax::source::Span;
use std::sync::Arc;

mod template;
pub use template::*;

/// Pieces a bound value may expand to (see [`Value::bind`]).
pub const MAX_WEIGHT: usize = 1024;
/// `${A:-${B:-...}}` nested deeper than this is refused.
const MAX_TEMPLATE_DEPTH: usize = 32;

/// A value as far as the tree tells: its text, or only known at deploy
/// time, from these variables. Rules compare the known text, or the
/// variables (the same variable is the same value); they never guess.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Text {
    Known(String),
    /// Only known at deploy time: the variables it waits for.
    Symbolic(Vec<String>),
}

impl Text {
    pub fn known(&self) -> Option<&str> {
        match self {
            Text::Known(s) => Some(s),
            Text::Symbolic(_) => None,
        }
    }
}

/// A value as written, possibly with variable references.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Value {
    pub pieces: Vec<Piece>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Literal text and where it is written.
    Lit { text: String, span: Span },
    /// `$NAME`, `${NAME}` or `${NAME<op>arg}`.
    Var(Var),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Var {
    pub name: String,
    /// The whole reference (`${NAME:-x}`).
    pub span: Span,
    pub op: Option<(Op, Value)>,
    /// The variable's value, when it is known.
    pub bound: Option<Arc<Value>>,
    /// A shell script's own variable (a positional parameter, a `local`,
    /// a name it assigns): followed to its value, but not a variable the
    /// deploy supplies, so [`Value::vars`] does not list it.
    pub local: bool,
}

/// Compose's interpolation operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `:-`: the argument when unset or empty.
    DefaultUnsetOrEmpty,
    /// `-`: the argument when unset.
    DefaultUnset,
    /// `:?`: an error when unset or empty.
    RequiredNonEmpty,
    /// `?`: an error when unset.
    Required,
    /// `:+`: the argument when set and not empty.
    AltNonEmpty,
    /// `+`: the argument when set.
    Alt,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::DefaultUnsetOrEmpty => ":-",
            Op::DefaultUnset => "-",
            Op::RequiredNonEmpty => ":?",
            Op::Required => "?",
            Op::AltNonEmpty => ":+",
            Op::Alt => "+",
        }
    }
}

/// A malformed template, with the span of the offending reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    pub span: Span,
    pub message: String,
}

impl Value {
    /// A literal value.
    pub fn literal(text: impl Into<String>, span: Span) -> Value {
        Value {
            pieces: vec![Piece::Lit {
                text: text.into(),
                span,
            }],
        }
    }

    /// The value as far as the tree tells: [`Value::text`], or the
    /// variables it waits for.
    pub fn resolved(&self) -> Text {
        match self.text() {
            Some(t) => Text::Known(t),
            None => Text::Symbolic(self.unbound()),
        }
    }

    /// The text under what is known. A variable that is not bound takes
    /// its default (`:-`, `-`): "the default unless set at deploy time";
    /// any other unbound variable makes the text unknown (`None`).
    pub fn text(&self) -> Option<String> {
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Lit { text, .. } => out.push_str(text),
                Piece::Var(v) => out.push_str(&v.text()?),
            }
        }
        Some(out)
    }

    /// The text to show: like [`Value::text`], but every piece that comes
    /// from a variable `secret` names (directly or through other variables)
    /// shows as `mask`, so `Bearer ${CLIENT_SECRET}` shows `Bearer ***`.
    pub fn display_text(&self, secret: &dyn Fn(&str) -> bool, mask: &str) -> Option<String> {
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Lit { text, .. } => out.push_str(text),
                Piece::Var(v) => {
                    let text = v.text()?;
                    let single = Value {
                        pieces: vec![piece.clone()],
                    };
                    if secret(&v.name) || single.vars().iter().any(|n| secret(n)) {
                        out.push_str(mask);
                    } else {
                        out.push_str(&text);
                    }
                }
            }
        }
        Some(out)
    }

    /// The text with every unknown part written as `${NAME}`: what a value
    /// is compared by when it is not fully known (`shop.${BASE}` and
    /// `staff.${BASE}` differ; `${A}` and `${A}` are the same).
    pub fn template_text(&self) -> String {
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Lit { text, .. } => out.push_str(text),
                Piece::Var(v) => match v.text() {
                    Some(t) => out.push_str(&t),
                    None => match &v.bound {
                        Some(b) => out.push_str(&b.template_text()),
                        None => {
                            out.push_str("${");
                            out.push_str(&v.name);
                            out.push('}');
                        }
                    },
                },
            }
        }
        out
    }

    /// Every variable the value depends on, bound or not, in order,
    /// including those its bound values depend on (a script's own
    /// variables are followed, not listed).
    pub fn vars(&self) -> Vec<String> {
        let mut out = Vec::new();
        self.collect_vars(&mut out);
        out
    }

    fn collect_vars(&self, out: &mut Vec<String>) {
        for piece in &self.pieces {
            if let Piece::Var(v) = piece {
                if !v.local && !out.contains(&v.name) {
                    out.push(v.name.clone());
                }
                if let Some(b) = &v.bound {
                    b.collect_vars(out);
                }
                if let Some((_, arg)) = &v.op {
                    arg.collect_vars(out);
                }
            }
        }
    }

    /// The `${NAME:?message}` references whose variable is known and
    /// empty, with their messages: compose stops there. (An unknown
    /// variable may still be set at deploy time.) A message is shown with
    /// pieces from secret variables masked.
    pub fn failed_requirements(&self) -> Vec<(&Var, String)> {
        self.pieces
            .iter()
            .filter_map(|p| match p {
                Piece::Var(v) => {
                    let (Op::RequiredNonEmpty, arg) = v.op.as_ref()? else {
                        return None;
                    };
                    let empty = v.bound.as_ref()?.text()?.is_empty();
                    let message = || {
                        arg.display_text(
                            &crate::syntax::redact::is_secret_name,
                            crate::syntax::redact::MASK,
                        )
                        .unwrap_or_default()
                    };
                    empty.then(|| (v, message()))
                }
                Piece::Lit { .. } => None,
            })
            .collect()
    }

    /// Variables that are not bound (the value is symbolic in them).
    pub fn unbound(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for piece in &self.pieces {
            if let Piece::Var(v) = piece {
                let names = match &v.bound {
                    Some(b) => b.unbound(),
                    None => vec![v.name.clone()],
                };
                for n in names {
                    if !out.contains(&n) {
                        out.push(n);
                    }
                }
            }
        }
        out
    }

    /// True when no variable is involved at all.
    pub fn is_literal(&self) -> bool {
        self.pieces.iter().all(|p| matches!(p, Piece::Lit { .. }))
    }

    /// Every span the value came through: where it is written, then where
    /// each bound variable's value is written.
    pub fn provenance(&self) -> Vec<Span> {
        let mut out = Vec::new();
        for piece in &self.pieces {
            match piece {
                Piece::Lit { span, .. } => out.push(*span),
                Piece::Var(v) => {
                    out.push(v.span);
                    if let Some(b) = &v.bound {
                        out.extend(b.provenance());
                    }
                }
            }
        }
        out.dedup();
        out
    }

    /// Where the value's text is written, and the references it came
    /// through (outermost first). A value that is one variable (`${X}`,
    /// `$2`) is written where that variable got its text — the `.env`
    /// line, the literal argument of a wrapper function's call — and the
    /// references are where it came through. While its text is unknown it
    /// is written at the last reference in its own file (the call line of
    /// the wrapper, not the deploy-time variable elsewhere). A finding's
    /// primary location is the former.
    pub fn written_at(&self) -> Option<(Span, Vec<Span>)> {
        // Each level: the reference's span, and the value it leads to.
        let mut levels: Vec<(Span, &Value)> = Vec::new();
        let mut cur = self;
        while let [Piece::Var(var)] = cur.pieces.as_slice() {
            match var.bound.as_deref() {
                Some(b) if b.span().is_some() && levels.len() < 64 => {
                    levels.push((var.span, b));
                    cur = b;
                }
                _ => break,
            }
        }
        let start = self.span()?;
        let chosen = if cur.text().is_some() {
            levels.len()
        } else {
            levels
                .iter()
                .rposition(|(_, v)| v.span().is_some_and(|sp| sp.file == start.file))
                .map_or(0, |i| i + 1)
        };
        let primary = match chosen.checked_sub(1).and_then(|i| levels.get(i)) {
            Some((_, v)) => v.span()?,
            None => start,
        };
        let mut through: Vec<Span> = std::iter::once(start)
            .chain(
                levels
                    .iter()
                    .flat_map(|(r, v)| [Some(*r), v.span()])
                    .flatten(),
            )
            .filter(|sp| *sp != primary && sp.start != sp.end)
            .collect();
        through.dedup();
        Some((primary, through))
    }

    /// The span of the whole value as written.
    pub fn span(&self) -> Option<Span> {
        let first = self.pieces.first().map(piece_span)?;
        let last = self.pieces.last().map(piece_span)?;
        Some(first.to(last))
    }

    /// Pieces reachable through bound values, counted up to `limit` (the
    /// count stops early, so this costs at most `limit` steps).
    fn weight(&self, limit: usize) -> usize {
        let mut n = 0;
        for piece in &self.pieces {
            n += 1;
            if let Piece::Var(v) = piece {
                if let Some(b) = &v.bound {
                    n += b.weight(limit.saturating_sub(n));
                }
                if let Some((_, arg)) = &v.op {
                    n += arg.weight(limit.saturating_sub(n));
                }
            }
            if n > limit {
                break;
            }
        }
        n
    }

    /// Binds every variable that `lookup` knows, recursively in defaults.
    /// A value that expands to more than [`MAX_WEIGHT`] pieces (chains of
    /// variables doubling each other) is left unbound: it stays symbolic
    /// rather than cost exponential time.
    pub fn bind(&mut self, lookup: &dyn Fn(&str) -> Option<Arc<Value>>) {
        for piece in &mut self.pieces {
            if let Piece::Var(v) = piece {
                if v.bound.is_none() {
                    v.bound = lookup(&v.name).filter(|b| b.weight(MAX_WEIGHT) <= MAX_WEIGHT);
                }
                if let Some((_, arg)) = v.op.as_mut() {
                    arg.bind(lookup);
                }
            }
        }
    }
}

fn piece_span(p: &Piece) -> Span {
    match p {
        Piece::Lit { span, .. } => *span,
        Piece::Var(v) => v.span,
    }
}

impl Var {
    fn text(&self) -> Option<String> {
        let bound = match &self.bound {
            Some(b) => Some(b.text()?),
            None => None,
        };
        let arg = || self.op.as_ref().and_then(|(_, a)| a.text());
        match (self.op.as_ref().map(|(op, _)| *op), bound) {
            (None, b) => b,
            (Some(Op::DefaultUnsetOrEmpty), Some(b)) if b.is_empty() => arg(),
            (Some(Op::DefaultUnsetOrEmpty | Op::DefaultUnset), None) => arg(),
            (Some(Op::DefaultUnsetOrEmpty | Op::DefaultUnset), Some(b)) => Some(b),
            (Some(Op::RequiredNonEmpty | Op::Required), b) => b,
            (Some(Op::AltNonEmpty), Some(b)) => {
                Some(if b.is_empty() { String::new() } else { arg()? })
            }
            (Some(Op::Alt), Some(_)) => arg(),
            (Some(Op::AltNonEmpty | Op::Alt), None) => None,
        }
    }
}
/// Test helpers shared by the modules that build values.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;
    use crate::syntax::source::FileId;

    /// Parses `s` as a template written at offset 0 of file 0.
    pub fn template(s: &str) -> Value {
        let origin = Origin {
            whole: Span::new(FileId(0), 0, s.len()),
            offset: Some(0),
        };
        parse_template(s, origin).unwrap_or_else(|e| panic!("{}", e.message))
    }

    /// Binds variables to literal values written in file 1.
    pub fn bind(v: &mut Value, pairs: &[(&str, &str)]) {
        let pairs: Vec<(String, Arc<Value>)> = pairs
            .iter()
            .map(|(k, val)| {
                (
                    k.to_string(),
                    Arc::new(Value::literal(*val, Span::new(FileId(1), 0, 1))),
                )
            })
            .collect();
        v.bind(&|name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        });
    }
}

#[cfg(test)]
mod tests;
