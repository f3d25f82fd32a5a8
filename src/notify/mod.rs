//! Notices: planning (which transitions cause which messages, to whom, when),
//! rendering (templates the office can edit), and delivery from the outbox
//! (SMTP through lettre, `.eml` files, WeCom / DingTalk webhooks).

use serde::Deserialize;

/// `[notify]` in the configuration.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct NotifyConfig {}

/// The notices a finding transition causes. Runs inside the store's
/// transaction, so it is a pure function of its inputs.
///
/// Placeholder until the notices issue lands: plans nothing.
pub fn plan_notices(
    _cfg: &NotifyConfig,
    _office_name: &str,
    _account: &crate::accounts::Account,
    _t: &crate::store::FindingTransition,
) -> Vec<crate::store::NewNotice> {
    Vec::new()
}
