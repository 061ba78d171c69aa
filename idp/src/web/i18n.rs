//! The words of the pages, in French (first) and English. The language comes from the `lang`
//! parameter, then the `habilis_lang` cookie, then `ui_locales` of the authorization request;
//! French otherwise.

/// A page language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Français (default).
    Fr,
    /// English.
    En,
}

impl Lang {
    /// From a `lang` value or a locale list (`en-GB fr`): the first one Habilis speaks.
    pub fn pick(value: Option<&str>) -> Option<Self> {
        value?.split([' ', ',']).find_map(|l| {
            let l = l.trim().to_ascii_lowercase();
            if l.starts_with("fr") {
                Some(Self::Fr)
            } else if l.starts_with("en") {
                Some(Self::En)
            } else {
                None
            }
        })
    }

    /// The code (`fr`, `en`).
    pub fn code(self) -> &'static str {
        match self {
            Self::Fr => "fr",
            Self::En => "en",
        }
    }

    /// The other language.
    pub fn other(self) -> Self {
        match self {
            Self::Fr => Self::En,
            Self::En => Self::Fr,
        }
    }

    /// The words of this language.
    pub fn texts(self) -> &'static Texts {
        match self {
            Self::Fr => &FR,
            Self::En => &EN,
        }
    }
}

/// Every sentence of the login, consent and logout pages.
#[derive(Debug)]
pub struct Texts {
    /// Language code.
    pub lang: &'static str,
    /// Skip link.
    pub skip: &'static str,
    /// Language switch label.
    pub language: &'static str,
    /// Login page title.
    pub login_title: &'static str,
    /// Login page introduction (followed by the app name).
    pub login_intro: &'static str,
    /// Identifier label.
    pub username: &'static str,
    /// Password label.
    pub password: &'static str,
    /// Login button.
    pub login_button: &'static str,
    /// The one message of a refused login (never says whether the account exists).
    pub login_refused: &'static str,
    /// The form expired or was sent from elsewhere.
    pub form_expired: &'static str,
    /// Change page title.
    pub change_title: &'static str,
    /// Change page introduction.
    pub change_intro: &'static str,
    /// Current password label.
    pub current_password: &'static str,
    /// New password label.
    pub new_password: &'static str,
    /// New password rules.
    pub new_password_hint: &'static str,
    /// Confirmation label.
    pub confirm_password: &'static str,
    /// Change button.
    pub change_button: &'static str,
    /// Consent title.
    pub consent_title: &'static str,
    /// Consent sentence (after the app name).
    pub consent_intro: &'static str,
    /// Allow button.
    pub consent_allow: &'static str,
    /// Deny button.
    pub consent_deny: &'static str,
    /// Logout title.
    pub logout_title: &'static str,
    /// Logout question.
    pub logout_question: &'static str,
    /// Logout button.
    pub logout_button: &'static str,
    /// Logged out.
    pub logged_out: &'static str,
}

static FR: Texts = Texts {
    lang: "fr",
    skip: "Aller au contenu",
    language: "Langue",
    login_title: "Connexion",
    login_intro: "Identifiez-vous pour accéder à",
    username: "Identifiant",
    password: "Mot de passe",
    login_button: "Se connecter",
    login_refused: "Identifiant ou mot de passe incorrect, ou compte inutilisable. Réessayez ou \
                    contactez votre administrateur.",
    form_expired: "Ce formulaire a expiré ou n'a pas été envoyé depuis cette page. Recommencez \
                   depuis l'application.",
    change_title: "Choisissez votre mot de passe",
    change_intro: "Votre mot de passe est provisoire : choisissez-en un que vous seul \
                   connaissez avant de continuer.",
    current_password: "Mot de passe provisoire ou actuel",
    new_password: "Nouveau mot de passe",
    new_password_hint: "Au moins 12 caractères ; une phrase de passe facile à retenir convient.",
    confirm_password: "Confirmez le nouveau mot de passe",
    change_button: "Enregistrer et continuer",
    consent_title: "Autorisation",
    consent_intro: "demande à connaître :",
    consent_allow: "Autoriser",
    consent_deny: "Refuser",
    logout_title: "Déconnexion",
    logout_question: "Voulez-vous vous déconnecter de Habilis ?",
    logout_button: "Se déconnecter",
    logged_out: "Vous êtes déconnecté.",
};

static EN: Texts = Texts {
    lang: "en",
    skip: "Skip to content",
    language: "Language",
    login_title: "Log in",
    login_intro: "Identify yourself to access",
    username: "Identifier",
    password: "Password",
    login_button: "Log in",
    login_refused: "Wrong identifier or password, or unusable account. Try again or contact \
                    your administrator.",
    form_expired: "This form has expired or was not sent from this page. Start again from the \
                   application.",
    change_title: "Choose your password",
    change_intro: "Your password is temporary: choose one that only you know before going on.",
    current_password: "Temporary or current password",
    new_password: "New password",
    new_password_hint: "At least 12 characters; an easy-to-remember passphrase is fine.",
    confirm_password: "Confirm the new password",
    change_button: "Save and continue",
    consent_title: "Authorisation",
    consent_intro: "asks to know:",
    consent_allow: "Allow",
    consent_deny: "Deny",
    logout_title: "Log out",
    logout_question: "Do you want to log out of Habilis?",
    logout_button: "Log out",
    logged_out: "You are logged out.",
};
