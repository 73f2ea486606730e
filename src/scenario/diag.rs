//! Diagnostics: every problem in a scenario names the file, the line and column, the key
//! and what was expected, and all problems are reported at once.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

/// The text of a scenario file, kept so that byte offsets can be turned into line:column.
#[derive(Debug)]
pub struct Source {
    /// The file name as the user gave it (or `<bench>` for built-in text).
    pub name: String,
    /// The whole text.
    pub text: String,
}

impl Source {
    /// 1-based line and column of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
        let col = before[line_start..].chars().count() + 1;
        (line, col)
    }

    /// The text of a 1-based line, without its newline.
    pub fn line_text(&self, line: usize) -> &str {
        self.text.lines().nth(line - 1).unwrap_or("")
    }
}

/// Where a value came from.
#[derive(Debug, Clone)]
pub enum Origin {
    /// A byte range of the scenario file.
    File(Range<usize>),
    /// A `--set KEY=VALUE` argument (the whole argument).
    Override(String),
    /// A documented default filled in by the loader.
    Default,
}

/// One problem found in a scenario.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    /// The file the problem is in.
    pub file: String,
    /// 1-based line, when the problem is in the file.
    pub line: Option<usize>,
    /// 1-based column, when the problem is in the file.
    pub col: Option<usize>,
    /// The dotted key (`sensors.air_quality.count`), empty for a file-level problem.
    pub key: String,
    /// What is wrong and what was expected.
    pub message: String,
    /// The offending source line, for display.
    pub snippet: Option<String>,
    /// The `--set` argument responsible, if any.
    pub override_arg: Option<String>,
}

impl Diagnostic {
    /// Builds a diagnostic located at `origin` in `source`.
    pub fn at(source: &Arc<Source>, origin: &Origin, key: &str, message: String) -> Self {
        let mut d = Diagnostic {
            file: source.name.clone(),
            line: None,
            col: None,
            key: key.to_string(),
            message,
            snippet: None,
            override_arg: None,
        };
        match origin {
            Origin::File(range) => {
                let (line, col) = source.line_col(range.start);
                d.line = Some(line);
                d.col = Some(col);
                d.snippet = Some(source.line_text(line).to_string());
            }
            Origin::Override(arg) => d.override_arg = Some(arg.clone()),
            Origin::Default => {}
        }
        d
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: {}", self.file)?;
        if let (Some(l), Some(c)) = (self.line, self.col) {
            write!(f, ":{l}:{c}")?;
        }
        if !self.key.is_empty() {
            write!(f, ": key `{}`", self.key)?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(arg) = &self.override_arg {
            write!(f, "\n  (set on the command line by --set {arg})")?;
        }
        if let (Some(snippet), Some(l), Some(c)) = (&self.snippet, self.line, self.col) {
            let gutter = l.to_string().len();
            let (shown, caret) = window(snippet, c);
            let pad = " ".repeat(gutter);
            write!(
                f,
                "\n {pad} |\n {l} | {shown}\n {pad} | {}^",
                " ".repeat(caret)
            )?;
        }
        Ok(())
    }
}

/// Characters of a source line shown around the problem.
const WINDOW: usize = 80;

/// At most [`WINDOW`] characters of `line` around 1-based column `col` (with "..."
/// where it is cut), and how many characters precede the caret.
fn window(line: &str, col: usize) -> (String, usize) {
    let n = line.chars().count();
    let at = col.saturating_sub(1).min(n);
    let start = at.saturating_sub(WINDOW / 2).min(n.saturating_sub(WINDOW));
    let end = (start + WINDOW).min(n);
    let body: String = line.chars().skip(start).take(end - start).collect();
    let (pre, post) = (
        if start > 0 { "..." } else { "" },
        if end < n { "..." } else { "" },
    );
    (format!("{pre}{body}{post}"), pre.len() + at - start)
}

/// All the problems found in a scenario, in file order.
#[derive(Debug, Clone)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            writeln!(f, "{d}")?;
        }
        let n = self.0.len();
        write!(f, "{n} problem{} found", if n == 1 { "" } else { "s" })
    }
}

impl std::error::Error for Diagnostics {}

#[cfg(test)]
mod tests {
    use super::window;

    #[test]
    fn a_short_line_is_shown_whole_and_a_long_one_around_the_caret() {
        assert_eq!(window("count = -1", 9), ("count = -1".to_string(), 8));
        let long: String = (0..1000)
            .map(|i| char::from(b'a' + (i % 26) as u8))
            .collect();
        let (shown, caret) = window(&long, 500);
        assert!(shown.starts_with("...") && shown.ends_with("..."));
        assert_eq!(shown.chars().count(), 80 + 6);
        assert_eq!(shown.chars().nth(caret), long.chars().nth(499));
        // At either end, and past it.
        assert_eq!(window(&long, 1).1, 0);
        let (end, at) = window(&long, 2000);
        assert!(end.starts_with("...") && !end.ends_with("...") && at == end.len());
    }
}
