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

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

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
