//! What a shopper chose on the results page (query, filters, sort) and its URL form.

use super::*;

/// How results are ordered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SortOrder {
    #[default]
    Relevance,
    PriceLowHigh,
    PriceHighLow,
    Newest,
    Rating,
}

impl SortOrder {
    pub const ALL: [SortOrder; 5] = [
        SortOrder::Relevance,
        SortOrder::PriceLowHigh,
        SortOrder::PriceHighLow,
        SortOrder::Newest,
        SortOrder::Rating,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SortOrder::Relevance => "relevance",
            SortOrder::PriceLowHigh => "price-asc",
            SortOrder::PriceHighLow => "price-desc",
            SortOrder::Newest => "newest",
            SortOrder::Rating => "rating",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SortOrder::Relevance => "Best match",
            SortOrder::PriceLowHigh => "Price: low to high",
            SortOrder::PriceHighLow => "Price: high to low",
            SortOrder::Newest => "Newest",
            SortOrder::Rating => "Best rated",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// Price bands offered as a facet, in pence: `[from, to)`.
pub const PRICE_BANDS: [(i64, i64); 5] = [
    (0, 20_00),
    (20_00, 40_00),
    (40_00, 60_00),
    (60_00, 10_000),
    (10_000, i64::MAX),
];

pub fn price_band_label(band: usize) -> String {
    match PRICE_BANDS.get(band) {
        Some((0, to)) => format!("Under £{}", to / 100),
        Some((from, i64::MAX)) => format!("£{} and over", from / 100),
        Some((from, to)) => format!("£{} to £{}", from / 100, to / 100),
        None => String::new(),
    }
}

/// Everything a shopper chose on the results page. It lives in the URL.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct SearchParams {
    pub query: String,
    pub categories: Vec<String>,
    pub colours: Vec<String>,
    pub sizes: Vec<String>,
    pub materials: Vec<String>,
    /// Indexes into [`PRICE_BANDS`].
    pub price_bands: Vec<usize>,
    pub in_stock_only: bool,
    /// Only what the centre nearest this region (a `location::REGIONS` code) has in stock.
    pub near: Option<String>,
    pub sort: SortOrder,
}

/// Percent-encodes a query-string value (UTF-8; spaces as `+`).
pub fn encode_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b))
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Decodes a query-string value; invalid escapes are kept as they are.
pub fn decode_component(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                {
                    Some(v) => {
                        out.push(v);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl SearchParams {
    /// The query string of a plain search for `query` (no filters, the default sort):
    /// what [`Self::to_query_string`] gives for it, without building the whole choice.
    pub fn plain_query_string(query: &str) -> String {
        format!("q={}", encode_component(query.trim()))
    }

    /// `q=linen+shirt&category=shirts&colour=Navy&size=M&material=Linen&price=1&stock=1&sort=price-asc`;
    /// empty choices are left out, so a plain search is just `q=…`.
    pub fn to_query_string(&self) -> String {
        let mut parts = vec![Self::plain_query_string(&self.query)];
        parts.extend(
            self.categories
                .iter()
                .map(|c| format!("category={}", encode_component(c))),
        );
        parts.extend(
            self.colours
                .iter()
                .map(|c| format!("colour={}", encode_component(c))),
        );
        parts.extend(
            self.sizes
                .iter()
                .map(|s| format!("size={}", encode_component(s))),
        );
        parts.extend(
            self.materials
                .iter()
                .map(|m| format!("material={}", encode_component(m))),
        );
        parts.extend(self.price_bands.iter().map(|b| format!("price={b}")));
        if self.in_stock_only {
            parts.push("stock=1".into());
        }
        if let Some(region) = &self.near {
            parts.push(format!("near={}", encode_component(region)));
        }
        if self.sort != SortOrder::Relevance {
            parts.push(format!("sort={}", self.sort.as_str()));
        }
        parts.join("&")
    }

    /// Reads the choices back from `(key, value)` pairs (already decoded). Unknown keys
    /// and values are ignored; duplicates are kept once.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut p = SearchParams::default();
        fn push_once(list: &mut Vec<String>, value: &str) {
            let value = value.trim();
            if !value.is_empty()
                && value.len() <= 60
                && !list.iter().any(|v| v == value)
                && list.len() < 20
            {
                list.push(value.to_owned());
            }
        }
        for (key, value) in pairs {
            match key {
                "q" => p.query = value.chars().take(MAX_QUERY_CHARS).collect(),
                "category" => push_once(&mut p.categories, value),
                "colour" => push_once(&mut p.colours, value),
                "size" => push_once(&mut p.sizes, value),
                "material" => push_once(&mut p.materials, value),
                "price" => {
                    if let Ok(b) = value.parse::<usize>() {
                        if b < PRICE_BANDS.len() && !p.price_bands.contains(&b) {
                            p.price_bands.push(b);
                        }
                    }
                }
                "stock" => p.in_stock_only = value == "1",
                "near" => p.near = crate::location::region(value).map(|r| r.code.to_owned()),
                "sort" => p.sort = SortOrder::parse(value).unwrap_or_default(),
                _ => {}
            }
        }
        p
    }

    /// Parses a raw query string (`a=b&c=d`, without the `?`).
    pub fn parse_query_string(qs: &str) -> Self {
        let decoded: Vec<(String, String)> = qs
            .trim_start_matches('?')
            .split('&')
            .filter(|s| !s.is_empty())
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                (decode_component(k), decode_component(v))
            })
            .collect();
        Self::from_pairs(decoded.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn a_plain_query_string_is_the_whole_choices_for_that_query(query in "\\PC{0,40}") {
            let whole = SearchParams { query: query.clone(), ..Default::default() };
            prop_assert_eq!(SearchParams::plain_query_string(&query), whole.to_query_string());
        }
    }

    #[test]
    fn url_round_trip() {
        let p = SearchParams {
            query: "linen & silk 100%".into(),
            categories: vec!["shirts".into()],
            colours: vec!["Sky Blue".into(), "Navy".into()],
            sizes: vec!["UK 7".into()],
            materials: vec!["Organic Cotton".into()],
            price_bands: vec![1, 2],
            in_stock_only: true,
            near: None,
            sort: SortOrder::PriceHighLow,
        };
        let qs = p.to_query_string();
        assert_eq!(qs, "q=linen+%26+silk+100%25&category=shirts&colour=Sky+Blue&colour=Navy&size=UK+7&material=Organic+Cotton&price=1&price=2&stock=1&sort=price-desc");
        assert_eq!(SearchParams::parse_query_string(&qs), p);
        assert_eq!(
            SearchParams::parse_query_string("q=tee&price=99&sort=nonsense&x=1"),
            SearchParams {
                query: "tee".into(),
                ..Default::default()
            }
        );
    }

    proptest! {
        #[test]
        fn params_survive_the_url(query in ".{0,40}", cat in "[a-z-]{1,10}", colour in "[A-Za-z ]{1,12}", band in 0usize..5, stock in any::<bool>()) {
            let p = SearchParams {
                query: query.trim().to_owned(),
                categories: vec![cat],
                colours: if colour.trim().is_empty() { vec![] } else { vec![colour.trim().to_owned()] },
                sizes: vec![],
                materials: vec![],
                price_bands: vec![band],
                in_stock_only: stock,
                near: None,
                sort: SortOrder::Newest,
            };
            let back = SearchParams::parse_query_string(&p.to_query_string());
            prop_assert_eq!(back.query.trim(), p.query.trim());
            prop_assert_eq!(back.categories, p.categories);
            prop_assert_eq!(back.colours, p.colours);
            prop_assert_eq!(back.price_bands, p.price_bands);
            prop_assert_eq!(back.in_stock_only, p.in_stock_only);
            prop_assert_eq!(back.sort, p.sort);
        }
    }
}
