//! Arithmetic expressions over scenario parameters and metrics, as `[tune]` objectives
//! write them (`"gateways.count * 1500 + relays.count * 200"`).

/// An arithmetic expression over parameters and metrics.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A number.
    Num(f64),
    /// A name: a variable path, a metric, or a scenario path.
    Name(String),
    /// Negation.
    Neg(Box<Expr>),
    /// A binary operation: `+ - * /`.
    Bin(char, Box<Expr>, Box<Expr>),
}

impl Expr {
    /// Parses `a * 1500 + b.count / (2 - c)`.
    ///
    /// ```
    /// use citysim::scenario::Expr;
    /// let e = Expr::parse("gateways.count * 1500 + 2 * (x - 1)").unwrap();
    /// let v = e.eval(&mut |n| Some(if n == "x" { 3.0 } else { 4.0 })).unwrap();
    /// assert_eq!(v, 6004.0);
    /// assert!(Expr::parse("1 +").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<Expr, String> {
        let tokens = tokenize(text)?;
        let mut p = Parser { t: &tokens, i: 0 };
        let e = p.sum()?;
        if p.i != tokens.len() {
            return Err(format!("unexpected `{}` in \"{text}\"", tokens[p.i]));
        }
        Ok(e)
    }

    /// Every name used.
    pub fn names(&self) -> Vec<String> {
        let mut out = Vec::new();
        self.collect(&mut out);
        out
    }

    fn collect(&self, out: &mut Vec<String>) {
        match self {
            Expr::Num(_) => {}
            Expr::Name(n) => out.push(n.clone()),
            Expr::Neg(e) => e.collect(out),
            Expr::Bin(_, a, b) => {
                a.collect(out);
                b.collect(out);
            }
        }
    }

    /// Evaluates, looking names up with `lookup` (None: the name is unknown).
    pub fn eval(&self, lookup: &mut dyn FnMut(&str) -> Option<f64>) -> Result<f64, String> {
        Ok(match self {
            Expr::Num(v) => *v,
            Expr::Name(n) => lookup(n).ok_or_else(|| format!("unknown name `{n}`"))?,
            Expr::Neg(e) => -e.eval(lookup)?,
            Expr::Bin(op, a, b) => {
                let (x, y) = (a.eval(lookup)?, b.eval(lookup)?);
                match op {
                    '+' => x + y,
                    '-' => x - y,
                    '*' => x * y,
                    _ => x / y,
                }
            }
        })
    }
}

fn tokenize(text: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if "+-*/()".contains(c) {
            out.push(c.to_string());
            i += 1;
        } else if c.is_ascii_digit() || c == '.' {
            let s = i;
            while i < chars.len()
                && (chars[i].is_ascii_digit()
                    || chars[i] == '.'
                    || chars[i] == 'e'
                    || ((chars[i] == '-' || chars[i] == '+') && i > s && chars[i - 1] == 'e'))
            {
                i += 1;
            }
            out.push(chars[s..i].iter().collect());
        } else if c.is_ascii_alphabetic() || c == '_' {
            // Names: letters, digits, `_` and `.` (a `-` is always a minus).
            let s = i;
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == '.')
            {
                i += 1;
            }
            out.push(chars[s..i].iter().collect());
        } else {
            return Err(format!("unexpected character `{c}` in \"{text}\""));
        }
    }
    if out.is_empty() {
        return Err("empty expression".into());
    }
    Ok(out)
}

struct Parser<'t> {
    t: &'t [String],
    i: usize,
}

impl<'t> Parser<'t> {
    fn peek(&self) -> Option<&'t str> {
        self.t.get(self.i).map(String::as_str)
    }

    fn sum(&mut self) -> Result<Expr, String> {
        let mut e = self.product()?;
        while let Some(op @ ("+" | "-")) = self.peek() {
            let op = op.chars().next().expect("one char");
            self.i += 1;
            e = Expr::Bin(op, Box::new(e), Box::new(self.product()?));
        }
        Ok(e)
    }

    fn product(&mut self) -> Result<Expr, String> {
        let mut e = self.unary()?;
        while let Some(op @ ("*" | "/")) = self.peek() {
            let op = op.chars().next().expect("one char");
            self.i += 1;
            e = Expr::Bin(op, Box::new(e), Box::new(self.unary()?));
        }
        Ok(e)
    }

    fn unary(&mut self) -> Result<Expr, String> {
        match self.peek() {
            Some("-") => {
                self.i += 1;
                Ok(Expr::Neg(Box::new(self.unary()?)))
            }
            Some("(") => {
                self.i += 1;
                let e = self.sum()?;
                if self.peek() != Some(")") {
                    return Err("missing `)`".into());
                }
                self.i += 1;
                Ok(e)
            }
            Some(tok) => {
                self.i += 1;
                if tok.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
                    tok.parse()
                        .map(Expr::Num)
                        .map_err(|_| format!("`{tok}` is not a number"))
                } else if matches!(tok, "+" | "*" | "/" | ")") {
                    Err(format!("unexpected `{tok}`"))
                } else {
                    Ok(Expr::Name(tok.to_string()))
                }
            }
            None => Err("the expression ends too early".into()),
        }
    }
}
