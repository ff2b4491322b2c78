//! An order taken on the phone from the agent console: items by SKU, priced as on the
//! web, the card read out going to the gateway, placed once per key with the agent's
//! name on it, and no bank check (the card holder is not at a page).

use super::*;

#[tokio::test]
async fn an_agent_takes_an_order_on_the_phone_once_with_their_name_on_it() {
    let s = shop().await;
    let (app, state) = (&s.app, &s.state);
    set_stock(state, 1, [3, 0, 0], 0).await;
    let sku: String = sqlx::query_scalar("SELECT sku FROM variants WHERE id = 1")
        .fetch_one(&state.db.read)
        .await
        .unwrap();
    let details = details_in("yorkshire");
    let address = serde_json::to_value(&details.address).unwrap();
    let price = |lines: Value, cookie: Option<String>| {
        let address = address.clone();
        async move {
            json_fn(
                app,
                "/api/agent/price_phone_order",
                cookie.as_deref(),
                json!({"lines": lines, "address": address, "delivery": "standard"}),
            )
            .await
        }
    };
    assert_eq!(
        price(json!([[sku, 1]]), None).await.status,
        StatusCode::UNAUTHORIZED
    );
    let cookie = agent(app).await;
    let unknown = price(json!([["NOPE-1", 1]]), Some(cookie.clone())).await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        unknown.json.to_string().contains("No item has the SKU"),
        "{}",
        unknown.json
    );
    let priced = price(json!([[sku.to_lowercase(), 2]]), Some(cookie.clone())).await;
    assert_eq!(priced.status, StatusCode::OK, "{}", priced.json);
    let total = priced.json["total"].clone();
    let now = priced.json["charges"]["now"].clone();

    // The card the caller reads out goes to the gateway; this one asks for the bank's
    // check online, which a phone payment is exempt from.
    let token = json_fn(
        app,
        "/api/card_token",
        None,
        json!({"card": {"name": "Sam Caller", "number": "4000 0027 6000 3184", "expiry": "12/34", "cvc": "123"}}),
    )
    .await;
    assert_eq!(token.status, StatusCode::OK, "{}", token.json);
    let order = |expected: Value| {
        json!({"order": {"lines": [[sku, 2]], "details": details, "delivery": "standard",
                          "card_token": token.json["token"], "key": "phone-order-0000001",
                          "expected_now": now, "expected_total": expected}})
    };
    let wrong = json_fn(
        app,
        "/api/agent/place_phone_order",
        Some(&cookie),
        order(json!({"minor": 1, "currency": "Gbp"})),
    )
    .await;
    assert_eq!(
        wrong.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        wrong.json
    );
    assert_eq!(scalar(state, "SELECT COUNT(*) FROM orders").await, 0);
    let placed = json_fn(
        app,
        "/api/agent/place_phone_order",
        Some(&cookie),
        order(total.clone()),
    )
    .await;
    assert_eq!(placed.status, StatusCode::OK, "{}", placed.json);
    let again = json_fn(
        app,
        "/api/agent/place_phone_order",
        Some(&cookie),
        order(total),
    )
    .await;
    assert_eq!(
        again.json["number"], placed.json["number"],
        "one order per key"
    );
    assert_eq!(scalar(state, "SELECT COUNT(*) FROM orders").await, 1);
    let number = placed.json["number"].as_str().unwrap();
    let key = placed.json["key"].as_str().unwrap();
    let view = state.orders().view(number, key).await.unwrap();
    assert_eq!(view.placed_by.as_deref(), Some("alex"));
    assert_eq!(view.lines[0].quantity, 2);
    assert_eq!(stock_at(state, 1, 1).await, 1);
    assert_eq!(
        scalar(
            state,
            "SELECT COUNT(*) FROM test_gateway_authorizations WHERE status = 'authorized'"
        )
        .await,
        1,
        "held without the online check"
    );
    let receipt: String =
        sqlx::query_scalar("SELECT recipient FROM mail_outbox ORDER BY id LIMIT 1")
            .fetch_one(&state.db.read)
            .await
            .unwrap();
    assert_eq!(receipt, details.email);
}
