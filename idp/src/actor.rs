//! Who performs an action: a person's account, the command line on the server, or Habilis
//! itself (scheduled jobs). Every trace names its actor (002 service contract art. 5.3.1), and
//! a program acting for a person uses that person's identity (002 art. 9.2).

/// The author of an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A person logged in to Habilis.
    Account {
        /// Account id.
        id: i64,
        /// Login identifier, as shown in traces.
        login: String,
    },
    /// Someone running `idp` on the server (installation administrator).
    Cli {
        /// The operating-system user, from `$USER`/`$LOGNAME`.
        os_user: String,
    },
    /// Habilis itself (retention purges, expiries, sync).
    System {
        /// The job's name.
        job: &'static str,
    },
    /// Nobody identified yet (failed logins).
    Anonymous,
}

impl Actor {
    /// The actor of a command typed on the server.
    pub fn cli() -> Self {
        let os_user = std::env::var("USER")
            .or_else(|_| std::env::var("LOGNAME"))
            .unwrap_or_else(|_| "unknown".to_owned());
        Self::Cli { os_user }
    }

    /// `account`, `cli`, `system` or `anonymous`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Account { .. } => "account",
            Self::Cli { .. } => "cli",
            Self::System { .. } => "system",
            Self::Anonymous => "anonymous",
        }
    }

    /// The account behind the action, if any.
    pub fn account_id(&self) -> Option<i64> {
        match self {
            Self::Account { id, .. } => Some(*id),
            _ => None,
        }
    }

    /// A short human label for traces.
    pub fn label(&self) -> String {
        match self {
            Self::Account { login, .. } => login.clone(),
            Self::Cli { os_user } => format!("cli:{os_user}"),
            Self::System { job } => format!("system:{job}"),
            Self::Anonymous => "anonymous".to_owned(),
        }
    }
}
