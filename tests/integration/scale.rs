//! `simulation.scale_area`: a city that grows with its sensor count keeps its density.

use crate::util::{citysim, write};
use citysim::scenario::{load_str, Placement, Region};

const CITY: &str = r#"
[simulation]
scale = 4
scale_area = true
[city]
width = "3km"
height = "2km"
[[districts]]
name = "old_town"
region = { kind = "rectangle", x0 = "1km", y0 = "500m", x1 = "2km", y1 = "1500m" }
[[districts]]
name = "park"
region = { kind = "circle", x = "500m", y = "500m", radius = "300m" }
[[sensors]]
name = "meters"
count = 1000
placement = { kind = "clustered", clusters = 5, radius = "100m" }
traffic = { kind = "periodic", interval = "1h" }
payload = "20B"
[[sensors]]
name = "old"
district = "old_town"
count = 100
traffic = { kind = "periodic", interval = "1h" }
payload = "20B"
[[gateways]]
name = "gw"
placement = { kind = "explicit", positions = [[1500, 1000]] }
"#;

#[test]
fn issue_17_scale_area_grows_the_city_and_keeps_its_density() {
    let grown = load_str("t.toml", "t", CITY, &[]).unwrap();
    let plain = load_str("t.toml", "t", CITY, &["simulation.scale_area=false".into()]).unwrap();
    // Sides by sqrt(4) = 2: the area, like the counts, by 4.
    assert_eq!((grown.city.width_m, grown.city.height_m), (6000.0, 4000.0));
    assert_eq!((plain.city.width_m, plain.city.height_m), (3000.0, 2000.0));
    assert_eq!(grown.sensors[0].count, 4000);
    assert_eq!(plain.sensors[0].count, 4000);
    let density = |s: &citysim::scenario::Scenario| {
        f64::from(s.sensors[0].count) / (s.city.width_m * s.city.height_m)
    };
    let written = 1000.0 / (3000.0 * 2000.0);
    assert!((density(&grown) - written).abs() < 1e-15);
    assert!((density(&plain) - 4.0 * written).abs() < 1e-15);
    // Clusters grow with the area (each as dense as written); their spread stays.
    match &grown.sensors[0].placement {
        Placement::Clustered { clusters, radius_m } => {
            assert_eq!((*clusters, *radius_m), (20, 100.0))
        }
        p => panic!("{p:?}"),
    }
    // Regions and positions stretch with the sides.
    assert_eq!(
        grown.districts[0].region,
        Region::Rectangle {
            x0: 2000.0,
            y0: 1000.0,
            x1: 4000.0,
            y1: 3000.0
        }
    );
    assert_eq!(
        grown.districts[1].region,
        Region::Circle {
            x: 1000.0,
            y: 1000.0,
            r: 600.0
        }
    );
    assert_eq!(
        grown.gateways[0].placement.given().unwrap(),
        &[(3000.0, 2000.0)]
    );
    // A district's class scales with the city too: as many more sensors as it has area.
    assert_eq!(grown.sensors[1].count, 400);
}

#[test]
fn issue_17_a_city_on_the_map_keeps_its_size() {
    let dir = tempfile::tempdir().unwrap();
    let text = "[simulation]\nscale = 4\nscale_area = true\n[city]\ncrs = \"EPSG:32651\"\n\
                extent = [[240000, 3490000], [250000, 3500000]]\n[[sensors]]\nname = \"s\"\ncount = 1\n\
                traffic = { kind = \"periodic\", interval = \"1h\" }\npayload = \"10B\"\n";
    let path = write(dir.path(), "t.toml", text);
    let out = citysim(dir.path(), &["validate", &path]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("simulation.scale_area") && out.stderr.contains("real size"),
        "{}",
        out.stderr
    );
}
