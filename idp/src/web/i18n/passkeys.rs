//! The words of the passkey parts of the pages (second-factor step, enrolment, the self-service
//! page `/account/passkeys`), in French and English.

/// Every sentence about passkeys.
#[derive(Debug)]
pub struct PasskeyTexts {
    /// Second-factor page title when the account has no authenticator app.
    pub second_factor_title: &'static str,
    /// Button starting a login with a passkey.
    pub use_button: &'static str,
    /// Introduction of that button.
    pub use_intro: &'static str,
    /// Passkeys need JavaScript (shown without it).
    pub needs_js: &'static str,
    /// The browser has no WebAuthn.
    pub unsupported: &'static str,
    /// The authenticator failed or the person cancelled (shown by the script).
    pub cancelled: &'static str,
    /// A refused passkey at login (never says why).
    pub refused: &'static str,
    /// Heading of the registration offer at enrolment.
    pub enrol_heading: &'static str,
    /// Why a passkey is the better choice.
    pub enrol_intro: &'static str,
    /// Heading of the TOTP part at enrolment.
    pub enrol_totp_heading: &'static str,
    /// Name field.
    pub name_label: &'static str,
    /// Name hint.
    pub name_hint: &'static str,
    /// Default name proposed.
    pub default_name: &'static str,
    /// Registration button.
    pub add_button: &'static str,
    /// Self-service page title.
    pub page_title: &'static str,
    /// Self-service page introduction.
    pub page_intro: &'static str,
    /// Table caption.
    pub caption: &'static str,
    /// No passkey yet.
    pub none: &'static str,
    /// Column: name.
    pub col_name: &'static str,
    /// Column: kind.
    pub col_kind: &'static str,
    /// Column: added.
    pub col_added: &'static str,
    /// Column: last used.
    pub col_used: &'static str,
    /// Column: actions.
    pub col_actions: &'static str,
    /// Kind: synced.
    pub kind_synced: &'static str,
    /// Kind: device-bound.
    pub kind_device: &'static str,
    /// Never used.
    pub never: &'static str,
    /// New name field.
    pub rename_label: &'static str,
    /// Rename button.
    pub rename_button: &'static str,
    /// Remove button.
    pub remove_button: &'static str,
    /// Heading of the add form.
    pub add_heading: &'static str,
    /// Passkeys are off on this server.
    pub unavailable: &'static str,
    /// After an addition.
    pub added: &'static str,
    /// After a rename.
    pub renamed: &'static str,
    /// After a removal.
    pub removed: &'static str,
    /// The fund requires a passkey of administrators.
    pub required: &'static str,
}

/// French.
pub(super) static FR: PasskeyTexts = PasskeyTexts {
    second_factor_title: "Second facteur",
    use_button: "Utiliser ma clé d'accès",
    use_intro: "Utilisez la clé d'accès enregistrée pour ce compte (clé de sécurité, Windows \
                Hello, Touch ID, téléphone…).",
    needs_js: "Les clés d'accès ont besoin de JavaScript, qui est désactivé dans ce navigateur.",
    unsupported: "Ce navigateur ne prend pas en charge les clés d'accès.",
    cancelled: "L'opération a été annulée ou a échoué. Réessayez.",
    refused: "Clé d'accès refusée, ou compte momentanément bloqué. Réessayez ou contactez \
              votre administrateur.",
    enrol_heading: "Option recommandée : une clé d'accès",
    enrol_intro: "Une clé d'accès (clé de sécurité USB ou NFC, Windows Hello, Touch ID, \
                  téléphone) résiste à l'hameçonnage : elle ne fonctionne que sur ce site.",
    enrol_totp_heading: "Ou : une application d'authentification",
    name_label: "Nom de la clé",
    name_hint: "Pour la reconnaître plus tard, par exemple « Clé USB bleue ».",
    default_name: "Clé d'accès",
    add_button: "Enregistrer une clé d'accès",
    page_title: "Mes clés d'accès",
    page_intro: "Vous êtes connecté avec l'identifiant",
    caption: "Clés d'accès enregistrées",
    none: "Aucune clé d'accès n'est enregistrée pour ce compte.",
    col_name: "Nom",
    col_kind: "Type",
    col_added: "Ajoutée le",
    col_used: "Dernière utilisation",
    col_actions: "Actions",
    kind_synced: "synchronisée (logicielle)",
    kind_device: "liée à l'appareil (matérielle)",
    never: "jamais",
    rename_label: "Nouveau nom de",
    rename_button: "Renommer",
    remove_button: "Supprimer",
    add_heading: "Ajouter une clé d'accès",
    unavailable: "Les clés d'accès ne sont pas disponibles sur ce serveur.",
    added: "La clé d'accès est enregistrée.",
    renamed: "La clé d'accès est renommée.",
    removed: "La clé d'accès est supprimée.",
    required: "Votre organisme exige des administrateurs une clé d'accès : les codes \
               d'application et de secours ne sont pas acceptés pour ce compte.",
};

/// English.
pub(super) static EN: PasskeyTexts = PasskeyTexts {
    second_factor_title: "Second factor",
    use_button: "Use my passkey",
    use_intro: "Use the passkey registered for this account (security key, Windows Hello, \
                Touch ID, phone…).",
    needs_js: "Passkeys need JavaScript, which is turned off in this browser.",
    unsupported: "This browser does not support passkeys.",
    cancelled: "The operation was cancelled or failed. Try again.",
    refused: "Passkey refused, or account temporarily blocked. Try again or contact your \
              administrator.",
    enrol_heading: "Recommended: a passkey",
    enrol_intro: "A passkey (USB or NFC security key, Windows Hello, Touch ID, phone) resists \
                  phishing: it only works on this site.",
    enrol_totp_heading: "Or: an authenticator app",
    name_label: "Name of the passkey",
    name_hint: "To recognise it later, for example \u{201c}Blue USB key\u{201d}.",
    default_name: "Passkey",
    add_button: "Register a passkey",
    page_title: "My passkeys",
    page_intro: "You are logged in as",
    caption: "Registered passkeys",
    none: "No passkey is registered for this account.",
    col_name: "Name",
    col_kind: "Kind",
    col_added: "Added",
    col_used: "Last used",
    col_actions: "Actions",
    kind_synced: "synced (software)",
    kind_device: "device-bound (hardware)",
    never: "never",
    rename_label: "New name of",
    rename_button: "Rename",
    remove_button: "Remove",
    add_heading: "Add a passkey",
    unavailable: "Passkeys are not available on this server.",
    added: "The passkey is registered.",
    renamed: "The passkey is renamed.",
    removed: "The passkey is removed.",
    required: "Your organisation requires administrators to use a passkey: app and recovery \
               codes are not accepted for this account.",
};
