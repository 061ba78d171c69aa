//! What a change asks of the directory: every domain operation that changes something the
//! directory shows calls [`enqueue`] in its own transaction, so a committed change always has
//! its outbox row and a rolled-back one never does. The worker applies rows in order.

use time::OffsetDateTime;

use crate::store::{self, StoreError, Tx};

/// A directory entry (and what hangs below it) to bring up to date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A fund's branch.
    Fund {
        /// Fund code.
        fund: String,
    },
    /// A partner's branch with its accounts and groups, and its fund's role groups.
    Partner {
        /// Fund code.
        fund: String,
        /// Third-party number.
        partner: String,
    },
    /// One account, its partner's groups, and its fund's role groups.
    Account {
        /// Fund code.
        fund: String,
        /// Third-party number.
        partner: String,
        /// Login.
        login: String,
    },
    /// One partner group.
    Group {
        /// Fund code.
        fund: String,
        /// Third-party number.
        partner: String,
        /// Group name.
        name: String,
    },
    /// The role groups of one service.
    Service {
        /// Fund code.
        fund: String,
        /// Service code.
        service: String,
    },
}

impl Change {
    /// The outbox row's (kind, key).
    pub fn row(&self) -> (&'static str, String) {
        match self {
            Self::Fund { fund } => ("fund", fund.clone()),
            Self::Partner { fund, partner } => ("partner", format!("{fund}/{partner}")),
            Self::Account {
                fund,
                partner,
                login,
            } => ("account", format!("{fund}/{partner}/{login}")),
            Self::Group {
                fund,
                partner,
                name,
            } => ("group", format!("{fund}/{partner}/{name}")),
            Self::Service { fund, service } => ("role_group", format!("{fund}/{service}")),
        }
    }

    /// The fund whose branch the change is in.
    pub fn fund(&self) -> &str {
        match self {
            Self::Fund { fund }
            | Self::Partner { fund, .. }
            | Self::Account { fund, .. }
            | Self::Group { fund, .. }
            | Self::Service { fund, .. } => fund,
        }
    }

    /// Parses an outbox row back (`None` for a row this version does not know).
    pub fn parse(kind: &str, key: &str) -> Option<Self> {
        let mut parts = key.splitn(3, '/').map(str::to_owned);
        let (a, b, c) = (parts.next(), parts.next(), parts.next());
        Some(match (kind, a, b, c) {
            ("fund", Some(fund), None, None) => Self::Fund { fund },
            ("partner", Some(fund), Some(partner), None) => Self::Partner { fund, partner },
            ("account", Some(fund), Some(partner), Some(login)) => Self::Account {
                fund,
                partner,
                login,
            },
            ("group", Some(fund), Some(partner), Some(name)) => Self::Group {
                fund,
                partner,
                name,
            },
            ("role_group", Some(fund), Some(service), None) => Self::Service { fund, service },
            _ => return None,
        })
    }
}

/// Queues the refresh of a partner's whole branch (its accounts and groups) and of its fund's
/// role groups: what a change of membership or of habilitations can alter.
pub async fn enqueue_partner(
    tx: &Tx,
    now: OffsetDateTime,
    partner_id: i64,
) -> Result<(), StoreError> {
    let partner = store::partner::by_id(tx, partner_id)
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("partner {partner_id} vanished")))?;
    let fund = store::catalogue::fund_by_id(tx, partner.fund_id)
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("fund {} vanished", partner.fund_id)))?;
    let change = Change::Partner {
        fund: fund.code.to_string(),
        partner: partner.third_party_number.to_string(),
    };
    enqueue(tx, now, &change).await
}

/// Queues `change` in the transaction of the change itself.
pub async fn enqueue(tx: &Tx, now: OffsetDateTime, change: &Change) -> Result<(), StoreError> {
    let (kind, key) = change.row();
    store::outbox::enqueue(tx, now, kind, &key).await
}
