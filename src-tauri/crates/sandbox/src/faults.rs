//! Seeded fault injection: throttling, server errors and added latency, so that retries and
//! admission control can be exercised deterministically.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::sync::Mutex;
use std::time::Duration;

/// What to inject.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FaultConfig {
    /// Probability (0–1) that a request is throttled.
    pub throttle_rate: f64,
    /// Probability (0–1) that a request fails with a 5xx.
    pub error_rate: f64,
    /// Latency added to every request.
    pub latency_ms: u64,
}

/// An injected failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Throttled (DRS 429 `ThrottlingException`, EC2 `RequestLimitExceeded`, STS `Throttling`).
    Throttle,
    /// A 5xx.
    ServerError,
}

/// The fault dice, one seeded generator for the whole server.
pub struct Faults {
    config: FaultConfig,
    seed: u64,
    rng: Mutex<StdRng>,
}

impl Faults {
    /// Faults per `config`, reproducible with `seed`.
    pub fn new(config: FaultConfig, seed: u64) -> Self {
        Self {
            config,
            seed,
            rng: Mutex::new(StdRng::seed_from_u64(seed)),
        }
    }

    /// Back to the first draw of the seed (`/_sandbox/reset`), so a run after a reset meets the
    /// same faults as the first.
    pub fn reset(&self) {
        let mut rng = match self.rng.lock() {
            Ok(r) => r,
            Err(p) => p.into_inner(),
        };
        *rng = StdRng::seed_from_u64(self.seed);
    }

    /// Added latency, if any.
    pub fn latency(&self) -> Option<Duration> {
        (self.config.latency_ms > 0).then(|| Duration::from_millis(self.config.latency_ms))
    }

    /// Whether this request fails, and how.
    pub fn draw(&self) -> Option<Fault> {
        if self.config.throttle_rate <= 0.0 && self.config.error_rate <= 0.0 {
            return None;
        }
        let mut rng = match self.rng.lock() {
            Ok(r) => r,
            Err(p) => p.into_inner(),
        };
        let x: f64 = rng.random();
        if x < self.config.throttle_rate {
            Some(Fault::Throttle)
        } else if x < self.config.throttle_rate + self.config.error_rate {
            Some(Fault::ServerError)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_faults() {
        let cfg = FaultConfig {
            throttle_rate: 0.3,
            error_rate: 0.1,
            latency_ms: 0,
        };
        let a: Vec<_> = (0..200)
            .map({
                let f = Faults::new(cfg.clone(), 7);
                move |_| f.draw()
            })
            .collect();
        let b: Vec<_> = (0..200)
            .map({
                let f = Faults::new(cfg.clone(), 7);
                move |_| f.draw()
            })
            .collect();
        assert_eq!(a, b);
        let throttled = a.iter().filter(|f| **f == Some(Fault::Throttle)).count();
        assert!((40..80).contains(&throttled), "{throttled}");
    }

    #[test]
    fn a_reset_replays_the_same_faults() {
        let cfg = FaultConfig {
            throttle_rate: 0.5,
            error_rate: 0.0,
            latency_ms: 0,
        };
        let f = Faults::new(cfg, 3);
        let a: Vec<_> = (0..50).map(|_| f.draw()).collect();
        f.reset();
        let b: Vec<_> = (0..50).map(|_| f.draw()).collect();
        assert_eq!(a, b);
    }

    #[test]
    fn no_faults_by_default() {
        let f = Faults::new(FaultConfig::default(), 1);
        assert!((0..100).all(|_| f.draw().is_none()));
    }
}
