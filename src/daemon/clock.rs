//! The daemon's clock: the machine's, or a simulated one that runs faster
//! so a test (or the simulator) can live through days in seconds.
//!
//! Only `xunjian run` reads these variables; they are for tests and the
//! simulator, never for production:
//!
//! * `XUNJIAN_CLOCK_START`: the simulated time (RFC 3339) at the anchor.
//! * `XUNJIAN_CLOCK_SPEED`: simulated seconds per real second (default 1).
//! * `XUNJIAN_CLOCK_ANCHOR_MS`: the real instant (Unix ms) at which the
//!   simulated clock reads START; default: when the process started. Give
//!   several daemons the same anchor and they share one simulated time, as
//!   their leases require.
//!
//! Schedules and due times follow this clock; the machinery (ticks, lease
//! lengths, heartbeats, grace periods) is configured in real seconds and
//! converted with [`ClockSetup::sim_span`].

use crate::clock::{Clock, SystemClock};
use chrono::{DateTime, TimeDelta, Utc};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A clock that reads `start` at the real instant `anchor` and runs
/// `speed` times as fast as real time.
#[derive(Debug, Clone, Copy)]
pub struct ScaledClock {
    start: DateTime<Utc>,
    anchor: SystemTime,
    speed: f64,
}

impl ScaledClock {
    pub fn new(start: DateTime<Utc>, anchor: SystemTime, speed: f64) -> Self {
        ScaledClock { start, anchor, speed }
    }
}

impl Clock for ScaledClock {
    fn now(&self) -> DateTime<Utc> {
        // Before the anchor the simulation has not started: it reads START.
        let real = SystemTime::now().duration_since(self.anchor).unwrap_or_default();
        let sim_ms = (real.as_secs_f64() * self.speed * 1000.0) as i64;
        self.start + TimeDelta::milliseconds(sim_ms)
    }
}

/// The clock `xunjian run` uses, and how fast it runs.
#[derive(Clone)]
pub struct ClockSetup {
    pub clock: Arc<dyn Clock>,
    /// Simulated seconds per real second (1 for the system clock).
    pub speed: f64,
    /// A description for the start-up log line.
    pub description: String,
}

impl std::fmt::Debug for ClockSetup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClockSetup").field("speed", &self.speed).field("description", &self.description).finish()
    }
}

impl ClockSetup {
    pub fn system() -> Self {
        ClockSetup { clock: Arc::new(SystemClock), speed: 1.0, description: "system clock".into() }
    }

    /// A real span of time as it passes on this clock.
    pub fn sim_span(&self, real: Duration) -> TimeDelta {
        TimeDelta::milliseconds((real.as_secs_f64() * self.speed * 1000.0).ceil() as i64)
    }

    /// From `XUNJIAN_CLOCK_*` (see the module documentation); the system
    /// clock when none is set.
    pub fn from_env() -> Result<Self, String> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        Self::from_vars(var("XUNJIAN_CLOCK_START"), var("XUNJIAN_CLOCK_SPEED"), var("XUNJIAN_CLOCK_ANCHOR_MS"))
    }

    fn from_vars(start: Option<String>, speed: Option<String>, anchor: Option<String>) -> Result<Self, String> {
        if start.is_none() && speed.is_none() && anchor.is_none() {
            return Ok(ClockSetup::system());
        }
        let speed = match speed {
            None => 1.0,
            Some(s) => match s.trim().parse::<f64>() {
                Ok(v) if v.is_finite() && v > 0.0 => v,
                _ => return Err(format!("XUNJIAN_CLOCK_SPEED={s:?} is not a positive number")),
            },
        };
        let anchor = match anchor {
            None => SystemTime::now(),
            Some(s) => {
                let ms: u64 =
                    s.trim().parse().map_err(|_| format!("XUNJIAN_CLOCK_ANCHOR_MS={s:?} is not Unix milliseconds"))?;
                UNIX_EPOCH + Duration::from_millis(ms)
            }
        };
        let start = match start {
            None => DateTime::<Utc>::from(anchor),
            Some(s) => DateTime::parse_from_rfc3339(s.trim())
                .map_err(|e| format!("XUNJIAN_CLOCK_START={s:?} is not an RFC 3339 time: {e}"))?
                .with_timezone(&Utc),
        };
        Ok(ClockSetup {
            clock: Arc::new(ScaledClock::new(start, anchor, speed)),
            speed,
            description: format!(
                "simulated clock from {} at {speed}x (XUNJIAN_CLOCK_*; for tests only)",
                start.to_rfc3339()
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_variables_is_the_system_clock() {
        let c = ClockSetup::from_vars(None, None, None).unwrap();
        assert_eq!(c.speed, 1.0);
        assert!((c.clock.now() - Utc::now()).num_seconds().abs() < 5);
    }

    #[test]
    fn a_fast_clock_runs_from_its_anchor() {
        let anchor_ms = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64 - 10_000;
        let c = ClockSetup::from_vars(
            Some("2026-10-01T00:00:00+08:00".into()),
            Some("3600".into()),
            Some(anchor_ms.to_string()),
        )
        .unwrap();
        // Ten real seconds after the anchor: at least ten simulated hours.
        let elapsed =
            c.clock.now() - DateTime::parse_from_rfc3339("2026-10-01T00:00:00+08:00").unwrap().with_timezone(&Utc);
        assert!(elapsed >= TimeDelta::hours(10) && elapsed < TimeDelta::hours(20), "{elapsed}");
        assert_eq!(c.sim_span(Duration::from_secs(2)), TimeDelta::hours(2));
    }

    #[test]
    fn a_future_anchor_holds_the_start() {
        let future = SystemTime::now() + Duration::from_secs(3600);
        let start = DateTime::parse_from_rfc3339("2026-10-01T00:00:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(ScaledClock::new(start, future, 100.0).now(), start);
    }

    #[test]
    fn bad_values_are_named() {
        assert!(ClockSetup::from_vars(None, Some("fast".into()), None).unwrap_err().contains("XUNJIAN_CLOCK_SPEED"));
        assert!(ClockSetup::from_vars(None, Some("0".into()), None).is_err());
        assert!(
            ClockSetup::from_vars(Some("yesterday".into()), None, None).unwrap_err().contains("XUNJIAN_CLOCK_START")
        );
        assert!(ClockSetup::from_vars(None, None, Some("x".into())).unwrap_err().contains("ANCHOR"));
    }
}
