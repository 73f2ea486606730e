//! Diagnostics: every problem in a scenario names the file, the line and column, the key
//! and what was expected, and all problems are reported at once.

use std::fmt;
use std::ops::Range;
use std::sync::{Arc, OnceLock};

/// The text of a scenario file, kept so that byte offsets can be turned into line:column.
#[derive(Debug)]
pub struct Source {
    /// The file name as the user gave it (or `<bench>` for built-in text).
    pub name: String,
    /// The whole text.
    pub text: String,
    /// Byte offset of each line's start, computed once on first use, so that locating
    /// a problem costs a binary search, not a scan of the file.
    line_starts: OnceLock<Vec<usize>>,
}

impl Source {
    /// The text of the file `name`.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        Source {
            name: name.into(),
            text: text.into(),
            line_starts: OnceLock::new(),
        }
    }

    fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(self.text.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        })
    }

    /// 1-based line and column of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let starts = self.line_starts();
        let line = starts.partition_point(|&s| s <= offset);
        let col = self.text[starts[line - 1]..offset].chars().count() + 1;
        (line, col)
    }

    /// The text of a 1-based line, without its newline.
    pub fn line_text(&self, line: usize) -> &str {
        let starts = self.line_starts();
        let Some(&start) = line.checked_sub(1).and_then(|i| starts.get(i)) else {
            return "";
        };
        let end = starts.get(line).map_or(self.text.len(), |&e| e - 1);
        self.text[start..end].trim_end_matches('\r')
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
    /// At most [`WINDOW`] characters of the offending source line around the problem,
    /// and how many characters of it precede the caret.
    snippet: Option<(String, usize)>,
    /// The `--set` argument responsible, if any.
    pub override_arg: Option<String>,
}

impl Diagnostic {
    /// Builds a diagnostic located at `origin` in `source`.
    pub fn at(source: &Arc<Source>, origin: &Origin, key: &str, message: String) -> Self {
        let mut d = Diagnostic::unlocated(source, key, message);
        match origin {
            Origin::File(range) => {
                let (line, col) = source.line_col(range.start);
                d.line = Some(line);
                d.col = Some(col);
                d.snippet = Some(window(source.line_text(line), col));
            }
            Origin::Override(arg) => d.override_arg = Some(arg.clone()),
            Origin::Default => {}
        }
        d
    }

    /// A diagnostic naming the file and the key but no line (used past
    /// [`MAX_LOCATED`] problems, where locating each one would only cost time).
    pub fn unlocated(source: &Source, key: &str, message: String) -> Self {
        Diagnostic {
            file: source.name.clone(),
            line: None,
            col: None,
            key: key.to_string(),
            message,
            snippet: None,
            override_arg: None,
        }
    }
}

/// How many problems are located (line, column and source window); the rest are
/// counted and named by key only.
pub const MAX_LOCATED: usize = 1000;

/// How many problems are printed in full; the rest are summed up in one line.
pub const MAX_SHOWN: usize = 50;

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
        if let (Some((shown, caret)), Some(l)) = (&self.snippet, self.line) {
            let gutter = l.to_string().len();
            let caret = *caret;
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
        for (i, d) in self.0.iter().take(MAX_SHOWN).enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            writeln!(f, "{d}")?;
        }
        let n = self.0.len();
        if n > MAX_SHOWN {
            let mut keys: Vec<&str> = self.0[MAX_SHOWN..].iter().map(|d| d.key.as_str()).collect();
            keys.truncate(10);
            writeln!(
                f,
                "\n... and {} more (keys {}{}); fix the ones above and validate again",
                n - MAX_SHOWN,
                keys.join(", "),
                if n - MAX_SHOWN > keys.len() {
                    ", ..."
                } else {
                    ""
                }
            )?;
        }
        write!(f, "{n} problem{} found", if n == 1 { "" } else { "s" })
    }
}

impl std::error::Error for Diagnostics {}

#[cfg(test)]
mod tests {
    use super::{window, Source};

    #[test]
    fn offsets_become_line_and_column_by_the_line_index() {
        let s = Source::new("t", "a = 1\r\nbé = 2\n\nlast");
        assert_eq!(s.line_col(0), (1, 1));
        assert_eq!(s.line_col(4), (1, 5));
        assert_eq!(s.line_col(7), (2, 1));
        // A column counts characters, and an offset inside one is taken back to it.
        assert_eq!(s.line_col(10), (2, 3));
        assert_eq!(s.line_col(9), (2, 2));
        assert_eq!(s.line_col(s.text.len()), (4, 5));
        assert_eq!(s.line_col(usize::MAX), (4, 5));
        assert_eq!(s.line_text(1), "a = 1");
        assert_eq!(s.line_text(2), "bé = 2");
        assert_eq!(s.line_text(3), "");
        assert_eq!(s.line_text(4), "last");
        assert_eq!(s.line_text(5), "");
        assert_eq!(s.line_text(0), "");
    }

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
