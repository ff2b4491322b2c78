//! Where the shopper is, roughly, and which distribution centre is nearest. A region is
//! enough for stock "near you"; delivery dates build on the same distances.

use serde::{Deserialize, Serialize};

/// A region the shop delivers to (the UK's regions, and Ireland) with a representative point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Region {
    pub code: &'static str,
    pub name: &'static str,
    pub latitude: f64,
    pub longitude: f64,
}

/// The regions a shopper can choose from.
pub const REGIONS: [Region; 13] = [
    Region {
        code: "london",
        name: "London",
        latitude: 51.5072,
        longitude: -0.1276,
    },
    Region {
        code: "south-east",
        name: "South East England",
        latitude: 51.2787,
        longitude: 0.5217,
    },
    Region {
        code: "south-west",
        name: "South West England",
        latitude: 50.7772,
        longitude: -3.9995,
    },
    Region {
        code: "east",
        name: "East of England",
        latitude: 52.2053,
        longitude: 0.1218,
    },
    Region {
        code: "west-midlands",
        name: "West Midlands",
        latitude: 52.4862,
        longitude: -1.8904,
    },
    Region {
        code: "east-midlands",
        name: "East Midlands",
        latitude: 52.9548,
        longitude: -1.1581,
    },
    Region {
        code: "yorkshire",
        name: "Yorkshire and the Humber",
        latitude: 53.9591,
        longitude: -1.0815,
    },
    Region {
        code: "north-west",
        name: "North West England",
        latitude: 53.4808,
        longitude: -2.2426,
    },
    Region {
        code: "north-east",
        name: "North East England",
        latitude: 54.9783,
        longitude: -1.6178,
    },
    Region {
        code: "wales",
        name: "Wales",
        latitude: 51.4816,
        longitude: -3.1791,
    },
    Region {
        code: "scotland",
        name: "Scotland",
        latitude: 55.9533,
        longitude: -3.1883,
    },
    Region {
        code: "northern-ireland",
        name: "Northern Ireland",
        latitude: 54.5973,
        longitude: -5.9301,
    },
    Region {
        code: "ireland",
        name: "Ireland",
        latitude: 53.3498,
        longitude: -6.2603,
    },
];

/// Where the shop assumes a shopper is until they say otherwise.
pub const DEFAULT_REGION: &str = "london";

pub fn region(code: &str) -> Option<&'static Region> {
    REGIONS.iter().find(|r| r.code == code)
}

/// Postcode areas (the letters a UK postcode starts with) by region. Areas that straddle
/// a border are put where most of their addresses are.
const POSTCODE_AREAS: &[(&str, &[&str])] = &[
    (
        "london",
        &[
            "E", "EC", "N", "NW", "SE", "SW", "W", "WC", "BR", "CR", "HA", "IG", "KT", "RM", "SM",
            "TW", "UB", "EN",
        ],
    ),
    (
        "south-east",
        &[
            "BN", "CT", "GU", "HP", "ME", "MK", "OX", "PO", "RG", "RH", "SL", "SO", "TN", "DA",
        ],
    ),
    (
        "south-west",
        &[
            "BA", "BH", "BS", "DT", "EX", "GL", "PL", "SN", "SP", "TA", "TQ", "TR",
        ],
    ),
    (
        "east",
        &[
            "AL", "CB", "CM", "CO", "IP", "LU", "NR", "PE", "SG", "SS", "WD",
        ],
    ),
    (
        "west-midlands",
        &["B", "CV", "DY", "HR", "ST", "SY", "TF", "WR", "WS", "WV"],
    ),
    ("east-midlands", &["DE", "LE", "LN", "NG", "NN"]),
    (
        "yorkshire",
        &["BD", "DN", "HD", "HG", "HU", "HX", "LS", "S", "WF", "YO"],
    ),
    (
        "north-west",
        &[
            "BB", "BL", "CA", "CH", "CW", "FY", "L", "LA", "M", "OL", "PR", "SK", "WA", "WN",
        ],
    ),
    ("north-east", &["DH", "DL", "NE", "SR", "TS"]),
    ("wales", &["CF", "LD", "LL", "NP", "SA"]),
    (
        "scotland",
        &[
            "AB", "DD", "DG", "EH", "FK", "G", "HS", "IV", "KA", "KW", "KY", "ML", "PA", "PH",
            "TD", "ZE",
        ],
    ),
    ("northern-ireland", &["BT"]),
];

/// The region of a UK postcode (whole, or just its first part like `LS1` or `G2`), if
/// its area is known.
pub fn region_for_postcode(postcode: &str) -> Option<&'static Region> {
    let trimmed = postcode.trim();
    let area: String = trimmed
        .chars()
        .take_while(char::is_ascii_alphabetic)
        .collect::<String>()
        .to_ascii_uppercase();
    let rest_starts_with_digit = trimmed[area.len()..]
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_digit());
    if !(1..=2).contains(&area.len()) || !rest_starts_with_digit {
        return None;
    }
    POSTCODE_AREAS
        .iter()
        .find(|(_, areas)| areas.contains(&area.as_str()))
        .and_then(|(code, _)| region(code))
}

/// The region of a delivery address: Ireland for any Irish address, else by UK postcode.
pub fn region_for_address(country: &str, postcode: &str) -> Option<&'static Region> {
    if country.trim().eq_ignore_ascii_case("IE") {
        region("ireland")
    } else {
        region_for_postcode(postcode)
    }
}

/// A distribution centre's place.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct CentrePoint {
    pub centre_id: i64,
    pub latitude: f64,
    pub longitude: f64,
}

/// Great-circle distance in kilometres.
pub fn distance_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = (lat2 - lat1).to_radians();
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    6371.0 * 2.0 * a.sqrt().atan2((1.0 - a).sqrt())
}

/// The region whose centre point is nearest `(latitude, longitude)`.
pub fn region_at(latitude: f64, longitude: f64) -> &'static Region {
    REGIONS
        .iter()
        .min_by(|a, b| {
            distance_km(latitude, longitude, a.latitude, a.longitude).total_cmp(&distance_km(
                latitude,
                longitude,
                b.latitude,
                b.longitude,
            ))
        })
        .unwrap_or(&REGIONS[0])
}

/// `(centre id, km)` ordered nearest first from the region (ties by id).
pub fn centres_nearest_first(region: &Region, centres: &[CentrePoint]) -> Vec<(i64, f64)> {
    let mut v: Vec<(i64, f64)> = centres
        .iter()
        .map(|c| {
            let km = distance_km(region.latitude, region.longitude, c.latitude, c.longitude);
            (c.centre_id, km)
        })
        .collect();
    v.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    v
}

/// Centre ids ordered nearest first from the region (ties by id).
pub fn centres_by_distance(region: &Region, centres: &[CentrePoint]) -> Vec<i64> {
    centres_nearest_first(region, centres)
        .into_iter()
        .map(|(id, _)| id)
        .collect()
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    fn centres() -> Vec<CentrePoint> {
        vec![
            CentrePoint {
                centre_id: 1,
                latitude: 53.8008,
                longitude: -1.5491,
            }, // Leeds
            CentrePoint {
                centre_id: 2,
                latitude: 51.4545,
                longitude: -2.5879,
            }, // Bristol
            CentrePoint {
                centre_id: 3,
                latitude: 55.8642,
                longitude: -4.2518,
            }, // Glasgow
        ]
    }

    #[test]
    fn irish_addresses_ship_from_leeds_or_glasgow_two_days_away() {
        let ie = region_for_address("ie", "D02 X285").unwrap();
        assert_eq!(ie.code, "ireland");
        assert_eq!(
            region_for_address("GB", "LS1 4AP").unwrap().code,
            "yorkshire"
        );
        let (first, km) = centres_nearest_first(ie, &centres())[0];
        assert!(
            first == 1 || first == 3,
            "Dublin ships from Leeds or Glasgow, not {first}"
        );
        // Across the Irish Sea: the distance rule gives two working days in transit.
        assert_eq!(crate::delivery::transit_days(km), 2);
    }

    #[test]
    fn postcodes_find_their_region() {
        let code = |p: &str| region_for_postcode(p).map(|r| r.code);
        assert_eq!(code("LS1 4AP"), Some("yorkshire"));
        assert_eq!(code("g1 1xq"), Some("scotland"));
        assert_eq!(code("SW1A 1AA"), Some("london"));
        assert_eq!(code("BS1"), Some("south-west"));
        assert_eq!(code("BT7 1NN"), Some("northern-ireland"));
        assert_eq!(code("CF10 1AA"), Some("wales"));
        assert_eq!(code("M1 1AE"), Some("north-west"));
        assert_eq!(code(""), None);
        assert_eq!(code("QQ1 1AA"), None);
        assert_eq!(code("LEEDS"), None);
        assert_eq!(code("ABC1"), None);
        // Every area is listed once, and every region it names exists.
        let mut seen = std::collections::HashSet::new();
        for (region_code, areas) in POSTCODE_AREAS {
            assert!(region(region_code).is_some(), "{region_code}");
            for a in *areas {
                assert!(seen.insert(*a), "{a} listed twice");
            }
        }
    }

    #[test]
    fn distances_are_sensible() {
        let d = distance_km(51.5072, -0.1276, 53.8008, -1.5491);
        assert!((d - 272.0).abs() < 10.0, "London–Leeds {d}");
        assert_eq!(distance_km(1.0, 2.0, 1.0, 2.0), 0.0);
    }

    #[test]
    fn nearest_centre_for_each_region() {
        let nearest = |code: &str| centres_by_distance(region(code).unwrap(), &centres())[0];
        assert_eq!(nearest("yorkshire"), 1);
        assert_eq!(nearest("south-west"), 2);
        assert_eq!(nearest("wales"), 2);
        assert_eq!(nearest("scotland"), 3);
        assert_eq!(nearest("north-east"), 1);
        assert_eq!(
            centres_by_distance(region("london").unwrap(), &centres()).len(),
            3
        );
        assert!(region(DEFAULT_REGION).is_some());
        assert!(region("atlantis").is_none());
    }
}
