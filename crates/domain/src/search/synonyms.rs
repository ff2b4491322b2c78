//! The shop's synonyms: words it treats as the same (`tee` finds t-shirts).

use super::*;

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

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn synonyms_work_both_ways() {
        let s = Synonyms::parse("# comment\ntee = t-shirt, tshirt\nsneakers = trainers\n\n");
        assert!(s.of("tee").contains(&"tshirt".to_owned()));
        assert!(s.of("trainers").contains(&"sneakers".to_owned()));
        assert!(s.of("sneakers").contains(&"trainers".to_owned()));
        assert!(s.of("hat").is_empty());
    }
}
