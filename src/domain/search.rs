//! Search rules in plain Rust: how forgiving a word is, how words are compared, the
//! shop's synonyms, the choices a shopper makes on the results page (and their URL
//! form), and facet counts. The engine (tantivy, on the server) finds candidates; these
//! rules decide what a match is worth and what the page shows.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Longest query looked at, in characters; the rest is ignored.
pub const MAX_QUERY_CHARS: usize = 100;
/// Most words of a query that are searched for.
pub const MAX_QUERY_WORDS: usize = 8;

/// Typos forgiven in a word of `len` characters: none below 4, one for 4–7, two from 8.
pub fn edit_budget(len: usize) -> u8 {
    match len {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

/// Lower-case words of a query: letters and digits, at most [`MAX_QUERY_WORDS`] of them.
/// Markup and punctuation are separators, never searched for.
pub fn query_words(query: &str) -> Vec<String> {
    query
        .chars()
        .take(MAX_QUERY_CHARS)
        .collect::<String>()
        .to_lowercase()
        // "t-shirt" and "tshirt" are one word, as the index sees them.
        .replace(['-', '\'', '’'], "")
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(MAX_QUERY_WORDS)
        .map(str::to_owned)
        .collect()
}

/// Every lower-case word of a product's text, hyphenated words both joined and apart
/// ("V-Neck" gives `vneck`, `v`, `neck`), sorted and without repeats.
pub fn text_words(text: &str) -> Vec<String> {
    let lower = text.to_lowercase();
    let joined = lower.replace(['-', '\'', '’'], "");
    let mut words: Vec<String> = joined
        .split(|c: char| !c.is_alphanumeric())
        .chain(lower.split(|c: char| !c.is_alphanumeric()))
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect();
    words.sort();
    words.dedup();
    words
}

/// Edit distance counting insertions, deletions, substitutions and swaps of neighbours
/// as one edit each (optimal string alignment).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let (n, m) = (a.len(), b.len());
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=n {
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[n][m]
}

/// Whether `edit_distance(a, b) <= max`, without allocating for short words and
/// stopping early once the answer is clear.
pub fn within_edits(a: &str, b: &str, max: usize) -> bool {
    let (la, lb) = (a.chars().count(), b.chars().count());
    if la.abs_diff(lb) > max {
        return false;
    }
    if la > 32 || lb > 32 {
        return edit_distance(a, b) <= max;
    }
    let mut ac = ['\0'; 32];
    let mut bc = ['\0'; 32];
    for (i, c) in a.chars().enumerate() {
        ac[i] = c;
    }
    for (i, c) in b.chars().enumerate() {
        bc[i] = c;
    }
    // Three rows of the optimal-string-alignment table.
    let mut prev2 = [0usize; 33];
    let mut prev = [0usize; 33];
    let mut cur = [0usize; 33];
    for (j, cell) in prev.iter_mut().enumerate().take(lb + 1) {
        *cell = j;
    }
    for i in 1..=la {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=lb {
            let cost = usize::from(ac[i - 1] != bc[j - 1]);
            let mut best = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && ac[i - 1] == bc[j - 2] && ac[i - 2] == bc[j - 1] {
                best = best.min(prev2[j - 2] + 1);
            }
            cur[j] = best;
            row_min = row_min.min(best);
        }
        if row_min > max {
            return false;
        }
        prev2 = prev;
        prev = cur;
    }
    prev[lb] <= max
}

/// How a query word matched a word of a product.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum MatchKind {
    /// Worst first, so `max()` picks the best.
    Fuzzy,
    Prefix,
    Exact,
}

/// Whether `query_word` matches `word`: exactly, as a prefix (only for the word being
/// typed, i.e. the last one), or within its edit budget.
pub fn match_word(query_word: &str, word: &str, is_last: bool) -> Option<MatchKind> {
    if query_word == word {
        return Some(MatchKind::Exact);
    }
    if is_last && !query_word.is_empty() && word.starts_with(query_word) {
        return Some(MatchKind::Prefix);
    }
    let budget = usize::from(edit_budget(query_word.chars().count()));
    if budget > 0 && within_edits(query_word, word, budget) {
        return Some(MatchKind::Fuzzy);
    }
    None
}

/// How well a product's words answer a query: for each query word, its best match
/// among the product's words (or their synonyms) scores 100 for exact, 10 for a prefix
/// and 1 for a typo. Results are ranked by this first, so exact beats prefix beats fuzzy.
pub fn match_tier(words: &[String], product_words: &[String], synonyms: &Synonyms) -> u32 {
    TierScorer::new(words, synonyms).tier(product_words)
}

/// [`match_tier`] for many products in one search: each distinct product word is
/// compared with the query once, then remembered by the caller's memo.
pub struct TierScorer<'a> {
    words: &'a [String],
    synonyms: Vec<&'a [String]>,
}

/// Per word id, how it matches each query word (filled as words are met).
pub type TierMemo = Vec<Option<Box<[Option<MatchKind>]>>>;

impl<'a> TierScorer<'a> {
    pub fn new(words: &'a [String], synonyms: &'a Synonyms) -> Self {
        Self {
            words,
            synonyms: words.iter().map(|w| synonyms.of(w)).collect(),
        }
    }

    /// How `product_word` matches each query word.
    fn kinds(&self, product_word: &str) -> Box<[Option<MatchKind>]> {
        let n = self.words.len();
        self.words
            .iter()
            .enumerate()
            .map(|(i, q)| {
                if self.synonyms[i].iter().any(|s| s == product_word) {
                    Some(MatchKind::Exact)
                } else {
                    match_word(q, product_word, i + 1 == n)
                }
            })
            .collect()
    }

    /// The tier of a product whose words are given as ids into `vocabulary`.
    pub fn tier_by_id(&self, ids: &[u32], vocabulary: &[String], memo: &mut TierMemo) -> u32 {
        if memo.len() < vocabulary.len() {
            memo.resize(vocabulary.len(), None);
        }
        let mut best = [None::<MatchKind>; MAX_QUERY_WORDS];
        for &id in ids {
            let Some(word) = vocabulary.get(id as usize) else {
                continue;
            };
            let kinds = memo[id as usize].get_or_insert_with(|| self.kinds(word));
            for (b, k) in best.iter_mut().zip(kinds.iter()) {
                if *k > *b {
                    *b = *k;
                }
            }
        }
        best[..self.words.len().min(MAX_QUERY_WORDS)]
            .iter()
            .map(|k| match k {
                Some(MatchKind::Exact) => 100,
                Some(MatchKind::Prefix) => 10,
                Some(MatchKind::Fuzzy) => 1,
                None => 0,
            })
            .sum()
    }

    /// The tier of a product given its words.
    pub fn tier(&self, product_words: &[String]) -> u32 {
        let ids: Vec<u32> = (0..u32::try_from(product_words.len()).unwrap_or(u32::MAX)).collect();
        self.tier_by_id(&ids, product_words, &mut Vec::new())
    }
}

/// Character ranges of `text` that match the query, for highlighting.
pub fn highlight_ranges(text: &str, words: &[String]) -> Vec<(usize, usize)> {
    let mut ranges = Vec::new();
    let lower = text.to_lowercase();
    // Lower-casing can change byte lengths for some scripts; only highlight when it didn't.
    if lower.len() != text.len() {
        return ranges;
    }
    let mut start = None;
    for (i, ch) in lower
        .char_indices()
        .chain(std::iter::once((lower.len(), ' ')))
    {
        match (ch.is_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                let word = &lower[s..i];
                let best = words
                    .iter()
                    .enumerate()
                    .filter_map(|(n, q)| match_word(q, word, n + 1 == words.len()).map(|k| (k, q)))
                    .max_by_key(|(k, _)| *k);
                match best {
                    Some((MatchKind::Prefix, q)) => ranges.push((s, s + q.len())),
                    Some(_) => ranges.push((s, i)),
                    None => {}
                }
                start = None;
            }
            _ => {}
        }
    }
    ranges
}

/// Words the shop treats as the same (`tee` finds t-shirts). Edited by the shop owner in
/// `content/synonyms.txt`, one group a line: `tee = t-shirt, tshirt`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Synonyms {
    map: BTreeMap<String, Vec<String>>,
}

impl Synonyms {
    /// Parses the synonyms file; `#` starts a comment. Every word in a line is a synonym
    /// of the others; multi-word entries contribute their words.
    pub fn parse(text: &str) -> Self {
        let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let words: Vec<String> = line.split(['=', ',']).flat_map(query_words).collect();
            for w in &words {
                let entry = map.entry(w.clone()).or_default();
                for other in &words {
                    if other != w && !entry.contains(other) {
                        entry.push(other.clone());
                    }
                }
            }
        }
        Self { map }
    }

    /// The other words that mean `word`.
    pub fn of(&self, word: &str) -> &[String] {
        self.map.get(word).map_or(&[], Vec::as_slice)
    }
}

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
    /// `q=linen+shirt&category=shirts&colour=Navy&size=M&price=1&stock=1&sort=price-asc`;
    /// empty choices are left out, so a plain search is just `q=…`.
    pub fn to_query_string(&self) -> String {
        let mut parts = vec![format!("q={}", encode_component(self.query.trim()))];
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
                "price" => {
                    if let Ok(b) = value.parse::<usize>() {
                        if b < PRICE_BANDS.len() && !p.price_bands.contains(&b) {
                            p.price_bands.push(b);
                        }
                    }
                }
                "stock" => p.in_stock_only = value == "1",
                "near" => p.near = super::location::region(value).map(|r| r.code.to_owned()),
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

/// What facet counting needs to know of a product.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FacetFacts {
    pub category: String,
    pub colours: Vec<String>,
    pub sizes: Vec<String>,
    pub price_minor: i64,
    pub in_stock: bool,
    /// Centres holding at least one unit of some variant.
    pub stocked_at: Vec<i64>,
}

/// One value of a facet with the number of results it would give.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacetValue {
    pub value: String,
    pub label: String,
    pub count: u32,
    pub selected: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facets {
    pub categories: Vec<FacetValue>,
    pub colours: Vec<FacetValue>,
    pub sizes: Vec<FacetValue>,
    pub prices: Vec<FacetValue>,
    /// Results in stock, given the other choices.
    pub in_stock: u32,
    /// Results in stock at the centre nearest the shopper, given the other choices.
    pub near: u32,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Dim {
    Category,
    Colour,
    Size,
    Price,
    Stock,
    Near,
}

fn band_of(price: i64) -> usize {
    PRICE_BANDS
        .iter()
        .position(|(from, to)| price >= *from && price < *to)
        .unwrap_or(0)
}

fn passes(f: &FacetFacts, p: &SearchParams, near_centre: Option<i64>, except: Option<Dim>) -> bool {
    let any = |chosen: &[String], have: &[String]| {
        chosen.is_empty() || chosen.iter().any(|c| have.contains(c))
    };
    (except == Some(Dim::Category) || p.categories.is_empty() || p.categories.contains(&f.category))
        && (except == Some(Dim::Colour) || any(&p.colours, &f.colours))
        && (except == Some(Dim::Size) || any(&p.sizes, &f.sizes))
        && (except == Some(Dim::Price)
            || p.price_bands.is_empty()
            || p.price_bands.contains(&band_of(f.price_minor)))
        && (except == Some(Dim::Stock) || !p.in_stock_only || f.in_stock)
        && (except == Some(Dim::Near)
            || p.near.is_none()
            || near_centre.is_some_and(|c| f.stocked_at.contains(&c)))
}

/// Whether a product passes every chosen filter. `near_centre` is the centre nearest
/// the shopper's region, if known.
pub fn matches_filters(f: &FacetFacts, p: &SearchParams, near_centre: Option<i64>) -> bool {
    passes(f, p, near_centre, None)
}

/// Counts for every facet value. Each facet's counts apply all the *other* chosen
/// filters, so a count is what ticking that value (alone in its facet) would show.
pub fn facet_counts<'a>(
    items: impl Iterator<Item = &'a FacetFacts> + Clone,
    p: &SearchParams,
    near_centre: Option<i64>,
    category_names: &BTreeMap<String, String>,
) -> Facets {
    // Counting is the hot loop of a broad search: a fast hash here, sorted at the end.
    let mut categories: rustc_hash::FxHashMap<&str, u32> = Default::default();
    let mut colours: rustc_hash::FxHashMap<&str, u32> = Default::default();
    let mut sizes: rustc_hash::FxHashMap<&str, u32> = Default::default();
    let mut prices = [0u32; PRICE_BANDS.len()];
    let mut in_stock = 0;
    let mut near = 0;
    for f in items {
        if passes(f, p, near_centre, Some(Dim::Category)) {
            *categories.entry(f.category.as_str()).or_default() += 1;
        }
        if passes(f, p, near_centre, Some(Dim::Colour)) {
            for c in &f.colours {
                *colours.entry(c.as_str()).or_default() += 1;
            }
        }
        if passes(f, p, near_centre, Some(Dim::Size)) {
            for s in &f.sizes {
                *sizes.entry(s.as_str()).or_default() += 1;
            }
        }
        if passes(f, p, near_centre, Some(Dim::Price)) {
            prices[band_of(f.price_minor)] += 1;
        }
        if passes(f, p, near_centre, Some(Dim::Stock)) && f.in_stock {
            in_stock += 1;
        }
        if passes(f, p, near_centre, Some(Dim::Near))
            && near_centre.is_some_and(|c| f.stocked_at.contains(&c))
        {
            near += 1;
        }
    }
    let values = |counts: rustc_hash::FxHashMap<&str, u32>,
                  chosen: &[String],
                  label: &dyn Fn(&str) -> String| {
        let mut counts: Vec<(&str, u32)> = counts.into_iter().collect();
        counts.sort_unstable();
        let mut v: Vec<FacetValue> = counts
            .into_iter()
            .map(|(value, count)| FacetValue {
                label: label(value),
                selected: chosen.iter().any(|c| c == value),
                value: value.to_owned(),
                count,
            })
            .collect();
        // Chosen values stay visible even when nothing else matches them.
        for c in chosen {
            if !v.iter().any(|x| &x.value == c) {
                v.push(FacetValue {
                    value: c.clone(),
                    label: label(c),
                    count: 0,
                    selected: true,
                });
            }
        }
        v
    };
    let mut sizes_v = values(sizes, &p.sizes, &|s| s.to_owned());
    sizes_v.sort_by_key(|v| size_rank(&v.value));
    Facets {
        categories: values(categories, &p.categories, &|slug| {
            category_names
                .get(slug)
                .cloned()
                .unwrap_or_else(|| slug.to_owned())
        }),
        colours: values(colours, &p.colours, &|c| c.to_owned()),
        sizes: sizes_v,
        prices: prices
            .iter()
            .enumerate()
            .filter(|(b, count)| **count > 0 || p.price_bands.contains(b))
            .map(|(b, count)| FacetValue {
                value: b.to_string(),
                label: price_band_label(b),
                count: *count,
                selected: p.price_bands.contains(&b),
            })
            .collect(),
        in_stock,
        near,
    }
}

/// Sizes in the order people expect (XS before S before M…, UK 4 before UK 10).
pub fn size_rank(size: &str) -> (u8, u32, String) {
    const LETTERS: [&str; 7] = ["XXS", "XS", "S", "M", "L", "XL", "XXL"];
    if let Some(i) = LETTERS.iter().position(|l| *l == size) {
        return (0, i as u32, String::new());
    }
    let digits: String = size.chars().filter(char::is_ascii_digit).collect();
    match digits.parse::<u32>() {
        Ok(n) => (1, n, size.to_owned()),
        Err(_) => (2, 0, size.to_owned()),
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn budgets_follow_word_length() {
        assert_eq!(edit_budget(3), 0);
        assert_eq!(edit_budget(4), 1);
        assert_eq!(edit_budget(7), 1);
        assert_eq!(edit_budget(8), 2);
    }

    #[test]
    fn edits_of_every_kind_anywhere_in_a_word() {
        // substitution, insertion, deletion, transposition at start, middle and end
        for (typo, word) in [
            ("jeams", "jeans"),
            ("xhirt", "shirt"),
            ("shrit", "shirt"),
            ("sihrt", "shirt"),
            ("shirtt", "shirt"),
            ("hirt", "shirt"),
            ("shir", "shirt"),
            ("lambswol", "lambswool"),
            ("lmabswool", "lambswool"),
            ("lambswoool", "lambswool"),
        ] {
            assert_eq!(
                match_word(typo, word, false),
                Some(MatchKind::Fuzzy),
                "{typo} ~ {word}"
            );
        }
        // Two edits need 8 letters or more.
        assert_eq!(match_word("shrt", "shirts", false), None);
        assert_eq!(
            match_word("lmbswol", "lambswool", false),
            None,
            "7 letters: one edit only"
        );
        assert_eq!(match_word("lambswl", "lambswool", false), None);
        assert_eq!(
            match_word("lamswoool", "lambswool", false),
            Some(MatchKind::Fuzzy),
            "9 letters: two edits"
        );
        // Short words must be exact (or a prefix while typing).
        assert_eq!(match_word("tea", "tee", false), None);
        assert_eq!(match_word("te", "tee", true), Some(MatchKind::Prefix));
    }

    #[test]
    fn exact_beats_prefix_beats_fuzzy() {
        assert!(MatchKind::Exact > MatchKind::Prefix && MatchKind::Prefix > MatchKind::Fuzzy);
        assert_eq!(match_word("coat", "coat", true), Some(MatchKind::Exact));
        assert_eq!(match_word("coa", "coat", true), Some(MatchKind::Prefix));
        assert_eq!(
            match_word("coa", "coat", false),
            None,
            "prefix only for the word being typed"
        );
    }

    #[test]
    fn query_words_ignore_markup_and_length() {
        assert_eq!(
            query_words("<script>alert(1)</script> Tee"),
            vec!["script", "alert", "1", "script", "tee"]
        );
        assert!(query_words("!!! ...").is_empty());
        assert_eq!(query_words(&"ab ".repeat(1000)).len(), MAX_QUERY_WORDS);
    }

    #[test]
    fn highlights_the_matching_parts() {
        let words = query_words("linen shi");
        let r = highlight_ranges("Relaxed Linen Shirt", &words);
        assert_eq!(r, vec![(8, 13), (14, 17)]);
        assert!(highlight_ranges("Denim Jacket", &words).is_empty());
    }

    #[test]
    fn tiers_rank_exact_over_prefix_over_typo() {
        let none = Synonyms::default();
        let product: Vec<String> = ["classic", "linen", "shirt"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let q = |text: &str| match_tier(&query_words(text), &product, &none);
        assert!(q("linen shirt") > q("linen shi"));
        assert!(q("linen shi") > q("linen shrit"));
        assert!(q("linen shrit") > q("linen xyz"));
        let syn = Synonyms::parse("top = shirt");
        assert_eq!(match_tier(&query_words("top"), &product, &syn), 100);
        assert_eq!(query_words("T-Shirt V-neck"), vec!["tshirt", "vneck"]);
        assert_eq!(
            text_words("Classic V-Neck Tee in Sky Blue Navy Olive Rust Cream Sand"),
            {
                let mut w: Vec<String> =
                    "blue classic cream in navy neck olive rust sand sky tee v vneck"
                        .split(' ')
                        .map(str::to_owned)
                        .collect();
                w.sort();
                w
            }
        );
    }

    #[test]
    fn tiers_by_id_agree_with_tiers_by_word() {
        let vocabulary: Vec<String> = ["classic", "linen", "shirt", "navy"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let none = Synonyms::default();
        for q in ["linen shirt", "linen shi", "shrit", "navy", "zzz"] {
            let words = query_words(q);
            let by_word = match_tier(&words, &vocabulary, &none);
            let mut memo = Vec::new();
            let by_id =
                TierScorer::new(&words, &none).tier_by_id(&[0, 1, 2, 3], &vocabulary, &mut memo);
            assert_eq!(by_word, by_id, "{q}");
        }
    }

    #[test]
    fn synonyms_work_both_ways() {
        let s = Synonyms::parse("# comment\ntee = t-shirt, tshirt\nsneakers = trainers\n\n");
        assert!(s.of("tee").contains(&"tshirt".to_owned()));
        assert!(s.of("trainers").contains(&"sneakers".to_owned()));
        assert!(s.of("sneakers").contains(&"trainers".to_owned()));
        assert!(s.of("hat").is_empty());
    }

    #[test]
    fn url_round_trip() {
        let p = SearchParams {
            query: "linen & silk 100%".into(),
            categories: vec!["shirts".into()],
            colours: vec!["Sky Blue".into(), "Navy".into()],
            sizes: vec!["UK 7".into()],
            price_bands: vec![1, 2],
            in_stock_only: true,
            near: None,
            sort: SortOrder::PriceHighLow,
        };
        let qs = p.to_query_string();
        assert_eq!(qs, "q=linen+%26+silk+100%25&category=shirts&colour=Sky+Blue&colour=Navy&size=UK+7&price=1&price=2&stock=1&sort=price-desc");
        assert_eq!(SearchParams::parse_query_string(&qs), p);
        assert_eq!(
            SearchParams::parse_query_string("q=tee&price=99&sort=nonsense&x=1"),
            SearchParams {
                query: "tee".into(),
                ..Default::default()
            }
        );
    }

    fn item(category: &str, colour: &str, size: &str, price: i64, in_stock: bool) -> FacetFacts {
        FacetFacts {
            category: category.into(),
            colours: vec![colour.into()],
            sizes: vec![size.into()],
            price_minor: price,
            in_stock,
            // In stock at centre 1 (first item also at 2).
            stocked_at: if !in_stock {
                vec![]
            } else if colour == "Navy" && size == "M" {
                vec![1, 2]
            } else {
                vec![1]
            },
        }
    }

    #[test]
    fn near_me_counts_stock_at_the_nearest_centre() {
        let items = [
            item("shirts", "Navy", "M", 30_00, true),
            item("shirts", "White", "L", 45_00, false),
            item("shoes", "Navy", "UK 8", 80_00, true),
        ];
        let names = BTreeMap::new();
        let p = SearchParams {
            near: Some("london".into()),
            ..Default::default()
        };
        assert_eq!(facet_counts(items.iter(), &p, Some(2), &names).near, 1);
        assert_eq!(facet_counts(items.iter(), &p, Some(1), &names).near, 2);
        assert!(matches_filters(&items[0], &p, Some(2)));
        assert!(!matches_filters(&items[2], &p, Some(2)));
        assert!(!matches_filters(&items[1], &p, Some(1)));
        let p = SearchParams::parse_query_string("q=x&near=scotland");
        assert_eq!(p.near.as_deref(), Some("scotland"));
        assert_eq!(SearchParams::parse_query_string(&p.to_query_string()), p);
        assert_eq!(SearchParams::parse_query_string("near=mars").near, None);
    }

    #[test]
    fn facet_counts_apply_the_other_filters() {
        let items = [
            item("shirts", "Navy", "M", 30_00, true),
            item("shirts", "White", "L", 45_00, false),
            item("shoes", "Navy", "UK 8", 80_00, true),
        ];
        let names = BTreeMap::from([("shirts".to_owned(), "Shirts".to_owned())]);
        let p = SearchParams {
            colours: vec!["Navy".into()],
            ..Default::default()
        };
        let f = facet_counts(items.iter(), &p, None, &names);
        // Category counts respect the colour choice...
        assert_eq!(
            f.categories
                .iter()
                .map(|v| (v.value.as_str(), v.count))
                .collect::<Vec<_>>(),
            vec![("shirts", 1), ("shoes", 1)]
        );
        assert_eq!(f.categories[0].label, "Shirts");
        // ...but colour counts ignore it (they show what each colour would give).
        assert_eq!(
            f.colours
                .iter()
                .map(|v| (v.value.as_str(), v.count, v.selected))
                .collect::<Vec<_>>(),
            vec![("Navy", 2, true), ("White", 1, false)]
        );
        assert_eq!(f.in_stock, 2);
        assert_eq!(
            f.sizes.iter().map(|v| v.value.as_str()).collect::<Vec<_>>(),
            vec!["M", "UK 8"]
        );
    }

    #[test]
    fn sizes_sort_naturally() {
        let mut s = vec!["XL", "S", "UK 10", "M", "UK 4", "One"];
        s.sort_by_key(|x| size_rank(x));
        assert_eq!(s, vec!["S", "M", "XL", "UK 4", "UK 10", "One"]);
    }

    proptest! {
        #[test]
        fn distance_is_a_metric_like_thing(a in "[a-e]{0,8}", b in "[a-e]{0,8}") {
            prop_assert_eq!(edit_distance(&a, &b), edit_distance(&b, &a));
            prop_assert_eq!(edit_distance(&a, &a), 0);
            prop_assert!(edit_distance(&a, &b) <= a.chars().count().max(b.chars().count()));
        }

        #[test]
        fn bounded_check_agrees_with_the_full_distance(a in "[a-d]{0,10}", b in "[a-d]{0,10}", max in 0usize..4) {
            prop_assert_eq!(within_edits(&a, &b, max), edit_distance(&a, &b) <= max);
        }

        #[test]
        fn one_edit_anywhere_is_forgiven_in_words_of_four_or_more(word in "[a-z]{4,12}", pos in 0usize..12, c in "[a-z]") {
            let pos = pos % word.len();
            let mut typo = word.clone();
            typo.replace_range(pos..=pos, &c);
            prop_assert!(match_word(&typo, &word, false).is_some());
        }

        #[test]
        fn params_survive_the_url(query in ".{0,40}", cat in "[a-z-]{1,10}", colour in "[A-Za-z ]{1,12}", band in 0usize..5, stock in any::<bool>()) {
            let p = SearchParams {
                query: query.trim().to_owned(),
                categories: vec![cat],
                colours: if colour.trim().is_empty() { vec![] } else { vec![colour.trim().to_owned()] },
                sizes: vec![],
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
