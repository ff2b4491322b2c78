//! After delivery: the follow-up job (once per order, on the owner's day), the review
//! link's page, a rating in one click, a written review waiting for staff, published or
//! rejected with a reason the customer is mailed, and the product's figures following.

use super::*;

/// The review link's token in a follow-up mail.
fn token_in(body: &str) -> String {
    let start = body.find("/review/").expect("a review link") + "/review/".len();
    body[start..]
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect()
}

async fn reviews_of(app: &axum::Router, slug: &str, sort: &str, stars: Option<u8>) -> Value {
    let a = json_fn(
        app,
        "/api/product_reviews",
        None,
        json!({"slug": slug, "sort": sort, "stars": stars, "page": 0}),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json);
    a.json
}

#[tokio::test]
async fn a_delivered_order_is_followed_up_once_and_its_review_shown_once_staff_publish_it() {
    let s = shop().await;
    let (app, state) = (&s.app, &s.state);
    let (placed, _) = on_its_way(app, state, "dpd", "15501234567890").await;
    let delivered = json!({"id": "evt-d1", "carrier": "dpd", "tracking": "15501234567890",
                           "event": "delivered", "at": now()});
    assert_eq!(
        report(app, &delivered, SECRET, now()).await.0,
        StatusCode::OK
    );

    // Due a month after delivery (the default), not before; once, however often the jobs run.
    let days = i64::from(storefront::domain::reviews::FOLLOW_UP_DAYS);
    assert_eq!(state.jobs().run_due(now()).await, 0);
    assert!(mails_to(state, "How did it go?").await.is_empty());
    assert_eq!(state.jobs().run_due(now() + (days - 1) * 86_400).await, 0);
    let later = now() + days * 86_400 + 60;
    // Two jobs: the follow-up, and the month's offers mail (planned when the shop opened,
    // due with the same month; it has no subscribers to mail).
    assert_eq!(state.jobs().run_due(later).await, 2);
    assert_eq!(state.jobs().run_due(later).await, 0);
    let mails = mails_to(state, "How did it go?").await;
    assert_eq!(mails.len(), 1, "{mails:?}");
    let (slug, name): (String, String) = sqlx::query_as(
        "SELECT slug, name FROM products WHERE id = (SELECT product_id FROM variants WHERE id = 1)",
    )
    .fetch_one(&state.db.read)
    .await
    .unwrap();
    assert!(mails[0].contains(&name), "{}", mails[0]);
    assert!(
        mails[0].contains(&format!("?product={slug}&stars=5")),
        "{}",
        mails[0]
    );
    assert!(mails[0].contains(&placed.number), "{}", mails[0]);
    let token = token_in(&mails[0]);

    // The link's page lists what the order delivered.
    let page = json_fn(app, "/api/review_invitation", None, json!({"token": token})).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.json);
    assert_eq!(page.json["order_number"], placed.number.as_str());
    assert_eq!(page.json["items"][0]["slug"], slug.as_str());
    assert!(page.json["items"][0]["review"].is_null());
    let wrong = json_fn(
        app,
        "/api/review_invitation",
        None,
        json!({"token": "not-a-token"}),
    )
    .await;
    assert_eq!(wrong.status, StatusCode::NOT_FOUND);

    // One click: 4 stars, counted at once.
    let before = reviews_of(app, &slug, "Newest", None).await["summary"].clone();
    let count = before["count"].as_u64().unwrap();
    let rate = |stars: u8| {
        json_fn(
            app,
            "/api/rate_product",
            None,
            json!({"token": token, "slug": slug, "stars": stars}),
        )
    };
    let rated = rate(4).await;
    assert_eq!(rated.status, StatusCode::OK, "{}", rated.json);
    assert_eq!(rated.json["status"], "Published");
    let after = reviews_of(app, &slug, "Newest", None).await["summary"].clone();
    assert_eq!(after["count"].as_u64().unwrap(), count + 1);
    assert_eq!(
        after["by_stars"][3].as_u64().unwrap(),
        before["by_stars"][3].as_u64().unwrap() + 1
    );
    // The same click again changes nothing; another product is not this order's to review.
    assert_eq!(rate(4).await.status, StatusCode::OK);
    assert_eq!(
        reviews_of(app, &slug, "Newest", None).await["summary"]["count"]
            .as_u64()
            .unwrap(),
        count + 1
    );
    let other: String = sqlx::query_scalar("SELECT slug FROM products WHERE slug != $1 LIMIT 1")
        .bind(&slug)
        .fetch_one(&state.db.read)
        .await
        .unwrap();
    let not_bought = json_fn(
        app,
        "/api/rate_product",
        None,
        json!({"token": token, "slug": other, "stars": 5}),
    )
    .await;
    assert_eq!(not_bought.status, StatusCode::NOT_FOUND);

    // Bad input is told by its field and changes nothing.
    let write = |review: Value| {
        json_fn(
            app,
            "/api/write_review",
            None,
            json!({"token": token, "slug": slug, "review": review}),
        )
    };
    let bad =
        write(json!({"stars": 0, "title": "Great", "text": "", "name": "me@example.com"})).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let said = bad.json.to_string();
    for field in ["Stars", "ReviewText", "ReviewName"] {
        assert!(said.contains(field), "{said}");
    }
    assert_eq!(rate(4).await.json["title"], "");

    // Words wait for staff: not listed, and the rating waits with them.
    let text = "Soft, warm and the colour is just like the photo.";
    let written =
        write(json!({"stars": 5, "title": "Lovely", "text": text, "name": "Sam from Leeds"})).await;
    assert_eq!(written.status, StatusCode::OK, "{}", written.json);
    assert_eq!(written.json["status"], "Pending");
    let listed = |v: &Value| {
        v["reviews"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["text"] == text)
    };
    assert!(!listed(&reviews_of(app, &slug, "Newest", None).await));

    // Staff: signed in only; a rejection needs a reason, which the customer is mailed.
    let none = json_fn(app, "/api/agent/pending_reviews", None, json!({})).await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    let staff = agent(app).await;
    let pending = json_fn(app, "/api/agent/pending_reviews", Some(&staff), json!({})).await;
    let id = pending.json[0]["id"].as_i64().unwrap();
    assert_eq!(pending.json[0]["order_number"], placed.number.as_str());
    let decide = |publish: bool, reason: &str| {
        json_fn(
            app,
            "/api/agent/decide_review",
            Some(&staff),
            json!({"id": id, "publish": publish, "reason": reason}),
        )
    };
    let no_reason = decide(false, "  ").await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_reason.json.to_string().contains("RefuseReason"));
    assert_eq!(
        decide(false, "It names a member of our staff.")
            .await
            .status,
        StatusCode::OK
    );
    let told = mails_to(state, &format!("Your review of {name}")).await;
    assert_eq!(told.len(), 1);
    assert!(
        told[0].contains("It names a member of our staff."),
        "{}",
        told[0]
    );
    assert_eq!(
        decide(true, "").await.status,
        StatusCode::NOT_FOUND,
        "decided once"
    );
    assert!(!listed(&reviews_of(app, &slug, "Newest", None).await));
    let mine = json_fn(app, "/api/review_invitation", None, json!({"token": token})).await;
    assert_eq!(mine.json["items"][0]["review"]["status"], "Rejected");

    // Written again, published: listed with the verified mark, first by highest and in
    // the 5-star filter, counted in the product's figures and its search rating.
    assert_eq!(
        write(json!({"stars": 5, "title": "Lovely", "text": text, "name": "Sam from Leeds"}))
            .await
            .status,
        StatusCode::OK
    );
    let id = json_fn(app, "/api/agent/pending_reviews", Some(&staff), json!({}))
        .await
        .json[0]["id"]
        .as_i64()
        .unwrap();
    let publish = json_fn(
        app,
        "/api/agent/decide_review",
        Some(&staff),
        json!({"id": id, "publish": true}),
    )
    .await;
    assert_eq!(publish.status, StatusCode::OK, "{}", publish.json);
    let shown = reviews_of(app, &slug, "Highest", Some(5)).await;
    let first = &shown["reviews"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["text"] == text)
        .cloned()
        .expect("listed");
    assert_eq!(first["verified"], true);
    assert_eq!(first["name"], "Sam from Leeds");
    assert!(!listed(&reviews_of(app, &slug, "Newest", Some(1)).await));
    let summary = &shown["summary"];
    assert_eq!(summary["count"].as_u64().unwrap(), count + 1);
    let (tenths, n): (i64, i64) =
        sqlx::query_as("SELECT rating_tenths, review_count FROM products WHERE slug = $1")
            .bind(&slug)
            .fetch_one(&state.db.read)
            .await
            .unwrap();
    let summary: storefront::api::reviews::RatingSummary =
        serde_json::from_value(summary.clone()).unwrap();
    assert_eq!(tenths, i64::from(summary.average_tenths()));
    assert_eq!(n, i64::from(summary.count));
}

#[tokio::test]
async fn a_second_parcel_moves_the_follow_up_after_it_and_a_forgotten_customer_gets_none() {
    let s = shop().await;
    let (app, state) = (&s.app, &s.state);
    let (placed, _) = on_its_way(app, state, "dpd", "15500000000001").await;
    let delivered = json!({"id": "evt-d2", "carrier": "dpd", "tracking": "15500000000001",
                           "event": "delivered", "at": now()});
    assert_eq!(
        report(app, &delivered, SECRET, now()).await.0,
        StatusCode::OK
    );
    let order_id: i64 = sqlx::query_scalar("SELECT id FROM orders WHERE number = $1")
        .bind(&placed.number)
        .fetch_one(&state.db.read)
        .await
        .unwrap();
    let run_at = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT run_at FROM jobs WHERE kind = 'follow_up' AND subject = $1",
        )
        .bind(order_id)
        .fetch_one(&state.db.read)
        .await
        .unwrap()
    };
    let first = run_at().await;
    // Scheduling again later (a later parcel) moves it later, never earlier.
    let mut conn = state.db.write.acquire().await.unwrap();
    storefront::server::jobs::schedule(
        &mut conn,
        storefront::server::jobs::JobKind::FollowUp,
        order_id,
        first + 86_400,
    )
    .await
    .unwrap();
    storefront::server::jobs::schedule(
        &mut conn,
        storefront::server::jobs::JobKind::FollowUp,
        order_id,
        first - 86_400,
    )
    .await
    .unwrap();
    drop(conn);
    assert_eq!(run_at().await, first + 86_400);
    // The customer's details were blanked (erased) before it was due: no mail, job done.
    sqlx::query("UPDATE orders SET email = '' WHERE id = $1")
        .bind(order_id)
        .execute(&state.db.write)
        .await
        .unwrap();
    // (The follow-up is a month on, so the month's offers mail runs with it.)
    assert_eq!(state.jobs().run_due(first + 2 * 86_400).await, 2);
    assert!(mails_to(state, "How did it go?").await.is_empty());
    assert_eq!(scalar(state, "SELECT COUNT(*) FROM review_links").await, 0);
}
