//! When to try a message again. Every message is tried on its own: one that fails never
//! holds up the others. A temporary failure (a busy server, no connection) is tried again
//! later, waiting longer each time; a permanent one (an address the mail server refuses
//! for good, one that cannot be written as an address at all) is parked at once, and so
//! is a message still failing after the last try. Parked mail waits for a person: staff
//! see it in the agent console and can send it again.

/// How long to wait after the 1st, 2nd, … failed try, in seconds: a minute, five, a
/// quarter of an hour, an hour, three, six, twelve, then a day. After the last wait's
/// try fails the message is parked (about two days after it was first tried).
pub const RETRY_WAITS: [i64; 8] = [
    60,
    5 * 60,
    15 * 60,
    60 * 60,
    3 * 60 * 60,
    6 * 60 * 60,
    12 * 60 * 60,
    24 * 60 * 60,
];

/// How a try failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// Worth trying again later: the server was busy or out of reach.
    Temporary,
    /// Trying again will not help: the address or the message is refused for good.
    Permanent,
}

/// What happens to a message after a failed try.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AfterFailure {
    /// Try again once `at` (unix seconds) has come.
    RetryAt(i64),
    /// Stop trying until staff send it again.
    Park,
}

/// What to do after the `failed_tries`-th failed try (1 for the first), at `now`.
pub fn after_failure(failed_tries: u32, failure: Failure, now: i64) -> AfterFailure {
    match failure {
        Failure::Permanent => AfterFailure::Park,
        Failure::Temporary => usize::try_from(failed_tries)
            .ok()
            .and_then(|n| n.checked_sub(1))
            .and_then(|i| RETRY_WAITS.get(i))
            .map_or(AfterFailure::Park, |wait| AfterFailure::RetryAt(now + wait)),
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn temporary_failures_wait_longer_each_time_then_park() {
        assert_eq!(
            after_failure(1, Failure::Temporary, 1_000),
            AfterFailure::RetryAt(1_060)
        );
        assert_eq!(
            after_failure(2, Failure::Temporary, 1_000),
            AfterFailure::RetryAt(1_300)
        );
        let last = u32::try_from(RETRY_WAITS.len()).unwrap();
        assert_eq!(
            after_failure(last, Failure::Temporary, 0),
            AfterFailure::RetryAt(24 * 60 * 60)
        );
        assert_eq!(
            after_failure(last + 1, Failure::Temporary, 0),
            AfterFailure::Park
        );
        assert_eq!(after_failure(0, Failure::Temporary, 0), AfterFailure::Park);
    }

    #[test]
    fn permanent_failures_park_at_once() {
        assert_eq!(after_failure(1, Failure::Permanent, 0), AfterFailure::Park);
    }

    proptest! {
        #[test]
        fn waits_never_shrink_and_every_message_is_parked_in_the_end(now in 0i64..4_000_000_000) {
            let mut previous = 0;
            let mut tries = 1u32;
            while let AfterFailure::RetryAt(at) = after_failure(tries, Failure::Temporary, now) {
                prop_assert!(at - now >= previous, "waits never shrink");
                previous = at - now;
                tries += 1;
                prop_assert!(tries <= 100);
            }
            prop_assert_eq!(tries as usize, RETRY_WAITS.len() + 1);
        }
    }
}
