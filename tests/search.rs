//! The search engine on the demo catalog: typos, prefixes, ranking, synonyms, facets,
//! suggestions when nothing matches, and following stock and catalog changes.
#![cfg(feature = "ssr")]

mod common;

use common::shop::TestShop;
use storefront::domain::cart::CartLine;
use storefront::domain::search::{SearchParams, SortOrder};
use storefront::server::search::SearchOutcome;
use storefront::server::AppState;

async fn shop() -> (AppState, tempfile::TempDir) {
    let shop = TestShop::new().start().await;
    (shop.state, shop.dir)
}

fn find(state: &AppState, query: &str) -> SearchOutcome {
    search(
        state,
        SearchParams {
            query: query.into(),
            ..Default::default()
        },
    )
}

fn search(state: &AppState, params: SearchParams) -> SearchOutcome {
    state.search.search(&params, 1000).unwrap()
}

fn names(o: &SearchOutcome) -> Vec<String> {
    o.hits.iter().map(|h| h.card.name.clone()).collect()
}

#[tokio::test]
async fn typos_anywhere_in_a_word_are_forgiven() {
    let (state, _dir) = shop().await;
    let exact = find(&state, "shirt");
    assert!(exact.total > 10);
    for typo in ["xhirt", "shrit", "shirr", "shirtt", "hirt"] {
        let o = find(&state, typo);
        assert!(o.total > 0, "{typo}");
        assert!(
            names(&o).iter().any(|n| n.contains("Shirt")),
            "{typo}: {:?}",
            names(&o)
        );
    }
    // Two edits for words of 8 letters or more, one below.
    assert!(names(&find(&state, "lamswoool"))
        .iter()
        .any(|n| n.contains("Lambswool")));
    assert!(
        names(&find(&state, "lmbswol")).is_empty()
            || find(&state, "lmbswol")
                .hits
                .iter()
                .all(|h| !h.card.name.contains("Lambswool"))
    );
    assert_eq!(find(&state, "xqzt").total, 0, "short words are never fuzzy");
}

#[tokio::test]
async fn the_word_being_typed_matches_as_a_prefix_and_exact_ranks_first() {
    let (state, _dir) = shop().await;
    let o = find(&state, "lambs");
    assert!(
        o.total > 0 && names(&o).iter().all(|n| n.contains("Lambswool")),
        "{:?}",
        names(&o)
    );
    // Only the last word is a prefix.
    assert_eq!(find(&state, "lambs jumper").total, 0);

    // "cord": "Cords" (prefix) must all come before "Cork" (a typo).
    let o = find(&state, "cord");
    let n = names(&o);
    let last_prefix = n.iter().rposition(|n| n.to_lowercase().contains("cord"));
    let first_fuzzy = n.iter().position(|n| n.contains("Cork"));
    if let (Some(p), Some(f)) = (last_prefix, first_fuzzy) {
        assert!(p < f, "{n:?}");
    }
    assert!(first_fuzzy.is_some(), "cork is one edit from cord: {n:?}");
    // Matched parts are highlighted.
    let hit = &find(&state, "linen shi").hits[0];
    assert!(!hit.highlights.is_empty());
    assert!(hit
        .highlights
        .iter()
        .all(|(a, b)| a < b && *b <= hit.card.name.len()));
}

#[tokio::test]
async fn synonyms_find_what_the_shop_calls_otherwise() {
    let (state, _dir) = shop().await;
    let mut checked = 0;
    for (said, shop_word) in [
        ("sneakers", "trainers"),
        ("sweater", "jumper"),
        ("hoody", "hoodie"),
        ("tshirt", "tee"),
        ("t-shirt", "tee"),
        ("pants", "trousers"),
        ("rucksack", "backpack"),
    ] {
        let wanted = find(&state, shop_word);
        if wanted.total == 0 {
            continue; // the demo catalog may not stock that kind
        }
        let got = names(&find(&state, said));
        for name in names(&wanted)
            .iter()
            .filter(|n| n.to_lowercase().contains(shop_word))
        {
            assert!(got.contains(name), "{said} should find {name}: {got:?}");
        }
        checked += 1;
    }
    assert!(
        checked >= 3,
        "only {checked} synonym pairs could be checked"
    );
}

#[tokio::test]
async fn plurals_colours_and_sizes_are_read_as_a_shopper_means_them() {
    let (state, _dir) = shop().await;
    // A plural finds the singular's products, ranked as its own word.
    let dresses = find(&state, "dresses");
    assert!(dresses.total > 0);
    assert!(
        names(&dresses).iter().take(5).all(|n| n.contains("Dress")),
        "{:?}",
        names(&dresses)
    );

    // "black hoodies": hoodies, in black; the colour is a choice, shown to be removed.
    let black = find(&state, "black hoodies");
    let understood = black.understood.clone().expect("the colour was understood");
    assert_eq!(understood.words, vec!["hoodies".to_owned()]);
    assert_eq!(understood.colours(), vec!["Black".to_owned()]);
    assert_eq!(understood.without(0), "hoodies");
    assert!(black.total > 0);
    let found = names(&black);
    let hoodies = found.iter().filter(|n| n.contains("Hoodie")).count();
    assert!(hoodies > 0);
    assert!(
        found.iter().take(hoodies).all(|n| n.contains("Hoodie")),
        "the hoodies first, before what is only filed under \"Jumpers & hoodies\": {found:?}"
    );
    let all = find(&state, "hoodies");
    assert!(
        all.total > black.total,
        "removing the chip finds the other colours"
    );
    let chosen = black
        .facets
        .colours
        .iter()
        .find(|c| c.value == "Black")
        .expect("Black among the colour filters");
    assert!(chosen.selected, "ticked among the filters too");

    // A family word chooses every colour of it the catalog has.
    let green = find(&state, "green jackets");
    let mut colours = green.understood.expect("understood").colours();
    colours.sort();
    assert_eq!(colours, vec!["Forest Green".to_owned(), "Olive".to_owned()]);

    // A colour alone: everything in it.
    let navy = find(&state, "navy");
    assert!(navy.total > 10, "{}", navy.total);
    assert!(navy.understood.is_some());

    // A size: a shoe in UK 8.
    let eights = find(&state, "boots uk 8");
    assert_eq!(
        eights.understood.expect("understood").sizes(),
        vec!["UK 8".to_owned()]
    );
    assert!(eights.total > 0);

    // When reading a word as a colour finds nothing, it is read as a word again.
    let literal = find(&state, "white hoodie");
    assert!(
        literal.understood.is_none() || literal.total > 0,
        "never an empty page because of a guess"
    );
}

#[tokio::test]
async fn phrases_shoppers_say_search_for_the_catalogs_words() {
    let (state, _dir) = shop().await;
    for (said, named) in [
        ("turtleneck", "Roll Neck"),
        ("polo neck", "Roll Neck"),
        ("raincoat", "Rain Jacket"),
        ("body warmer", "Gilet"),
        ("trackies", "Joggers"),
        ("fanny pack", "Bum Bag"),
        ("flip flops", "Sandals"),
    ] {
        let found = names(&find(&state, said));
        assert!(!found.is_empty(), "{said} finds nothing");
        assert!(
            found.iter().take(3).all(|n| n.contains(named)),
            "{said} → {named}: {found:?}"
        );
    }
    // Only the whole phrase: "neck" alone is not a roll neck.
    let necks = names(&find(&state, "crew neck"));
    assert!(necks.iter().all(|n| !n.contains("Roll Neck")), "{necks:?}");
}

#[tokio::test]
async fn a_product_named_by_the_word_ranks_above_one_that_only_mentions_it() {
    let (state, _dir) = shop().await;
    // Descriptions mention pockets ("has deep pockets", "a zipped inside pocket");
    // the Pocket Tees are named by it, so they come first, spelt right or not.
    for query in ["pocket", "pockets", "pockt"] {
        let found = names(&find(&state, query));
        let named = found.iter().filter(|n| n.contains("Pocket")).count();
        assert!(named > 0, "{query}: {found:?}");
        assert!(
            found.iter().take(named).all(|n| n.contains("Pocket")),
            "{query}: every Pocket Tee before any other product: {found:?}"
        );
    }
}

#[tokio::test]
async fn facet_counts_reflect_the_other_choices_and_filters_apply() {
    let (state, _dir) = shop().await;
    let all = find(&state, "classic");
    let navy = all
        .facets
        .colours
        .iter()
        .find(|v| v.value == "Navy")
        .expect("navy classics")
        .count;
    let filtered = search(
        &state,
        SearchParams {
            query: "classic".into(),
            colours: vec!["Navy".into()],
            ..Default::default()
        },
    );
    assert_eq!(filtered.total, navy);
    let category_sum: u32 = filtered.facets.categories.iter().map(|v| v.count).sum();
    assert_eq!(
        category_sum, navy,
        "category counts apply the colour choice"
    );
    assert!(filtered
        .hits
        .iter()
        .all(|h| h.card.name.contains("Classic")));

    let cheap_first = search(
        &state,
        SearchParams {
            query: "classic".into(),
            sort: SortOrder::PriceLowHigh,
            ..Default::default()
        },
    );
    let prices: Vec<i64> = cheap_first
        .hits
        .iter()
        .map(|h| h.card.price.minor)
        .collect();
    assert!(prices.windows(2).all(|w| w[0] <= w[1]));

    let in_stock = search(
        &state,
        SearchParams {
            query: "classic".into(),
            in_stock_only: true,
            ..Default::default()
        },
    );
    assert_eq!(in_stock.total, all.facets.in_stock);
    assert!(in_stock.hits.iter().all(|h| h.card.in_stock));
}

#[tokio::test]
async fn no_dead_ends_when_nothing_matches() {
    let (state, _dir) = shop().await;
    let o = find(&state, "jmpr");
    assert_eq!(o.total, 0);
    assert_eq!(o.did_you_mean.as_deref(), Some("jumper"));
    assert!(!o.closest.is_empty() && o.closest.iter().all(|c| c.in_stock));

    for nonsense in [
        "zzzzqqq",
        "<script>alert(1)</script>",
        "!!!",
        &"x".repeat(5_000),
    ] {
        let o = find(&state, nonsense);
        assert_eq!(o.total, 0, "{nonsense}");
        assert!(
            !o.closest.is_empty(),
            "in-stock products are always offered"
        );
    }
}

#[tokio::test]
async fn the_index_follows_stock_and_catalog_changes_without_a_restart() {
    let (state, _dir) = shop().await;
    // A product whose only unit is sold.
    let (product, name, variant): (i64, String, i64) = sqlx::query_as(
        "SELECT p.id, p.name, MIN(v.id) FROM products p JOIN variants v ON v.product_id = p.id WHERE p.name LIKE '%Oxford Shirt%' GROUP BY p.id LIMIT 1",
    )
    .fetch_one(&state.db.read)
    .await
    .unwrap();
    sqlx::query("UPDATE stock SET quantity = 0 WHERE variant_id IN (SELECT id FROM variants WHERE product_id = $1)")
        .bind(product)
        .execute(&state.db.write)
        .await
        .unwrap();
    sqlx::query("UPDATE stock SET quantity = 1 WHERE variant_id = $1 AND centre_id = 1")
        .bind(variant)
        .execute(&state.db.write)
        .await
        .unwrap();
    state
        .search
        .refresh(&state.db.read, Some(&[product]))
        .await
        .unwrap();
    let in_stock_only = |q: &str| {
        search(
            &state,
            SearchParams {
                query: q.into(),
                in_stock_only: true,
                ..Default::default()
            },
        )
    };
    assert!(names(&in_stock_only(&name)).contains(&name));

    common::buy(
        &state,
        &common::details_in("london"),
        &[CartLine {
            variant_id: variant,
            quantity: 1,
        }],
        false,
    )
    .await
    .unwrap();
    // The index is refreshed just after the order's answer, not on its path.
    for _ in 0..100 {
        if !names(&in_stock_only(&name)).contains(&name) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        !names(&in_stock_only(&name)).contains(&name),
        "sold out: gone from in-stock results"
    );
    let hit = find(&state, &name)
        .hits
        .into_iter()
        .find(|h| h.card.name == name)
        .unwrap();
    assert!(!hit.card.in_stock);

    // A new product is findable once refreshed.
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO products (slug, category_id, name, description, details, price_minor, currency, colour_hex, popularity, created_on)
         VALUES ('zanzibar-sarong', 1, 'Zanzibar Sarong', 'Light and bright.', '', 2500, 'GBP', '#ff8800', 1, '2026-11-01') RETURNING id",
    )
    .fetch_one(&state.db.write)
    .await
    .unwrap();
    assert_eq!(find(&state, "zanzibar").total, 0);
    state
        .search
        .refresh(&state.db.read, Some(&[id]))
        .await
        .unwrap();
    assert_eq!(names(&find(&state, "zanzibar")), vec!["Zanzibar Sarong"]);
    assert_eq!(names(&find(&state, "zanzibr")), vec!["Zanzibar Sarong"]);

    // A colour the catalog didn't have is read from queries once a product has it, and
    // not once none has it any more.
    assert!(find(&state, "saffron sarong").understood.is_none());
    let variant: i64 = sqlx::query_scalar(
        "INSERT INTO variants (product_id, sku, colour, size, position) VALUES ($1, 'ZS-SAF', 'Saffron', 'One size', 1) RETURNING id",
    )
    .bind(id)
    .fetch_one(&state.db.write)
    .await
    .unwrap();
    state
        .search
        .refresh(&state.db.read, Some(&[id]))
        .await
        .unwrap();
    let saffron = find(&state, "saffron sarong");
    assert_eq!(
        saffron.understood.expect("read as a colour").colours(),
        vec!["Saffron".to_owned()]
    );
    assert_eq!(names(&find(&state, "saffron")), vec!["Zanzibar Sarong"]);
    sqlx::query("UPDATE variants SET colour = 'Coral' WHERE id = $1")
        .bind(variant)
        .execute(&state.db.write)
        .await
        .unwrap();
    state
        .search
        .refresh(&state.db.read, Some(&[id]))
        .await
        .unwrap();
    assert!(find(&state, "saffron sarong").understood.is_none());
    assert_eq!(
        find(&state, "coral sarong")
            .understood
            .expect("the new colour")
            .colours(),
        vec!["Coral".to_owned()]
    );
    assert!(
        !find(&state, "sarong")
            .facets
            .colours
            .iter()
            .any(|c| c.value == "Saffron"),
        "no longer offered as a filter"
    );
}

#[tokio::test]
async fn in_stock_near_me_means_stocked_at_the_centre_nearest_the_region() {
    let (state, _dir) = shop().await;
    assert_eq!(state.search.nearest_centre("scotland"), Some(3), "Glasgow");
    assert_eq!(
        state.search.nearest_centre("south-west"),
        Some(2),
        "Bristol"
    );
    let all = state
        .search
        .search_near(
            &SearchParams {
                query: "classic".into(),
                ..Default::default()
            },
            "scotland",
            1000,
        )
        .unwrap();
    let near = state
        .search
        .search_near(
            &SearchParams {
                query: "classic".into(),
                near: Some("scotland".into()),
                ..Default::default()
            },
            "scotland",
            1000,
        )
        .unwrap();
    assert_eq!(near.total, all.facets.near);
    assert!(near.total > 0 && near.total <= all.facets.in_stock);
    for hit in &near.hits {
        let at_glasgow: i64 = sqlx::query_scalar(
            "SELECT COALESCE(SUM(s.quantity), 0) FROM stock s JOIN variants v ON v.id = s.variant_id JOIN products p ON p.id = v.product_id
             WHERE p.slug = $1 AND s.centre_id = 3",
        )
        .bind(&hit.card.slug)
        .fetch_one(&state.db.read)
        .await
        .unwrap();
        assert!(at_glasgow > 0, "{} has nothing in Glasgow", hit.card.name);
    }
}

#[tokio::test]
async fn the_product_page_promises_the_nearest_centre_holding_the_item() {
    let (state, _dir) = shop().await;
    let slug: String = sqlx::query_scalar("SELECT slug FROM products ORDER BY id LIMIT 1")
        .fetch_one(&state.db.read)
        .await
        .unwrap();
    let variant: i64 = sqlx::query_scalar("SELECT v.id FROM variants v JOIN products p ON p.id = v.product_id WHERE p.slug = $1 ORDER BY v.id LIMIT 1")
        .bind(&slug)
        .fetch_one(&state.db.read)
        .await
        .unwrap();
    for (centre, quantity) in [(1, 0), (2, 4), (3, 9)] {
        sqlx::query("UPDATE stock SET quantity = $1 WHERE variant_id = $2 AND centre_id = $3")
            .bind(quantity)
            .bind(variant)
            .bind(centre)
            .execute(&state.db.write)
            .await
            .unwrap();
    }
    let promise = |page: storefront::api::catalog::ProductDetail| {
        page.variants
            .into_iter()
            .find(|v| v.id == variant)
            .unwrap()
            .delivery
    };
    // The East Midlands are nearest Leeds, which has none: Bristol is the next nearest.
    let from_yorkshire = promise(
        state
            .catalog()
            .product(&slug, "east-midlands")
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(from_yorkshire.centre, "Bristol");
    let from_scotland = promise(state.catalog().product(&slug, "scotland").await.unwrap()).unwrap();
    assert_eq!(from_scotland.centre, "Glasgow");
    assert!(storefront::domain::delivery::is_working_day(
        from_scotland.arrives,
        storefront::domain::holidays::Calendar::Scotland
    ));
    assert!(from_scotland
        .label()
        .starts_with("Ships from Glasgow, arrives "));
    // Sold out everywhere: no promise.
    sqlx::query("UPDATE stock SET quantity = 0 WHERE variant_id = $1")
        .bind(variant)
        .execute(&state.db.write)
        .await
        .unwrap();
    assert!(promise(state.catalog().product(&slug, "scotland").await.unwrap()).is_none());
}
