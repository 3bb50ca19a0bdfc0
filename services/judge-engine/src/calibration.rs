//! Milliseconds as contestants expect them, enforced as fuel.
//!
//! A problem's time limit means "this long, natively, on a judge machine". Each language has a
//! calibrated rate, fuel per millisecond of the same program's native run time, measured by
//! `bench/benches/calibrate.rs` and committed in `calibration.toml`. The fuel budget of a test
//! is `time_limit_ms x rate`; the time reported is `fuel / rate`. Both are independent of the
//! machine and of its load: the same submission gets the same verdict and time on every run.

use std::collections::BTreeMap;

use serde::Deserialize;

/// The committed rates.
const BUILTIN: &str = include_str!("../calibration.toml");

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Calibration {
    /// For languages without a rate of their own, and for `.wasm` programs.
    pub default: f64,
    #[serde(default)]
    pub languages: BTreeMap<String, f64>,
}

impl Calibration {
    pub fn builtin() -> Self {
        Self::parse(BUILTIN).expect("the committed calibration.toml parses")
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let calibration: Self = toml::from_str(text).map_err(|e| e.to_string())?;
        let rates =
            std::iter::once(calibration.default).chain(calibration.languages.values().copied());
        for rate in rates {
            if !(rate.is_finite() && rate >= 1.0) {
                return Err(format!("fuel per ms must be a number >= 1, not {rate}"));
            }
        }
        Ok(calibration)
    }

    /// Fuel per millisecond for `language` (`None`: a precompiled module).
    pub fn fuel_per_ms(&self, language: Option<&str>) -> f64 {
        language
            .and_then(|id| self.languages.get(id))
            .copied()
            .unwrap_or(self.default)
    }

    /// The fuel budget of `ms` milliseconds.
    pub fn fuel_for(&self, language: Option<&str>, ms: u64) -> u64 {
        let fuel = self.fuel_per_ms(language) * ms as f64;
        if fuel >= u64::MAX as f64 {
            u64::MAX
        } else {
            (fuel.ceil() as u64).max(1)
        }
    }

    /// The time `fuel` stands for, rounded down to whole milliseconds (a run that used all of a
    /// limit's fuel reports exactly the limit).
    pub fn ms_for(&self, language: Option<&str>, fuel: u64) -> u64 {
        (fuel as f64 / self.fuel_per_ms(language)).floor() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_calibration_parses() {
        let calibration = Calibration::builtin();
        assert!(calibration.default >= 1.0);
    }

    #[test]
    fn fuel_and_time_round_trip() {
        let calibration =
            Calibration::parse("default = 1000.0\n[languages]\npython3 = 250.5\n").expect("parses");
        for language in [None, Some("python3"), Some("unknown")] {
            for ms in [1, 7, 1000, 2500] {
                let fuel = calibration.fuel_for(language, ms);
                assert_eq!(calibration.ms_for(language, fuel), ms, "{language:?} {ms}");
            }
        }
        assert_eq!(calibration.fuel_for(Some("python3"), 2), 501);
    }

    #[test]
    fn nonsense_rates_are_refused() {
        assert!(Calibration::parse("default = 0.0\n").is_err());
        assert!(Calibration::parse("default = 5.0\n[languages]\nc = -1.0\n").is_err());
        assert!(Calibration::parse("default = \"fast\"\n").is_err());
    }
}
