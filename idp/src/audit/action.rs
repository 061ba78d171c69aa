//! The names of traced actions: `<object>.<verb>`, stable (statistics and exports read them).

/// A traced action's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Action(&'static str);

impl Action {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        self.0
    }
}

macro_rules! actions {
    ($($name:ident = $s:literal;)*) => {
        $(
            #[doc = concat!("`", $s, "`")]
            pub const $name: Action = Action($s);
        )*
        /// Every action, for documentation and filters.
        pub const ALL: &[Action] = &[$($name),*];
    };
}

actions! {
    FUND_CREATE = "fund.create";
    SERVICE_CREATE = "service.create";
    CLIENT_CREATE = "client.create";
    CLIENT_ROTATE_SECRET = "client.rotate_secret";
    CLIENT_DISABLE = "client.disable";
    CLIENT_UPDATE = "client.update";
    KEY_CREATE = "key.create";
    KEY_ROTATE = "key.rotate";
    PARTNER_CREATE = "partner.create";
    PARTNER_IMPORT = "partner.import";
    UNIT_CREATE = "unit.create";
    CONVENTION_CREATE = "convention.create";
    CONVENTION_ACTIVATE = "convention.activate";
    CONVENTION_SUSPEND = "convention.suspend";
    CONVENTION_REACTIVATE = "convention.reactivate";
    CONVENTION_TERMINATE = "convention.terminate";
    SUBSCRIPTION_SET = "subscription.set";
    ADMIN_DESIGNATE = "admin.designate";
    OPERATOR_CREATE = "operator.create";
    ACCOUNT_CREATE = "account.create";
    GROUP_CREATE = "group.create";
    GROUP_ADD_MEMBER = "group.add_member";
    GROUP_REMOVE_MEMBER = "group.remove_member";
    HABILITATION_GRANT = "habilitation.grant";
    HABILITATION_WITHDRAW = "habilitation.withdraw";
    DEMO_SEED = "demo.seed";
    // Accounts and credentials (logins, passwords, second factors, administrator actions).
    LOGIN_SUCCEED = "login.succeed";
    LOGIN_FAIL = "login.fail";
    PASSWORD_CHANGE = "password.change";
    PASSWORD_REHASH = "password.rehash";
    PASSWORD_RESET_REQUEST = "password.reset_request";
    PASSWORD_RESET = "password.reset";
    PASSWORD_ADMIN_RESET = "password.admin_reset";
    PASSWORD_FORCE_CHANGE = "password.force_change";
    PASSWORD_POLICY_SET = "password_policy.set";
    ACCOUNT_LOCK = "account.lock";
    ACCOUNT_UNLOCK = "account.unlock";
    ACCOUNT_DISABLE = "account.disable";
    ACCOUNT_ENABLE = "account.enable";
    TOTP_ENROL_BEGIN = "totp.enrol_begin";
    TOTP_ENROL = "totp.enrol";
    RECOVERY_CODES_REGENERATE = "recovery_codes.regenerate";
    RECOVERY_CODE_USE = "recovery_code.use";
    SECOND_FACTOR_RESET = "second_factor.reset";
    // OpenID Connect (tokens, sessions, logout).
    TOKEN_ISSUE = "token.issue";
    TOKEN_REFRESH_REUSE = "token.refresh_reuse";
    TOKEN_REVOKE = "token.revoke";
    SESSION_END = "session.end";
    // Delegation and supervision.
    HABILITATION_MODIFY = "habilitation.modify";
    HABILITATION_EXPIRE = "habilitation.expire";
    MANAGER_APPOINT = "manager.appoint";
    MANAGER_REVOKE = "manager.revoke";
    PARTNER_UPDATE = "partner.update";
    PARTNER_SUSPEND = "partner.suspend";
    PARTNER_REACTIVATE = "partner.reactivate";
    ACCOUNT_SUSPEND = "account.suspend";
    ACCOUNT_REACTIVATE = "account.reactivate";
    ACCOUNT_UPDATE = "account.update";
    CONVENTION_SET_MODE = "convention.set_mode";
    ACCESS_REQUEST_FILE = "access_request.file";
    ACCESS_REQUEST_APPROVE = "access_request.approve";
    ACCESS_REQUEST_REJECT = "access_request.reject";
    // Retention (the seal of a purge, see `audit::retention`).
    AUDIT_PURGE = "audit.purge";
}
