//! Returns: the shopper sends back units of a delivered parcel from the status page, the
//! returns desk receives it and refunds through the gateway (or refuses with a reason);
//! forged and late requests are refused and change nothing; two desks settling one
//! return at once refund it once.

use super::*;
use storefront::domain::returns::ReturnStatus;

/// Delivers parcel `id` (shipped under `tracking`) through a signed courier report.
async fn deliver(app: &axum::Router, tracking: &str, event_id: &str) {
    let event = json!({"id": event_id, "carrier": "test-courier", "tracking": tracking,
                       "event": "delivered", "at": now()});
    let (code, body) = report(app, &event, SECRET, now()).await;
    assert_eq!(code, StatusCode::OK, "{body}");
}

/// An order of 2 units of variant 1 from Leeds, shipped and delivered: (order, parcel, line).
async fn delivered_order(
    app: &axum::Router,
    state: &AppState,
    tracking: &str,
) -> (storefront::api::orders::PlacedOrder, i64, i64) {
    let (placed, id) = one_parcel(state, 2).await;
    let staff = warehouse(app).await;
    assert_eq!(pack(app, &staff, id).await.status, StatusCode::OK);
    let shipped = ship(app, &staff, id, "test-courier", tracking).await;
    assert_eq!(shipped.status, StatusCode::OK, "{}", shipped.json);
    deliver(app, tracking, &format!("evt-{tracking}")).await;
    let line: i64 = sqlx::query_scalar(
        "SELECT l.id FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.number = $1",
    )
    .bind(&placed.number)
    .fetch_one(&state.db.read)
    .await
    .unwrap();
    (placed, id, line)
}

async fn start_return(
    app: &axum::Router,
    number: &str,
    key: &str,
    parcel: i64,
    lines: Value,
    reason: &str,
    attempt: &str,
) -> Answer {
    json_fn(
        app,
        "/api/start_return",
        None,
        json!({"number": number, "key": key,
               "request": {"shipment_id": parcel, "lines": lines, "reason": reason, "attempt": attempt}}),
    )
    .await
}

async fn receive(app: &axum::Router, cookie: &str, code: &str) -> Answer {
    json_fn(
        app,
        "/api/warehouse/receive_return",
        Some(cookie),
        json!({"code": code}),
    )
    .await
}

async fn settle(app: &axum::Router, cookie: &str, id: i64, refund: bool, because: &str) -> Answer {
    json_fn(
        app,
        "/api/warehouse/settle_return",
        Some(cookie),
        json!({"id": id, "refund": refund, "because": because}),
    )
    .await
}

async fn refunded_at_gateway(state: &AppState) -> i64 {
    scalar(
        state,
        "SELECT COALESCE(-SUM(amount_minor), 0) FROM test_gateway_captures WHERE amount_minor < 0",
    )
    .await
}

fn return_id(code: &str) -> i64 {
    storefront::domain::returns::parse_return_code(code).unwrap()
}

#[tokio::test]
async fn a_return_is_received_refunded_and_the_last_one_brings_back_delivery_too() {
    let s = shop().await;
    let (app, state) = (&s.app, &s.state);
    let (placed, parcel, line) = delivered_order(app, state, "TC0000000101").await;
    let (price, delivery): (i64, i64) = sqlx::query_as(
        "SELECT l.unit_price_minor, o.delivery_minor FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE l.id = $1",
    )
    .bind(line)
    .fetch_one(&state.db.read)
    .await
    .unwrap();
    let taken = captured(state).await;
    assert_eq!(taken, 2 * price + delivery);
    assert_eq!(stock_at(state, 1, 1).await, 1);

    // The status page offers both units back until the window ends.
    let view = state
        .orders()
        .view(&placed.number, &placed.key)
        .await
        .unwrap();
    assert_eq!(view.shipments[0].lines[0].returnable, 2);
    assert_eq!(
        view.shipments[0].return_until,
        view.shipments[0].delivered_on.map(|d| d.add_days(30))
    );

    let first = start_return(
        app,
        &placed.number,
        &placed.key,
        parcel,
        json!([[line, 1]]),
        "too_big",
        "attempt-one-0001",
    )
    .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.json);
    let code = first.json["returns"][0]["code"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(first.json["returns"][0]["status"], "Requested");
    assert_eq!(first.json["shipments"][0]["lines"][0]["returnable"], 1);
    // The same attempt again (a retry) is the same return.
    let again = start_return(
        app,
        &placed.number,
        &placed.key,
        parcel,
        json!([[line, 1]]),
        "too_big",
        "attempt-one-0001",
    )
    .await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(scalar(state, "SELECT COUNT(*) FROM returns").await, 1);
    let mail = mails_to(state, &format!("Your return {code}")).await;
    assert_eq!(mail.len(), 1);
    assert!(
        mail[0].contains("returns are free") && mail[0].contains("Leeds"),
        "{}",
        mail[0]
    );
    let label = state
        .orders()
        .return_label(&placed.number, &placed.key, &code)
        .await
        .unwrap();
    assert!(label.to.contains("Leeds"), "{}", label.to);
    assert!(state
        .orders()
        .return_label(&placed.number, "wrong", &code)
        .await
        .is_err());

    // The desk: a mistyped code is named next to the field; then received, then refunded.
    let staff = warehouse(app).await;
    let typo = receive(app, &staff, &code.replace('R', "Q")).await;
    assert_eq!(typo.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        typo.json.to_string().contains("ReturnCode"),
        "{}",
        typo.json
    );
    let early = settle(app, &staff, return_id(&code), true, "").await;
    assert_eq!(
        early.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "refund before it arrives"
    );
    let got = receive(app, &staff, &code.to_lowercase()).await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.json);
    assert_eq!(got.json["refund"]["minor"], price);
    assert_eq!(mails_to(state, "We've received your return").await.len(), 1);
    let twice = receive(app, &staff, &code).await;
    assert_eq!(twice.status, StatusCode::UNPROCESSABLE_ENTITY);
    let desk = call_fn(
        app,
        "/api/warehouse/returns",
        Some(&staff),
        &[("centre", "LDS")],
    )
    .await;
    assert_eq!(
        desk.json["to_check"].as_array().unwrap().len(),
        1,
        "{}",
        desk.json
    );

    let done = settle(app, &staff, return_id(&code), true, "").await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.json);
    assert_eq!(
        refunded_at_gateway(state).await,
        price,
        "the unit's price, not the delivery"
    );
    assert_eq!(stock_at(state, 1, 1).await, 2, "back on sale at Leeds");
    let view = state
        .orders()
        .view(&placed.number, &placed.key)
        .await
        .unwrap();
    assert_eq!(view.refunded.minor, price);
    assert_eq!(view.returns[0].status, ReturnStatus::Refunded);
    assert!(mails_to(state, "Your refund").await[0].contains("refunded"));
    let again = settle(app, &staff, return_id(&code), true, "").await;
    assert_eq!(
        again.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "settled once"
    );
    assert_eq!(refunded_at_gateway(state).await, price);

    // The last unit, faulty: everything is back, so delivery comes back too, and a
    // faulty unit is written off instead of going back on sale.
    let last = start_return(
        app,
        &placed.number,
        &placed.key,
        parcel,
        json!([[line, 1]]),
        "faulty",
        "attempt-two-0002",
    )
    .await;
    assert_eq!(last.status, StatusCode::OK, "{}", last.json);
    let code = last.json["returns"][1]["code"].as_str().unwrap().to_owned();
    assert_eq!(receive(app, &staff, &code).await.status, StatusCode::OK);
    assert_eq!(
        settle(app, &staff, return_id(&code), true, "").await.status,
        StatusCode::OK
    );
    assert_eq!(
        refunded_at_gateway(state).await,
        taken,
        "everything given back"
    );
    assert_eq!(
        stock_at(state, 1, 1).await,
        2,
        "the faulty one is not put on sale"
    );
    let paid: (i64, i64) =
        sqlx::query_as("SELECT SUM(captured_minor), SUM(refunded_minor) FROM payments")
            .fetch_one(&state.db.read)
            .await
            .unwrap();
    assert_eq!(paid, (taken, taken));
    // Nothing left to send back.
    let none = start_return(
        app,
        &placed.number,
        &placed.key,
        parcel,
        json!([[line, 1]]),
        "too_big",
        "attempt-three-03",
    )
    .await;
    assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        none.json.to_string().contains("already on its way back"),
        "{}",
        none.json
    );
}

#[tokio::test]
async fn forged_late_and_refused_returns_change_nothing_they_should_not() {
    let s = shop().await;
    let (app, state) = (&s.app, &s.state);
    let (placed, parcel, line) = delivered_order(app, state, "TC0000000202").await;
    let (other, other_parcel) = one_parcel(state, 1).await;
    let other_line: i64 = sqlx::query_scalar(
        "SELECT l.id FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.number = $1",
    )
    .bind(&other.number)
    .fetch_one(&state.db.read)
    .await
    .unwrap();
    let refused = |a: &Answer, words: &str| {
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.json);
        assert!(a.json.to_string().contains(words), "{words}: {}", a.json);
    };
    let (n, k) = (placed.number.as_str(), placed.key.as_str());
    // Another order's line, another order's parcel, too many units, none, no reason.
    refused(
        &start_return(
            app,
            n,
            k,
            parcel,
            json!([[other_line, 1]]),
            "too_big",
            "forged-0000001",
        )
        .await,
        "isn't in this parcel",
    );
    refused(
        &start_return(
            app,
            n,
            k,
            other_parcel,
            json!([[line, 1]]),
            "too_big",
            "forged-0000002",
        )
        .await,
        "isn't part of this order",
    );
    refused(
        &start_return(
            app,
            n,
            k,
            parcel,
            json!([[line, 3]]),
            "too_big",
            "forged-0000003",
        )
        .await,
        "up to 2",
    );
    refused(
        &start_return(
            app,
            n,
            k,
            parcel,
            json!([[line, 0]]),
            "too_big",
            "forged-0000004",
        )
        .await,
        "Choose how many",
    );
    refused(
        &start_return(
            app,
            n,
            k,
            parcel,
            json!([[line, 1]]),
            "bored",
            "forged-0000005",
        )
        .await,
        "ReturnReason",
    );
    // A negative count is not a number of units at all.
    let negative = start_return(
        app,
        n,
        k,
        parcel,
        json!([[line, -1]]),
        "too_big",
        "forged-0000006",
    )
    .await;
    assert!(negative.status.is_client_error(), "{}", negative.json);
    // Not with a wrong key; not for a parcel that hasn't arrived.
    assert_eq!(
        start_return(
            app,
            n,
            "wrong",
            parcel,
            json!([[line, 1]]),
            "too_big",
            "forged-0000007"
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    refused(
        &start_return(
            app,
            &other.number,
            &other.key,
            other_parcel,
            json!([[other_line, 1]]),
            "too_big",
            "forged-0000008",
        )
        .await,
        "hasn't been delivered yet",
    );
    // After 30 days: refused unless faulty.
    sqlx::query("UPDATE shipment_events SET at = at - 31 * 86400 WHERE shipment_id = $1 AND status = 'delivered'")
        .bind(parcel)
        .execute(&state.db.write)
        .await
        .unwrap();
    refused(
        &start_return(
            app,
            n,
            k,
            parcel,
            json!([[line, 1]]),
            "changed_mind",
            "late-00000001",
        )
        .await,
        "30 days for returns ended",
    );
    assert_eq!(
        scalar(state, "SELECT COUNT(*) FROM returns").await,
        0,
        "nothing was made"
    );
    let faulty = start_return(
        app,
        n,
        k,
        parcel,
        json!([[line, 1]]),
        "faulty",
        "late-00000002",
    )
    .await;
    assert_eq!(faulty.status, StatusCode::OK, "{}", faulty.json);
    let code = faulty.json["returns"][0]["code"]
        .as_str()
        .unwrap()
        .to_owned();

    // Only the warehouse team works the desk.
    assert_eq!(
        receive(app, "", &code).await.status,
        StatusCode::UNAUTHORIZED
    );
    let staff = warehouse(app).await;
    assert_eq!(receive(app, &staff, &code).await.status, StatusCode::OK);
    // Refusing needs words for the customer; then the units may be sent back again.
    refused(
        &settle(app, &staff, return_id(&code), false, " ").await,
        "RefuseReason",
    );
    let no = settle(
        app,
        &staff,
        return_id(&code),
        false,
        "It works: we tested it twice.",
    )
    .await;
    assert_eq!(no.status, StatusCode::OK, "{}", no.json);
    assert_eq!(refunded_at_gateway(state).await, 0);
    let mail = mails_to(state, "About your return").await;
    assert!(
        mail[0].contains("It works: we tested it twice."),
        "{}",
        mail[0]
    );
    let view = state.orders().view(n, k).await.unwrap();
    assert_eq!(view.returns[0].status, ReturnStatus::Refused);
    assert_eq!(view.shipments[0].lines[0].returnable, 2);
}

#[tokio::test]
async fn two_desks_settling_one_return_at_once_refund_it_once() {
    let s = shop().await;
    let (app, state) = (&s.app, &s.state);
    let (placed, parcel, line) = delivered_order(app, state, "TC0000000303").await;
    let staff = warehouse(app).await;
    let started = start_return(
        app,
        &placed.number,
        &placed.key,
        parcel,
        json!([[line, 2]]),
        "too_small",
        "race-00000001",
    )
    .await;
    let code = started.json["returns"][0]["code"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(receive(app, &staff, &code).await.status, StatusCode::OK);
    let id = return_id(&code);
    let taken = captured(state).await;
    let answers = futures_util::future::join_all(
        (0..6).map(|i| settle(app, &staff, id, i % 3 != 0, "Worn and washed, sorry.")),
    )
    .await;
    let ok = answers
        .iter()
        .filter(|a| a.status == StatusCode::OK)
        .count();
    assert_eq!(ok, 1, "exactly one settles it");
    let status: String = sqlx::query_scalar("SELECT status FROM returns WHERE id = $1")
        .bind(id)
        .fetch_one(&state.db.read)
        .await
        .unwrap();
    let refunded = refunded_at_gateway(state).await;
    match status.as_str() {
        "refunded" => {
            assert_eq!(
                refunded, taken,
                "both units and, as it is everything, delivery: once"
            );
            assert_eq!(stock_at(state, 1, 1).await, 3);
        }
        "refused" => {
            assert_eq!(refunded, 0);
            assert_eq!(stock_at(state, 1, 1).await, 1);
        }
        other => panic!("settled as {other}"),
    }
}

#[tokio::test]
async fn an_agent_starts_a_return_on_the_phone_and_the_open_status_page_shows_it() {
    let s = shop().await;
    let (app, state) = (&s.app, &s.state);
    let (placed, parcel, line) = delivered_order(app, state, "TC0000000404").await;
    let mut events = order_events(app, &placed.number, &placed.key).await;
    let body = json!({"number": placed.number,
                      "request": {"shipment_id": parcel, "lines": [[line, 1]], "reason": "too_small", "attempt": "phone-00000001"}});
    // Only an agent.
    let nobody = json_fn(app, "/api/agent/start_return", None, body.clone()).await;
    assert_eq!(nobody.status, StatusCode::UNAUTHORIZED);
    let agent = agent(app).await;
    let done = json_fn(app, "/api/agent/start_return", Some(&agent), body).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.json);
    assert_eq!(next_event(&mut events).await.0, "order");
    let view = state
        .orders()
        .view(&placed.number, &placed.key)
        .await
        .unwrap();
    assert_eq!(view.returns[0].requested_by.as_deref(), Some("alex"));
    let code = &view.returns[0].code;
    let mail = mails_to(state, &format!("Your return {code}")).await;
    assert!(
        mail[0].contains("alex at our contact centre started it for you"),
        "{}",
        mail[0]
    );
    // The same rules as on the web: not more than was delivered.
    let more = json_fn(
        app,
        "/api/agent/start_return",
        Some(&agent),
        json!({"number": placed.number,
               "request": {"shipment_id": parcel, "lines": [[line, 2]], "reason": "too_small", "attempt": "phone-00000002"}}),
    )
    .await;
    assert_eq!(more.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(more.json.to_string().contains("up to 1"), "{}", more.json);
}

#[tokio::test]
async fn an_exchange_is_put_aside_at_once_and_sent_free_once_the_return_is_accepted() {
    let s = shop().await;
    let (app, state) = (&s.app, &s.state);
    let (placed, parcel, line) = delivered_order(app, state, "TC0000000505").await;
    let (n, k) = (placed.number.as_str(), placed.key.as_str());
    let larger: i64 = scalar(
        state,
        "SELECT id FROM variants WHERE product_id = (SELECT product_id FROM variants WHERE id = 1) AND id != 1 ORDER BY id LIMIT 1",
    )
    .await;
    let stranger: i64 = scalar(
        state,
        "SELECT id FROM variants WHERE product_id != (SELECT product_id FROM variants WHERE id = 1) ORDER BY id LIMIT 1",
    )
    .await;
    set_stock(state, larger, [0, 0, 0], 0).await;
    let view = state.orders().view(n, k).await.unwrap();
    assert!(view.shipments[0].lines[0]
        .exchange_choices
        .iter()
        .any(|(v, _)| *v == larger));
    let ask = |variant: i64, attempt: &str| {
        json!({"number": n, "key": k, "request": {"shipment_id": parcel, "lines": [[line, 1]],
               "reason": "too_small", "exchange": [[line, variant]], "attempt": attempt}})
    };
    // Another product, or a size with no stock anywhere: refused, nothing made.
    let other = json_fn(
        app,
        "/api/start_return",
        None,
        ask(stranger, "swap-00000001"),
    )
    .await;
    assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        other.json.to_string().contains("same item"),
        "{}",
        other.json
    );
    let none = json_fn(app, "/api/start_return", None, ask(larger, "swap-00000002")).await;
    assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        none.json.to_string().contains("out of stock"),
        "{}",
        none.json
    );
    assert_eq!(scalar(state, "SELECT COUNT(*) FROM returns").await, 0);

    // In stock at Bristol only: put aside there at once.
    set_stock(state, larger, [0, 2, 0], 0).await;
    let started = json_fn(app, "/api/start_return", None, ask(larger, "swap-00000003")).await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.json);
    assert_eq!(
        stock_at(state, larger, 2).await,
        1,
        "reserved when the return starts"
    );
    let code = started.json["returns"][0]["code"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        started.json["returns"][0]["exchange"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert!(mails_to(state, &format!("Your return {code}")).await[0].contains("put"));

    let staff = warehouse(app).await;
    let taken = captured(state).await;
    assert_eq!(receive(app, &staff, &code).await.status, StatusCode::OK);
    let accepted = settle(app, &staff, return_id(&code), true, "").await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.json);
    assert_eq!(accepted.json["status"], "Exchanged");
    assert_eq!(refunded_at_gateway(state).await, 0, "nothing to refund");
    assert_eq!(
        stock_at(state, 1, 1).await,
        2,
        "the returned unit back on sale"
    );
    let view = state.orders().view(n, k).await.unwrap();
    assert_eq!(view.returns[0].status, ReturnStatus::Exchanged);
    assert!(view
        .lines
        .iter()
        .any(|l| l.exchange && l.variant_id == larger));
    let exchange = view.shipments.last().unwrap();
    assert_eq!(exchange.status, ShipmentStatus::ToPack);
    assert_eq!(exchange.centre, "Bristol");
    // Shipped free: nothing more is taken from the card.
    assert_eq!(pack(app, &staff, exchange.id).await.status, StatusCode::OK);
    let shipped = ship(app, &staff, exchange.id, "test-courier", "TC0000000506").await;
    assert_eq!(shipped.status, StatusCode::OK, "{}", shipped.json);
    assert_eq!(captured(state).await, taken);
    assert!(mails_to(state, "is on its way")
        .await
        .last()
        .unwrap()
        .contains("Nothing is charged"));

    // A refused exchange gives what was put aside back to the shelf.
    let again = json!({"number": n, "key": k, "request": {"shipment_id": parcel, "lines": [[line, 1]],
               "reason": "too_small", "exchange": [[line, larger]], "attempt": "swap-00000004"}});
    let second = json_fn(app, "/api/start_return", None, again).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.json);
    assert_eq!(stock_at(state, larger, 2).await, 0);
    let code = second.json["returns"][1]["code"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(receive(app, &staff, &code).await.status, StatusCode::OK);
    let no = settle(
        app,
        &staff,
        return_id(&code),
        false,
        "Worn, and the label is missing.",
    )
    .await;
    assert_eq!(no.status, StatusCode::OK, "{}", no.json);
    assert_eq!(stock_at(state, larger, 2).await, 1, "released");
}
