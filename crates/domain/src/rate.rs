//! A sliding window rate limit: at most so many events per so many seconds for one
//! sender (chat messages, call-backs, sign-in failures).

/// At most `max` events per `per_seconds` for one sender.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    pub max: usize,
    pub per_seconds: i64,
}

impl RateLimit {
    /// Records an event at `now` if it is allowed; otherwise says how many seconds until
    /// the next one is. `recent` is this sender's earlier events, oldest first.
    pub fn allow(&self, recent: &mut Vec<i64>, now: i64) -> Result<(), i64> {
        recent.retain(|&t| t > now - self.per_seconds);
        if self.is_full(recent, now) {
            let oldest = recent.first().copied().unwrap_or(now);
            return Err((oldest + self.per_seconds - now).max(1));
        }
        recent.push(now);
        Ok(())
    }

    /// Whether the events in `recent` already use up the window ending at `now`.
    pub fn is_full(&self, recent: &[i64], now: i64) -> bool {
        recent
            .iter()
            .filter(|&&t| t > now - self.per_seconds)
            .count()
            >= self.max
    }
}

/// A wait in seconds (as [`RateLimit::allow`] answers it) in whole minutes, rounded up,
/// for "please try again in N minutes".
pub fn minutes_to_wait(seconds: i64) -> i64 {
    (seconds + 59) / 60
}

/// The windows of many senders, at most `capacity` of them at once, so counting cannot
/// itself exhaust memory: each sender keeps at most its limit's `max` times, a sender
/// whose window has emptied is forgotten when room is needed, and while every place is
/// taken by a sender still inside its window, a new sender is refused (and told to wait
/// a minute) rather than let through uncounted.
#[derive(Debug)]
pub struct Windows {
    capacity: usize,
    senders: std::collections::HashMap<String, (i64, Vec<i64>)>,
    /// When quiet senders were last looked for (at most once a second, so a stream of
    /// new senders against a full set costs a lookup each, not a sweep each).
    swept_at: i64,
}

/// What a new sender is told to wait while every place is taken.
pub const FULL_WAIT_SECONDS: i64 = 60;

impl Windows {
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            senders: std::collections::HashMap::new(),
            swept_at: i64::MIN,
        }
    }

    /// Counts an event for `sender` under `limit`, or says how many seconds to wait.
    pub fn allow(&mut self, sender: &str, limit: RateLimit, now: i64) -> Result<(), i64> {
        if !self.senders.contains_key(sender) && self.senders.len() >= self.capacity {
            if now > self.swept_at {
                self.swept_at = now;
                self.senders
                    .retain(|_, (window, times)| times.last().is_some_and(|&t| t > now - *window));
            }
            if self.senders.len() >= self.capacity {
                return Err(FULL_WAIT_SECONDS);
            }
        }
        let (window, times) = self
            .senders
            .entry(sender.to_owned())
            .or_insert_with(|| (limit.per_seconds, Vec::new()));
        *window = (*window).max(limit.per_seconds);
        limit.allow(times, now)
    }

    /// Takes back `sender`'s latest event (an attempt that turned out fine).
    pub fn give_back(&mut self, sender: &str) {
        if let Some((_, times)) = self.senders.get_mut(sender) {
            times.pop();
        }
    }

    /// How many senders are remembered.
    pub fn len(&self) -> usize {
        self.senders.len()
    }

    pub fn is_empty(&self) -> bool {
        self.senders.is_empty()
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const MINUTE: RateLimit = RateLimit {
        max: 2,
        per_seconds: 60,
    };

    #[test]
    fn a_full_set_of_windows_forgets_quiet_senders_and_refuses_new_ones_while_all_are_busy() {
        let mut windows = Windows::new(3);
        for sender in ["a", "b", "c"] {
            assert!(windows.allow(sender, MINUTE, 0).is_ok());
        }
        assert_eq!(windows.allow("d", MINUTE, 10), Err(FULL_WAIT_SECONDS));
        assert_eq!(
            windows.allow("e", MINUTE, 10),
            Err(FULL_WAIT_SECONDS),
            "swept once a second at most"
        );
        assert!(
            windows.allow("a", MINUTE, 10).is_ok(),
            "known senders go on"
        );
        assert_eq!(windows.allow("a", MINUTE, 11), Err(49));
        // A minute on, "b" and "c" are quiet and make room.
        assert!(windows.allow("d", MINUTE, 65).is_ok());
        assert_eq!(windows.len(), 2);
        windows.give_back("d");
        assert!(windows.allow("d", MINUTE, 66).is_ok());
        assert!(windows.allow("d", MINUTE, 67).is_ok());
        assert!(windows.allow("d", MINUTE, 68).is_err());
    }

    #[test]
    fn waits_are_told_in_whole_minutes_rounded_up() {
        assert_eq!(
            [1, 59, 60, 61, 3_600].map(minutes_to_wait),
            [1, 1, 1, 2, 60]
        );
    }

    #[test]
    fn rate_limit_counts_a_window() {
        let limit = RateLimit {
            max: 3,
            per_seconds: 10,
        };
        let mut recent = Vec::new();
        for t in 0..3 {
            assert!(limit.allow(&mut recent, t).is_ok());
        }
        assert_eq!(limit.allow(&mut recent, 5), Err(5));
        assert!(limit.allow(&mut recent, 10).is_ok());
    }

    proptest! {
        #[test]
        fn however_many_senders_come_the_windows_stay_bounded(
            senders in proptest::collection::vec((0u32..5_000, 0i64..3), 1..2_000)
        ) {
            let mut windows = Windows::new(100);
            let mut now = 0;
            for (sender, gap) in senders {
                now += gap;
                let _ = windows.allow(&sender.to_string(), MINUTE, now);
                prop_assert!(windows.len() <= 100);
            }
        }

        #[test]
        fn never_more_than_max_in_any_window(gaps in proptest::collection::vec(0i64..4, 1..200)) {
            let limit = RateLimit { max: 5, per_seconds: 10 };
            let mut recent = Vec::new();
            let mut allowed = Vec::new();
            let mut now = 0;
            for gap in gaps {
                now += gap;
                if limit.allow(&mut recent, now).is_ok() {
                    allowed.push(now);
                }
            }
            for (i, &t) in allowed.iter().enumerate() {
                let in_window = allowed[i..].iter().take_while(|&&u| u < t + 10).count();
                prop_assert!(in_window <= 5);
            }
        }
    }
}
