//! The simulated clock shared by the simulator and the daemons under test.
//!
//! It reads `start` at the real instant `anchor_ms` (Unix milliseconds) and
//! runs `speed` times as fast as real time: the same definition as the
//! daemon's `XUNJIAN_CLOCK_START` / `XUNJIAN_CLOCK_ANCHOR_MS` /
//! `XUNJIAN_CLOCK_SPEED`, so one set of numbers gives every process the
//! same simulated "now".

use chrono::{DateTime, TimeDelta, Utc};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SimClock {
    pub start: DateTime<Utc>,
    pub anchor_ms: u64,
    pub speed: f64,
}

fn real_now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

impl SimClock {
    /// A clock reading `start` `lead` from now (real time), so processes
    /// started in between all begin at the same simulated instant.
    pub fn new(start: DateTime<Utc>, speed: f64, lead: Duration) -> Self {
        SimClock { start, anchor_ms: real_now_ms() + lead.as_millis() as u64, speed }
    }

    /// The simulated now; before the anchor it reads `start`.
    pub fn now(&self) -> DateTime<Utc> {
        let real_ms = real_now_ms().saturating_sub(self.anchor_ms);
        self.start + TimeDelta::milliseconds((real_ms as f64 * self.speed) as i64)
    }

    /// The environment that puts `xunjian run` on this clock.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            ("XUNJIAN_CLOCK_START".into(), self.start.to_rfc3339()),
            ("XUNJIAN_CLOCK_SPEED".into(), self.speed.to_string()),
            ("XUNJIAN_CLOCK_ANCHOR_MS".into(), self.anchor_ms.to_string()),
        ]
    }

    /// Real time until the simulated clock reads `t` (zero if it has).
    pub fn real_until(&self, t: DateTime<Utc>) -> Duration {
        let sim_ms = (t - self.now()).num_milliseconds().max(0) as f64;
        Duration::from_millis((sim_ms / self.speed).ceil() as u64)
    }

    /// A simulated span as real time.
    pub fn real_span(&self, sim: TimeDelta) -> Duration {
        Duration::from_millis((sim.num_milliseconds().max(0) as f64 / self.speed).ceil() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_from_its_anchor_at_its_speed() {
        let start = DateTime::parse_from_rfc3339("2026-07-01T00:00:00+08:00").unwrap().with_timezone(&Utc);
        let c = SimClock { start, anchor_ms: real_now_ms() - 10_000, speed: 3600.0 };
        let elapsed = c.now() - start;
        assert!(elapsed >= TimeDelta::hours(10) && elapsed < TimeDelta::hours(11), "{elapsed}");
        // Before its anchor a clock reads its start.
        let later = SimClock { anchor_ms: real_now_ms() + 60_000, ..c };
        assert_eq!(later.now(), start);
        assert_eq!(c.real_span(TimeDelta::hours(2)), Duration::from_secs(2));
    }
}
