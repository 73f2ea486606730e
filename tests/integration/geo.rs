//! Real places: a scenario in longitude/latitude, positions from files, GeoJSON out.

use crate::util::{cell, citysim, read_csv, scenario, write};
use citysim::scenario::{load, Placement, Region};
use std::path::Path;

fn given(p: &Placement) -> &[(f64, f64)] {
    p.given().expect("positions from a file")
}

/// The outlines of the bundled Wuxi example, and a scenario file beside a copy.
fn wuxi_copy(dir: &Path) {
    std::fs::create_dir_all(dir.join("wuxi_geo")).unwrap();
    for f in ["districts.geojson", "sensors.csv", "gateways.csv"] {
        std::fs::copy(scenario("wuxi_geo").join(f), dir.join("wuxi_geo").join(f)).unwrap();
    }
}

const GEO_HEAD: &str = r#"
[city]
crs = "EPSG:4326"
boundary = "wuxi_geo/districts.geojson"
"#;

#[test]
fn issue_16_districts_come_from_geojson_and_sensors_from_csv() {
    let s = load(&scenario("wuxi_geo.toml"), &[]).unwrap();
    let names: Vec<&str> = s.districts.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["liangxi", "huishan", "xishan", "xinwu", "binhu"]);
    // About 50 km by 38 km: 0.54 degrees of longitude and 0.34 of latitude at 31.6 N.
    assert!(
        (45_000.0..56_000.0).contains(&s.city.width_m),
        "{}",
        s.city.width_m
    );
    assert!(
        (33_000.0..42_000.0).contains(&s.city.height_m),
        "{}",
        s.city.height_m
    );
    let rows = std::fs::read_to_string(scenario("wuxi_geo/sensors.csv")).unwrap();
    let meters = rows.lines().filter(|l| l.ends_with(",water_meter")).count();
    let class = |n: &str| s.sensors.iter().find(|c| c.name == n).unwrap();
    assert_eq!(class("water_meter").count as usize, meters);
    assert_eq!(given(&class("water_meter").placement).len(), meters);
    assert_eq!(class("parking").count, 1500);
    assert_eq!(s.gateways[0].count, 6);
}

#[test]
fn issue_16_uniform_sensors_fill_the_districts_in_proportion_to_their_areas() {
    // Placed over the whole city, sensors stay inside the boundary's outline, and each
    // district's share is its share of the area: Binomial(n, a_i / A), within 4 sd.
    let s = load(&scenario("wuxi_geo.toml"), &[]).unwrap();
    let n = 20_000;
    let mut rng = citysim::engine::stream(7, 0, 1);
    let pts = citysim::model::place_in(&Placement::Uniform, n, &s.city, None, &mut rng);
    let outline = s.city.outline.as_ref().unwrap();
    let total: f64 = s.districts.iter().map(|d| d.region.area()).sum();
    assert!((outline.area() - total).abs() / total < 1e-9);
    for d in &s.districts {
        let k = pts
            .iter()
            .filter(|p| d.region.contains(f64::from(p.0), f64::from(p.1)))
            .count() as f64;
        let p = d.region.area() / total;
        let (mean, sd) = (f64::from(n) * p, (f64::from(n) * p * (1.0 - p)).sqrt());
        assert!(
            (k - mean).abs() < 4.0 * sd,
            "{}: {k} against {mean} ± {sd}",
            d.name
        );
    }
    let outside = pts
        .iter()
        .filter(|p| !outline.contains(f64::from(p.0), f64::from(p.1)))
        .count();
    assert_eq!(outside, 0);
}

#[test]
fn issue_16_a_position_means_the_same_place_in_the_file_and_in_a_csv() {
    let dir = tempfile::tempdir().unwrap();
    wuxi_copy(dir.path());
    // Two sensors 0.01 degrees of longitude apart on 31.5 N, and a gateway written in the
    // scenario at the first one's position.
    write(
        dir.path(),
        "pts.csv",
        "lon,lat\n120.30,31.50\n120.31,31.50\n",
    );
    let text = format!(
        "{GEO_HEAD}[[sensors]]\nname = \"s\"\nplacement = {{ kind = \"file\", path = \"pts.csv\" }}\n\
         traffic = {{ kind = \"periodic\", interval = \"1h\" }}\npayload = \"10B\"\n\
         [[gateways]]\nname = \"g\"\nplacement = {{ kind = \"explicit\", positions = [[120.30, 31.50]] }}\n"
    );
    let path = write(dir.path(), "t.toml", &text);
    let s = load(Path::new(&path), &[]).unwrap();
    let p = given(&s.sensors[0].placement);
    let g = given(&s.gateways[0].placement)[0];
    assert!((p[0].0 - g.0).hypot(p[0].1 - g.1) < 1e-6);
    // The WGS84 parallel arc: N(phi) cos(phi) dlambda, with N the prime vertical radius.
    let phi = 31.5_f64.to_radians();
    let n = 6_378_137.0 / (1.0 - 0.006_694_38 * phi.sin().powi(2)).sqrt();
    let arc = n * phi.cos() * 0.01_f64.to_radians();
    let d = (p[1].0 - p[0].0).hypot(p[1].1 - p[0].1);
    assert!((d - arc).abs() < 0.5, "{d} m against {arc} m");
}

#[test]
fn issue_16_bad_files_are_errors_naming_file_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    wuxi_copy(dir.path());
    let case = |csv: &str, head: &str, extra: &str| -> String {
        write(dir.path(), "pts.csv", csv);
        let text = format!(
            "{head}[[sensors]]\nname = \"s\"\nplacement = {{ kind = \"file\", path = \"pts.csv\" }}\n\
             traffic = {{ kind = \"periodic\", interval = \"1h\" }}\npayload = \"10B\"\n{extra}"
        );
        let path = write(dir.path(), "t.toml", &text);
        let out = citysim(dir.path(), &["validate", &path]);
        assert_eq!(out.code, 2, "{}", out.stderr);
        out.stderr
    };
    let e = case("lon,lat\n120.3,31.5\n120.3,north\n", GEO_HEAD, "");
    assert!(
        e.contains("pts.csv") && e.contains("row 2 (line 3)") && e.contains("column \"lat\""),
        "{e}"
    );
    // Outside the city: the row and where it is.
    let e = case("lon,lat\n120.3,31.5\n121.5,31.5\n", GEO_HEAD, "");
    assert!(e.contains("row 2") && e.contains("outside the city"), "{e}");
    // Longitude/latitude columns in a city without a crs.
    let e = case("lon,lat\n120.3,31.5\n", "", "");
    assert!(e.contains("crs = \"EPSG:4326\""), "{e}");
    // A count that disagrees with the file.
    let e = case("lon,lat\n120.3,31.5\n", GEO_HEAD, "count = 3\n");
    assert!(
        e.contains("expected 3 positions") && e.contains("placement.path"),
        "{e}"
    );
    // A class column without this class.
    let e = case("lon,lat,class\n120.3,31.5,other\n", GEO_HEAD, "");
    assert!(e.contains("no row has class \"s\""), "{e}");
    // Latitude and longitude swapped in the boundary.
    let swapped = std::fs::read_to_string(dir.path().join("wuxi_geo/districts.geojson"))
        .unwrap()
        .replace("120.", "X")
        .replace("31.", "120.")
        .replace('X', "31.");
    write(dir.path(), "wuxi_geo/districts.geojson", &swapped);
    let e = case("lon,lat\n120.3,31.5\n", GEO_HEAD, "");
    assert!(e.contains("city.boundary") && e.contains("swapped"), "{e}");
}

#[test]
fn issue_16_a_boundary_feature_without_its_name_is_named() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "d.geojson",
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"NAME_2":"a"},
        "geometry":{"type":"Polygon","coordinates":[[[120,31],[120.1,31],[120.1,31.1],[120,31]]]}}]}"#,
    );
    let text = "[city]\ncrs = \"EPSG:4326\"\nboundary = \"d.geojson\"\n[[sensors]]\nname = \"s\"\ncount = 1\n\
                traffic = { kind = \"periodic\", interval = \"1h\" }\npayload = \"10B\"\n";
    let path = write(dir.path(), "t.toml", text);
    let out = citysim(dir.path(), &["validate", &path]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("feature 1") && out.stderr.contains("\"NAME_2\""),
        "{}",
        out.stderr
    );
    let out = citysim(
        dir.path(),
        &["validate", &path, "--set", "city.district_property=NAME_2"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn issue_16_a_projected_extent_is_as_wide_as_written() {
    // 10 km of UTM zone 51N, 250 km west of its central meridian, where UTM's scale
    // is 0.9996 x (1 + (250/6371)^2 / 2) = 1.0004: 9,996 m on the ground.
    let dir = tempfile::tempdir().unwrap();
    let text = "[city]\ncrs = \"EPSG:32651\"\nextent = [[240000, 3490000], [250000, 3500000]]\n\
                [[sensors]]\nname = \"s\"\ncount = 1\ntraffic = { kind = \"periodic\", interval = \"1h\" }\n\
                payload = \"10B\"\n";
    let path = write(dir.path(), "t.toml", text);
    let s = load(Path::new(&path), &[]).unwrap();
    let f = s.city.frame.as_ref().unwrap();
    let a = f.to_model(240_000.0, 3_490_000.0).unwrap();
    let b = f.to_model(250_000.0, 3_490_000.0).unwrap();
    let side = (b.0 - a.0).hypot(b.1 - a.1);
    assert!((side - 9_996.0).abs() < 2.0, "{side}");
    // The grid is turned by the meridian convergence, (123 - 120.3) sin(31.5) = 1.4
    // degrees here: the city's box holds the turned square, 10 (cos + sin) km wide.
    let turn = (2.7_f64 * 31.5_f64.to_radians().sin()).to_radians();
    let wide = side * (turn.cos() + turn.sin());
    assert!(
        (s.city.width_m - wide).abs() / wide < 2e-3,
        "{} vs {wide}",
        s.city.width_m
    );
    assert!(matches!(s.city.outline, Some(Region::Shapes(_))));
}

#[test]
fn issue_16_geo_layers_agree_with_the_run_and_put_gateways_where_the_csv_does() {
    let dir = tempfile::tempdir().unwrap();
    let out = citysim(
        dir.path(),
        &[
            "run",
            &scenario("wuxi_geo.toml").to_string_lossy(),
            "--out",
            "w",
            "--no-report",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let layer = |name: &str| -> serde_json::Value {
        let text = std::fs::read_to_string(dir.path().join("w/geo").join(name)).unwrap();
        serde_json::from_str(&text).unwrap()
    };
    let (h, rows) = read_csv(&dir.path().join("w/summary.csv"));
    let generated: u64 = cell(&h, &rows[0], "generated");
    let districts = layer("districts.geojson");
    let feats = districts["features"].as_array().unwrap();
    assert_eq!(feats.len(), 5);
    let sum = |k: &str| -> u64 {
        feats
            .iter()
            .map(|f| f["properties"][k].as_u64().unwrap())
            .sum()
    };
    // Every sensor stands in one of the districts (the boundary is the city).
    assert_eq!(sum("sensors"), 6700);
    assert_eq!(sum("generated"), generated);
    // Gateways come back where gateways.csv put them, through the model's metres.
    let gws = layer("gateways.geojson");
    let input = std::fs::read_to_string(scenario("wuxi_geo/gateways.csv")).unwrap();
    for (f, line) in gws["features"]
        .as_array()
        .unwrap()
        .iter()
        .zip(input.lines().skip(1))
    {
        let v: Vec<f64> = line
            .split(',')
            .skip(1)
            .map(|x| x.parse().unwrap())
            .collect();
        let c = &f["geometry"]["coordinates"];
        let (lon, lat) = (c[0].as_f64().unwrap(), c[1].as_f64().unwrap());
        assert!(
            (lon - v[0]).abs() < 1e-6 && (lat - v[1]).abs() < 1e-6,
            "{lon},{lat} vs {line}"
        );
    }
    let sensors = layer("sensors.geojson");
    assert_eq!(sensors["features"].as_array().unwrap().len(), 3350);
    let incidents = layer("incidents.geojson");
    assert_eq!(
        incidents["features"][0]["properties"]["incident"],
        "taihu_flood"
    );
    // The manifest lists the layers.
    let m = std::fs::read_to_string(dir.path().join("w/manifest.json")).unwrap();
    assert!(m.contains("geo/districts.geojson"));
}

#[test]
fn issue_16_a_changed_position_file_is_a_changed_scenario() {
    // The scenario's hash (manifest.json, and what a resumed sweep or tuning checks)
    // covers the files it reads, not only its own text.
    let dir = tempfile::tempdir().unwrap();
    wuxi_copy(dir.path());
    write(dir.path(), "pts.csv", "lon,lat\n120.30,31.50\n");
    let text = format!(
        "{GEO_HEAD}[[sensors]]\nname = \"s\"\nplacement = {{ kind = \"file\", path = \"pts.csv\" }}\n\
         traffic = {{ kind = \"periodic\", interval = \"1h\" }}\npayload = \"10B\"\n"
    );
    let path = write(dir.path(), "t.toml", &text);
    let hash = || citysim::output::scenario_hash(&load(Path::new(&path), &[]).unwrap());
    let before = hash();
    assert_eq!(before, hash());
    write(dir.path(), "pts.csv", "lon,lat\n120.30,31.51\n");
    assert_ne!(before, hash());
    let s = load(Path::new(&path), &[]).unwrap();
    let files: Vec<&str> = s.inputs.iter().map(|(p, _)| p.as_str()).collect();
    assert!(
        files.iter().any(|p| p.ends_with("districts.geojson")),
        "{files:?}"
    );
    assert!(files.iter().any(|p| p.ends_with("pts.csv")), "{files:?}");
}

#[test]
fn issue_16_the_sensor_layer_gives_nbiot_coverage_levels_by_coupling_loss() {
    let dir = tempfile::tempdir().unwrap();
    wuxi_copy(dir.path());
    let text = format!(
        "{GEO_HEAD}[[access]]\nname = \"nb\"\ncellular = {{ kind = \"nbiot\" }}\n\
         [[sensors]]\nname = \"m\"\ncount = 400\ntraffic = {{ kind = \"periodic\", interval = \"30min\" }}\n\
         payload = \"20B\"\naccess = \"nb\"\n\
         [[gateways]]\nname = \"cell\"\naccess = [\"nb\"]\nplacement = {{ kind = \"explicit\", positions = [[120.30, 31.57], [120.45, 31.62]] }}\n"
    );
    let path = write(dir.path(), "nb.toml", &text);
    let out = citysim(dir.path(), &["run", &path, "--out", "nb", "--no-report"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let text = std::fs::read_to_string(dir.path().join("nb/geo/sensors.geojson")).unwrap();
    let layer: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut levels = std::collections::BTreeSet::new();
    for f in layer["features"].as_array().unwrap() {
        let p = &f["properties"];
        let Some(loss) = p["coupling_loss_db"].as_f64() else {
            continue;
        };
        // TR 45.820's bounds: CE0 to 144 dB, CE1 to 154 dB, CE2 to 164 dB.
        let want = match loss {
            l if l <= 144.0 => serde_json::json!("CE0"),
            l if l <= 154.0 => serde_json::json!("CE1"),
            l if l <= 164.0 => serde_json::json!("CE2"),
            _ => serde_json::Value::Null,
        };
        assert_eq!(p["coverage_level"], want, "{p}");
        levels.insert(p["coverage_level"].to_string());
    }
    assert!(levels.len() >= 2, "{levels:?}");
}

#[test]
fn issue_16_the_report_of_a_city_on_the_map_shows_its_districts_by_place() {
    let dir = tempfile::tempdir().unwrap();
    let sc = scenario("wuxi_geo.toml");
    let out = citysim(
        dir.path(),
        &["run", &sc.to_string_lossy(), "--out", "w", "-q"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let html = std::fs::read_to_string(dir.path().join("w/report.html")).unwrap();
    let at = html
        .find("Districts, by where sensors stand")
        .expect("the section");
    let section = &html[at..at + 2000.min(html.len() - at)];
    for d in ["liangxi", "huishan", "xishan", "xinwu", "binhu"] {
        assert!(section.contains(&format!("<td>{d}</td>")), "{d}");
    }
    assert!(dir.path().join("w/charts/map.svg").exists());
    let svg = std::fs::read_to_string(dir.path().join("w/charts/map.svg")).unwrap();
    // Longitude and latitude ticks, the scale bar and the north arrow.
    let label = |f: &dyn Fn(&str) -> bool| svg.lines().any(|l| f(l.trim()));
    assert!(
        label(&|l| l.ends_with("°E")) && label(&|l| l.ends_with("°N")),
        "ticks"
    );
    assert!(label(&|l| l.ends_with(" km")), "scale bar");
    assert!(label(&|l| l == "N"), "north arrow");
}

#[test]
fn issue_16_an_indoor_column_puts_exactly_those_sensors_indoors() {
    // The same 40 NB-IoT devices three times: with a file column marking every other
    // one indoors, with the class all indoors (share 1), and all outdoors. A marked
    // device's coupling loss is exactly the all-indoor run's, an unmarked one's the
    // all-outdoor run's.
    let dir = tempfile::tempdir().unwrap();
    wuxi_copy(dir.path());
    let mut with = String::from("lon,lat,indoor\n");
    let mut without = String::from("lon,lat\n");
    for k in 0..40 {
        let (lon, lat) = (
            120.28 + 0.002 * f64::from(k % 10),
            31.55 + 0.004 * f64::from(k / 10),
        );
        with += &format!("{lon},{lat},{}\n", if k % 2 == 0 { "yes" } else { "no" });
        without += &format!("{lon},{lat}\n");
    }
    write(dir.path(), "with.csv", &with);
    write(dir.path(), "without.csv", &without);
    let losses = |file: &str, extra: &str, out: &str| -> Vec<f64> {
        let text = format!(
            "{GEO_HEAD}[[access]]\nname = \"nb\"\ncellular = {{ kind = \"nbiot\" }}\n\
             [[sensors]]\nname = \"m\"\nplacement = {{ kind = \"file\", path = \"{file}\" }}\n{extra}\
             traffic = {{ kind = \"periodic\", interval = \"10min\" }}\npayload = \"20B\"\naccess = \"nb\"\n\
             [[gateways]]\nname = \"cell\"\naccess = [\"nb\"]\nplacement = {{ kind = \"explicit\", positions = [[120.30, 31.57]] }}\n"
        );
        let path = write(dir.path(), &format!("{out}.toml"), &text);
        let o = citysim(
            dir.path(),
            &[
                "run",
                &path,
                "--out",
                out,
                "--no-report",
                "--per-sensor",
                "-q",
            ],
        );
        assert_eq!(o.code, 0, "{}", o.stderr);
        let text =
            std::fs::read_to_string(dir.path().join(out).join("geo/sensors.geojson")).unwrap();
        let layer: serde_json::Value = serde_json::from_str(&text).unwrap();
        let mut v: Vec<(u64, f64)> = layer["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                let p = &f["properties"];
                (
                    p["sensor"].as_u64().unwrap(),
                    p["coupling_loss_db"].as_f64().unwrap(),
                )
            })
            .collect();
        v.sort_by_key(|x| x.0);
        v.into_iter().map(|x| x.1).collect()
    };
    let marked = losses("with.csv", "", "a");
    let inside = losses("without.csv", "indoor = 1.0\n", "b");
    let outside = losses("without.csv", "", "c");
    assert_eq!(marked.len(), 40);
    for k in 0..40 {
        let want = if k % 2 == 0 { inside[k] } else { outside[k] };
        assert_eq!(marked[k], want, "sensor {k}");
    }
    // Building entry loss makes the indoor ones lose more.
    let mean = |v: &[f64], even: bool| -> f64 {
        let xs: Vec<f64> = (0..40)
            .filter(|k| (k % 2 == 0) == even)
            .map(|k| v[k])
            .collect();
        xs.iter().sum::<f64>() / xs.len() as f64
    };
    assert!(mean(&inside, true) > mean(&outside, true) + 5.0);
    // A class off the radio links cannot take the column.
    let text = format!(
        "{GEO_HEAD}[[sensors]]\nname = \"m\"\nplacement = {{ kind = \"file\", path = \"with.csv\" }}\n\
         traffic = {{ kind = \"periodic\", interval = \"10min\" }}\npayload = \"20B\"\n"
    );
    let path = write(dir.path(), "d.toml", &text);
    let o = citysim(dir.path(), &["validate", &path]);
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("column `indoor`"), "{}", o.stderr);
}
