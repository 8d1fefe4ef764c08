//! Fault injection for every platform API route (never `/sim/*`): random −1 "system busy" answers,
//! extra latency, hangs long enough for a client to time out, and 60020 (IP not allowed) for chosen
//! apps or corps. Token invalidation lives in the token registry. With a seed the random draws are
//! reproducible, so tests can rely on them.

use std::sync::Mutex;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::api_error::ApiError;

/// The faults in force. `POST /sim/faults` replaces it whole; missing fields take their defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaultConfig {
    /// Probability (0..=1) that a call answers −1 instead of being served.
    pub system_error_probability: f64,
    /// Extra latency added to every call, in milliseconds.
    pub latency_ms: u64,
    /// Probability (0..=1) that a call hangs for `timeout_ms` (then answers −1).
    pub timeout_probability: f64,
    /// How long a "timeout" hangs, in milliseconds (default 30 000).
    pub timeout_ms: u64,
    /// Apps, corps, suites or accounts (by name, corp id, appid or suite id) whose calls answer
    /// 60020 "not allow to access from your ip".
    pub deny_ip: Vec<String>,
    /// When not empty, the random faults and latency apply only to these API paths.
    pub paths: Vec<String>,
}

impl Default for FaultConfig {
    fn default() -> Self {
        Self {
            system_error_probability: 0.0,
            latency_ms: 0,
            timeout_probability: 0.0,
            timeout_ms: 30_000,
            deny_ip: Vec::new(),
            paths: Vec::new(),
        }
    }
}

impl FaultConfig {
    /// Checks the values; the message says what to fix.
    pub fn validate(&self) -> Result<(), String> {
        for (name, p) in [
            ("system_error_probability", self.system_error_probability),
            ("timeout_probability", self.timeout_probability),
        ] {
            if !(0.0..=1.0).contains(&p) {
                return Err(format!("{name} must be between 0 and 1, got {p}"));
            }
        }
        Ok(())
    }
}

/// What the API layer must do before serving a call.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FaultDecision {
    /// Wait this long first.
    pub delay: Duration,
    /// Then answer this instead of serving the call.
    pub answer: Option<ApiError>,
}

/// The fault injector.
#[derive(Debug)]
pub struct Faults {
    config: Mutex<FaultConfig>,
    rng: Mutex<StdRng>,
    seed: Option<u64>,
}

impl Faults {
    /// No faults; draws seeded with `seed` when given (reproducible), else from the OS.
    pub fn new(seed: Option<u64>) -> Self {
        Self {
            config: Mutex::new(FaultConfig::default()),
            rng: Mutex::new(Self::rng(seed)),
            seed,
        }
    }

    fn rng(seed: Option<u64>) -> StdRng {
        match seed {
            Some(seed) => StdRng::seed_from_u64(seed),
            None => rand::make_rng(),
        }
    }

    /// The faults in force.
    pub fn config(&self) -> FaultConfig {
        self.config
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Replaces the faults in force (after validating them).
    pub fn set(&self, config: FaultConfig) -> Result<(), String> {
        config.validate()?;
        *self.config.lock().unwrap_or_else(|e| e.into_inner()) = config;
        Ok(())
    }

    /// Removes every fault and restarts the random sequence from the seed.
    pub fn reset(&self) {
        *self.config.lock().unwrap_or_else(|e| e.into_inner()) = FaultConfig::default();
        *self.rng.lock().unwrap_or_else(|e| e.into_inner()) = Self::rng(self.seed);
    }

    /// Draws the faults for one call on `path`.
    pub fn before_call(&self, path: &str) -> FaultDecision {
        let config = self.config();
        if !config.paths.is_empty() && !config.paths.iter().any(|p| p == path) {
            return FaultDecision::default();
        }
        let mut decision = FaultDecision {
            delay: Duration::from_millis(config.latency_ms),
            answer: None,
        };
        let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
        if config.timeout_probability > 0.0 && rng.random_bool(config.timeout_probability) {
            decision.delay += Duration::from_millis(config.timeout_ms);
            decision.answer = Some(ApiError::system_busy());
        } else if config.system_error_probability > 0.0
            && rng.random_bool(config.system_error_probability)
        {
            decision.answer = Some(ApiError::system_busy());
        }
        decision
    }

    /// 60020 when any of `names` (an owner's app name, corp id, appid…) is denied.
    pub fn check_denied(&self, names: &[&str]) -> Result<(), ApiError> {
        let config = self.config.lock().unwrap_or_else(|e| e.into_inner());
        if config.deny_ip.iter().any(|d| names.contains(&d.as_str())) {
            return Err(ApiError::ip_not_allowed());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_draws_repeat_after_reset() {
        let faults = Faults::new(Some(7));
        let config = FaultConfig {
            system_error_probability: 0.5,
            ..FaultConfig::default()
        };
        faults.set(config.clone()).unwrap();
        let first: Vec<bool> = (0..32)
            .map(|_| faults.before_call("/x").answer.is_some())
            .collect();
        assert!(first.iter().any(|&x| x) && first.iter().any(|&x| !x));
        faults.reset();
        faults.set(config).unwrap();
        let second: Vec<bool> = (0..32)
            .map(|_| faults.before_call("/x").answer.is_some())
            .collect();
        assert_eq!(first, second);
    }

    #[test]
    fn validates_and_filters_paths_and_denies() {
        let faults = Faults::new(None);
        let bad = FaultConfig {
            timeout_probability: 1.5,
            ..FaultConfig::default()
        };
        assert!(faults.set(bad).unwrap_err().contains("timeout_probability"));
        faults
            .set(FaultConfig {
                system_error_probability: 1.0,
                paths: vec!["/a".into()],
                deny_ip: vec!["acme-app".into()],
                ..FaultConfig::default()
            })
            .unwrap();
        assert_eq!(faults.before_call("/a").answer.unwrap().errcode, -1);
        assert_eq!(faults.before_call("/b"), FaultDecision::default());
        assert_eq!(
            faults
                .check_denied(&["acme-app", "wwacme"])
                .unwrap_err()
                .errcode,
            60020
        );
        assert!(faults.check_denied(&["other"]).is_ok());
    }
}
