//! Mail that never jams: each message is tried on its own, a refused address is parked
//! without holding up the rest, a busy server is tried again later, and staff see parked
//! mail in the console and can send it again. Real SMTP conversations on loopback.
#![cfg(feature = "ssr")]

mod common;

use axum::http::StatusCode;
use common::router::call_fn;
use common::shop::{Shop, TestShop};
use common::smtp::SmtpServer;
use storefront::server::mail::{queue, Mail};

const PASSWORD: &str = "correct horse battery staple";

/// An SMTP server and a shop that sends through it, with nothing received yet.
async fn shop_and_smtp() -> (Shop, SmtpServer) {
    let mut smtp = SmtpServer::start().await;
    let shop = TestShop::new()
        .products(20)
        .agents(&["alex"], PASSWORD)
        .with("STOREFRONT_SMTP_URL", smtp.url())
        .start()
        .await;
    smtp.drain();
    (shop, smtp)
}

/// One delivery run; how many messages went.
async fn deliver(shop: &Shop) -> usize {
    shop.state
        .outbox
        .deliver(&shop.state.db.write)
        .await
        .unwrap()
}

/// Queues one message per recipient, in one transaction, as the shop's own work does.
async fn queue_all(shop: &Shop, recipients: &[String]) {
    let mut tx = shop.state.db.write.begin().await.unwrap();
    for (i, to) in recipients.iter().enumerate() {
        let subject = format!("Message {i}");
        queue(
            &mut tx,
            Mail {
                to,
                subject: &subject,
                body: "Hello",
            },
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
}

async fn scalar(shop: &Shop, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&shop.state.db.read)
        .await
        .unwrap()
}

fn recipients(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("customer{i}@example.com")).collect()
}

#[tokio::test]
async fn one_refused_address_among_100_does_not_hold_up_the_other_99() {
    let (shop, mut smtp) = shop_and_smtp().await;
    let mut to = recipients(100);
    to[3] = "gone@example.com".into();
    smtp.reply_to("gone@example.com", Some("550 5.1.1 no such mailbox"));
    queue_all(&shop, &to).await;

    let sent = deliver(&shop).await;
    assert_eq!(sent, 99);
    let received = smtp.drain();
    assert_eq!(received.len(), 99, "every other message arrived");
    assert!(received
        .iter()
        .any(|m| m.contains("To: customer99@example.com")));
    assert!(!received.iter().any(|m| m.contains("gone@example.com")));

    let parked: (String, i64, String) = sqlx::query_as(
        "SELECT recipient, attempts, last_error FROM mail_outbox WHERE parked_at IS NOT NULL",
    )
    .fetch_one(&shop.state.db.read)
    .await
    .unwrap();
    assert_eq!(parked.0, "gone@example.com");
    assert_eq!(parked.1, 1, "a permanent refusal is parked after one try");
    assert!(parked.2.contains("no such mailbox"), "{}", parked.2);
    assert_eq!(
        scalar(
            &shop,
            "SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NULL"
        )
        .await,
        1
    );

    // Later runs leave the parked message alone and deliver new mail.
    queue_all(&shop, &recipients(1)).await;
    assert_eq!(deliver(&shop).await, 1);
    assert_eq!(smtp.drain().len(), 1);
}

#[tokio::test]
async fn an_address_the_mail_library_cannot_read_is_parked_not_retried_for_ever() {
    let (shop, mut smtp) = shop_and_smtp().await;
    // Mail queued before addresses were checked this strictly (the shop took these once).
    let mut to = recipients(3);
    to.insert(1, "probe(a@example.com".into());
    to.insert(2, "a..b@x.com".into());
    queue_all(&shop, &to).await;

    assert_eq!(deliver(&shop).await, 3);
    assert_eq!(smtp.drain().len(), 3);
    assert_eq!(
        scalar(
            &shop,
            "SELECT COUNT(*) FROM mail_outbox WHERE parked_at IS NOT NULL AND attempts = 1"
        )
        .await,
        2
    );
}

#[tokio::test]
async fn a_busy_server_is_tried_again_later_and_then_delivers() {
    let (shop, mut smtp) = shop_and_smtp().await;
    smtp.reply_to("busy@example.com", Some("451 4.3.0 try again later"));
    let mut to = recipients(2);
    to.push("busy@example.com".into());
    queue_all(&shop, &to).await;

    assert_eq!(deliver(&shop).await, 2);
    let (attempts, wait, parked): (i64, i64, Option<i64>) = sqlx::query_as(
        "SELECT attempts, next_attempt_at - $1, parked_at
         FROM mail_outbox WHERE recipient = 'busy@example.com'",
    )
    .bind(i64::try_from(std::time::UNIX_EPOCH.elapsed().unwrap().as_secs()).unwrap())
    .fetch_one(&shop.state.db.read)
    .await
    .unwrap();
    assert_eq!(
        (attempts, parked),
        (1, None),
        "kept for another try, not parked"
    );
    assert!(
        (50..=70).contains(&wait),
        "tried again in about a minute, not {wait} s"
    );

    // Not due yet: a run now leaves it alone.
    assert_eq!(deliver(&shop).await, 0);
    // When its time comes and the server is willing, it goes.
    smtp.reply_to("busy@example.com", None);
    sqlx::query("UPDATE mail_outbox SET next_attempt_at = 0 WHERE recipient = 'busy@example.com'")
        .execute(&shop.state.db.write)
        .await
        .unwrap();
    assert_eq!(deliver(&shop).await, 1);
    let received = smtp.drain();
    assert!(received.last().unwrap().contains("To: busy@example.com"));
    assert_eq!(
        scalar(
            &shop,
            "SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NULL"
        )
        .await,
        0
    );
}

#[tokio::test]
async fn staff_see_parked_mail_and_send_it_again() {
    let (shop, mut smtp) = shop_and_smtp().await;
    smtp.reply_to("full@example.com", Some("552 5.2.2 mailbox full"));
    queue_all(&shop, &["full@example.com".to_owned()]).await;
    deliver(&shop).await;

    // Only a signed-in agent sees it.
    let stranger = call_fn(&shop.app, "/api/agent/queue", None, &[]).await;
    assert_eq!(stranger.status, StatusCode::UNAUTHORIZED);
    let signed_in = call_fn(
        &shop.app,
        "/api/agent/sign_in",
        None,
        &[("name", "alex"), ("password", PASSWORD)],
    )
    .await;
    let cookie = signed_in.cookie.expect("a session cookie");
    let queue = call_fn(&shop.app, "/api/agent/queue", Some(&cookie), &[]).await;
    assert_eq!(queue.status, StatusCode::OK, "{}", queue.json);
    let undelivered = queue.json["undelivered"].as_array().unwrap().clone();
    assert_eq!(undelivered.len(), 1);
    assert_eq!(undelivered[0]["recipient"], "full@example.com");
    assert!(undelivered[0]["error"]
        .as_str()
        .unwrap()
        .contains("mailbox full"));
    let id = undelivered[0]["id"].as_i64().unwrap().to_string();

    let refused = call_fn(
        &shop.app,
        "/api/agent/send_mail_again",
        None,
        &[("id", &id)],
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        scalar(
            &shop,
            "SELECT COUNT(*) FROM mail_outbox WHERE parked_at IS NOT NULL"
        )
        .await,
        1,
        "nothing changed for a stranger"
    );

    // The customer cleared their mailbox: send it again.
    smtp.reply_to("full@example.com", None);
    let again = call_fn(
        &shop.app,
        "/api/agent/send_mail_again",
        Some(&cookie),
        &[("id", &id)],
    )
    .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.json);
    assert!(smtp
        .drain()
        .iter()
        .any(|m| m.contains("To: full@example.com")));
    let queue = call_fn(&shop.app, "/api/agent/queue", Some(&cookie), &[]).await;
    assert!(queue.json["undelivered"].as_array().unwrap().is_empty());

    // Once sent, it cannot be sent twice.
    let twice = call_fn(
        &shop.app,
        "/api/agent/send_mail_again",
        Some(&cookie),
        &[("id", &id)],
    )
    .await;
    assert_eq!(twice.status, StatusCode::NOT_FOUND);
    assert_eq!(
        scalar(
            &shop,
            "SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NOT NULL"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn a_message_s_own_headers_go_over_smtp_and_into_the_outbox_files() {
    use storefront::server::mail::{queue_with_headers, unsubscribe_headers};
    let link = "https://shop.example/unsubscribe?token=abc123";
    let queue_one = |shop: &Shop| {
        let write = shop.state.db.write.clone();
        async move {
            let mut tx = write.begin().await.unwrap();
            queue_with_headers(
                &mut tx,
                Mail {
                    to: "reader@example.com",
                    subject: "Offers",
                    body: "Hello",
                },
                &unsubscribe_headers(link),
            )
            .await
            .unwrap();
            tx.commit().await.unwrap();
        }
    };
    let (shop, mut smtp) = shop_and_smtp().await;
    queue_one(&shop).await;
    assert_eq!(deliver(&shop).await, 1);
    let data = smtp.drain().pop().unwrap();
    assert!(
        data.contains(&format!("List-Unsubscribe: <{link}>")),
        "{data}"
    );
    assert!(
        data.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"),
        "{data}"
    );

    // Without an SMTP server: the same headers in the .eml file.
    let files = TestShop::new().products(20).start().await;
    queue_one(&files).await;
    assert_eq!(deliver(&files).await, 1);
    let id: i64 = scalar(&files, "SELECT MAX(id) FROM mail_outbox").await;
    let text = std::fs::read_to_string(files.state.outbox.file_of(id)).unwrap();
    assert!(
        text.contains(&format!("\r\nList-Unsubscribe: <{link}>\r\n")),
        "{text}"
    );
    assert!(
        text.contains("\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"),
        "{text}"
    );
}
