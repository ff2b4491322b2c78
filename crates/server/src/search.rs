//! The search engine: a tantivy index of the catalog's words, kept in memory, beside a
//! table of what ranking, filtering and facets need (price, colours, sizes, stock).
//!
//! tantivy finds the candidates (exact words, the word being typed as a prefix, typos
//! within the edit budget, the shop's synonyms); `domain::search` ranks and filters them.
//! Stock lives in the table, not the index, so a sale or a restock is reflected at once
//! (`refresh`) without reindexing; a new or changed product is reindexed by `refresh` too.

use crate::catalog::{image_url, money};
use crate::db::Pool;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, RwLock};
use storefront_domain::date::CalendarDate;
use storefront_domain::location::{centres_by_distance, CentrePoint, DEFAULT_REGION};
use storefront_domain::search::{
    edit_budget, equivalents, facet_counts, highlight_ranges, match_tier, materials_in,
    query_words, text_words, understand, CatalogChoices, FacetFacts, FacetTerms, Facets, Filters,
    SearchParams, SortOrder, Synonyms, TierScorer, Understanding,
};
use storefront_model::catalog::{CategorySuggestion, ProductCard, SearchHit};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::query::{BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, Schema, FAST, INDEXED, TEXT};
use tantivy::{doc, Index, IndexReader, IndexWriter, ReloadPolicy, Term};

/// What a search found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SearchOutcome {
    pub total: u32,
    pub hits: Vec<SearchHit>,
    pub facets: Facets,
    /// A query that does have results, when this one had none.
    pub did_you_mean: Option<String>,
    /// In-stock products to offer when nothing matched.
    pub closest: Vec<ProductCard>,
    /// Colours and sizes the query's words chose ("navy hoodies": hoodies, in navy), with
    /// the words left to search for; `None` when no word chose anything.
    pub understood: Option<Understanding>,
}

/// A product as the engine keeps it.
#[derive(Clone, Debug)]
struct Entry {
    card: ProductCard,
    facts: FacetFacts,
    /// Words of name, category, colours and materials, as ids into the vocabulary, the
    /// name's first: what the product is ranks above where it is filed.
    title_ids: Vec<u32>,
    /// How many of `title_ids` are the name's.
    name_words: usize,
    popularity: u32,
    created_on: i64,
    rating_tenths: u32,
}

/// Title words by id, with how many products use each (for "did you mean").
#[derive(Default)]
struct Vocabulary {
    words: Vec<String>,
    ids: HashMap<String, u32>,
    uses: Vec<u32>,
}

impl Vocabulary {
    fn id(&mut self, word: &str) -> u32 {
        if let Some(id) = self.ids.get(word) {
            return *id;
        }
        let id = u32::try_from(self.words.len()).unwrap_or(u32::MAX);
        self.words.push(word.to_owned());
        self.ids.insert(word.to_owned(), id);
        self.uses.push(0);
        id
    }
}

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    title: Field,
    description: Field,
}

/// What ranking, filtering and facets read, behind one lock so a refresh is seen whole.
#[derive(Default)]
struct Catalog {
    entries: rustc_hash::FxHashMap<u64, Entry>,
    /// Every title word ever indexed; ids never change.
    vocabulary: Vocabulary,
    /// Every facet value ever indexed; ids never change.
    terms: FacetTerms,
    /// Per term id, how many products have it as a colour, a size, a material.
    choice_uses: [Vec<u32>; 3],
    category_names: BTreeMap<String, String>,
    /// Every colour, size and material the catalog has, for reading them in a query.
    choices: CatalogChoices,
}

impl Catalog {
    /// Puts a product's entry in place of its old one, keeping the word and choice
    /// counts right; says whether the catalog's colours, sizes or materials changed.
    fn replace(&mut self, id: u64, entry: Entry) -> bool {
        let mut changed = false;
        let mut count = |uses: &mut Vec<u32>, ids: &[u32], up: bool| {
            for &t in ids {
                let t = t as usize;
                if uses.len() <= t {
                    uses.resize(t + 1, 0);
                }
                let before = uses[t];
                uses[t] = if up {
                    before + 1
                } else {
                    before.saturating_sub(1)
                };
                changed |= (before == 0) != (uses[t] == 0);
            }
        };
        let [colours, sizes, materials] = &mut self.choice_uses;
        for (e, up) in [(self.entries.get(&id), false), (Some(&entry), true)] {
            let Some(e) = e else { continue };
            count(colours, &e.facts.colours, up);
            count(sizes, &e.facts.sizes, up);
            count(materials, &e.facts.materials, up);
            for &w in &e.title_ids {
                let n = &mut self.vocabulary.uses[w as usize];
                *n = if up { *n + 1 } else { n.saturating_sub(1) };
            }
        }
        self.entries.insert(id, entry);
        changed
    }

    /// The catalog's colours, sizes and materials, from the counts.
    fn rebuild_choices(&mut self) {
        let in_use = |uses: &[u32]| -> Vec<String> {
            let mut v: Vec<String> = uses
                .iter()
                .enumerate()
                .filter(|(_, n)| **n > 0)
                .map(|(t, _)| {
                    self.terms
                        .name(u32::try_from(t).unwrap_or(u32::MAX))
                        .to_owned()
                })
                .collect();
            v.sort();
            v
        };
        let [colours, sizes, materials] = &self.choice_uses;
        self.choices = CatalogChoices::new(in_use(colours), in_use(sizes), in_use(materials));
    }
}

/// Collects every matching product's id with tantivy's score, unordered: the engine
/// ranks by its own rules afterwards, so a top-k collector's sorting would be wasted.
struct AllMatches;

struct SegmentMatches {
    ids: Column<u64>,
    found: Vec<(u64, f32)>,
}

impl Collector for AllMatches {
    type Fruit = Vec<(u64, f32)>;
    type Child = SegmentMatches;

    fn for_segment(
        &self,
        _segment: tantivy::SegmentOrdinal,
        reader: &tantivy::SegmentReader,
    ) -> tantivy::Result<SegmentMatches> {
        Ok(SegmentMatches {
            ids: reader.fast_fields().u64("id")?,
            found: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Vec<(u64, f32)>>) -> tantivy::Result<Vec<(u64, f32)>> {
        Ok(fruits.concat())
    }
}

impl SegmentCollector for SegmentMatches {
    type Fruit = Vec<(u64, f32)>;

    fn collect(&mut self, doc: tantivy::DocId, score: tantivy::Score) {
        if let Some(id) = self.ids.first(doc) {
            self.found.push((id, score));
        }
    }

    fn harvest(self) -> Vec<(u64, f32)> {
        self.found
    }
}

pub struct SearchEngine {
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
    catalog: RwLock<Catalog>,
    /// Where the distribution centres are, for "in stock near you".
    centres: RwLock<Vec<CentrePoint>>,
    synonyms: Synonyms,
}

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
}

#[derive(sqlx::FromRow)]
struct VariantFacts {
    product_id: i64,
    colour: Option<String>,
    size: Option<String>,
    available: i64,
}

#[derive(sqlx::FromRow)]
struct ProductRow {
    id: i64,
    slug: String,
    name: String,
    description: String,
    category_slug: String,
    category_name: String,
    price_minor: i64,
    currency: String,
    popularity: i64,
    created_on: String,
    rating_tenths: i64,
}

/// The `n` most popular entries that `keep` takes, in one pass (no full sort); ties by
/// slug.
fn most_popular(
    catalog: &Catalog,
    n: usize,
    keep: impl Fn(u64, &Entry) -> bool,
) -> Vec<(u64, &Entry)> {
    let mut top: Vec<(u64, &Entry)> = Vec::with_capacity(n + 1);
    let better = |a: &Entry, b: &Entry| (a.popularity, &b.card.slug) > (b.popularity, &a.card.slug);
    for (&id, e) in catalog.entries.iter().filter(|(&id, e)| keep(id, e)) {
        if top.len() == n && top.last().is_some_and(|(_, last)| !better(e, last)) {
            continue;
        }
        let at = top
            .iter()
            .position(|(_, t)| better(e, t))
            .unwrap_or(top.len());
        top.insert(at, (id, e));
        top.truncate(n);
    }
    top
}

/// "V-Neck" is indexed as `v`, `neck` and `vneck`, so both spellings find it.
fn index_text(text: &str) -> String {
    format!("{text} {}", text.replace(['-', '\'', '’'], ""))
}

impl SearchEngine {
    /// An empty engine with the shop's synonyms.
    pub fn new(synonyms: Synonyms) -> Result<Self, SearchError> {
        let mut schema = Schema::builder();
        let id = schema.add_u64_field("id", INDEXED | FAST);
        let title = schema.add_text_field("title", TEXT);
        let description = schema.add_text_field("description", TEXT);
        let index = Index::create_in_ram(schema.build());
        let writer = index.writer_with_num_threads(1, 20_000_000)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(Self {
            reader,
            writer: Mutex::new(writer),
            fields: Fields {
                id,
                title,
                description,
            },
            catalog: RwLock::new(Catalog::default()),
            centres: RwLock::new(Vec::new()),
            synonyms,
        })
    }

    /// Builds the engine from every product in the database.
    pub async fn load(pool: &Pool, synonyms: Synonyms) -> Result<Self, SearchError> {
        let engine = Self::new(synonyms)?;
        engine.refresh(pool, None).await?;
        Ok(engine)
    }

    pub fn len(&self) -> usize {
        self.catalog.read().map(|c| c.entries.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Re-reads products (all, or those listed) from the database: text is reindexed,
    /// prices and stock replaced. Call after anything that changes them.
    pub async fn refresh(&self, pool: &Pool, products: Option<&[i64]>) -> Result<(), SearchError> {
        let filter = match products {
            Some([]) => return Ok(()),
            Some(ids) => format!(
                " WHERE p.id IN ({})",
                ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
            ),
            None => String::new(),
        };
        let rows: Vec<ProductRow> = sqlx::query_as(&format!(
            "SELECT p.id, p.slug, p.name, p.description, c.slug AS category_slug, c.name AS category_name,
                    p.price_minor, p.currency, p.popularity, p.created_on, p.rating_tenths
             FROM products p JOIN categories c ON c.id = p.category_id{filter}"
        ))
        .fetch_all(pool)
        .await?;
        let variant_filter = filter.replace("p.id", "v.product_id");
        let variants: Vec<VariantFacts> = sqlx::query_as(&format!(
            "SELECT v.product_id, v.colour, v.size, COALESCE(SUM(s.quantity), 0) AS available
             FROM variants v LEFT JOIN stock s ON s.variant_id = v.id{variant_filter}
             GROUP BY v.id ORDER BY v.position"
        ))
        .fetch_all(pool)
        .await?;
        let stocked: Vec<(i64, i64)> = sqlx::query_as(&format!(
            "SELECT v.product_id, s.centre_id FROM variants v JOIN stock s ON s.variant_id = v.id
             WHERE s.quantity > 0{} GROUP BY v.product_id, s.centre_id",
            variant_filter.replace(" WHERE ", " AND ")
        ))
        .fetch_all(pool)
        .await?;
        let mut stocked_at: HashMap<i64, Vec<i64>> = HashMap::new();
        for (product, centre) in stocked {
            stocked_at.entry(product).or_default().push(centre);
        }
        // Centres change only with a full reload, not with each order's refresh.
        if products.is_none() {
            let centres: Vec<(i64, f64, f64)> =
                sqlx::query_as("SELECT id, latitude, longitude FROM centres ORDER BY id")
                    .fetch_all(pool)
                    .await?;
            *self.centres.write().unwrap_or_else(|e| e.into_inner()) = centres
                .into_iter()
                .map(|(centre_id, latitude, longitude)| CentrePoint {
                    centre_id,
                    latitude,
                    longitude,
                })
                .collect();
        }
        let mut per_product: HashMap<i64, Vec<VariantFacts>> = HashMap::new();
        for v in variants {
            per_product.entry(v.product_id).or_default().push(v);
        }

        let mut writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let mut fresh = Vec::with_capacity(rows.len());
        for row in rows {
            let vs = per_product.remove(&row.id).unwrap_or_default();
            let mut colours: Vec<String> = Vec::new();
            let mut sizes: Vec<String> = Vec::new();
            for VariantFacts {
                colour: c, size: s, ..
            } in &vs
            {
                if let Some(c) = c.as_ref().filter(|c| !colours.contains(c)) {
                    colours.push(c.clone());
                }
                if let Some(s) = s.as_ref().filter(|s| !sizes.contains(s)) {
                    sizes.push(s.clone());
                }
            }
            let in_stock = vs.iter().any(|v| v.available > 0);
            // What a product is, where it is filed, its colours and what it is made of
            // (broader materials too: a suede shoe is found by "leather").
            let materials = materials_in(&row.name);
            let title = format!(
                "{} {} {} {}",
                row.name,
                row.category_name,
                colours.join(" "),
                materials.join(" ")
            );
            let id = u64::try_from(row.id).unwrap_or_default();
            writer.delete_term(Term::from_field_u64(self.fields.id, id));
            writer.add_document(doc!(
                self.fields.id => id,
                self.fields.title => index_text(&title),
                self.fields.description => index_text(&row.description),
            ))?;
            fresh.push((id, row, title, colours, sizes, materials, in_stock));
        }
        writer.commit()?;
        drop(writer);
        self.reader.reload()?;
        let mut catalog = self.catalog.write().unwrap_or_else(|e| e.into_inner());
        let mut choices_changed = false;
        for (id, row, title, colours, sizes, materials, in_stock) in fresh {
            let Catalog {
                vocabulary, terms, ..
            } = &mut *catalog;
            // The name's words first, then the rest of the title's.
            let mut title_ids: Vec<u32> = text_words(&row.name)
                .iter()
                .map(|w| vocabulary.id(w))
                .collect();
            let name_words = title_ids.len();
            for w in text_words(&title) {
                let w = vocabulary.id(&w);
                if !title_ids[..name_words].contains(&w) {
                    title_ids.push(w);
                }
            }
            let entry = Entry {
                title_ids,
                name_words,
                facts: FacetFacts {
                    category: terms.id(&row.category_slug),
                    colours: terms.ids(&colours),
                    sizes: terms.ids(&sizes),
                    materials: terms.ids(&materials),
                    price_minor: row.price_minor,
                    in_stock,
                    stocked_at: stocked_at.remove(&row.id).unwrap_or_default(),
                },
                card: ProductCard {
                    image: image_url(&row.slug),
                    price: money(row.price_minor, &row.currency),
                    slug: row.slug,
                    name: row.name,
                    category: row.category_name.clone(),
                    in_stock,
                },
                popularity: u32::try_from(row.popularity).unwrap_or(0),
                created_on: CalendarDate::parse_iso(&row.created_on)
                    .map_or(0, CalendarDate::days_since_epoch),
                rating_tenths: u32::try_from(row.rating_tenths).unwrap_or(0),
            };
            catalog
                .category_names
                .insert(row.category_slug, row.category_name);
            choices_changed |= catalog.replace(id, entry);
        }
        // Only when a colour, size or material came or went (not on each sale).
        if choices_changed {
            catalog.rebuild_choices();
        }
        Ok(())
    }

    /// The tantivy query for the words: every word must match (itself, a synonym, a
    /// prefix if it is the word being typed, or a typo within its budget) in the title
    /// or, less strongly, the description.
    fn text_query(&self, words: &[String]) -> BooleanQuery {
        let mut musts: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (i, word) in words.iter().enumerate() {
            let is_last = i + 1 == words.len();
            let mut alternatives: Vec<String> = vec![word.clone()];
            alternatives.extend(equivalents(word, &self.synonyms));
            let mut shoulds: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            for (field, weight) in [(self.fields.title, 1.0f32), (self.fields.description, 0.3)] {
                // Descriptions only rank below names, so there the word and its synonyms
                // are enough (each other form is one more term to look up per query).
                let forms = if field == self.fields.title {
                    &alternatives[..]
                } else {
                    &alternatives[..1 + self.synonyms.of(word).len()]
                };
                for alt in forms {
                    // A longer form of the word being typed ("shirts" for "shirt") is
                    // already found by its prefix query: not looked up twice. Ranking still
                    // counts it as the word itself.
                    if is_last && alt != word && alt.starts_with(word.as_str()) {
                        continue;
                    }
                    let term = Term::from_field_text(field, alt);
                    shoulds.push((
                        Occur::Should,
                        Box::new(BoostQuery::new(
                            Box::new(TermQuery::new(term.clone(), IndexRecordOption::WithFreqs)),
                            4.0 * weight,
                        )),
                    ));
                    // Only the word itself is typo-tolerant, not its synonyms, and only in
                    // the title: descriptions are long and would make typos costly.
                    if alt != word || field != self.fields.title {
                        continue;
                    }
                    if is_last {
                        shoulds.push((
                            Occur::Should,
                            Box::new(BoostQuery::new(
                                Box::new(FuzzyTermQuery::new_prefix(term.clone(), 0, true)),
                                2.0 * weight,
                            )),
                        ));
                    }
                    let budget = edit_budget(word.chars().count());
                    if budget > 0 {
                        shoulds.push((
                            Occur::Should,
                            Box::new(BoostQuery::new(
                                Box::new(FuzzyTermQuery::new(term, budget, true)),
                                weight,
                            )),
                        ));
                    }
                }
            }
            musts.push((Occur::Must, Box::new(BooleanQuery::new(shoulds))));
        }
        BooleanQuery::new(musts)
    }

    /// Product ids matching the words, with tantivy's score.
    fn candidates(&self, words: &[String]) -> Result<Vec<(u64, f32)>, SearchError> {
        Ok(self
            .reader
            .searcher()
            .search(&self.text_query(words), &AllMatches)?)
    }

    /// Runs a search for a shopper in the default region.
    pub fn search(
        &self,
        params: &SearchParams,
        limit: usize,
    ) -> Result<SearchOutcome, SearchError> {
        self.search_near(params, DEFAULT_REGION, limit)
    }

    /// Runs a search: matching, ranking, filters, facets, and help when nothing matched.
    /// `region` (a `location::REGIONS` code) says which centre counts as "near" for the
    /// facet; a chosen `params.near` takes precedence.
    pub fn search_near(
        &self,
        params: &SearchParams,
        region: &str,
        limit: usize,
    ) -> Result<SearchOutcome, SearchError> {
        let words = self.synonyms.rewrite(&query_words(&params.query));
        let near = self.nearest_centre(params.near.as_deref().unwrap_or(region));
        // "navy hoodies": hoodies, with navy chosen; read literally if that finds nothing.
        let understood = {
            let catalog = self.catalog.read().unwrap_or_else(|e| e.into_inner());
            understand(&words, &catalog.choices)
        };
        if understood.chose_anything() {
            let mut chosen = params.clone();
            for c in &understood.colours() {
                if !chosen.colours.contains(c) {
                    chosen.colours.push(c.clone());
                }
            }
            for s in &understood.sizes() {
                if !chosen.sizes.contains(s) {
                    chosen.sizes.push(s.clone());
                }
            }
            for m in &understood.materials() {
                if !chosen.materials.contains(m) {
                    chosen.materials.push(m.clone());
                }
            }
            // Colours and materials by name are in every title, so their words still find
            // the candidates (far fewer than the whole catalog); a family word ("green")
            // or a size is not, and only filters. Ranked by every word: "leather" chooses
            // Leather (suede and nubuck count), and the products named Leather come first.
            let matching = understood.searchable_words();
            let mut outcome =
                self.search_words(&matching, &understood.all, &chosen, near, limit)?;
            if outcome.total > 0 {
                outcome.understood = Some(understood);
                return Ok(outcome);
            }
        }
        let mut outcome = self.search_words(&words, &words, params, near, limit)?;
        if outcome.total == 0 {
            if let Some(suggestion) = self.did_you_mean(&words) {
                let suggested = SearchParams {
                    query: suggestion.clone(),
                    ..params.clone()
                };
                let again = {
                    let words = query_words(&suggestion);
                    self.search_words(&words, &words, &suggested, near, limit)?
                };
                if again.total > 0 {
                    outcome.did_you_mean = Some(suggestion);
                    outcome.closest = again
                        .hits
                        .into_iter()
                        .map(|h| h.card)
                        .filter(|c| c.in_stock)
                        .take(4)
                        .collect();
                }
            }
            if outcome.closest.is_empty() {
                outcome.closest = self.popular_in_stock(4);
            }
        }
        Ok(outcome)
    }

    /// Products matching every word of `words`, ranked by how their titles answer
    /// `rank_by` (the words, with any the query chose as filters).
    fn search_words(
        &self,
        words: &[String],
        rank_by: &[String],
        params: &SearchParams,
        near: Option<i64>,
        limit: usize,
    ) -> Result<SearchOutcome, SearchError> {
        let catalog = self.catalog.read().unwrap_or_else(|e| e.into_inner());
        let Catalog {
            entries,
            vocabulary,
            terms,
            category_names,
            ..
        } = &*catalog;
        let candidates = if !words.is_empty() {
            self.candidates(words)?
        } else if !params.colours.is_empty()
            || !params.sizes.is_empty()
            || !params.materials.is_empty()
        {
            // Only a colour, size or material asked for ("navy"): everything, then those.
            entries.keys().map(|id| (*id, 0.0)).collect()
        } else {
            Vec::new()
        };
        let scorer = TierScorer::new(rank_by, &self.synonyms);
        let mut memo = Vec::new();
        // Ranked by how well the title (name, category, colours) answers the words, then
        // how well the name alone does ("black hoodies": the Hoodies before a cardigan
        // filed under "Jumpers & hoodies"), then tantivy's score, stock and popularity.
        let mut found: Vec<(&Entry, (u32, u32), f32)> = candidates
            .iter()
            .filter_map(|(id, score)| {
                entries.get(id).map(|e| {
                    let tiers = scorer.tiers_by_id(
                        &e.title_ids,
                        e.name_words,
                        &vocabulary.words,
                        &mut memo,
                    );
                    (e, tiers, *score)
                })
            })
            .collect();
        let filters = Filters::new(params, near, terms);
        let facets = facet_counts(
            found.iter().map(|(e, _, _)| &e.facts),
            &filters,
            terms,
            category_names,
        );
        found.retain(|(e, _, _)| filters.matches(&e.facts));
        match params.sort {
            SortOrder::Relevance => found.sort_by(|a, b| {
                b.1.cmp(&a.1)
                    .then(b.2.total_cmp(&a.2))
                    .then(b.0.card.in_stock.cmp(&a.0.card.in_stock))
                    .then(b.0.popularity.cmp(&a.0.popularity))
            }),
            SortOrder::PriceLowHigh => found
                .sort_by_key(|(e, _, _)| (e.facts.price_minor, std::cmp::Reverse(e.popularity))),
            SortOrder::PriceHighLow => found.sort_by_key(|(e, _, _)| {
                (
                    std::cmp::Reverse(e.facts.price_minor),
                    std::cmp::Reverse(e.popularity),
                )
            }),
            SortOrder::Newest => found.sort_by_key(|(e, _, _)| {
                (
                    std::cmp::Reverse(e.created_on),
                    std::cmp::Reverse(e.popularity),
                )
            }),
            SortOrder::Rating => found.sort_by_key(|(e, _, _)| {
                (
                    std::cmp::Reverse(e.rating_tenths),
                    std::cmp::Reverse(e.popularity),
                )
            }),
        }
        Ok(SearchOutcome {
            total: u32::try_from(found.len()).unwrap_or(u32::MAX),
            hits: found
                .into_iter()
                .take(limit)
                .map(|(e, _, _)| SearchHit {
                    highlights: highlight_ranges(&e.card.name, rank_by),
                    card: e.card.clone(),
                })
                .collect(),
            facets,
            did_you_mean: None,
            closest: Vec::new(),
            understood: None,
        })
    }

    /// The query with each word that matches nothing replaced by the closest word the
    /// catalog uses (up to three edits), if any word was replaced.
    fn did_you_mean(&self, words: &[String]) -> Option<String> {
        let catalog = self.catalog.read().unwrap_or_else(|e| e.into_inner());
        let vocabulary = &catalog.vocabulary;
        let known = |w: &str| {
            vocabulary
                .ids
                .get(w)
                .is_some_and(|id| vocabulary.uses[*id as usize] > 0)
        };
        let mut changed = false;
        let suggestion: Vec<String> = words
            .iter()
            .map(|w| {
                if known(w) {
                    return w.clone();
                }
                let best = vocabulary
                    .words
                    .iter()
                    .zip(&vocabulary.uses)
                    .filter(|(v, n)| {
                        **n > 0
                            && v.len() >= 3
                            && v.chars().count().abs_diff(w.chars().count()) <= 3
                    })
                    .map(|(v, n)| {
                        (
                            storefront_domain::search::edit_distance(w, v),
                            std::cmp::Reverse(*n),
                            v.as_str(),
                        )
                    })
                    .filter(|(d, _, _)| *d <= 3 && *d * 2 <= w.chars().count() + 1)
                    .min();
                match best {
                    Some((_, _, v)) => {
                        changed = true;
                        v.to_owned()
                    }
                    None => w.clone(),
                }
            })
            .collect();
        changed.then(|| suggestion.join(" "))
    }

    /// Whether product `id` can be bought now (some variant in stock).
    pub fn in_stock(&self, id: u32) -> bool {
        let catalog = self.catalog.read().unwrap_or_else(|e| e.into_inner());
        catalog
            .entries
            .get(&u64::from(id))
            .is_some_and(|e| e.facts.in_stock)
    }

    /// The cards of products `ids`, in that order (unknown ones left out).
    pub fn cards(&self, ids: &[u32]) -> Vec<ProductCard> {
        let catalog = self.catalog.read().unwrap_or_else(|e| e.into_inner());
        ids.iter()
            .filter_map(|id| catalog.entries.get(&u64::from(*id)).map(|e| e.card.clone()))
            .collect()
    }

    /// Up to `n` products in stock, most popular first, from the categories of `like`
    /// (every category when `like` is empty), none of `except`.
    pub fn popular_like(&self, like: &[u32], n: usize, except: &[u32]) -> Vec<u32> {
        let catalog = self.catalog.read().unwrap_or_else(|e| e.into_inner());
        let categories: Vec<u32> = like
            .iter()
            .filter_map(|id| catalog.entries.get(&u64::from(*id)))
            .map(|e| e.facts.category)
            .collect();
        most_popular(&catalog, n, |id, e| {
            e.facts.in_stock
                && u32::try_from(id).is_ok_and(|id| !except.contains(&id))
                && (categories.is_empty() || categories.contains(&e.facts.category))
        })
        .into_iter()
        .filter_map(|(id, _)| u32::try_from(id).ok())
        .collect()
    }

    /// Products in stock that went on sale on day `since` (days since 1970) or later,
    /// newest first, each with its category: the new arrivals the offers mail picks from.
    pub fn new_since(&self, since: i64) -> Vec<(u32, u32)> {
        let catalog = self.catalog.read().unwrap_or_else(|e| e.into_inner());
        let mut new: Vec<(i64, &str, u32, u32)> = catalog
            .entries
            .iter()
            .filter(|(_, e)| e.facts.in_stock && e.created_on >= since)
            .filter_map(|(&id, e)| {
                Some((
                    e.created_on,
                    e.card.slug.as_str(),
                    u32::try_from(id).ok()?,
                    e.facts.category,
                ))
            })
            .collect();
        new.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
        new.into_iter()
            .map(|(.., id, category)| (id, category))
            .collect()
    }

    /// The categories of products `ids` (unknown ones left out), each once.
    pub fn categories_of(&self, ids: &[u32]) -> Vec<u32> {
        let catalog = self.catalog.read().unwrap_or_else(|e| e.into_inner());
        let mut categories: Vec<u32> = ids
            .iter()
            .filter_map(|id| catalog.entries.get(&u64::from(*id)))
            .map(|e| e.facts.category)
            .collect();
        categories.sort_unstable();
        categories.dedup();
        categories
    }

    /// The centre nearest a region (by its code), if both are known.
    pub fn nearest_centre(&self, region_code: &str) -> Option<i64> {
        let region = storefront_domain::location::region(region_code)?;
        let centres = self.centres.read().unwrap_or_else(|e| e.into_inner());
        centres_by_distance(region, &centres).first().copied()
    }

    /// The `n` most popular products in stock.
    fn popular_in_stock(&self, n: usize) -> Vec<ProductCard> {
        let catalog = self.catalog.read().unwrap_or_else(|e| e.into_inner());
        most_popular(&catalog, n, |_, e| e.card.in_stock)
            .into_iter()
            .map(|(_, e)| e.card.clone())
            .collect()
    }

    /// Categories whose name matches the words, for suggestions.
    pub fn matching_categories(&self, query: &str) -> Vec<CategorySuggestion> {
        let words = query_words(query);
        if words.is_empty() {
            return Vec::new();
        }
        let catalog = self.catalog.read().unwrap_or_else(|e| e.into_inner());
        catalog
            .category_names
            .iter()
            .filter_map(|(slug, name)| {
                let name_words = text_words(name);
                (match_tier(&words, &name_words, &self.synonyms)
                    >= u32::try_from(words.len()).unwrap_or(1))
                .then(|| CategorySuggestion {
                    slug: slug.clone(),
                    name: name.clone(),
                    highlights: highlight_ranges(name, &words),
                })
            })
            .collect()
    }
}
