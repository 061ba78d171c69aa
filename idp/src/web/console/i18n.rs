//! The console's words, French first and English, by key. A page asks `f.t("key")`; a test
//! reads every template and console source file and fails on a key missing here, so a page
//! never shows a raw key. Domain refusals bring their own messages in both languages
//! (`UserError::message_fr` and `Display`).

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::web::i18n::Lang;

/// A translator for one language.
#[derive(Debug, Clone, Copy)]
pub(crate) struct T {
    lang: Lang,
}

impl T {
    /// The translator of `lang`.
    pub(crate) fn new(lang: Lang) -> Self {
        Self { lang }
    }

    /// The language.
    pub(crate) fn lang(self) -> Lang {
        self.lang
    }

    /// The sentence of `key`; the key itself when unknown (the test forbids that).
    pub(crate) fn get(self, key: &str) -> &'static str {
        match table().get(key) {
            Some((fr, en)) => match self.lang {
                Lang::Fr => fr,
                Lang::En => en,
            },
            None => {
                tracing::warn!(key, "console text missing");
                "?"
            }
        }
    }
}

fn table() -> &'static HashMap<&'static str, (&'static str, &'static str)> {
    static TABLE: OnceLock<HashMap<&'static str, (&'static str, &'static str)>> = OnceLock::new();
    TABLE.get_or_init(|| {
        SECTIONS
            .iter()
            .flat_map(|s| s.iter())
            .map(|(k, fr, en)| (*k, (*fr, *en)))
            .collect()
    })
}

/// Whether a key exists.
pub(crate) fn has(key: &str) -> bool {
    table().contains_key(key)
}

/// A sentence: key, French, English.
pub(crate) type Entry = (&'static str, &'static str, &'static str);

/// Every sentence, by section: shared words here, each group of pages its own list (in its
/// module, next to its pages).
pub(crate) const SECTIONS: &[&[Entry]] = &[
    WORDS,
    super::fund::WORDS,
    super::partner::WORDS,
    super::traces::WORDS,
    super::review::WORDS,
];

/// The shared sentences: frame, common words, messages, home and "my account".
pub(crate) const WORDS: &[Entry] = &[
    // Frame.
    ("app.name", "Habilis — console", "Habilis — console"),
    ("skip", "Aller au contenu", "Skip to content"),
    ("language", "Langue", "Language"),
    ("nav.label", "Menu principal", "Main menu"),
    ("nav.home", "Accueil", "Home"),
    ("nav.me", "Mon compte", "My account"),
    ("nav.fund", "Tableau de bord du fonds", "Fund dashboard"),
    ("nav.partners", "Partenaires", "Partners"),
    ("nav.requests", "Demandes", "Requests"),
    ("nav.partner", "Mon partenaire", "My partner"),
    ("nav.accounts", "Utilisateurs", "Users"),
    ("nav.groups", "Groupes", "Groups"),
    ("nav.habilitations", "Habilitations", "Habilitations"),
    (
        "nav.managers",
        "Gestionnaires délégués",
        "Delegated managers",
    ),
    ("nav.quotas", "Quotas", "Quotas"),
    ("logout", "Se déconnecter", "Log out"),
    ("logged_in_as", "Connecté en tant que", "Logged in as"),
    ("breadcrumb", "Fil d'Ariane", "Breadcrumb"),
    // Shared words.
    ("yes", "Oui", "Yes"),
    ("no", "Non", "No"),
    ("none", "Aucun", "None"),
    ("save", "Enregistrer", "Save"),
    ("cancel", "Annuler", "Cancel"),
    ("confirm", "Confirmer", "Confirm"),
    ("search", "Rechercher", "Search"),
    ("filter", "Filtrer", "Filter"),
    ("status", "Statut", "Status"),
    ("all", "Tous", "All"),
    ("name", "Nom", "Name"),
    ("reason", "Motif", "Reason"),
    (
        "reason.hint",
        "Le motif est conservé dans les traces.",
        "The reason is kept in the trace.",
    ),
    ("actions", "Actions", "Actions"),
    ("details", "Détails", "Details"),
    ("back", "Retour", "Back"),
    ("previous", "Page précédente", "Previous page"),
    ("next", "Page suivante", "Next page"),
    ("pagination", "Pagination", "Pagination"),
    (
        "page.of",
        "Résultats {from} à {to} sur {total}",
        "Results {from} to {to} of {total}",
    ),
    ("empty", "Aucun élément.", "Nothing here."),
    (
        "errors.title",
        "Le formulaire contient des erreurs",
        "The form has errors",
    ),
    ("done", "C'est fait.", "Done."),
    ("required", "obligatoire", "required"),
    ("optional", "facultatif", "optional"),
    ("date.hint", "Format : AAAA-MM-JJ", "Format: YYYY-MM-DD"),
    ("status.active", "Actif", "Active"),
    (
        "status.pending",
        "En attente de première connexion",
        "Awaiting first login",
    ),
    ("status.disabled", "Désactivé", "Disabled"),
    ("status.suspended", "Suspendu", "Suspended"),
    ("status.locked", "Verrouillé", "Locked"),
    ("status.draft", "Brouillon", "Draft"),
    ("status.terminated", "Résiliée", "Terminated"),
    ("status.expired", "Expirée", "Expired"),
    ("status.withdrawn", "Retirée", "Withdrawn"),
    // Errors and messages.
    ("problem.title", "Erreur", "Error"),
    (
        "problem.not_found",
        "Cette page n'existe pas, ou vous n'y avez pas accès.",
        "This page does not exist, or you cannot see it.",
    ),
    (
        "problem.forbidden",
        "Vous n'avez pas le droit de faire cela.",
        "You may not do this.",
    ),
    (
        "problem.internal",
        "Une erreur interne est survenue. Réessayez ; si elle persiste, donnez ce numéro au support :",
        "An internal error occurred. Try again; if it persists, give this number to support:",
    ),
    (
        "problem.unavailable",
        "Le service est momentanément indisponible. Réessayez dans quelques instants.",
        "The service is temporarily unavailable. Try again in a moment.",
    ),
    ("form.expired.title", "Formulaire expiré", "Form expired"),
    (
        "form.expired",
        "Ce formulaire a expiré ou ne vient pas de cette page. Rien n'a été modifié : recommencez depuis la page.",
        "This form expired or was not sent from this page. Nothing was changed: start again from the page.",
    ),
    (
        "login.expired.title",
        "Connexion interrompue",
        "Login interrupted",
    ),
    (
        "login.expired",
        "La connexion a expiré ou n'a pas été faite depuis ce navigateur. Recommencez.",
        "The login expired or was not started in this browser. Please start again.",
    ),
    ("login.again", "Se connecter", "Log in"),
    ("login.failed.title", "Connexion impossible", "Login failed"),
    (
        "login.denied",
        "La connexion a été refusée.",
        "The login was refused.",
    ),
    (
        "login.failed",
        "La connexion n'a pas abouti. Recommencez.",
        "The login did not complete. Please start again.",
    ),
    (
        "logout.done.title",
        "Vous êtes déconnecté",
        "You are logged out",
    ),
    (
        "logout.done",
        "Votre session est terminée, ainsi que celles des applications où vous étiez connecté par Habilis.",
        "Your session has ended, with those of the applications you had logged in to through Habilis.",
    ),
    (
        "mfa.required.title",
        "Second facteur requis",
        "Second factor required",
    ),
    (
        "mfa.required",
        "Votre fonds exige une connexion avec un second facteur pour administrer. Reconnectez-vous.",
        "Your fund requires a login with a second factor to administer. Please log in again.",
    ),
    (
        "mfa.required.link",
        "Se reconnecter avec un second facteur",
        "Log in again with a second factor",
    ),
    (
        "passkey.required.title",
        "Clé d'accès requise",
        "Passkey required",
    ),
    (
        "passkey.required",
        "Votre fonds exige une connexion avec une clé d'accès pour administrer. Reconnectez-vous avec votre clé.",
        "Your fund requires a login with a passkey to administer. Please log in again with your passkey.",
    ),
    (
        "passkey.required.link",
        "Se reconnecter avec une clé d'accès",
        "Log in again with a passkey",
    ),
    // Home.
    ("home.title", "Accueil", "Home"),
    (
        "home.intro",
        "Bienvenue dans la console Habilis.",
        "Welcome to the Habilis console.",
    ),
    ("home.roles", "Vos rôles", "Your roles"),
    (
        "home.agent",
        "Vous n'administrez rien : votre compte et vos habilitations sont sur la page « Mon compte ».",
        "You administer nothing: your account and habilitations are on the \"My account\" page.",
    ),
    ("role.fund_operator", "Opérateur du fonds", "Fund operator"),
    (
        "role.principal",
        "Administrateur principal",
        "Principal administrator",
    ),
    (
        "role.deputy",
        "Administrateur suppléant",
        "Deputy administrator",
    ),
    ("role.manager", "Gestionnaire délégué", "Delegated manager"),
    ("role.open", "Ouvrir", "Open"),
    // My account.
    ("me.title", "Mon compte", "My account"),
    ("me.identity", "Identité", "Identity"),
    ("me.login", "Identifiant", "Login"),
    ("me.email", "Courriel", "E-mail"),
    ("me.partner", "Partenaire", "Partner"),
    ("me.security", "Sécurité", "Security"),
    (
        "me.password",
        "Changer mon mot de passe",
        "Change my password",
    ),
    ("me.second_factor", "Second facteur", "Second factor"),
    (
        "me.totp.on",
        "Application d'authentification (TOTP) enregistrée.",
        "Authenticator app (TOTP) enrolled.",
    ),
    (
        "me.totp.off",
        "Aucune application d'authentification enregistrée.",
        "No authenticator app enrolled.",
    ),
    (
        "me.passkeys",
        "Clés d'accès enregistrées",
        "Registered passkeys",
    ),
    (
        "me.passkeys.manage",
        "Gérer mes clés d'accès",
        "Manage my passkeys",
    ),
    (
        "me.totp.hint",
        "Le second facteur s'enregistre à la connexion quand votre fonds l'exige ; votre administrateur peut le réinitialiser si vous perdez votre téléphone.",
        "The second factor is enrolled at login when your fund requires it; your administrator can reset it if you lose your phone.",
    ),
    (
        "me.recovery_left",
        "Codes de secours restants",
        "Recovery codes left",
    ),
    ("me.sessions", "Connexion en cours", "Current session"),
    ("me.session.since", "Connecté depuis", "Logged in since"),
    ("me.session.method", "Méthode", "Method"),
    ("me.habilitations", "Mes habilitations", "My habilitations"),
    (
        "me.habilitations.none",
        "Vous n'avez aucune habilitation.",
        "You hold no habilitation.",
    ),
    ("hab.service", "Service", "Service"),
    ("hab.role", "Rôle", "Role"),
    ("hab.via", "Attribuée", "Granted"),
    ("hab.via.direct", "directement", "directly"),
    ("hab.via.group", "par le groupe", "through group"),
    ("hab.territory", "Territoire", "Territory"),
    (
        "hab.territory.all",
        "Tout le territoire de la convention",
        "The convention's whole territory",
    ),
    ("hab.from", "Depuis le", "Since"),
    ("hab.until", "Jusqu'au", "Until"),
    ("hab.until.none", "Sans date de fin", "No end date"),
    ("hab.expires_soon", "expire bientôt", "expires soon"),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// Every key used by a console template or console source file exists, in both languages,
    /// and no key is defined twice.
    #[test]
    fn every_key_used_exists() {
        let mut seen = std::collections::HashSet::new();
        for (k, fr, en) in SECTIONS.iter().flat_map(|s| s.iter()) {
            assert!(seen.insert(*k), "key {k} defined twice");
            assert!(
                !fr.is_empty() && !en.is_empty(),
                "key {k} has an empty text"
            );
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        let mut dirs = vec![root.join("templates/console"), root.join("src/web/console")];
        while let Some(dir) = dirs.pop() {
            for e in std::fs::read_dir(&dir).expect("readable dir") {
                let path = e.expect("dir entry").path();
                if path.is_dir() {
                    dirs.push(path);
                } else if !path.ends_with("i18n.rs") {
                    // This file's own test names patterns, not keys.
                    files.push(path);
                }
            }
        }
        let mut missing = Vec::new();
        for f in files {
            let text = std::fs::read_to_string(&f).expect("readable file");
            let mut keys = Vec::new();
            // `f.t("key")` in templates and code.
            for (i, _) in text.match_indices(".t(\"") {
                let rest = &text[i + 4..];
                if let Some(end) = rest.find('"') {
                    keys.push(rest[..end].to_owned());
                }
            }
            // `message(status, lang, "title.key", "text.key", Some(("/href", "link.key")))`.
            for (i, _) in text.match_indices("message(") {
                let call = &text[i..];
                let call = &call[..call.find(";").unwrap_or(call.len())];
                for (n, part) in call.split('"').enumerate() {
                    if n % 2 == 1 && !part.starts_with('/') && !part.is_empty() {
                        keys.push(part.to_owned());
                    }
                }
            }
            for key in keys {
                if !has(&key) {
                    missing.push(format!("{}: {key}", f.display()));
                }
            }
        }
        assert!(missing.is_empty(), "missing console texts: {missing:#?}");
    }
}
