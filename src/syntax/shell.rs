//! Shell text handed to brush-parser, which recurses once per level of
//! `(`, `{` or `$(`: text nested deeper than [`MAX_NESTING`] is refused
//! before it gets there (a stack overflow aborts; no `catch_unwind` stops
//! it), and a panic inside it is caught. Every call into brush-parser
//! (the seed loader's scripts and words, the reading of multi-line
//! statements for suppressions) goes through this one guard.

/// Scripts nesting `(`, `{` or `$(` deeper than this are not parsed.
pub const MAX_NESTING: usize = 200;

/// Whether `text` nests brackets more than [`MAX_NESTING`] deep (a rough,
/// quote-blind count: it only bounds the parser's recursion).
pub fn too_deep(text: &str) -> bool {
    let (mut depth, mut max) = (0usize, 0usize);
    for b in text.bytes() {
        match b {
            b'(' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b')' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max > MAX_NESTING
}

/// Why [`guarded`] gave no result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// The text nests more than [`MAX_NESTING`] deep; the parser never ran.
    TooDeep,
    /// The parser panicked (third-party code on untrusted input).
    Panicked,
}

/// Runs `parse` (brush-parser on `text`) unless `text` nests too deep,
/// catching a panic inside it.
pub fn guarded<T>(text: &str, parse: impl FnOnce() -> T) -> Result<T, Refused> {
    if too_deep(text) {
        return Err(Refused::TooDeep);
    }
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(parse)).map_err(|_| Refused::Panicked)
}

/// brush-parser's tokens of `text`, or `None` where it nests too deep or
/// does not tokenize.
pub fn tokens(text: &str) -> Option<Vec<brush_parser::Token>> {
    guarded(text, || brush_parser::tokenize_str(text))
        .ok()?
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_nesting_is_refused_before_the_parser() {
        let deep = format!("echo {}{}\n", "$(".repeat(100_000), ")".repeat(100_000));
        assert!(too_deep(&deep));
        assert!(tokens(&deep).is_none());
        let shallow = format!("echo {}x{}\n", "$(".repeat(3), ")".repeat(3));
        assert!(!too_deep(&shallow));
        assert!(tokens(&shallow).is_some_and(|t| !t.is_empty()));
    }
}
