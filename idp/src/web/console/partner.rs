//! A partner's pages for its administrators (and the fund's operators): accounts, groups,
//! habilitations, delegated managers, quotas, requests. Every action calls the same operation
//! as the admin API (`web::api::manage::*_as`), which asks `authz::decide` and then one domain
//! function; a refusal is shown next to its field.

mod accounts;

use axum::Router;
use axum::response::{IntoResponse, Response};

use super::Console;
use crate::authz::At;
use crate::partner::Partner;
use crate::state::AppState;
use crate::web::api::partners::seen_partner;

/// The words of these pages (see `console::i18n`).
pub(crate) const WORDS: &[super::i18n::Entry] = &[
    // Partner: accounts.
    ("accounts.title", "Utilisateurs", "Users"),
    ("accounts.new", "Créer un utilisateur", "Create a user"),
    (
        "accounts.new.intro",
        "L'identifiant est généré ; un mot de passe provisoire s'affiche une seule fois après la création, à transmettre à la personne. Elle devra le changer à sa première connexion.",
        "The login is generated; a temporary password is shown once after creation, to hand to the person. They must change it at their first login.",
    ),
    ("accounts.create", "Créer l'utilisateur", "Create the user"),
    (
        "accounts.filters",
        "Filtrer les utilisateurs",
        "Filter users",
    ),
    (
        "accounts.search.hint",
        "Identifiant, nom ou prénom",
        "Login, family or given name",
    ),
    (
        "accounts.role.hint",
        "Code du rôle, par exemple T2",
        "Role code, for example T2",
    ),
    ("accounts.group", "Groupe", "Group"),
    (
        "accounts.open",
        "Voir la fiche de l'utilisateur",
        "Open the user's page",
    ),
    ("accounts.created.title", "Utilisateur créé", "User created"),
    (
        "accounts.created.intro",
        "Le compte est créé. Transmettez à la personne son identifiant et son mot de passe provisoire.",
        "The account is created. Give the person their login and temporary password.",
    ),
    (
        "accounts.created.once",
        "Ce mot de passe provisoire ne sera plus jamais affiché. S'il est perdu, réinitialisez le mot de passe depuis la fiche de l'utilisateur.",
        "This temporary password will never be shown again. If it is lost, reset the password from the user's page.",
    ),
    (
        "accounts.temporary_password",
        "Mot de passe provisoire",
        "Temporary password",
    ),
    ("accounts.expires", "Valable jusqu'au", "Valid until"),
    ("account.given_name", "Prénom", "Given name"),
    ("account.family_name", "Nom de famille", "Family name"),
    ("account.unit", "Service ou unité", "Unit"),
    (
        "account.given_name.required",
        "Indiquez le prénom.",
        "Enter the given name.",
    ),
    (
        "account.family_name.required",
        "Indiquez le nom de famille.",
        "Enter the family name.",
    ),
];

pub(super) fn routes() -> Router<AppState> {
    Router::new().merge(accounts::routes())
}

/// The partner `id` if the person may see it (else the not-found page: another partner's
/// pages are not even shown to exist).
pub(super) async fn seen(
    app: &AppState,
    console: &Console,
    id: i64,
) -> Result<(Partner, At), Response> {
    seen_partner(app, &console.caller, id)
        .await
        .map_err(IntoResponse::into_response)
}
