//! `/api/v1` request rate per token: a token bucket of
//! `[daemon.console] api_requests_per_minute` requests, refilled evenly
//! over the minute, read against the console's injected wall clock.
//!
//! The buckets live in this process: with several daemons behind one
//! proxy each node allows its own rate, so a token may reach up to that
//! many times the limit in all. That is accepted: the limit protects a
//! node from a runaway integration, not an account from a guesser (failed
//! token authentications are counted in the store, shared by every node,
//! as failed logins are).

use std::collections::HashMap;
use std::sync::Mutex;

/// A request is `UNIT` units; a bucket of `per_minute` requests refills by
/// exactly `per_minute` units a millisecond, so integer arithmetic loses
/// nothing however often the bucket is read.
const UNIT: i64 = 60_000;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    /// Requests still allowed, in units.
    units: i64,
    /// When `units` was last refilled.
    at_ms: i64,
}

/// One bucket per API token (by its number).
#[derive(Debug, Default)]
pub struct TokenBuckets {
    buckets: Mutex<HashMap<i64, Bucket>>,
}

impl TokenBuckets {
    /// Takes one request from the token's bucket at `now_ms`, or says in
    /// how many whole seconds the next one is allowed.
    pub fn take(&self, token_id: i64, now_ms: i64, per_minute: u32) -> Result<(), u64> {
        let rate = i64::from(per_minute.max(1));
        let cap = rate * UNIT;
        let mut map = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let b = map.entry(token_id).or_insert(Bucket { units: cap, at_ms: now_ms });
        let elapsed = (now_ms - b.at_ms).max(0);
        b.units = b.units.saturating_add(elapsed.saturating_mul(rate)).min(cap);
        b.at_ms = b.at_ms.max(now_ms);
        if b.units >= UNIT {
            b.units -= UNIT;
            return Ok(());
        }
        // Milliseconds until the missing units have come back, in whole
        // seconds, at least 1.
        let wait_ms = (UNIT - b.units + rate - 1) / rate;
        Err(u64::try_from(wait_ms).unwrap_or(0).div_ceil(1000).max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::TokenBuckets;

    #[test]
    fn a_full_bucket_then_refills_evenly() {
        let b = TokenBuckets::default();
        for _ in 0..60 {
            assert_eq!(b.take(1, 0, 60), Ok(()));
        }
        assert_eq!(b.take(1, 0, 60), Err(1));
        // Another token has its own bucket.
        assert_eq!(b.take(2, 0, 60), Ok(()));
        assert_eq!(b.take(1, 999, 60), Err(1));
        assert_eq!(b.take(1, 1000, 60), Ok(()));
        assert_eq!(b.take(1, 1000, 60), Err(1));
        // A slower rate waits longer: 6 a minute = one per 10 s.
        for _ in 0..6 {
            assert_eq!(b.take(3, 0, 6), Ok(()));
        }
        assert_eq!(b.take(3, 0, 6), Err(10));
        assert_eq!(b.take(3, 4_000, 6), Err(6));
        // Never more than the bucket holds, however long it rested.
        for _ in 0..60 {
            assert_eq!(b.take(1, 10_000_000, 60), Ok(()));
        }
        assert!(b.take(1, 10_000_000, 60).is_err());
        // Read every millisecond at a slow rate, the bucket still refills:
        // 6 a minute is one request per 10 s, however often it is asked.
        for _ in 0..6 {
            assert_eq!(b.take(4, 0, 6), Ok(()));
        }
        let allowed = (1..=20_000).filter(|ms| b.take(4, *ms, 6).is_ok()).count();
        assert_eq!(allowed, 2, "one request per 10 s over 20 s");
    }
}
