//! Reading a query as a shopper means it: plurals and their singulars are the same word,
//! and colour and size words are choices of colour and size ("navy hoodies" is hoodies,
//! in navy), not words a product's name must contain.

use super::*;

/// Everyday colour words and the catalog colours they cover ("green" is olive or forest
/// green). A catalog colour's own name is understood as itself; these are the words
/// shoppers use for a family of them. Only colours the catalog has are ever chosen.
pub const COLOUR_FAMILIES: &[(&str, &[&str])] = &[
    ("blue", &["Navy", "Sky Blue", "Indigo"]),
    ("green", &["Olive", "Forest Green"]),
    ("red", &["Rust", "Burgundy"]),
    ("pink", &["Rose"]),
    ("yellow", &["Mustard"]),
    ("grey", &["Grey Marl", "Charcoal"]),
    ("gray", &["Grey Marl", "Charcoal"]),
    ("beige", &["Sand", "Cream"]),
];

/// Materials a product's name can say it is made of, each with the broader materials it
/// also counts as ("Merino" is wool; "Organic Cotton" is cotton). The material filter and
/// reading "merino" in a query as a choice both come from here: a product's materials
/// are the ones its name says ([`materials_in`]).
pub const MATERIALS: &[(&str, &[&str])] = &[
    ("Cotton", &[]),
    ("Organic Cotton", &["Cotton"]),
    ("Brushed Cotton", &["Cotton"]),
    ("Slub Cotton", &["Cotton"]),
    ("Supima Cotton", &["Cotton"]),
    ("Loopback Cotton", &["Cotton"]),
    ("Waxed Cotton", &["Cotton"]),
    ("Cotton Twill", &["Cotton"]),
    ("Cotton Poplin", &["Cotton"]),
    ("Linen", &[]),
    ("Denim", &[]),
    ("Organic Denim", &["Denim"]),
    ("Needlecord", &[]),
    ("Wool", &[]),
    ("Merino", &["Wool"]),
    ("Lambswool", &["Wool"]),
    ("Recycled Wool", &["Wool"]),
    ("Wool Blend", &["Wool"]),
    ("Cashmere", &["Wool"]),
    ("Alpaca Blend", &["Wool"]),
    ("Fleece", &[]),
    ("Brushed Fleece", &["Fleece"]),
    ("Leather", &[]),
    ("Suede", &["Leather"]),
    ("Nubuck", &["Leather"]),
    ("Canvas", &[]),
    ("Nylon", &[]),
    ("Recycled Nylon", &["Nylon"]),
    ("Ripstop", &["Nylon"]),
    ("Polyester", &[]),
    ("Recycled Polyester", &["Polyester"]),
    ("Recycled Knit", &[]),
    ("Bamboo", &[]),
    ("Viscose", &[]),
    ("Satin", &[]),
    ("Jersey", &[]),
    ("Cork", &[]),
];

/// The materials a product's name says it is made of, with the broader ones they count as:
/// "Chunky Merino Crew Jumper" → Merino, Wool. Whole words only, case aside.
pub fn materials_in(name: &str) -> Vec<String> {
    let words = query_words(name);
    let mut out: Vec<String> = Vec::new();
    for (material, broader) in MATERIALS {
        let phrase = query_words(material);
        if words.windows(phrase.len()).any(|w| w == phrase.as_slice()) {
            for m in std::iter::once(material).chain(broader.iter()) {
                if !out.iter().any(|o| o == m) {
                    out.push((*m).to_owned());
                }
            }
        }
    }
    out
}

/// Everyday size words and the size they name, when the catalog has it.
const SIZE_WORDS: &[(&str, &str)] = &[
    ("xs", "XS"),
    ("small", "S"),
    ("medium", "M"),
    ("large", "L"),
    ("xl", "XL"),
    ("xxl", "XXL"),
];

/// The other forms of a word: its singular if it is a plural ("dresses" → `dress`,
/// "scarves" → `scarf`, "hoodies" → `hoodie`, `hoody`) and its plurals ("boot" →
/// `boots`). Short words (3 letters or fewer) have none: too many would collide.
pub fn inflections(word: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |w: String| {
        if w != word && w.len() >= 3 && !out.contains(&w) {
            out.push(w);
        }
    };
    if word.chars().count() <= 3 || !word.chars().all(|c| c.is_ascii_alphabetic()) {
        return out;
    }
    // Singulars.
    if let Some(stem) = word.strip_suffix("ves") {
        add(format!("{stem}f"));
        add(format!("{stem}fe"));
        add(format!("{stem}ve"));
    }
    if let Some(stem) = word.strip_suffix("ies") {
        add(format!("{stem}ie"));
        add(format!("{stem}y"));
    }
    if let Some(stem) = word.strip_suffix("es") {
        if ["ss", "x", "ch", "sh", "z"]
            .iter()
            .any(|e| stem.ends_with(e))
        {
            add(stem.to_owned());
        }
    }
    if let Some(stem) = word.strip_suffix('s') {
        if !["ss", "us", "is"].iter().any(|e| word.ends_with(e)) {
            add(stem.to_owned());
        }
    }
    // Plurals.
    if ["ss", "x", "ch", "sh", "z"]
        .iter()
        .any(|e| word.ends_with(e))
    {
        add(format!("{word}es"));
    } else if let Some(stem) = word.strip_suffix('f') {
        add(format!("{stem}ves"));
        add(format!("{word}s"));
    } else if !word.ends_with('s') {
        add(format!("{word}s"));
    }
    out
}

/// Every word a query word counts as, exactly: its synonyms, its other forms (plural or
/// singular) and theirs. Matching and ranking both use this, so "dresses" finds and ranks
/// a "Dress" as its own word.
pub fn equivalents(word: &str, synonyms: &Synonyms) -> Vec<String> {
    let mut out: Vec<String> = synonyms.of(word).to_vec();
    for form in inflections(word) {
        for w in std::iter::once(form.clone()).chain(synonyms.of(&form).iter().cloned()) {
            if w != word && !out.contains(&w) {
                out.push(w);
            }
        }
    }
    out
}

/// What a word of a query chose.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChoiceKind {
    Colour,
    Size,
    Material,
}

/// Words of a query read as a choice: "green" → colour Olive or Forest Green.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub kind: ChoiceKind,
    /// Whether the words were the value's own name ("navy", "organic cotton"), not a
    /// family word or a size.
    pub by_name: bool,
    /// The catalog's colours or sizes chosen.
    pub values: Vec<String>,
    /// Where the words that chose it are in [`Understanding::all`]: (first, how many).
    pub at: (usize, usize),
}

impl Choice {
    /// "Colour: Olive or Forest Green", as a chip shows it.
    pub fn label(&self) -> String {
        let kind = match self.kind {
            ChoiceKind::Colour => "Colour",
            ChoiceKind::Size => "Size",
            ChoiceKind::Material => "Material",
        };
        format!("{kind}: {}", self.values.join(" or "))
    }
}

/// A query read for what it asks: the words left to search for, and the colours and
/// sizes its other words chose.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Understanding {
    /// Every word of the query, as read (phrases shoppers say already in the catalog's words).
    pub all: Vec<String>,
    /// The words left to search for.
    pub words: Vec<String>,
    pub choices: Vec<Choice>,
}

impl Understanding {
    /// Whether any word became a choice.
    pub fn chose_anything(&self) -> bool {
        !self.choices.is_empty()
    }

    fn values(&self, kind: ChoiceKind) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for c in self.choices.iter().filter(|c| c.kind == kind) {
            for v in &c.values {
                if !out.contains(v) {
                    out.push(v.clone());
                }
            }
        }
        out
    }

    pub fn colours(&self) -> Vec<String> {
        self.values(ChoiceKind::Colour)
    }

    pub fn sizes(&self) -> Vec<String> {
        self.values(ChoiceKind::Size)
    }

    pub fn materials(&self) -> Vec<String> {
        self.values(ChoiceKind::Material)
    }

    /// The words a product's title must still contain: the words left, and the names of
    /// colours and materials chosen by name (titles carry both), in the query's order.
    pub fn searchable_words(&self) -> Vec<String> {
        let dropped = |n: usize| {
            self.choices
                .iter()
                .any(|c| !c.by_name && n >= c.at.0 && n < c.at.0 + c.at.1)
        };
        self.all
            .iter()
            .enumerate()
            .filter(|(n, _)| !dropped(*n))
            .map(|(_, w)| w.clone())
            .collect()
    }

    /// The query without the words of choice `i`: what removing its chip searches for.
    pub fn without(&self, i: usize) -> String {
        let Some(choice) = self.choices.get(i) else {
            return self.all.join(" ");
        };
        let (start, len) = choice.at;
        self.all
            .iter()
            .enumerate()
            .filter(|(n, _)| *n < start || *n >= start + len)
            .map(|(_, w)| w.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The colours, sizes and materials a catalog has: what a query's words can choose.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CatalogChoices {
    pub colours: Vec<String>,
    pub sizes: Vec<String>,
    pub materials: Vec<String>,
    /// Colour and material names as query words, longest first ("grey marl" before
    /// "grey", "organic cotton" before "cotton"): worked out once, not per query.
    names: Vec<(ChoiceKind, String, Vec<String>)>,
}

impl CatalogChoices {
    pub fn new(colours: Vec<String>, sizes: Vec<String>, materials: Vec<String>) -> Self {
        let mut names: Vec<(ChoiceKind, String, Vec<String>)> = colours
            .iter()
            .map(|c| (ChoiceKind::Colour, c.clone(), query_words(c)))
            .chain(
                materials
                    .iter()
                    .map(|m| (ChoiceKind::Material, m.clone(), query_words(m))),
            )
            .filter(|(_, _, w)| !w.is_empty())
            .collect();
        names.sort_by_key(|(_, _, w)| std::cmp::Reverse(w.len()));
        Self {
            colours,
            sizes,
            materials,
            names,
        }
    }
}

/// Reads colour, size and material words out of a query's `words` (as [`query_words`]
/// gives them), given what the catalog has: a colour's name ("navy", "sky blue") or a
/// family word ("green") chooses those colours, a size ("xl", "small", "uk 8", "w32",
/// "size 12") that size, a material ("merino", "organic cotton") that material. Words
/// that choose nothing the catalog has stay words.
pub fn understand(words: &[String], catalog: &CatalogChoices) -> Understanding {
    let (colours, sizes) = (&catalog.colours, &catalog.sizes);
    let mut out = Understanding {
        all: words.to_vec(),
        ..Default::default()
    };
    let mut i = 0;
    'words: while i < words.len() {
        for (kind, value, name) in &catalog.names {
            if words[i..].starts_with(name) {
                out.choices.push(Choice {
                    kind: *kind,
                    by_name: true,
                    values: vec![value.clone()],
                    at: (i, name.len()),
                });
                i += name.len();
                continue 'words;
            }
        }
        let word = words[i].as_str();
        if let Some((_, family)) = COLOUR_FAMILIES.iter().find(|(w, _)| *w == word) {
            let known: Vec<String> = colours
                .iter()
                .filter(|c| family.contains(&c.as_str()))
                .cloned()
                .collect();
            if !known.is_empty() {
                out.choices.push(Choice {
                    kind: ChoiceKind::Colour,
                    by_name: false,
                    values: known,
                    at: (i, 1),
                });
                i += 1;
                continue;
            }
        }
        // Sizes: "uk 8", "size 12", "w32", "xl", "small".
        let next = words.get(i + 1).map(String::as_str);
        let (size, used) = match (word, next) {
            ("uk", Some(n)) if n.chars().all(|c| c.is_ascii_digit()) => (format!("UK {n}"), 2),
            ("size", Some(n)) => (n.to_uppercase(), 2),
            _ if word.len() >= 2
                && word.starts_with('w')
                && word[1..].chars().all(|c| c.is_ascii_digit()) =>
            {
                (word.to_uppercase(), 1)
            }
            _ => match SIZE_WORDS.iter().find(|(w, _)| *w == word) {
                Some((_, s)) => ((*s).to_owned(), 1),
                None => (String::new(), 0),
            },
        };
        if used > 0 {
            // "size 8" may be a shoe's "UK 8"; "size 32" a waist's "W32".
            let found: Vec<String> = [size.clone(), format!("UK {size}"), format!("W{size}")]
                .into_iter()
                .filter(|s| sizes.contains(s))
                .collect();
            if !found.is_empty() {
                out.choices.push(Choice {
                    kind: ChoiceKind::Size,
                    by_name: false,
                    values: found,
                    at: (i, used),
                });
                i += used;
                continue;
            }
        }
        out.words.push(word.to_owned());
        i += 1;
    }
    out
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    fn words(q: &str) -> Vec<String> {
        query_words(q)
    }

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    fn colours_only(colours: &[String]) -> CatalogChoices {
        CatalogChoices::new(colours.to_vec(), vec![], vec![])
    }

    fn sizes_only(sizes: &[String]) -> CatalogChoices {
        CatalogChoices::new(vec![], sizes.to_vec(), vec![])
    }

    #[test]
    fn a_products_materials_are_what_its_name_says_and_what_they_count_as() {
        assert_eq!(
            materials_in("Chunky Merino Crew Jumper"),
            strings(&["Merino", "Wool"])
        );
        assert_eq!(
            materials_in("Relaxed Organic Cotton Boxy Tee"),
            strings(&["Cotton", "Organic Cotton"])
        );
        assert_eq!(
            materials_in("Retro Suede Sandals"),
            strings(&["Suede", "Leather"])
        );
        assert!(materials_in("Classic Boxy Tee").is_empty());
        assert!(
            materials_in("Corkscrew Tote").is_empty(),
            "whole words only"
        );
    }

    #[test]
    fn material_words_become_the_materials_the_catalog_has() {
        let catalog = CatalogChoices::new(
            strings(&["Navy"]),
            vec![],
            strings(&["Cotton", "Organic Cotton", "Merino", "Wool"]),
        );
        let u = understand(&words("navy organic cotton tee"), &catalog);
        assert_eq!(u.words, strings(&["tee"]));
        assert_eq!(u.colours(), strings(&["Navy"]));
        assert_eq!(
            u.materials(),
            strings(&["Organic Cotton"]),
            "the longest name"
        );
        assert_eq!(u.choices[1].label(), "Material: Organic Cotton");
        assert_eq!(u.without(1), "navy tee");
        assert_eq!(
            u.searchable_words(),
            strings(&["navy", "organic", "cotton", "tee"]),
            "names stay searchable"
        );
        let u = understand(
            &words("green xl tee"),
            &CatalogChoices::new(strings(&["Olive"]), strings(&["XL"]), vec![]),
        );
        assert_eq!(
            u.searchable_words(),
            strings(&["tee"]),
            "a family word and a size only filter"
        );
        let u = understand(&words("linen shirt"), &catalog);
        assert!(u.materials().is_empty(), "no linen here: the word stays");
    }

    #[test]
    fn plurals_and_singulars_are_each_others_forms() {
        for (plural, singular) in [
            ("dresses", "dress"),
            ("scarves", "scarf"),
            ("hoodies", "hoodie"),
            ("jackets", "jacket"),
            ("watches", "watch"),
            ("beanies", "beanie"),
            ("gloves", "glove"),
        ] {
            assert!(
                inflections(plural).contains(&singular.to_owned()),
                "{plural} → {singular}: {:?}",
                inflections(plural)
            );
            assert!(
                inflections(singular).contains(&plural.to_owned()),
                "{singular} → {plural}: {:?}",
                inflections(singular)
            );
        }
        assert!(inflections("tee").is_empty(), "short words are left alone");
        assert!(!inflections("dress").contains(&"dres".to_owned()));
        assert!(!inflections("bus").contains(&"bu".to_owned()));
    }

    #[test]
    fn colour_words_become_the_catalog_colours_they_name() {
        let colours = strings(&["Navy", "Grey Marl", "Charcoal", "Olive", "Forest Green"]);
        let u = understand(&words("navy hoodies"), &colours_only(&colours));
        assert_eq!(u.words, strings(&["hoodies"]));
        assert_eq!(u.colours(), strings(&["Navy"]));

        let u = understand(&words("grey marl jumper"), &colours_only(&colours));
        assert_eq!(
            u.colours(),
            strings(&["Grey Marl"]),
            "the longest name first"
        );
        assert_eq!(u.words, strings(&["jumper"]));

        let u = understand(&words("green jackets"), &colours_only(&colours));
        assert_eq!(u.colours(), strings(&["Olive", "Forest Green"]));
        assert_eq!(u.choices[0].label(), "Colour: Olive or Forest Green");
        assert_eq!(
            u.without(0),
            "jackets",
            "removing the chip searches for the rest"
        );

        let u = understand(&words("blue shirt"), &colours_only(&colours[1..]));
        assert!(
            u.colours().is_empty(),
            "no blue in this catalog: the word stays"
        );
        assert_eq!(u.words, strings(&["blue", "shirt"]));
    }

    #[test]
    fn size_words_become_sizes_the_catalog_has() {
        let sizes = strings(&["S", "M", "XL", "UK 8", "W32", "12"]);
        let u = understand(&words("xl hoodie"), &sizes_only(&sizes));
        assert_eq!(
            (u.words.clone(), u.sizes()),
            (strings(&["hoodie"]), strings(&["XL"]))
        );
        let u = understand(
            &words("navy boots uk 8"),
            &CatalogChoices::new(strings(&["Navy"]), sizes.clone(), vec![]),
        );
        assert_eq!(u.without(1), "navy boots");
        assert_eq!(u.without(0), "boots uk 8");
        assert_eq!(
            (u.words.clone(), u.sizes()),
            (strings(&["boots"]), strings(&["UK 8"]))
        );
        let u = understand(&words("size 8 boots"), &sizes_only(&sizes));
        assert_eq!(u.sizes(), strings(&["UK 8"]), "a shoe size said plainly");
        let u = understand(&words("jeans w32"), &sizes_only(&sizes));
        assert_eq!(u.sizes(), strings(&["W32"]));
        let u = understand(&words("small tote"), &sizes_only(&sizes));
        assert_eq!(u.sizes(), strings(&["S"]));
        let u = understand(&words("large tote"), &sizes_only(&sizes));
        assert!(u.sizes().is_empty(), "no L here");
        assert_eq!(u.words, strings(&["large", "tote"]));
    }
}
