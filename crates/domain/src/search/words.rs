//! Words: how forgiving a word is, how a query word is compared with a product's words,
//! how well a product answers a query (exact > prefix > typo) and what to highlight.

use super::*;

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
    /// Per query word, what else counts as it exactly ([`equivalents`]).
    synonyms: Vec<Vec<String>>,
}

/// Per word id, how it matches each query word (filled as words are met): two bits per
/// query word (0 none, 1 typo, 2 prefix, 3 exact) and [`KNOWN`] once worked out.
pub type TierMemo = Vec<u32>;

/// Marks a [`TierMemo`] entry as worked out.
const KNOWN: u32 = 1 << 31;

impl<'a> TierScorer<'a> {
    pub fn new(words: &'a [String], synonyms: &'a Synonyms) -> Self {
        Self {
            words: &words[..words.len().min(MAX_QUERY_WORDS)],
            synonyms: words.iter().map(|w| equivalents(w, synonyms)).collect(),
        }
    }

    /// How `product_word` matches each query word, two bits each (see [`TierMemo`]).
    fn kinds(&self, product_word: &str) -> u32 {
        let n = self.words.len();
        self.words.iter().enumerate().fold(KNOWN, |packed, (i, q)| {
            let kind = if self.synonyms[i].iter().any(|s| s == product_word) {
                Some(MatchKind::Exact)
            } else {
                match_word(q, product_word, i + 1 == n)
            };
            let bits = match kind {
                None => 0,
                Some(MatchKind::Fuzzy) => 1,
                Some(MatchKind::Prefix) => 2,
                Some(MatchKind::Exact) => 3,
            };
            packed | bits << (2 * i)
        })
    }

    /// The tier of a product whose words are given as ids into `vocabulary`.
    pub fn tier_by_id(&self, ids: &[u32], vocabulary: &[String], memo: &mut TierMemo) -> u32 {
        self.tiers_by_id(ids, ids.len(), vocabulary, memo).0
    }

    /// The tiers of a product's words given as ids into `vocabulary`: of all of them,
    /// and of the first `lead` of them (its name, listed first), in one pass.
    pub fn tiers_by_id(
        &self,
        ids: &[u32],
        lead: usize,
        vocabulary: &[String],
        memo: &mut TierMemo,
    ) -> (u32, u32) {
        if memo.len() < vocabulary.len() {
            memo.resize(vocabulary.len(), 0);
        }
        let mut best = [0u32; MAX_QUERY_WORDS];
        let mut lead_tier = None;
        for (n, &id) in ids.iter().enumerate() {
            if n == lead {
                lead_tier = Some(self.sum(&best));
            }
            let (Some(packed), Some(word)) =
                (memo.get_mut(id as usize), vocabulary.get(id as usize))
            else {
                continue;
            };
            if *packed & KNOWN == 0 {
                *packed = self.kinds(word);
            }
            for (i, b) in best.iter_mut().enumerate().take(self.words.len()) {
                *b = (*b).max(*packed >> (2 * i) & 3);
            }
        }
        let all = self.sum(&best);
        (all, lead_tier.unwrap_or(all))
    }

    /// 100 for each exact match, 10 for each prefix and 1 for each typo.
    fn sum(&self, best: &[u32; MAX_QUERY_WORDS]) -> u32 {
        best[..self.words.len()]
            .iter()
            .map(|k| [0, 1, 10, 100][*k as usize])
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

    proptest! {
        /// One pass over a product's words gives the tier of all of them and of its
        /// name (the first `lead`), the same as scoring each list alone.
        #[test]
        fn one_pass_gives_the_name_tier_too(
            query in proptest::collection::vec("(lin|linen|shirt|shrit|navy|neck|s)", 1..4),
            ids in proptest::collection::vec(0u32..6, 0..8),
            lead in 0usize..8,
        ) {
            let vocabulary: Vec<String> = ["classic", "linen", "shirt", "navy", "vneck", "shirts"]
                .iter()
                .map(|s| s.to_string())
                .collect();
            let none = Synonyms::default();
            let scorer = TierScorer::new(&query, &none);
            let lead = lead.min(ids.len());
            let (all, name) = scorer.tiers_by_id(&ids, lead, &vocabulary, &mut Vec::new());
            let words = |ids: &[u32]| ids.iter().map(|i| vocabulary[*i as usize].clone()).collect::<Vec<_>>();
            // Straight from the rule: each query word's best match (its inflections
            // count as itself), summed.
            let reference = |product: &[String]| -> u32 {
                query
                    .iter()
                    .enumerate()
                    .map(|(i, q)| {
                        match product
                            .iter()
                            .filter_map(|w| {
                                if equivalents(q, &none).contains(w) {
                                    Some(MatchKind::Exact)
                                } else {
                                    match_word(q, w, i + 1 == query.len())
                                }
                            })
                            .max()
                        {
                            Some(MatchKind::Exact) => 100,
                            Some(MatchKind::Prefix) => 10,
                            Some(MatchKind::Fuzzy) => 1,
                            None => 0,
                        }
                    })
                    .sum()
            };
            prop_assert_eq!(all, reference(&words(&ids)));
            prop_assert_eq!(name, reference(&words(&ids[..lead])));
        }
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
    }
}
