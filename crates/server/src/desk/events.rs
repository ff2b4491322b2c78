//! The live event streams: the shopper's (their own conversation, agents online or not)
//! and the console's (the queue changed, a shopper is typing).

use super::*;

pub(super) fn json_event(name: &str, data: serde_json::Value) -> Result<Event, Infallible> {
    Ok(Event::default().event(name).data(data.to_string()))
}

/// The shopper's live events: their own conversation only, and whether agents are on.
pub fn shopper_events(
    state: AppState,
    shopper: Option<String>,
) -> impl Stream<Item = Result<Event, Infallible>> {
    use futures_util::StreamExt;
    let first = json_event(
        "presence",
        serde_json::json!({ "online": state.desk.agents_online() > 0 }),
    );
    let shopper: Option<Arc<str>> = shopper.map(Into::into);
    let mine = move |s: &Arc<str>| shopper.as_ref().is_some_and(|me| me == s);
    let rest = until_stopping(state.desk.subscribe(), state.stopping.subscribe()).filter_map(
        move |heard| {
            std::future::ready(match heard {
                Heard::Message(DeskEvent::Chat {
                    conversation,
                    shopper,
                }) if mine(&shopper) => Some(json_event(
                    "chat",
                    serde_json::json!({ "conversation": conversation }),
                )),
                Heard::Message(DeskEvent::Typing {
                    shopper,
                    by: Author::Agent,
                    ..
                }) if mine(&shopper) => Some(json_event("typing", serde_json::json!({}))),
                Heard::Message(DeskEvent::Presence(n)) => Some(json_event(
                    "presence",
                    serde_json::json!({ "online": n > 0 }),
                )),
                Heard::Message(_) => None,
                Heard::FellBehind => Some(json_event("chat", serde_json::json!({}))),
            })
        },
    );
    futures_util::stream::once(async move { first }).chain(rest)
}

/// The console's live events; the agent counts as online while the stream is open.
pub fn agent_events(state: AppState) -> impl Stream<Item = Result<Event, Infallible>> {
    use futures_util::StreamExt;
    // Subscribed first, so the console hears its own arrival as its first event.
    let heard = until_stopping(state.desk.subscribe(), state.stopping.subscribe());
    let presence = state.desk.agent_connected();
    heard.filter_map(move |heard| {
        // Held by the stream: dropped, and the agent counted offline, when it ends.
        let _online = &presence;
        std::future::ready(match heard {
            Heard::Message(DeskEvent::Chat { conversation, .. }) => Some(json_event(
                "queue",
                serde_json::json!({ "conversation": conversation }),
            )),
            Heard::Message(DeskEvent::Typing {
                conversation,
                by: Author::Shopper,
                ..
            }) => Some(json_event(
                "typing",
                serde_json::json!({ "conversation": conversation }),
            )),
            Heard::Message(DeskEvent::Queue) | Heard::FellBehind => {
                Some(json_event("queue", serde_json::json!({})))
            }
            Heard::Message(DeskEvent::Presence(n)) => {
                Some(json_event("presence", serde_json::json!({ "online": n })))
            }
            Heard::Message(DeskEvent::Typing { .. }) => None,
        })
    })
}
