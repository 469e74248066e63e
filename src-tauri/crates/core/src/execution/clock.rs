//! The `Clock` port: what time it is for an execution. Real executions use the system clock; on
//! the sandbox an execution lives on the sandbox's simulated clock (so a drill's elapsed time,
//! RTO and timeline mean what the real drill would take); engine tests and the simulation use a
//! clock they move by hand.

use std::sync::Mutex;
use std::time::Duration;
use time::OffsetDateTime;

/// What time it is.
pub trait Clock: Send + Sync {
    /// Now.
    fn now(&self) -> OffsetDateTime;
    /// Clock seconds per real second: 1 for the system clock, the time scale on the sandbox.
    fn rate(&self) -> f64 {
        1.0
    }
    /// How long to really wait for `clock` time to pass.
    fn real(&self, clock: Duration) -> Duration {
        let rate = self.rate();
        if rate > 0.0 && rate.is_finite() {
            clock.div_f64(rate)
        } else {
            clock
        }
    }
}

/// The system's clock (UTC).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that runs `rate` times faster than real time from `origin` (the sandbox's simulated
/// clock, read from the sandbox when the execution starts).
#[derive(Debug, Clone, Copy)]
pub struct ScaledClock {
    origin: OffsetDateTime,
    since: std::time::Instant,
    rate: f64,
}

impl ScaledClock {
    /// A clock that reads `origin` now and runs at `rate`.
    pub fn new(origin: OffsetDateTime, rate: f64) -> Self {
        Self {
            origin,
            since: std::time::Instant::now(),
            rate: if rate > 0.0 && rate.is_finite() {
                rate
            } else {
                1.0
            },
        }
    }
}

impl Clock for ScaledClock {
    fn now(&self) -> OffsetDateTime {
        let real = self.since.elapsed();
        self.origin + time::Duration::seconds_f64(real.as_secs_f64() * self.rate)
    }

    fn rate(&self) -> f64 {
        self.rate
    }
}

/// A clock moved by hand (tests and the simulation).
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<OffsetDateTime>,
}

impl ManualClock {
    /// A clock reading `start`.
    pub fn new(start: OffsetDateTime) -> Self {
        Self {
            now: Mutex::new(start),
        }
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let mut now = match self.now.lock() {
            Ok(n) => n,
            Err(p) => p.into_inner(),
        };
        *now += time::Duration::try_from(by).unwrap_or(time::Duration::ZERO);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        match self.now.lock() {
            Ok(n) => *n,
            Err(p) => *p.into_inner(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scaled_clock_runs_faster_and_waits_shorter() {
        let origin = time::macros::datetime!(2026-12-01 10:00 UTC);
        let c = ScaledClock::new(origin, 600.0);
        assert!(c.now() >= origin);
        assert_eq!(c.real(Duration::from_secs(60)), Duration::from_millis(100));
        let m = ManualClock::new(origin);
        m.advance(Duration::from_secs(90));
        assert_eq!(m.now(), time::macros::datetime!(2026-12-01 10:01:30 UTC));
        assert_eq!(
            SystemClock.real(Duration::from_secs(2)),
            Duration::from_secs(2)
        );
    }
}
