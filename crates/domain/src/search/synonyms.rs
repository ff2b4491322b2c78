//! The shop's synonyms: words it treats as the same (`tee` finds t-shirts).

use super::*;

/// Words the shop treats as the same (`tee` finds t-shirts). Edited by the shop owner in
/// `content/synonyms.txt`, one group a line: `tee = t-shirt, tshirt`. A group with a
/// phrase in it (`roll neck = turtleneck, polo neck`) reads the other entries as the
/// first: a query saying "polo neck" searches for "roll neck".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Synonyms {
    map: BTreeMap<String, Vec<String>>,
    /// (what shoppers say, the catalog's words), longest first.
    phrases: Vec<(Vec<String>, Vec<String>)>,
}

impl Synonyms {
    /// Parses the synonyms file; `#` starts a comment. In a group of single words every
    /// word is a synonym of the others; in a group with a phrase, every other entry is
    /// read as the first.
    pub fn parse(text: &str) -> Self {
        let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut phrases = Vec::new();
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let entries: Vec<Vec<String>> = line
                .split(['=', ','])
                .map(query_words)
                .filter(|w| !w.is_empty())
                .collect();
            if entries.iter().any(|e| e.len() > 1) {
                let (canonical, said) = entries.split_first().expect("not empty");
                for s in said {
                    phrases.push((s.clone(), canonical.clone()));
                }
                continue;
            }
            let words: Vec<String> = entries.into_iter().flatten().collect();
            for w in &words {
                let entry = map.entry(w.clone()).or_default();
                for other in &words {
                    if other != w && !entry.contains(other) {
                        entry.push(other.clone());
                    }
                }
            }
        }
        phrases.sort_by_key(|(said, _): &(Vec<String>, Vec<String>)| std::cmp::Reverse(said.len()));
        Self { map, phrases }
    }

    /// The query's words with each phrase shoppers say put in the catalog's words
    /// ("polo neck jumper" → `roll neck jumper`), longest phrase first.
    pub fn rewrite(&self, words: &[String]) -> Vec<String> {
        let mut out = Vec::with_capacity(words.len());
        let mut i = 0;
        'words: while i < words.len() {
            for (said, canonical) in &self.phrases {
                if words[i..].starts_with(said) {
                    out.extend(canonical.iter().cloned());
                    i += said.len();
                    continue 'words;
                }
            }
            out.push(words[i].clone());
            i += 1;
        }
        out
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

    #[test]
    fn a_phrase_group_reads_what_shoppers_say_as_the_catalogs_words() {
        let s =
            Synonyms::parse("roll neck = turtleneck, polo neck\ngilet = bodywarmer, body warmer\n");
        let w = |q: &str| query_words(q);
        assert_eq!(s.rewrite(&w("black polo neck")), w("black roll neck"));
        assert_eq!(s.rewrite(&w("turtleneck")), w("roll neck"));
        assert_eq!(s.rewrite(&w("body warmer navy")), w("gilet navy"));
        assert_eq!(
            s.rewrite(&w("polo shirt")),
            w("polo shirt"),
            "only the whole phrase"
        );
        assert!(
            s.of("neck").is_empty(),
            "a phrase's words are not synonyms one by one"
        );
    }
}
