//! The words of the pages, in French (first) and English. The language comes from the `lang`
//! parameter, then the `habilis_lang` cookie, then `ui_locales` of the authorization request;
//! French otherwise.

mod passkeys;

pub use passkeys::PasskeyTexts;

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

/// Every sentence of the login, second-factor, consent, logout and password pages.
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
    /// Link to the forgotten-password page.
    pub forgot_link: &'static str,
    /// Second-factor page title.
    pub totp_title: &'static str,
    /// Second-factor page introduction.
    pub totp_intro: &'static str,
    /// TOTP code label.
    pub totp_code: &'static str,
    /// Verify button.
    pub totp_button: &'static str,
    /// The one message of a refused code (wrong, reused, or account held back).
    pub code_refused: &'static str,
    /// Recovery-code option.
    pub recovery_toggle: &'static str,
    /// Recovery code label.
    pub recovery_code: &'static str,
    /// Recovery code hint.
    pub recovery_hint: &'static str,
    /// Recovery code button.
    pub recovery_button: &'static str,
    /// Enrolment page title.
    pub enrol_title: &'static str,
    /// Enrolment page introduction.
    pub enrol_intro: &'static str,
    /// Accessible name of the QR code.
    pub enrol_qr_label: &'static str,
    /// Manual key label.
    pub enrol_manual: &'static str,
    /// Enrolment button.
    pub enrol_button: &'static str,
    /// Wrong code at enrolment.
    pub enrol_wrong: &'static str,
    /// Recovery codes page title.
    pub codes_title: &'static str,
    /// Recovery codes page introduction.
    pub codes_intro: &'static str,
    /// The codes were already shown.
    pub codes_already_shown: &'static str,
    /// Continue button.
    pub continue_button: &'static str,
    /// Forgotten password page title.
    pub forgot_title: &'static str,
    /// Forgotten password page introduction.
    pub forgot_intro: &'static str,
    /// Send button.
    pub forgot_button: &'static str,
    /// The one answer to a reset request.
    pub forgot_sent: &'static str,
    /// Reset page title.
    pub reset_title: &'static str,
    /// Reset page introduction.
    pub reset_intro: &'static str,
    /// Save button.
    pub save_button: &'static str,
    /// After a reset.
    pub reset_done: &'static str,
    /// An unusable reset link.
    pub reset_invalid: &'static str,
    /// Link to ask for a new reset link.
    pub reset_again: &'static str,
    /// Self-service change page title.
    pub account_title: &'static str,
    /// Self-service change page introduction (followed by the login).
    pub account_intro: &'static str,
    /// The self-service page without a session.
    pub account_login_required: &'static str,
    /// After a self-service change.
    pub account_done: &'static str,
    /// A form sent from elsewhere or too late.
    pub forged_form: &'static str,
    /// The passkey parts.
    pub pk: &'static PasskeyTexts,
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
    forgot_link: "Mot de passe oublié ?",
    totp_title: "Code de vérification",
    totp_intro: "Saisissez le code à 6 chiffres affiché par votre application d'authentification.",
    totp_code: "Code à 6 chiffres",
    totp_button: "Vérifier",
    code_refused: "Code incorrect ou déjà utilisé, ou compte momentanément bloqué. Réessayez ou contactez votre administrateur.",
    recovery_toggle: "Utiliser un code de secours",
    recovery_code: "Code de secours",
    recovery_hint: "Chaque code de secours ne sert qu'une fois.",
    recovery_button: "Utiliser ce code",
    enrol_title: "Protégez votre compte",
    enrol_intro: "Votre compte demande un second facteur. Scannez ce QR code avec une application d'authentification (FreeOTP, Google Authenticator, Microsoft Authenticator…), puis saisissez le code qu'elle affiche.",
    enrol_qr_label: "QR code à scanner avec votre application d'authentification",
    enrol_manual: "Ou saisissez cette clé dans l'application :",
    enrol_button: "Activer",
    enrol_wrong: "Le code est incorrect : vérifiez l'heure de votre téléphone et réessayez.",
    codes_title: "Vos codes de secours",
    codes_intro: "Notez ou imprimez ces 10 codes et gardez-les en lieu sûr : chacun permet une connexion si vous perdez votre téléphone. Ils ne seront plus jamais affichés.",
    codes_already_shown: "Votre application d'authentification est activée. Vos codes de secours ont déjà été affichés ; ils ne le seront plus.",
    continue_button: "Continuer",
    forgot_title: "Mot de passe oublié",
    forgot_intro: "Indiquez votre identifiant : si le compte existe et a une adresse électronique, un lien pour choisir un nouveau mot de passe y sera envoyé. Le lien ne sert qu'une fois, pendant quelques minutes.",
    forgot_button: "Envoyer le lien",
    forgot_sent: "Si ce compte existe et possède une adresse électronique, un message vient d'y être envoyé (pensez à regarder dans les courriers indésirables). Sinon, contactez votre administrateur.",
    reset_title: "Nouveau mot de passe",
    reset_intro: "Choisissez un nouveau mot de passe. Vos sessions ouvertes seront fermées.",
    save_button: "Enregistrer",
    reset_done: "Votre mot de passe est enregistré et vos sessions ont été fermées. Reconnectez-vous depuis votre application.",
    reset_invalid: "Ce lien n'est plus valable (déjà utilisé ou expiré).",
    reset_again: "Demander un nouveau lien",
    account_title: "Changer de mot de passe",
    account_intro: "Vous êtes connecté avec l'identifiant",
    account_login_required: "Connectez-vous d'abord depuis votre application, puis revenez sur cette page.",
    account_done: "Votre mot de passe est changé.",
    forged_form: "Ce formulaire a expiré ou n'a pas été envoyé depuis cette page. Rechargez la page et recommencez.",
    pk: &passkeys::FR,
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
    forgot_link: "Forgot your password?",
    totp_title: "Verification code",
    totp_intro: "Enter the 6-digit code shown by your authenticator app.",
    totp_code: "6-digit code",
    totp_button: "Verify",
    code_refused: "Wrong or already used code, or account temporarily blocked. Try again or contact your administrator.",
    recovery_toggle: "Use a recovery code",
    recovery_code: "Recovery code",
    recovery_hint: "Each recovery code works once.",
    recovery_button: "Use this code",
    enrol_title: "Protect your account",
    enrol_intro: "Your account needs a second factor. Scan this QR code with an authenticator app (FreeOTP, Google Authenticator, Microsoft Authenticator…), then enter the code it shows.",
    enrol_qr_label: "QR code to scan with your authenticator app",
    enrol_manual: "Or type this key in the app:",
    enrol_button: "Activate",
    enrol_wrong: "The code is wrong: check your phone's clock and try again.",
    codes_title: "Your recovery codes",
    codes_intro: "Write down or print these 10 codes and keep them safe: each one lets you log in if you lose your phone. They will never be shown again.",
    codes_already_shown: "Your authenticator app is active. Your recovery codes were already shown; they will not be shown again.",
    continue_button: "Continue",
    forgot_title: "Forgotten password",
    forgot_intro: "Enter your identifier: if the account exists and has an e-mail address, a link to choose a new password will be sent to it. The link works once, for a few minutes.",
    forgot_button: "Send the link",
    forgot_sent: "If this account exists and has an e-mail address, a message has just been sent to it (check your spam folder). Otherwise, contact your administrator.",
    reset_title: "New password",
    reset_intro: "Choose a new password. Your open sessions will be closed.",
    save_button: "Save",
    reset_done: "Your password is saved and your sessions were closed. Log in again from your application.",
    reset_invalid: "This link is no longer valid (already used or expired).",
    reset_again: "Ask for a new link",
    account_title: "Change your password",
    account_intro: "You are logged in as",
    account_login_required: "Log in from your application first, then come back to this page.",
    account_done: "Your password is changed.",
    forged_form: "This form has expired or was not sent from this page. Reload the page and start again.",
    pk: &passkeys::EN,
};
