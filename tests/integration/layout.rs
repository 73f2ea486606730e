//! Chart layout: no legend covers a plotted point, line or bar, in any chart of any
//! bundled scenario's report. Checked twice: from the SVG geometry (everywhere), and
//! from the page layout of a real browser (where Debian's chromium is installed).

use crate::library::{bundled, reduced};
use crate::util::*;
use std::path::{Path, PathBuf};

/// An axis-aligned box, pixels: (x0, y0, x1, y1).
type Bbox = (f64, f64, f64, f64);

/// One SVG element: its tag and attributes.
struct Element {
    tag: String,
    attrs: Vec<(String, String)>,
}

impl Element {
    fn get(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.0 == name)
            .map(|a| a.1.as_str())
    }

    fn num(&self, name: &str) -> f64 {
        self.get(name)
            .and_then(|v| v.parse().ok())
            .unwrap_or(f64::NAN)
    }

    /// The element's extent, if it has geometry.
    fn bbox(&self) -> Option<Bbox> {
        match self.tag.as_str() {
            "rect" => {
                let (x, y) = (self.num("x"), self.num("y"));
                Some((x, y, x + self.num("width"), y + self.num("height")))
            }
            "circle" => {
                let (x, y, r) = (self.num("cx"), self.num("cy"), self.num("r"));
                Some((x - r, y - r, x + r, y + r))
            }
            "line" => {
                let (a, b) = (self.num("x1"), self.num("x2"));
                let (c, d) = (self.num("y1"), self.num("y2"));
                Some((a.min(b), c.min(d), a.max(b), c.max(d)))
            }
            "polyline" | "polygon" => {
                let pts: Vec<(f64, f64)> = self
                    .get("points")?
                    .split_whitespace()
                    .filter_map(|p| {
                        let (x, y) = p.split_once(',')?;
                        Some((x.parse().ok()?, y.parse().ok()?))
                    })
                    .collect();
                let first = *pts.first()?;
                Some(pts.iter().fold(
                    (first.0, first.1, first.0, first.1),
                    |(a, b, c, d), &(x, y)| (a.min(x), b.min(y), c.max(x), d.max(y)),
                ))
            }
            _ => None,
        }
    }
}

/// The elements of an SVG document, in order.
fn elements(svg: &str) -> Vec<Element> {
    let mut out = Vec::new();
    for chunk in svg.split('<').skip(1) {
        let body = chunk.split('>').next().unwrap_or("");
        if body.starts_with('/') || body.starts_with('!') || body.starts_with('?') {
            continue;
        }
        let tag: String = body
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        let mut attrs = Vec::new();
        let mut rest = &body[tag.len()..];
        while let Some(eq) = rest.find("=\"") {
            let name = rest[..eq].trim().to_string();
            let after = &rest[eq + 2..];
            let end = after.find('"').unwrap_or(after.len());
            attrs.push((name, after[..end].to_string()));
            rest = &after[(end + 1).min(after.len())..];
        }
        out.push(Element { tag, attrs });
    }
    out
}

fn overlaps(a: Bbox, b: Bbox) -> bool {
    a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3
}

fn inside(a: Bbox, b: Bbox) -> bool {
    a.0 >= b.0 && a.1 >= b.1 && a.2 <= b.2 && a.3 <= b.3
}

/// A legend's frame: an unfilled black rectangle at 60% opacity.
fn is_frame(e: &Element) -> bool {
    e.tag == "rect" && e.get("fill") == Some("none") && e.get("opacity") == Some("0.6")
}

/// What a chart plots: points, lines, polygons and filled rectangles (not the
/// background, which starts at the corner).
fn is_data(e: &Element) -> bool {
    let background = e.num("x") == 0.0 && e.num("y") == 0.0;
    matches!(e.tag.as_str(), "circle" | "polyline" | "polygon")
        || (e.tag == "rect" && e.get("fill") != Some("none") && !background)
}

/// Legends that cover data in `svg`, described; and how many legends were checked.
/// A legend must lie clear of the plotting area (the extent of the grid and axis
/// lines), and a plotted element that reaches into a legend must be one of its keys,
/// wholly inside it.
fn legend_problems(svg: &str) -> (Vec<String>, usize) {
    let els = elements(svg);
    let frames: Vec<Bbox> = els
        .iter()
        .filter(|e| is_frame(e))
        .filter_map(Element::bbox)
        .collect();
    let keys = |b: &Bbox| frames.iter().any(|f| inside(*b, *f));
    let grid = els
        .iter()
        .filter(|e| e.tag == "line")
        .filter_map(Element::bbox)
        .filter(|b| !keys(b))
        .reduce(|a, b| (a.0.min(b.0), a.1.min(b.1), a.2.max(b.2), a.3.max(b.3)));
    let mut problems = Vec::new();
    for f in &frames {
        if let Some(g) = grid.filter(|g| overlaps(*f, *g)) {
            problems.push(format!("legend {f:?} lies on the plotting area {g:?}"));
        }
        for e in els.iter().filter(|e| is_data(e) && !is_frame(e)) {
            if let Some(b) = e.bbox().filter(|b| overlaps(*b, *f) && !inside(*b, *f)) {
                problems.push(format!("a {} {b:?} runs under legend {f:?}", e.tag));
            }
        }
    }
    (problems, frames.len())
}

#[test]
fn the_checker_sees_a_legend_drawn_over_data() {
    // A legend box on the plot (inside the grid) over a line that crosses it.
    let bad = r##"<svg><line x1="50" y1="50" x2="50" y2="500"/><line x1="50" y1="500" x2="900" y2="500"/>
<polyline fill="none" stroke="#0072B2" points="60,450 400,300 880,60 "/>
<rect x="700" y="40" width="180" height="120" opacity="0.6" fill="none" stroke="#000000"/></svg>"##;
    let (problems, checked) = legend_problems(bad);
    assert_eq!(checked, 1);
    assert_eq!(problems.len(), 2, "{problems:?}");
    let good = bad.replace("x=\"700\"", "x=\"920\"");
    assert_eq!(legend_problems(&good).0, Vec::<String>::new());
}

/// Runs every bundled scenario (made small) with its report; returns the run folders.
fn bundled_reports(dir: &Path) -> Vec<PathBuf> {
    let mut runs = Vec::new();
    for (i, path) in bundled().iter().enumerate() {
        let out_dir = format!("r{i}");
        let mut args = vec!["run", path.as_str(), "--out", &out_dir, "-q"];
        let sets = reduced(path);
        args.extend(sets.iter().map(String::as_str));
        let out = citysim(dir, &args);
        assert_eq!(out.code, 0, "{path}: {}", out.stderr);
        runs.push(dir.join(out_dir));
    }
    runs
}

/// The chart SVGs of a run folder.
fn chart_svgs(run: &Path) -> Vec<PathBuf> {
    let mut svgs: Vec<PathBuf> = std::fs::read_dir(run.join("charts"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "svg"))
        .collect();
    svgs.sort();
    svgs
}

#[test]
fn issue_14_no_legend_covers_data_in_any_bundled_report() {
    let dir = tempfile::tempdir().unwrap();
    let runs = bundled_reports(dir.path());
    let mut checked = 0;
    let mut all = Vec::new();
    for run in &runs {
        for svg in chart_svgs(run) {
            let (problems, n) = legend_problems(&std::fs::read_to_string(&svg).unwrap());
            checked += n;
            all.extend(
                problems
                    .into_iter()
                    .map(|p| format!("{}: {p}", svg.display())),
            );
        }
    }
    // Every report has legends (the latency CDF's at least): the check is not vacuous.
    assert!(
        checked >= runs.len() * 3,
        "only {checked} legends in {} reports",
        runs.len()
    );
    assert!(all.is_empty(), "{}", all.join("\n"));
    browser_layout_check(dir.path(), &runs);
}

/// The same check from a real browser's layout: every report's charts on one page, a
/// script measuring each legend and each plotted element with getBoundingClientRect.
fn browser_layout_check(dir: &Path, runs: &[PathBuf]) {
    let Some(browser) = browser() else {
        eprintln!("SKIPPED the browser half of the legend check: no chromium installed (.ci/run installs Debian's chromium)");
        return;
    };
    let mut page = String::from("<!DOCTYPE html><html><body>");
    for run in runs {
        for svg in chart_svgs(run) {
            page.push_str(&std::fs::read_to_string(svg).unwrap());
        }
    }
    page.push_str(&format!("<script>{LAYOUT_SCRIPT}</script></body></html>"));
    let file = dir.join("layout.html");
    std::fs::write(&file, page).unwrap();
    let out = headless(
        browser,
        dir,
        &["--dump-dom".into(), format!("file://{}", file.display())],
    );
    let dom = String::from_utf8_lossy(&out.stdout);
    let result = dom
        .split("<pre id=\"layout\">")
        .nth(1)
        .and_then(|s| s.split("</pre>").next())
        .unwrap_or_else(|| panic!("no layout result: {}", String::from_utf8_lossy(&out.stderr)));
    let (checked, problems) = result.split_once('\n').unwrap_or((result, ""));
    let checked: usize = checked.trim().parse().unwrap();
    eprintln!(
        "the browser measured {checked} legends in {} reports",
        runs.len()
    );
    assert!(
        checked >= runs.len() * 3,
        "the browser measured {checked} legends"
    );
    assert!(
        problems.trim().is_empty(),
        "legends over data in the browser:\n{problems}"
    );
}

/// Measures every legend frame against the plotting area and the plotted elements of
/// its chart; writes the count of legends and one line per problem.
const LAYOUT_SCRIPT: &str = r#"
const box = e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
const over = (a, b) => a[0] < b[2] - 0.5 && b[0] < a[2] - 0.5 && a[1] < b[3] - 0.5 && b[1] < a[3] - 0.5;
const within = (a, b) => a[0] >= b[0] - 0.5 && a[1] >= b[1] - 0.5 && a[2] <= b[2] + 0.5 && a[3] <= b[3] + 0.5;
let checked = 0; const problems = [];
document.querySelectorAll('svg').forEach((svg, k) => {
  const all = [...svg.querySelectorAll('*')];
  const frame = e => e.tagName === 'rect' && e.getAttribute('fill') === 'none' && e.getAttribute('opacity') === '0.6';
  const frames = all.filter(frame).map(box);
  const lines = all.filter(e => e.tagName === 'line').map(box).filter(b => !frames.some(f => within(b, f)));
  const grid = lines.length ? lines.reduce((a, b) => [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[2], b[2]), Math.max(a[3], b[3])]) : null;
  const data = all.filter(e => ['circle', 'polyline', 'polygon'].includes(e.tagName) || (e.tagName === 'rect' && !frame(e) && e.getAttribute('fill') !== 'none' && !(e.getAttribute('x') === '0' && e.getAttribute('y') === '0')));
  frames.forEach(f => {
    checked += 1;
    if (grid && over(f, grid)) problems.push(`chart ${k}: legend on the plotting area`);
    data.forEach(d => { const b = box(d); if (over(b, f) && !within(b, f)) problems.push(`chart ${k}: a ${d.tagName} under the legend`); });
  });
});
document.body.innerHTML = '<pre id="layout">' + checked + '\n' + problems.join('\n') + '</pre>';
"#;
