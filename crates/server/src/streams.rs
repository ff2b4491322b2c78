//! Live-event streams are connections that stay open, so they are bounded: in number
//! (in all, and per client address) and in age. A browser's `EventSource` reconnects by
//! itself when a stream ends, and every page reads everything again on (re)connecting,
//! so ending a stream loses nothing. A page refused a stream (503) still shows what it
//! read, but without live updates until it is reloaded: a browser does not reconnect
//! after a refusal.

use futures_util::{Stream, StreamExt};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Open anonymous streams the shop keeps at once.
pub const MAX_STREAMS: usize = 5_000;
/// Open anonymous streams one client address may keep (a shopper with a few tabs, or a
/// household behind one address).
pub const MAX_STREAMS_PER_ADDRESS: usize = 20;
/// How long a stream stays open before the shop ends it (the browser reconnects).
pub const STREAM_LIFETIME: Duration = Duration::from_secs(30 * 60);

/// Who holds how many open streams.
#[derive(Default)]
pub struct StreamSlots {
    open: Mutex<(usize, HashMap<String, usize>)>,
}

/// One open stream's place; given back when the stream ends.
pub struct StreamSlot {
    slots: Arc<StreamSlots>,
    address: String,
}

impl StreamSlots {
    /// A place for one more stream from `address`, or `None` when the shop or that address
    /// holds as many as it may.
    pub fn enter(self: &Arc<Self>, address: &str) -> Option<StreamSlot> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let (total, by_address) = &mut *open;
        let mine = by_address.get(address).copied().unwrap_or(0);
        if *total >= MAX_STREAMS || mine >= MAX_STREAMS_PER_ADDRESS {
            return None;
        }
        *total += 1;
        by_address.insert(address.to_owned(), mine + 1);
        Some(StreamSlot {
            slots: self.clone(),
            address: address.to_owned(),
        })
    }

    /// Streams open now.
    pub fn open(&self) -> usize {
        self.open.lock().unwrap_or_else(|e| e.into_inner()).0
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self.slots.open.lock().unwrap_or_else(|e| e.into_inner());
        let (total, by_address) = &mut *open;
        *total = total.saturating_sub(1);
        if let Some(n) = by_address.get_mut(&self.address) {
            *n -= 1;
            if *n == 0 {
                by_address.remove(&self.address);
            }
        }
    }
}

/// `events`, holding `slot` while it runs and ending after `lifetime`.
pub fn bounded<S: Stream + Send + 'static>(
    events: S,
    slot: StreamSlot,
    lifetime: Duration,
) -> impl Stream<Item = S::Item> + Send {
    events
        .take_until(tokio::time::sleep(lifetime))
        .map(move |item| {
            let _held = &slot;
            item
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_are_bounded_in_all_and_per_address_and_given_back() {
        let slots = Arc::new(StreamSlots::default());
        let mine: Vec<StreamSlot> = (0..MAX_STREAMS_PER_ADDRESS)
            .map(|_| slots.enter("203.0.113.9").unwrap())
            .collect();
        assert!(slots.enter("203.0.113.9").is_none(), "per address");
        assert!(
            slots.enter("198.51.100.7").is_some(),
            "others still get one"
        );
        drop(mine);
        assert_eq!(slots.open(), 0, "every place given back");
        let all: Vec<StreamSlot> = (0..MAX_STREAMS)
            .map(|i| slots.enter(&format!("a{i}")).unwrap())
            .collect();
        assert!(slots.enter("someone new").is_none(), "in all");
        drop(all);
        assert!(slots.enter("someone new").is_some());
    }

    #[tokio::test(start_paused = true)]
    async fn a_stream_ends_after_its_lifetime_and_gives_its_place_back() {
        let slots = Arc::new(StreamSlots::default());
        let slot = slots.enter("203.0.113.9").unwrap();
        let forever = futures_util::stream::pending::<u8>();
        let mut stream = Box::pin(bounded(forever, slot, Duration::from_secs(60)));
        let ended = tokio::time::timeout(Duration::from_secs(61), stream.next()).await;
        assert_eq!(
            ended.unwrap(),
            None,
            "ended by its lifetime, not the timeout"
        );
        drop(stream);
        assert_eq!(slots.open(), 0);
    }
}
