//! The daemon (`xunjian run`): schedules, polling, leases, health.

use serde::Deserialize;

/// `[daemon]` in the configuration.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct DaemonConfig {}
