//! Changing an order before it ships: sizes, quantities, lines and the address, the hold
//! on the card following the new total, the same by phone, forged and late changes
//! refused with nothing changed, and a change racing "Ship" with one winner.

use super::*;
use storefront::domain::money::Money;

async fn sibling_variant(state: &AppState, variant: i64) -> i64 {
    scalar(
        state,
        &format!(
            "SELECT id FROM variants WHERE product_id = (SELECT product_id FROM variants WHERE id = {variant}) AND id != {variant} ORDER BY id LIMIT 1"
        ),
    )
    .await
}

async fn other_product_variant(state: &AppState, variant: i64) -> i64 {
    scalar(
        state,
        &format!(
            "SELECT id FROM variants WHERE product_id != (SELECT product_id FROM variants WHERE id = {variant}) ORDER BY id LIMIT 1"
        ),
    )
    .await
}

/// The order's parcels, leaving out those a change replaced.
async fn live_parcels(state: &AppState, number: &str) -> Vec<(i64, String, i64, i64)> {
    shipments(state, number)
        .await
        .into_iter()
        .filter(|p| p.1 != "cancelled")
        .collect()
}

async fn lines_of(state: &AppState, number: &str) -> Vec<(i64, i64, i64)> {
    sqlx::query_as(
        "SELECT l.id, l.variant_id, l.quantity FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.number = $1 ORDER BY l.id",
    )
    .bind(number)
    .fetch_all(&state.db.read)
    .await
    .unwrap()
}

async fn held(state: &AppState) -> Vec<(i64, String)> {
    sqlx::query_as(
        "SELECT amount_minor, status FROM test_gateway_authorizations ORDER BY created_at, rowid",
    )
    .fetch_all(&state.db.read)
    .await
    .unwrap()
}

fn change_body(number: &str, key: &str, lines: Value, address: &Value, attempt: &str) -> Value {
    json!({"number": number, "key": key,
           "change": {"lines": lines, "address": address, "delivery": "standard", "attempt": attempt}})
}

async fn preview(app: &axum::Router, body: &Value) -> Answer {
    json_fn(app, "/api/preview_change", None, body.clone()).await
}

async fn apply(app: &axum::Router, body: &Value, total: i64) -> Answer {
    let mut body = body.clone();
    body["expected_total"] = json!(total);
    json_fn(app, "/api/change_order", None, body).await
}

#[tokio::test]
async fn a_size_the_address_and_a_line_change_before_it_ships_and_the_hold_follows() {
    let s = shop().await;
    let (app, state) = (&s.app, &s.state);
    let other = other_product_variant(state, 1).await;
    let larger = sibling_variant(state, 1).await;
    for v in [1, other, larger] {
        set_stock(state, v, [5, 0, 0], 0).await;
    }
    let placed = buy(
        state,
        &details_in("yorkshire"),
        &[line(1, 1), line(other, 2)],
        false,
    )
    .await
    .unwrap();
    let (n, k) = (placed.number.as_str(), placed.key.as_str());
    let before = state.orders().view(n, k).await.unwrap();
    assert_eq!(before.change_refused, None);
    assert!(before.lines[0].choices.iter().any(|(v, _)| *v == larger));
    let lines = lines_of(state, n).await;
    let mut address = serde_json::to_value(&before.address).unwrap();
    address["line1"] = json!("2 New Street");

    // Size M → the other size, one of the other item instead of two, a new address.
    let body = change_body(
        n,
        k,
        json!([{"line_id": lines[0].0, "variant_id": larger, "quantity": 1},
               {"line_id": lines[1].0, "variant_id": other, "quantity": 1}]),
        &address,
        "change-000000001",
    );
    let look = preview(app, &body).await;
    assert_eq!(look.status, StatusCode::OK, "{}", look.json);
    let total = look.json["total"]["minor"].as_i64().unwrap();
    let old_total = before.total.minor;
    assert!(total < old_total);
    let money = look.json["money"].as_str().unwrap();
    assert!(
        money.contains("less: the hold on your Visa ending"),
        "{money}"
    );
    assert!(
        look.json["what"]
            .to_string()
            .contains("new delivery address"),
        "{}",
        look.json
    );
    // A preview changes nothing.
    assert_eq!(lines_of(state, n).await, lines);
    assert_eq!(stock_at(state, 1, 1).await, 4);

    // Confirming with a total that isn't the previewed one changes nothing.
    let stale = apply(app, &body, total + 1).await;
    assert_eq!(
        stale.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        stale.json
    );
    assert_eq!(lines_of(state, n).await, lines);

    let done = apply(app, &body, total).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.json);
    let view = state.orders().view(n, k).await.unwrap();
    assert_eq!(view.total.minor, total);
    assert_eq!(view.address.line1, "2 New Street");
    assert_eq!(view.lines[0].variant_id, larger);
    assert_eq!(view.lines[1].quantity, 1);
    assert_eq!(view.changes.len(), 1);
    assert_eq!(view.changes[0].by, None);
    // Stock: the first size back, the new size taken, one of the other item back.
    assert_eq!(stock_at(state, 1, 1).await, 5);
    assert_eq!(stock_at(state, larger, 1).await, 4);
    assert_eq!(stock_at(state, other, 1).await, 4);
    // The hold dropped to the new total, on the same authorization.
    assert_eq!(held(state).await, vec![(total, "authorized".to_owned())]);
    // One parcel, worth the new total.
    let parcels = live_parcels(state, n).await;
    assert_eq!(parcels.len(), 1);
    assert_eq!(parcels[0].3, total);
    assert!(mails_to(state, "is changed").await[0].contains(money));
    // The same attempt again is not applied twice.
    assert_eq!(apply(app, &body, total).await.status, StatusCode::OK);
    assert_eq!(state.orders().view(n, k).await.unwrap().changes.len(), 1);

    // Two more of the new size: a larger total, held anew; the old hold released.
    let body = change_body(
        n,
        k,
        json!([{"line_id": lines[0].0, "variant_id": larger, "quantity": 3}]),
        &address,
        "change-000000002",
    );
    let look = preview(app, &body).await;
    let bigger = look.json["total"]["minor"].as_i64().unwrap();
    assert!(look.json["money"]
        .as_str()
        .unwrap()
        .contains("more: we'll ask your bank to hold"));
    assert_eq!(apply(app, &body, bigger).await.status, StatusCode::OK);
    assert_eq!(
        held(state).await,
        vec![
            (total, "voided".to_owned()),
            (bigger, "authorized".to_owned())
        ]
    );
    // Removing the other item altogether: the hold drops again, its unit goes back.
    let body = change_body(
        n,
        k,
        json!([{"line_id": lines[1].0, "variant_id": other, "quantity": 0}]),
        &address,
        "change-000000004",
    );
    let look = preview(app, &body).await;
    assert_eq!(look.status, StatusCode::OK, "{}", look.json);
    assert!(
        look.json["what"].to_string().contains("removed"),
        "{}",
        look.json
    );
    let bigger = look.json["total"]["minor"].as_i64().unwrap();
    let done = apply(app, &body, bigger).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.json);
    assert_eq!(lines_of(state, n).await.len(), 1);
    assert_eq!(stock_at(state, other, 1).await, 5);
    assert_eq!(
        held(state).await.last().unwrap(),
        &(bigger, "authorized".to_owned())
    );
    // Ship it: exactly the new total is taken.
    let staff = warehouse(app).await;
    let id = live_parcels(state, n).await[0].0;
    assert_eq!(pack(app, &staff, id).await.status, StatusCode::OK);
    assert_eq!(
        ship(app, &staff, id, "test-courier", "TC0000000501")
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(captured(state).await, bigger);
    // All of it shipped: no more changes.
    let late = apply(
        app,
        &change_body(
            n,
            k,
            json!([{"line_id": lines[0].0, "variant_id": larger, "quantity": 1}]),
            &address,
            "change-000000003",
        ),
        0,
    )
    .await;
    assert_eq!(late.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        late.json
            .to_string()
            .contains("Everything in this order has shipped"),
        "{}",
        late.json
    );
    assert!(state
        .orders()
        .view(n, k)
        .await
        .unwrap()
        .change_refused
        .is_some());
}

#[tokio::test]
async fn forged_changes_are_refused_and_change_nothing() {
    let s = shop().await;
    let (app, state) = (&s.app, &s.state);
    let other = other_product_variant(state, 1).await;
    set_stock(state, other, [5, 0, 0], 0).await;
    let (placed, _) = one_parcel(state, 1).await;
    let (mine, _) = one_parcel(state, 1).await;
    let (n, k) = (placed.number.as_str(), placed.key.as_str());
    let view = state.orders().view(n, k).await.unwrap();
    let address = serde_json::to_value(&view.address).unwrap();
    let line_id = lines_of(state, n).await[0].0;
    let foreign = lines_of(state, &mine.number).await[0].0;
    let refused = |a: &Answer, words: &str| {
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.json);
        assert!(a.json.to_string().contains(words), "{words}: {}", a.json);
    };
    let try_lines = |lines: Value, attempt: &str| change_body(n, k, lines, &address, attempt);
    refused(
        &preview(
            app,
            &try_lines(
                json!([{"line_id": foreign, "variant_id": 1, "quantity": 1}]),
                "forged-00000001",
            ),
        )
        .await,
        "isn't part of this order",
    );
    refused(
        &preview(
            app,
            &try_lines(
                json!([{"line_id": line_id, "variant_id": other, "quantity": 1}]),
                "forged-00000002",
            ),
        )
        .await,
        "same item",
    );
    refused(
        &preview(
            app,
            &try_lines(
                json!([{"line_id": line_id, "variant_id": 1, "quantity": 21}]),
                "forged-00000003",
            ),
        )
        .await,
        "Line",
    );
    refused(
        &preview(
            app,
            &try_lines(
                json!([{"line_id": line_id, "variant_id": 1, "quantity": 0}]),
                "forged-00000004",
            ),
        )
        .await,
        "cancel it instead",
    );
    refused(
        &preview(
            app,
            &try_lines(
                json!([{"line_id": line_id, "variant_id": 1, "quantity": 1}]),
                "forged-00000005",
            ),
        )
        .await,
        "nothing to change",
    );
    refused(
        &preview(
            app,
            &try_lines(
                json!([{"line_id": line_id, "variant_id": 1, "quantity": 9}]),
                "forged-00000006",
            ),
        )
        .await,
        "only 3 left",
    );
    let negative = preview(
        app,
        &try_lines(
            json!([{"line_id": line_id, "variant_id": 1, "quantity": -1}]),
            "forged-00000007",
        ),
    )
    .await;
    assert!(negative.status.is_client_error());
    let mut bad = address.clone();
    bad["postcode"] = json!("NOT A CODE");
    refused(
        &preview(app, &change_body(n, k, json!([]), &bad, "forged-00000008")).await,
        "Postcode",
    );
    assert_eq!(
        preview(
            app,
            &change_body(n, "wrong", json!([]), &address, "forged-00000009")
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        state.orders().view(n, k).await.unwrap(),
        view,
        "nothing changed"
    );
    assert_eq!(scalar(state, "SELECT COUNT(*) FROM order_changes").await, 0);
}

#[tokio::test]
async fn a_change_racing_ship_has_one_winner_every_time() {
    let s = shop().await;
    let (app, state) = (&s.app, &s.state);
    let larger = sibling_variant(state, 1).await;
    let staff = warehouse(app).await;
    let mut changes_won = 0;
    for round in 0..20 {
        set_stock(state, 1, [3, 0, 0], 0).await;
        set_stock(state, larger, [3, 0, 0], 0).await;
        let (placed, id) = one_parcel(state, 1).await;
        let (n, k) = (placed.number.as_str(), placed.key.as_str());
        assert_eq!(pack(app, &staff, id).await.status, StatusCode::OK);
        let view = state.orders().view(n, k).await.unwrap();
        let address = serde_json::to_value(&view.address).unwrap();
        let body = change_body(
            n,
            k,
            json!([{"line_id": view.lines[0].line_id, "variant_id": larger, "quantity": 1}]),
            &address,
            &format!("race-change-{round:04}"),
        );
        let total = view.total.minor;
        let tracking = format!("TC{:010}", 600 + round);
        let (changed, shipped) = tokio::join!(
            apply(app, &body, total),
            ship(app, &staff, id, "test-courier", &tracking)
        );
        let stock = stock_at(state, 1, 1).await + stock_at(state, larger, 1).await;
        assert_eq!(
            stock, 5,
            "round {round}: one unit out of six, whichever won"
        );
        if changed.status == StatusCode::OK {
            changes_won += 1;
            assert_ne!(shipped.status, StatusCode::OK, "round {round}: both won");
            let refunds = scalar(state, "SELECT COALESCE(-SUM(amount_minor), 0) FROM test_gateway_captures WHERE amount_minor < 0").await;
            let taken = scalar(state, "SELECT COALESCE(SUM(amount_minor), 0) FROM test_gateway_captures WHERE amount_minor > 0").await;
            assert_eq!(
                taken - refunds,
                scalar(
                    state,
                    "SELECT COALESCE(SUM(captured_minor), 0) FROM payments"
                )
                .await,
                "round {round}: money right"
            );
        } else {
            assert_eq!(
                shipped.status,
                StatusCode::OK,
                "round {round}: {}",
                shipped.json
            );
            assert!(
                changed.json.to_string().contains("already shipped")
                    || changed.json.to_string().contains("changed"),
                "round {round}: {}",
                changed.json
            );
        }
    }
    eprintln!("change won {changes_won} of 20 races against Ship");
}

#[tokio::test]
async fn an_agent_changes_the_order_on_the_phone_and_the_timeline_says_who() {
    let s = shop().await;
    let (app, state) = (&s.app, &s.state);
    let larger = sibling_variant(state, 1).await;
    set_stock(state, larger, [3, 0, 0], 0).await;
    let (placed, _) = one_parcel(state, 1).await;
    let view = state
        .orders()
        .view(&placed.number, &placed.key)
        .await
        .unwrap();
    let agent = agent(app).await;
    let change = json!({"lines": [{"line_id": view.lines[0].line_id, "variant_id": larger, "quantity": 1}],
                        "address": view.address, "delivery": "standard", "attempt": "phone-change-001"});
    let nobody = json_fn(
        app,
        "/api/agent/preview_change",
        None,
        json!({"number": placed.number, "change": change}),
    )
    .await;
    assert_eq!(nobody.status, StatusCode::UNAUTHORIZED);
    let look = json_fn(
        app,
        "/api/agent/preview_change",
        Some(&agent),
        json!({"number": placed.number, "change": change}),
    )
    .await;
    assert_eq!(look.status, StatusCode::OK, "{}", look.json);
    let total = look.json["total"]["minor"].as_i64().unwrap();
    let mut events = order_events(app, &placed.number, &placed.key).await;
    let done = json_fn(
        app,
        "/api/agent/change_order",
        Some(&agent),
        json!({"number": placed.number, "change": change, "expected_total": total}),
    )
    .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.json);
    // The shopper's open page hears of it.
    assert_eq!(next_event(&mut events).await.0, "order");
    let view = state
        .orders()
        .view(&placed.number, &placed.key)
        .await
        .unwrap();
    assert_eq!(
        view.changes[0].by.as_deref(),
        Some("alex at our contact centre")
    );
    assert!(mails_to(state, "is changed").await[0].contains("by alex at our contact centre"));
}

#[tokio::test]
async fn once_part_has_shipped_the_rest_can_be_cancelled_and_the_hold_follows() {
    let s = shop().await;
    let (app, state) = (&s.app, &s.state);
    // One unit at Leeds, one at Bristol: two parcels on one hold.
    set_stock(state, 1, [1, 1, 0], 0).await;
    let placed = buy(state, &details_in("yorkshire"), &[line(1, 2)], false)
        .await
        .unwrap();
    let (n, k) = (placed.number.as_str(), placed.key.as_str());
    let cancel_rest = |key: &str| {
        let key = key.to_owned();
        async move {
            call_fn(
                app,
                "/api/cancel_rest",
                None,
                &[("number", n), ("key", &key)],
            )
            .await
        }
    };
    let early = cancel_rest(k).await;
    assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        early.json.to_string().contains("Nothing has shipped yet"),
        "{}",
        early.json
    );
    let parcels = live_parcels(state, n).await;
    assert_eq!(parcels.len(), 2);
    let staff = warehouse(app).await;
    assert_eq!(pack(app, &staff, parcels[0].0).await.status, StatusCode::OK);
    assert_eq!(
        ship(app, &staff, parcels[0].0, "test-courier", "TC0000000801")
            .await
            .status,
        StatusCode::OK
    );
    let taken = captured(state).await;
    let view = state.orders().view(n, k).await.unwrap();
    assert!(view.rest_cancellable);
    assert_eq!(cancel_rest("wrong").await.status, StatusCode::NOT_FOUND);

    let done = cancel_rest(k).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.json);
    let view = state.orders().view(n, k).await.unwrap();
    assert!(!view.rest_cancellable);
    assert_eq!(view.lines[0].quantity, 1, "the order keeps what shipped");
    assert_eq!(view.total.minor, taken, "its total is what was taken");
    assert_eq!(
        stock_at(state, 1, 2).await,
        1,
        "Bristol's unit back on its shelf"
    );
    assert_eq!(
        view.shipments.len(),
        1,
        "the shipped parcel (the changes list says what was cancelled)"
    );
    assert_eq!(
        held(state).await,
        vec![(taken, "authorized".to_owned())],
        "the hold lowered to what was taken"
    );
    assert!(view.changes[0].what[0].starts_with("cancelled what hadn't shipped: 1 × "));
    assert!(mails_to(state, "Part of your order").await[0].contains("is released"));
    // Not twice; and the cancelled parcel can't be shipped.
    assert_eq!(
        cancel_rest(k).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        pack(app, &staff, parcels[1].0).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(captured(state).await, taken);
}

#[tokio::test]
async fn a_larger_hold_waits_for_the_bank_check_and_a_refused_check_changes_nothing() {
    let s = shop().await;
    let (app, state) = (&s.app, &s.state);
    set_stock(state, 1, [5, 0, 0], 0).await;
    // Ordered with a card whose bank checks the shopper online.
    let token = common::card(state, "4000 0027 6000 3184").await;
    let request = common::request(
        state,
        &details_in("yorkshire"),
        &[line(1, 1)],
        false,
        &token,
    )
    .await;
    let placed = match state.checkout().place(&request).await.unwrap() {
        storefront::api::checkout::CheckoutOutcome::ConfirmWithBank { .. } => {
            match state.checkout().confirm(&request.key, true).await.unwrap() {
                storefront::api::checkout::CheckoutOutcome::Placed(p) => p,
                other => panic!("{other:?}"),
            }
        }
        other => panic!("the bank asks first: {other:?}"),
    };
    let (n, k) = (placed.number.as_str(), placed.key.as_str());
    let view = state.orders().view(n, k).await.unwrap();
    let address = serde_json::to_value(&view.address).unwrap();
    let body = |attempt: &str| {
        change_body(
            n,
            k,
            json!([{"line_id": view.lines[0].line_id, "variant_id": 1, "quantity": 3}]),
            &address,
            attempt,
        )
    };
    let look = preview(app, &body("bank-change-0001")).await;
    let total = look.json["total"]["minor"].as_i64().unwrap();
    // The bank asks: nothing is written yet.
    let asked = apply(app, &body("bank-change-0001"), total).await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.json);
    assert!(
        asked.json.get("ConfirmWithBank").is_some(),
        "{}",
        asked.json
    );
    assert_eq!(lines_of(state, n).await[0].2, 1);
    // The shopper cancels the check: refused, nothing changed, the old hold stands.
    let mut no = body("bank-change-0001");
    no["expected_total"] = json!(total);
    no["bank_approves"] = json!(false);
    let refused = json_fn(app, "/api/change_order", None, no).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.json
    );
    assert_eq!(lines_of(state, n).await[0].2, 1);
    assert_eq!(scalar(state, "SELECT COUNT(*) FROM order_changes").await, 0);
    // Again (a new attempt), approved: changed, held anew, the old hold released.
    assert!(apply(app, &body("bank-change-0002"), total)
        .await
        .json
        .get("ConfirmWithBank")
        .is_some());
    let mut yes = body("bank-change-0002");
    yes["expected_total"] = json!(total);
    yes["bank_approves"] = json!(true);
    let done = json_fn(app, "/api/change_order", None, yes).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.json);
    assert!(done.json.get("Changed").is_some(), "{}", done.json);
    assert_eq!(lines_of(state, n).await[0].2, 3);
    let holds: Vec<(i64, String)> = held(state).await;
    assert_eq!(holds.iter().filter(|h| h.1 == "authorized").count(), 1);
    assert!(
        holds.contains(&(total, "authorized".to_owned())),
        "{holds:?}"
    );
}

#[tokio::test]
async fn another_size_can_be_added_as_a_new_line_at_todays_price() {
    let s = shop().await;
    let (app, state) = (&s.app, &s.state);
    let larger = sibling_variant(state, 1).await;
    set_stock(state, larger, [2, 0, 0], 0).await;
    let (placed, _) = one_parcel(state, 1).await;
    let (n, k) = (placed.number.as_str(), placed.key.as_str());
    let view = state.orders().view(n, k).await.unwrap();
    let address = serde_json::to_value(&view.address).unwrap();
    let body = change_body(
        n,
        k,
        json!([{"line_id": null, "variant_id": larger, "quantity": 1}]),
        &address,
        "added-line-0001",
    );
    let look = preview(app, &body).await;
    assert_eq!(look.status, StatusCode::OK, "{}", look.json);
    assert!(
        look.json["what"][0]
            .as_str()
            .unwrap()
            .starts_with("added 1 × "),
        "{}",
        look.json
    );
    let total = look.json["total"]["minor"].as_i64().unwrap();
    assert_eq!(apply(app, &body, total).await.status, StatusCode::OK);
    assert_eq!(lines_of(state, n).await.len(), 2);
    assert_eq!(stock_at(state, larger, 1).await, 1);
    // The same size twice is refused.
    let twice = change_body(
        n,
        k,
        json!([{"line_id": null, "variant_id": 1, "quantity": 1}]),
        &address,
        "added-line-0002",
    );
    let refused = preview(app, &twice).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.json
    );
}

#[tokio::test]
async fn units_waiting_for_stock_can_change_and_keep_their_place_in_the_queue() {
    let s = shop().await;
    let (app, state) = (&s.app, &s.state);
    // One unit now at Leeds, more expected in a week: each order waits for one.
    set_stock(state, 1, [1, 0, 0], 10).await;
    let first = buy(state, &details_in("yorkshire"), &[line(1, 2)], true)
        .await
        .unwrap();
    let second = buy(state, &details_in("yorkshire"), &[line(1, 1)], true)
        .await
        .unwrap();
    let view = state
        .orders()
        .view(&first.number, &first.key)
        .await
        .unwrap();
    assert_eq!(view.lines[0].backordered, 1);
    assert_eq!(view.change_refused, None, "waiting units may change");
    let held_before = held(state).await;
    // The first order asks for one more of the waiting item, and a new street.
    let mut address = serde_json::to_value(&view.address).unwrap();
    address["line1"] = json!("9 Later Road");
    let body = change_body(
        &first.number,
        &first.key,
        json!([{"line_id": view.lines[0].line_id, "variant_id": 1, "quantity": 3}]),
        &address,
        "waiting-change-01",
    );
    let look = preview(app, &body).await;
    assert_eq!(look.status, StatusCode::OK, "{}", look.json);
    let money = look.json["money"].as_str().unwrap();
    assert!(
        money.starts_with("The amount held stays") && money.contains("nothing changes on"),
        "the hold now is the same: {money}"
    );
    assert!(
        money.contains("for 2 items waiting for stock is charged when it ships"),
        "{money}"
    );
    let total = look.json["total"]["minor"].as_i64().unwrap();
    let done = apply(app, &body, total).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.json);
    let view = state
        .orders()
        .view(&first.number, &first.key)
        .await
        .unwrap();
    assert_eq!(view.lines[0].backordered, 2);
    assert_eq!(view.to_charge_later.iter().map(|l| l.units).sum::<u32>(), 2);
    assert_eq!(
        held(state).await,
        held_before,
        "the hold for what ships now is unchanged"
    );
    // Two units arrive: both go to the first order, which was placed first.
    receive(state, 1, "LDS", 2).await;
    let first_view = state
        .orders()
        .view(&first.number, &first.key)
        .await
        .unwrap();
    let second_view = state
        .orders()
        .view(&second.number, &second.key)
        .await
        .unwrap();
    assert_eq!(first_view.lines[0].backordered, 0, "served first");
    assert_eq!(second_view.lines[0].backordered, 1, "still waiting, behind");
}

#[tokio::test]
async fn once_part_has_shipped_the_rest_can_change_and_the_holds_follow() {
    let s = shop().await;
    let (app, state) = (&s.app, &s.state);
    // One unit at Leeds, one at Bristol: two parcels on one hold, delivery on Leeds's
    // (two units of something cheap enough to pay for delivery).
    let v = scalar(
        state,
        "SELECT v.id FROM variants v JOIN products p ON p.id = v.product_id
         WHERE p.price_minor * 2 < 5000 AND (SELECT COUNT(*) FROM variants w WHERE w.product_id = p.id) > 1
         ORDER BY v.id LIMIT 1",
    )
    .await;
    set_stock(state, v, [1, 1, 0], 0).await;
    let other = other_product_variant(state, v).await;
    set_stock(state, other, [0, 2, 0], 0).await;
    let placed = buy(state, &details_in("yorkshire"), &[line(v, 2)], false)
        .await
        .unwrap();
    let (n, k) = (placed.number.as_str(), placed.key.as_str());
    let parcels = live_parcels(state, n).await;
    assert_eq!(parcels.len(), 2);
    let view = state.orders().view(n, k).await.unwrap();
    let (price, delivery) = (view.lines[0].unit_price.minor, view.delivery.minor);
    assert!(delivery > 0, "the test needs a delivery charge");
    assert_eq!(
        parcels[0].3,
        price + delivery,
        "Leeds's parcel carries delivery"
    );
    // Bristol's parcel (no delivery in it) leaves first.
    let staff = warehouse(app).await;
    assert_eq!(pack(app, &staff, parcels[1].0).await.status, StatusCode::OK);
    assert_eq!(
        ship(app, &staff, parcels[1].0, "test-courier", "TC0000000901")
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(captured(state).await, price);
    let view = state.orders().view(n, k).await.unwrap();
    assert_eq!(view.change_refused, None, "the rest may change");
    assert_eq!(view.lines[0].shipped, 1);
    let line_id = view.lines[0].line_id;
    let address = serde_json::to_value(&view.address).unwrap();
    let refused = |lines: Value, address: Value, delivery: &'static str, attempt: &'static str| {
        let mut body = change_body(n, k, lines, &address, attempt);
        body["change"]["delivery"] = json!(delivery);
        async move {
            let look = preview(app, &body).await;
            assert_eq!(
                look.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{attempt}: {}",
                look.json
            );
            look.json.to_string()
        }
    };
    // What left stays: not fewer than shipped, not another size; the address and
    // delivery stay; a change leaving only what shipped is a cancel of the rest.
    let larger = sibling_variant(state, v).await;
    assert!(refused(
        json!([{"line_id": line_id, "variant_id": v, "quantity": 0}]),
        address.clone(),
        "standard",
        "partial-0001"
    )
    .await
    .contains("1 of these has already shipped, so the quantity can't go below 1"));
    assert!(refused(
        json!([{"line_id": line_id, "variant_id": larger, "quantity": 2}]),
        address.clone(),
        "standard",
        "partial-0002"
    )
    .await
    .contains("already shipped in this size and colour"));
    let mut moved = address.clone();
    moved["line1"] = json!("1 Elsewhere Lane");
    assert!(refused(json!([]), moved, "standard", "partial-0003")
        .await
        .contains("already left for this address"));
    assert!(
        refused(json!([]), address.clone(), "express", "partial-0004")
            .await
            .contains("the rest goes by the same delivery")
    );
    assert!(refused(
        json!([{"line_id": line_id, "variant_id": v, "quantity": 1}]),
        address.clone(),
        "standard",
        "partial-0005"
    )
    .await
    .contains("Cancel what hasn't shipped"));
    assert_eq!(captured(state).await, price, "nothing moved");
    assert_eq!(live_parcels(state, n).await.len(), 2);

    // One more of it (from Bristol, re-stocked) and a new item: more than the checkout
    // hold has left, so a new hold for the rest, and the old one keeps what it gave.
    set_stock(state, v, [0, 1, 0], 0).await;
    let body = change_body(
        n,
        k,
        json!([{"line_id": line_id, "variant_id": v, "quantity": 3},
               {"line_id": null, "variant_id": other, "quantity": 1}]),
        &address,
        "partial-0006",
    );
    let look = preview(app, &body).await;
    assert_eq!(look.status, StatusCode::OK, "{}", look.json);
    let other_price = scalar(
        state,
        &format!("SELECT price_minor FROM products WHERE id = (SELECT product_id FROM variants WHERE id = {other})"),
    )
    .await;
    let total = look.json["total"]["minor"].as_i64().unwrap();
    assert_eq!(
        total,
        3 * price + other_price + delivery,
        "delivery stays as charged"
    );
    let now = 2 * price + other_price + delivery;
    let money = look.json["money"].as_str().unwrap();
    assert!(
        money.contains(&format!(
            "more: we'll ask your bank to hold {} on your Visa ending 4242 in place of {}",
            Money::gbp(now),
            Money::gbp(price + delivery)
        )),
        "{money}"
    );
    let done = apply(app, &body, total).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.json);
    assert_eq!(
        held(state).await,
        vec![
            (price, "authorized".to_owned()),
            (now, "authorized".to_owned())
        ],
        "the checkout hold lowered to what it gave; the new one holds the rest"
    );
    let view = state.orders().view(n, k).await.unwrap();
    assert_eq!(view.total.minor, total);
    assert_eq!(view.delivery.minor, delivery);
    assert_eq!(view.lines[0].quantity, 3);
    assert_eq!(view.lines[0].shipped, 1);
    assert_eq!(view.lines.len(), 2);
    let mail = &mails_to(state, "is changed").await[0];
    assert!(mail.contains("the rest arriving"), "{mail}");

    // One fewer again, before it ships (the added item stays): the new hold drops, and
    // what was taken stays.
    let body = change_body(
        n,
        k,
        json!([{"line_id": line_id, "variant_id": v, "quantity": 2}]),
        &address,
        "partial-0007",
    );
    let look = preview(app, &body).await;
    assert_eq!(look.status, StatusCode::OK, "{}", look.json);
    let money = look.json["money"].as_str().unwrap();
    assert!(
        money.ends_with(&format!(
            "to {}; the {} taken for what has shipped stays as it is.",
            Money::gbp(now - price),
            Money::gbp(price)
        )),
        "{money}"
    );
    let total = look.json["total"]["minor"].as_i64().unwrap();
    assert_eq!(apply(app, &body, total).await.status, StatusCode::OK);
    assert_eq!(
        held(state).await.last().unwrap(),
        &(now - price, "authorized".to_owned()),
        "delivery is still to take: it was on the parcel the first change replaced"
    );

    // Everything ships: exactly the total is taken, and nothing more may change.
    for (id, status, _, _) in live_parcels(state, n).await {
        if status == "to_pack" {
            assert_eq!(pack(app, &staff, id).await.status, StatusCode::OK);
            let answer = ship(
                app,
                &staff,
                id,
                "test-courier",
                &format!("TC{:010}", 950 + id),
            )
            .await;
            assert_eq!(answer.status, StatusCode::OK, "{}", answer.json);
        }
    }
    let view = state.orders().view(n, k).await.unwrap();
    assert_eq!(captured(state).await, view.total.minor);
    assert_eq!(view.total.minor, 2 * price + other_price + delivery);
    assert!(view.change_refused.is_some());
    assert_eq!(stock_at(state, v, 1).await, 0);
    assert_eq!(stock_at(state, v, 2).await, 1);
    assert_eq!(
        stock_at(state, other, 2).await,
        1,
        "the added item left too"
    );
}
