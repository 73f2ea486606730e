//! The documented defaults: the README shows the values the code uses (issue 11: every
//! default lives in one table, held against the README).

use citysim::scenario::defaults::TABLE;

/// The README and the documents it links, where the defaults are shown.
fn readme() -> String {
    let root = env!("CARGO_MANIFEST_DIR");
    [
        "README.md",
        "docs/scenarios.md",
        "docs/models.md",
        "docs/studies.md",
    ]
    .iter()
    .map(|f| std::fs::read_to_string(format!("{root}/{f}")).unwrap())
    .collect::<Vec<_>>()
    .join("\n")
}

/// The README's example of inline table `section = { ... }`, up to its closing brace.
fn example<'a>(text: &'a str, section: &str) -> Option<&'a str> {
    let start = text.find(&format!("\n{section} = {{"))?;
    let len = text[start..].find('}')?;
    Some(&text[start..start + len])
}

#[test]
fn issue_11_the_readme_documents_every_default_the_code_uses() {
    let text = readme();
    let mut wrong = Vec::new();
    for d in TABLE {
        let shown = format!("{} = {}", d.key, d.value);
        let ok = match example(&text, d.section) {
            // A technology's table is shown whole with its defaults.
            Some(block) => block.contains(&shown),
            // Other keys say `default VALUE` on their line.
            None => text.lines().any(|l| {
                l.trim_start().starts_with(&format!("{} = ", d.key))
                    && l.contains(&format!("default {}", d.value))
            }),
        };
        if !ok {
            wrong.push(format!("{}.{} = {}", d.section, d.key, d.value));
        }
        assert!(
            !d.source.is_empty(),
            "{}.{} has no source",
            d.section,
            d.key
        );
    }
    assert!(
        wrong.is_empty(),
        "not in the README as the code has them: {wrong:?}"
    );
}

#[test]
fn every_default_is_read_by_its_reader() {
    // Empty technology tables take every default: they must validate.
    let text = r#"
[[access]]
name = "a"
lora = {}
[[access]]
name = "b"
mesh = {}
[[access]]
name = "c"
cellular = {}
[[sensors]]
name = "s"
count = 1
traffic = { kind = "periodic", interval = "1min" }
payload = "10B"
access = "a"
"#;
    let s = citysim::scenario::load_str("d.toml", "d", text, &[]).unwrap();
    let lora = s.access[0].lora().unwrap();
    assert_eq!(
        (lora.bw_hz, lora.cr, lora.preamble, lora.channels),
        (125e3, 1, 8, 3)
    );
    let p = lora.propagation;
    assert_eq!(p.model, citysim::scenario::PathModel::Uma3gpp);
    assert_eq!(
        (p.frequency_hz, p.gateway_height_m, p.device_height_m),
        (868.3e6, 25.0, 1.5)
    );
    assert_eq!((p.sigma_db, p.decorrelation_m), (6.0, 50.0));
    assert_eq!(
        (lora.duty_cycle, lora.retries, lora.collision, lora.inter_sf),
        (
            Some(0.01),
            0,
            citysim::scenario::Collision::Sinr,
            Some(citysim::scenario::SfRejection::Goursaud)
        )
    );
    let mesh = s.access[1].mesh().unwrap();
    assert_eq!(
        (mesh.min_be, mesh.max_be, mesh.max_backoffs, mesh.retries),
        (3, 5, 4, 3)
    );
    assert_eq!(
        (mesh.overhead_bytes, mesh.queue, mesh.link_prr),
        (17, 32, 0.1)
    );
    let cell = s.access[2].cellular().unwrap();
    assert_eq!(
        (cell.transfers, cell.rate_bps, cell.wake_up_ns),
        (50, 60e3, 2_000_000_000)
    );
    assert_eq!(
        (s.access[0].loss, s.access[0].latency.mean_ns()),
        (0.0, 0.0)
    );
}
