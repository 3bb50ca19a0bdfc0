//! `xcode-judge-engine`: turns a problem package and a submission into verdicts.

mod aggregate;
pub mod calibration;
mod check;
pub mod default_validator;
mod engine;
mod execute;
mod interactive;
pub mod package;
pub mod problem;
pub mod verdict;
pub mod verify;

pub use calibration::Calibration;
pub use engine::{
    DEFAULT_TIME_LIMIT_MS, Engine, EngineConfig, Error, JudgeOptions, Result, Submission,
};
pub use execute::{Execution, RunLimits};
pub use verdict::{Event, GroupResult, Report, TestResult, Verdict};
