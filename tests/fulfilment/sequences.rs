//! Random sequences of what can happen to an order after "Place order" — changes, cancels
//! of the whole or the rest, packing and shipping, deliveries, returns for a refund or an
//! exchange, and the desk accepting or refusing them — through the real router, checking
//! after every step that the money and the stock add up: the card has been charged no
//! more than the shipped parcels' money less what was refunded, no authorization has
//! given back more than it took, the shop's books match the gateway's, and every unit
//! is on a shelf, in a parcel, or put aside for an exchange (less those accepted back);
//! and the card holds exactly what the parcels still to ship will take.

use super::*;
use storefront::domain::returns::ReturnStatus;

/// A small deterministic generator (xorshift64*), so a failing round can be replayed.
struct Dice(u64);

impl Dice {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n.max(1)
    }
}

async fn units_on_shelves(state: &AppState) -> i64 {
    scalar(state, "SELECT COALESCE(SUM(quantity), 0) FROM stock").await
}

/// Every unit the shop has ever held, wherever it is now.
async fn units_accounted(state: &AppState) -> i64 {
    units_on_shelves(state).await
        + scalar(
            state,
            "SELECT COALESCE(SUM(sl.quantity), 0) FROM shipment_lines sl JOIN shipments s ON s.id = sl.shipment_id
             WHERE s.status != 'cancelled'",
        )
        .await
        + scalar(
            state,
            "SELECT COALESCE(SUM(x.quantity), 0) FROM return_exchanges x JOIN returns r ON r.id = x.return_id
             WHERE r.status IN ('requested', 'received')",
        )
        .await
        - scalar(
            state,
            "SELECT COALESCE(SUM(rl.quantity), 0) FROM return_lines rl JOIN returns r ON r.id = rl.return_id
             WHERE r.status IN ('refunded', 'exchanged')",
        )
        .await
}

async fn check_money(state: &AppState, round: u64, step: usize, what: &str) {
    let gateway_net = scalar(
        state,
        "SELECT COALESCE(SUM(amount_minor), 0) FROM test_gateway_captures",
    )
    .await;
    let books = scalar(
        state,
        "SELECT COALESCE(SUM(captured_minor - refunded_minor), 0) FROM payments",
    )
    .await;
    assert_eq!(
        gateway_net, books,
        "round {round} step {step} ({what}): the books match the gateway"
    );
    let shipped_money = scalar(
        state,
        "SELECT COALESCE(SUM(amount_minor), 0) FROM shipments WHERE status NOT IN ('cancelled', 'to_pack', 'packed')",
    )
    .await;
    let refunded = scalar(state, "SELECT COALESCE(SUM(refund_minor), 0) FROM returns WHERE status IN ('refunded', 'exchanged')").await;
    assert_eq!(
        gateway_net,
        shipped_money - refunded,
        "round {round} step {step} ({what}): charged exactly what shipped, less refunds"
    );
    let over = scalar(
        state,
        "SELECT COUNT(*) FROM (SELECT \"authorization\", SUM(CASE WHEN amount_minor > 0 THEN amount_minor ELSE 0 END) AS taken,
                                     SUM(CASE WHEN amount_minor < 0 THEN -amount_minor ELSE 0 END) AS back
                              FROM test_gateway_captures GROUP BY \"authorization\") AS per_hold WHERE back > taken",
    )
    .await;
    assert_eq!(
        over, 0,
        "round {round} step {step} ({what}): no refund beyond what was taken"
    );
    let held = scalar(
        state,
        "SELECT CAST(COALESCE(SUM(a.amount_minor - COALESCE((SELECT SUM(c.amount_minor) FROM test_gateway_captures c
                                                       WHERE c.\"authorization\" = a.id AND c.amount_minor > 0), 0)), 0) AS BIGINT)
         FROM test_gateway_authorizations a WHERE a.status = 'authorized'",
    )
    .await;
    let to_take = scalar(
        state,
        "SELECT COALESCE(SUM(amount_minor), 0) FROM shipments WHERE status IN ('to_pack', 'packed')",
    )
    .await;
    assert_eq!(
        held, to_take,
        "round {round} step {step} ({what}): the card holds exactly what the parcels still to ship will take"
    );
}

#[tokio::test]
async fn whatever_happens_after_the_order_money_and_stock_add_up() {
    let s = shop().await;
    let (app, state) = (&s.app, &s.state);
    let staff = warehouse(app).await;
    let variants: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM variants WHERE product_id IN (SELECT product_id FROM variants WHERE id IN (1, 40)) ORDER BY id",
    )
    .fetch_all(&state.db.read)
    .await
    .unwrap();
    for v in &variants {
        set_stock(state, *v, [2, 1, 1], 0).await;
    }
    let before = units_accounted(state).await;
    let mut tracking = 900u64;
    let mut outcomes = std::collections::BTreeMap::<&str, usize>::new();
    for round in 1..=30u64 {
        let mut dice = Dice(0x9E37_79B9_7F4A_7C15 ^ round);
        let lines: Vec<CartLine> = (0..2)
            .map(|_| {
                line(
                    variants[dice.below(variants.len())],
                    1 + dice.below(2) as u32,
                )
            })
            .fold(Vec::new(), |mut acc, l| {
                if !acc.iter().any(|a: &CartLine| a.variant_id == l.variant_id) {
                    acc.push(l);
                }
                acc
            });
        let Ok(placed) = buy(state, &details_in("yorkshire"), &lines, false).await else {
            continue;
        };
        let (n, k) = (placed.number.clone(), placed.key.clone());
        for step in 0..25 {
            let view = state.orders().view(&n, &k).await.unwrap();
            let address = serde_json::to_value(&view.address).unwrap();
            let (what, answer) = match dice.below(9) {
                0 | 8 if !view.lines.is_empty() => {
                    let l = &view.lines[dice.below(view.lines.len())];
                    let variant = if l.choices.is_empty() {
                        l.variant_id
                    } else {
                        l.choices[dice.below(l.choices.len())].0
                    };
                    // Now and then an item added as well.
                    let mut lines = vec![
                        json!({"line_id": l.line_id, "variant_id": variant, "quantity": dice.below(3)}),
                    ];
                    if dice.below(3) == 0 {
                        lines.push(json!({"line_id": null, "variant_id": variants[dice.below(variants.len())], "quantity": 1}));
                    }
                    let body = json!({"number": n, "key": k, "change": {
                        "lines": lines,
                        "address": address, "delivery": "standard", "attempt": format!("seq-change-{round}-{step}")}});
                    // Once part has shipped, only the rest changes.
                    let what = if view.lines.iter().any(|l| l.shipped > 0) {
                        "change the rest"
                    } else {
                        "change"
                    };
                    let look = json_fn(app, "/api/preview_change", None, body.clone()).await;
                    if look.status != StatusCode::OK {
                        (what, look)
                    } else {
                        let mut body = body;
                        body["expected_total"] = look.json["total"]["minor"].clone();
                        (what, json_fn(app, "/api/change_order", None, body).await)
                    }
                }
                1 if dice.below(4) == 0 => (
                    "cancel",
                    call_fn(
                        app,
                        "/api/cancel_order",
                        None,
                        &[("number", &n), ("key", &k)],
                    )
                    .await,
                ),
                2 => (
                    "cancel rest",
                    call_fn(
                        app,
                        "/api/cancel_rest",
                        None,
                        &[("number", &n), ("key", &k)],
                    )
                    .await,
                ),
                3 | 4 => {
                    let open: Vec<_> = view
                        .shipments
                        .iter()
                        .filter(|p| {
                            p.status < ShipmentStatus::Shipped
                                && p.status != ShipmentStatus::Cancelled
                        })
                        .collect();
                    if open.is_empty() {
                        continue;
                    }
                    let p = open[dice.below(open.len())];
                    let packed = pack(app, &staff, p.id).await;
                    assert!(!packed.status.is_server_error(), "{}", packed.json);
                    tracking += 1;
                    (
                        "ship",
                        ship(
                            app,
                            &staff,
                            p.id,
                            "test-courier",
                            &format!("TC{tracking:010}"),
                        )
                        .await,
                    )
                }
                5 => {
                    let moving: Vec<_> = view
                        .shipments
                        .iter()
                        .filter(|p| p.status.has_shipped() && p.status != ShipmentStatus::Delivered)
                        .collect();
                    if moving.is_empty() {
                        continue;
                    }
                    let p = moving[dice.below(moving.len())];
                    let event = json!({"id": format!("seq-{round}-{step}"), "carrier": "test-courier",
                                       "tracking": p.tracking, "event": "delivered", "at": now()});
                    let (code, body) = report(app, &event, SECRET, now()).await;
                    assert_eq!(code, StatusCode::OK, "{body}");
                    (
                        "deliver",
                        Answer {
                            status: code,
                            json: body,
                            cookie: None,
                        },
                    )
                }
                6 => {
                    let open: Vec<_> = view
                        .shipments
                        .iter()
                        .filter(|p| p.lines.iter().any(|l| l.returnable > 0))
                        .collect();
                    if open.is_empty() {
                        continue;
                    }
                    let p = open[dice.below(open.len())];
                    let l = &p.lines[dice.below(p.lines.len())];
                    let exchange = if !l.exchange_choices.is_empty() && dice.below(2) == 0 {
                        json!([[
                            l.line_id,
                            l.exchange_choices[dice.below(l.exchange_choices.len())].0
                        ]])
                    } else {
                        json!([])
                    };
                    let body = json!({"number": n, "key": k, "request": {"shipment_id": p.id,
                        "lines": [[l.line_id, 1 + dice.below(l.returnable.max(1) as usize)]], "reason": "too_big",
                        "exchange": exchange, "attempt": format!("seq-return-{round}-{step}")}});
                    (
                        "return",
                        json_fn(app, "/api/start_return", None, body).await,
                    )
                }
                _ => {
                    let open: Vec<_> = view
                        .returns
                        .iter()
                        .filter(|r| {
                            matches!(r.status, ReturnStatus::Requested | ReturnStatus::Received)
                        })
                        .collect();
                    if open.is_empty() {
                        continue;
                    }
                    let r = open[dice.below(open.len())];
                    let _ = json_fn(
                        app,
                        "/api/warehouse/receive_return",
                        Some(&staff),
                        json!({"code": r.code}),
                    )
                    .await;
                    let accept = dice.below(3) != 0;
                    let id = storefront::domain::returns::parse_return_code(&r.code).unwrap();
                    (
                        "settle",
                        json_fn(
                            app,
                            "/api/warehouse/settle_return",
                            Some(&staff),
                            json!({"id": id, "refund": accept, "because": "Worn, sorry."}),
                        )
                        .await,
                    )
                }
            };
            assert!(
                !answer.status.is_server_error(),
                "round {round} step {step} ({what}): {}",
                answer.json
            );
            if answer.status == StatusCode::OK {
                *outcomes.entry(what).or_default() += 1;
            }
            check_money(state, round, step, what).await;
            assert_eq!(
                units_accounted(state).await,
                before,
                "round {round} step {step} ({what}): every unit accounted for"
            );
        }
    }
    println!("steps that went through: {outcomes:?}");
    for kind in [
        "change",
        "change the rest",
        "ship",
        "deliver",
        "return",
        "settle",
    ] {
        assert!(
            outcomes.get(kind).copied().unwrap_or(0) > 0,
            "no {kind} went through: {outcomes:?}"
        );
    }
}
