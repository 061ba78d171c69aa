//! A partner's pages for its administrators (and the fund's operators): accounts, groups,
//! habilitations, delegated managers, quotas, requests. Every action calls the same operation
//! as the admin API (`web::api::manage::*_as`), which asks `authz::decide` and then one domain
//! function; a refusal is shown next to its field.

mod account;
mod accounts;
mod groups;
mod habilitations;
mod managers;
mod quotas;
mod requests;
mod review;
mod traces;

use std::collections::BTreeSet;

use askama::Template;
use axum::Router;
use axum::response::{IntoResponse, Response};
use time::Date;

use super::Console;
use super::page::{Frame, failed};
use crate::authz::At;
use crate::habilitation::{Habilitation, Subject};
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
    // Partner: one account.
    ("account.edit", "Modifier le profil", "Edit the profile"),
    (
        "account.edit.intro",
        "L'identifiant ne change jamais. Le courriel est facultatif sauf si le fonds l'utilise comme identifiant.",
        "The login never changes. The e-mail address is optional unless the fund uses it as the login.",
    ),
    ("account.unit.keep", "Ne pas changer", "Leave as is"),
    ("account.groups", "Groupes", "Groups"),
    ("account.last_login", "Dernière connexion", "Last login"),
    ("account.never", "Jamais", "Never"),
    (
        "account.must_change",
        "doit changer son mot de passe",
        "must change their password",
    ),
    (
        "account.reset_password",
        "Réinitialiser le mot de passe",
        "Reset the password",
    ),
    (
        "account.reset_password.intro",
        "Un nouveau mot de passe provisoire remplace l'actuel, qui cesse de fonctionner ; les sessions de la personne sont fermées. Elle devra le changer à sa prochaine connexion.",
        "A new temporary password replaces the current one, which stops working; the person's sessions are ended. They must change it at their next login.",
    ),
    (
        "account.reset.done",
        "Le mot de passe est réinitialisé. Transmettez ce mot de passe provisoire à la personne.",
        "The password is reset. Give this temporary password to the person.",
    ),
    (
        "account.reset.emailed",
        "Le mot de passe est réinitialisé ; le mot de passe provisoire a été envoyé par courriel à",
        "The password is reset; the temporary password was e-mailed to",
    ),
    (
        "account.disable",
        "Désactiver le compte",
        "Disable the account",
    ),
    (
        "account.disable.intro",
        "La personne ne pourra plus se connecter et ses sessions sont fermées. Ses places dans les quotas sont libérées ; ses habilitations et l'historique sont conservés.",
        "The person can no longer log in and their sessions are ended. Their quota seats are freed; their habilitations and history are kept.",
    ),
    (
        "account.enable",
        "Réactiver le compte",
        "Enable the account",
    ),
    (
        "account.enable.intro",
        "La personne pourra de nouveau se connecter. Elle reprend une place dans le quota de chaque rôle qu'elle détient : la réactivation est refusée si un quota est atteint.",
        "The person can log in again. They take back a seat in the quota of every role they hold: enabling is refused if a quota is reached.",
    ),
    ("account.unlock", "Déverrouiller", "Unlock"),
    (
        "account.unlock.hint",
        "après trop d'échecs de connexion",
        "after too many failed logins",
    ),
    (
        "account.reset_second_factor",
        "Réinitialiser le second facteur",
        "Reset the second factor",
    ),
    (
        "account.reset_second_factor.intro",
        "L'application d'authentification et les codes de secours de la personne sont supprimés (par exemple après la perte d'un téléphone) ; ses sessions sont fermées. Elle enrôlera un nouveau second facteur à sa prochaine connexion si le fonds l'exige.",
        "The person's authenticator app and recovery codes are removed (for example after a lost phone); their sessions are ended. They enrol a new second factor at their next login when the fund requires it.",
    ),
    ("reason.required", "Indiquez un motif.", "Enter a reason."),
    (
        "done.account.edited",
        "Le profil est enregistré.",
        "The profile is saved.",
    ),
    (
        "done.account.disabled",
        "Le compte est désactivé.",
        "The account is disabled.",
    ),
    (
        "done.account.enabled",
        "Le compte est réactivé.",
        "The account is enabled.",
    ),
    (
        "done.account.unlocked",
        "Le compte est déverrouillé.",
        "The account is unlocked.",
    ),
    (
        "done.account.second_factor_reset",
        "Le second facteur est réinitialisé.",
        "The second factor is reset.",
    ),
    // Partner: habilitations.
    (
        "hab.grant",
        "Attribuer une habilitation",
        "Grant a habilitation",
    ),
    (
        "hab.filters",
        "Filtrer les habilitations",
        "Filter habilitations",
    ),
    (
        "hab.search.hint",
        "Code du service ou du rôle",
        "Service or role code",
    ),
    ("hab.holder", "Titulaire", "Holder"),
    ("hab.subject", "Attribuer à", "Grant to"),
    ("hab.subject.account", "un utilisateur", "a user"),
    ("hab.subject.group", "un groupe", "a group"),
    (
        "hab.account",
        "Identifiant de l'utilisateur",
        "User's login",
    ),
    (
        "hab.account.hint",
        "Si vous attribuez à un utilisateur. Exemple : 79caf0191.cmartin",
        "When granting to a user. Example: 79caf0191.cmartin",
    ),
    (
        "hab.account.required",
        "Indiquez l'identifiant de l'utilisateur.",
        "Enter the user's login.",
    ),
    (
        "hab.account.unknown",
        "Aucun utilisateur de ce partenaire n'a cet identifiant.",
        "No user of this partner has this login.",
    ),
    ("hab.group", "Groupe", "Group"),
    (
        "hab.group.required",
        "Choisissez le groupe.",
        "Choose the group.",
    ),
    (
        "hab.group.unknown",
        "Ce groupe n'existe pas chez ce partenaire.",
        "This group does not exist at this partner.",
    ),
    ("hab.offer", "Service et rôle", "Service and role"),
    (
        "hab.offer.hint",
        "Seuls les rôles ouverts par les adhésions du partenaire sont proposés.",
        "Only the roles opened by the partner's subscriptions are offered.",
    ),
    ("hab.offer.choose", "Choisissez…", "Choose…"),
    (
        "hab.offer.required",
        "Choisissez le service et le rôle.",
        "Choose the service and role.",
    ),
    (
        "hab.no_offer",
        "Aucune adhésion en vigueur : aucun rôle ne peut être attribué pour l'instant.",
        "No subscription in force: no role can be granted for now.",
    ),
    (
        "hab.territory.hint",
        "Cochez des départements ou communes pour restreindre l'habilitation ; sans case cochée, elle vaut sur tout le territoire de la convention.",
        "Tick départements or communes to narrow the habilitation; with none ticked, it covers the convention's whole territory.",
    ),
    ("hab.territory.of", "Convention", "Convention"),
    ("hab.attribute", "Attribut du rôle", "Role attribute"),
    (
        "hab.attribute.when",
        "requis pour certains rôles",
        "required for some roles",
    ),
    (
        "hab.attribute.hint",
        "Par exemple le numéro d'instructeur. Requis pour :",
        "For example the instructor number. Required for:",
    ),
    (
        "hab.attribute.required",
        "Ce rôle exige cet attribut : saisissez-le.",
        "This role requires this attribute: type it in.",
    ),
    (
        "hab.from.hint",
        "Par défaut aujourd'hui. Format : AAAA-MM-JJ",
        "Today by default. Format: YYYY-MM-DD",
    ),
    (
        "hab.end_date",
        "Changer la date de fin",
        "Move the end date",
    ),
    (
        "hab.end_date.hint",
        "Laissez vide pour une habilitation sans date de fin. Avancer la date coupe l'accès au service dès aujourd'hui si elle est passée.",
        "Leave empty for no end date. An earlier date ends access to the service at once when it is past.",
    ),
    (
        "hab.end_date.save",
        "Enregistrer la date de fin",
        "Save the end date",
    ),
    (
        "hab.withdraw",
        "Retirer l'habilitation",
        "Withdraw the habilitation",
    ),
    (
        "hab.withdraw.intro",
        "Le titulaire (ou chaque membre du groupe) perd aussitôt l'accès au service par cette habilitation ; ses jetons pour ce service sont révoqués. La place dans le quota est libérée. L'habilitation reste dans l'historique.",
        "The holder (or each member of the group) loses access to the service through this habilitation at once; their tokens for the service are revoked. The quota seat is freed. The habilitation stays in the history.",
    ),
    (
        "done.hab.granted",
        "L'habilitation est attribuée.",
        "The habilitation is granted.",
    ),
    (
        "done.hab.end_date",
        "La date de fin est enregistrée.",
        "The end date is saved.",
    ),
    (
        "done.hab.withdrawn",
        "L'habilitation est retirée.",
        "The habilitation is withdrawn.",
    ),
    // Partner: groups.
    ("groups.filters", "Rechercher un groupe", "Search groups"),
    ("groups.description", "Description", "Description"),
    ("groups.new", "Créer un groupe", "Create a group"),
    ("groups.create", "Créer le groupe", "Create the group"),
    (
        "groups.name.required",
        "Indiquez le nom du groupe.",
        "Enter the group's name.",
    ),
    ("groups.members", "Membres", "Members"),
    (
        "groups.remove",
        "Retirer du groupe",
        "Remove from the group",
    ),
    ("groups.add", "Ajouter un membre", "Add a member"),
    (
        "groups.add.hint",
        "Identifiant d'un utilisateur du partenaire. Le quota de chaque rôle du groupe est vérifié.",
        "Login of one of the partner's users. The quota of every role of the group is checked.",
    ),
    ("groups.add.button", "Ajouter", "Add"),
    (
        "groups.login.required",
        "Indiquez l'identifiant à ajouter.",
        "Enter the login to add.",
    ),
    (
        "groups.habilitations",
        "Habilitations du groupe",
        "The group's habilitations",
    ),
    (
        "done.group.created",
        "Le groupe est créé.",
        "The group is created.",
    ),
    (
        "done.group.added",
        "Le membre est ajouté.",
        "The member is added.",
    ),
    (
        "done.group.removed",
        "Le membre est retiré du groupe.",
        "The member is removed.",
    ),
    // Partner: delegated managers.
    ("managers.services", "Services", "Services"),
    ("managers.roles", "Rôles", "Roles"),
    ("managers.groups", "Groupes", "Groups"),
    ("managers.units", "Unités", "Units"),
    (
        "managers.may_delegate",
        "Peut nommer des gestionnaires",
        "May appoint managers",
    ),
    ("managers.since", "Depuis le", "Since"),
    ("managers.scope.all", "tous", "all"),
    (
        "managers.scope.hint",
        "Périmètre : sans case cochée dans une rubrique, le gestionnaire gère tout ce que la rubrique couvre (dans la limite de votre propre périmètre).",
        "Scope: with no box ticked in a section, the manager handles all it covers (within your own scope).",
    ),
    (
        "managers.appoint",
        "Nommer un gestionnaire délégué",
        "Appoint a delegated manager",
    ),
    (
        "managers.login.required",
        "Indiquez l'identifiant du futur gestionnaire.",
        "Enter the future manager's login.",
    ),
    ("managers.revoke", "Révoquer", "Revoke"),
    (
        "managers.revoke.intro",
        "La personne perd aussitôt ses droits de gestion ; son compte et ses habilitations ne changent pas.",
        "The person loses their management rights at once; their account and habilitations do not change.",
    ),
    (
        "done.manager.appointed",
        "Le gestionnaire est nommé.",
        "The manager is appointed.",
    ),
    (
        "done.manager.revoked",
        "Le gestionnaire est révoqué.",
        "The manager is revoked.",
    ),
    // Partner: quotas.
    (
        "quotas.intro",
        "Nombre de personnes distinctes qui détiennent chaque rôle aujourd'hui (directement ou par un groupe), sur le maximum fixé par le fonds. Les comptes désactivés ne comptent pas.",
        "Distinct people holding each role today (directly or through a group), out of the maximum the fund set. Disabled accounts do not count.",
    ),
    ("quotas.convention", "convention", "convention"),
    ("quotas.used", "Utilisation", "In use"),
    ("quotas.used_word", "utilisées", "used"),
    ("quotas.full", "quota atteint", "quota reached"),
    ("quotas.holders", "Titulaires", "Holders"),
    ("quotas.total", "Total du service", "Service total"),
    // Partner: requests.
    (
        "requests.intro",
        "En gestion centralisée, le fonds décide : vos demandes d'attribution sont déposées ici et suivies jusqu'à leur décision.",
        "In centralised management the fund decides: your grant requests are filed here and followed until decided.",
    ),
    ("requests.file", "Déposer une demande", "File a request"),
    (
        "requests.file.hint",
        "En gestion centralisée, « Déposer une demande » transmet ce formulaire au fonds au lieu d'attribuer directement.",
        "In centralised management, \"File a request\" sends this form to the fund instead of granting directly.",
    ),
    (
        "requests.filters",
        "Filtrer les demandes",
        "Filter requests",
    ),
    ("requests.number", "N°", "No."),
    ("requests.kind", "Nature", "Kind"),
    ("requests.what", "Objet", "Subject"),
    ("requests.date", "Déposée le", "Filed on"),
    ("requests.decision", "Décision", "Decision"),
    (
        "requests.kind.create_account",
        "Création de compte",
        "Account creation",
    ),
    ("requests.kind.grant", "Attribution", "Grant"),
    ("requests.kind.withdraw", "Retrait", "Withdrawal"),
    ("requests.kind.modify", "Modification", "Change"),
    ("requests.status.pending", "En attente", "Pending"),
    ("requests.status.approved", "Acceptée", "Approved"),
    ("requests.status.rejected", "Refusée", "Rejected"),
    ("requests.status.cancelled", "Annulée", "Cancelled"),
    // Agent: open sessions (on "my account").
    ("me.sessions.open", "Sessions ouvertes", "Open sessions"),
    ("me.session.last_seen", "Dernière activité", "Last activity"),
    ("me.session.this", "celle-ci", "this one"),
    (
        "me.sessions.hint",
        "Se déconnecter ferme toutes vos sessions. Si vous ne reconnaissez pas une session, changez votre mot de passe.",
        "Logging out ends all your sessions. If you do not recognise a session, change your password.",
    ),
    (
        "done.request.filed",
        "La demande est déposée.",
        "The request is filed.",
    ),
];

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .merge(accounts::routes())
        .merge(account::routes())
        .merge(groups::routes())
        .merge(habilitations::routes())
        .merge(managers::routes())
        .merge(quotas::routes())
        .merge(requests::routes())
        .merge(traces::routes())
        .merge(review::routes())
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

/// A confirmation step (RGAA: the consequences explained before a destructive or supervision
/// action), with a required reason when the action records one.
#[derive(Template)]
#[template(path = "console/partner/confirm.html")]
pub(super) struct Confirm {
    pub(super) f: Frame,
    pub(super) title: &'static str,
    pub(super) intro: &'static str,
    /// What the action concerns, as shown.
    pub(super) subject: String,
    pub(super) action: String,
    pub(super) back: String,
    pub(super) ask_reason: bool,
    pub(super) reason: String,
    pub(super) button: &'static str,
    pub(super) danger: bool,
}

/// A habilitation as the partner's pages show it.
#[derive(Debug, Clone)]
pub(super) struct Held {
    pub(super) id: i64,
    pub(super) service: String,
    pub(super) role: String,
    pub(super) role_label: String,
    /// The account holding it directly: id and login.
    pub(super) account: Option<(i64, String)>,
    /// The group holding it: id and name.
    pub(super) group: Option<(i64, String)>,
    pub(super) territory: Option<String>,
    pub(super) from: Date,
    pub(super) until: Option<Date>,
    pub(super) status: &'static str,
    /// Ends within 30 days.
    pub(super) soon: bool,
}

/// The habilitations as lines: service and role names, holders by login or group name (one
/// query for the accounts, one for the groups, one for the services).
pub(super) async fn held_lines(
    app: &AppState,
    partner: &Partner,
    held: Vec<Habilitation>,
    today: Date,
) -> Result<Vec<Held>, Response> {
    let fund = crate::web::api::partners::fund_of(app, partner)
        .await
        .map_err(IntoResponse::into_response)?;
    let services = crate::service::list(&app.db, &fund)
        .await
        .map_err(|e| failed(&e))?;
    let groups = crate::group::list_of_partner(&app.db, partner)
        .await
        .map_err(|e| failed(&e))?;
    let ids: BTreeSet<i64> = held
        .iter()
        .filter_map(|h| match h.subject {
            Subject::Account(a) => Some(a),
            Subject::Group(_) => None,
        })
        .collect();
    let accounts = crate::account::manage::by_ids(&app.db, &ids)
        .await
        .map_err(|e| failed(&e))?;
    Ok(held
        .into_iter()
        .map(|h| {
            let svc = services.iter().find(|s| s.code == h.service);
            let (account, group) = match h.subject {
                Subject::Account(a) => (
                    Some((
                        a,
                        accounts
                            .iter()
                            .find(|x| x.id == a)
                            .map_or_else(|| a.to_string(), |x| x.login.to_string()),
                    )),
                    None,
                ),
                Subject::Group(g) => (
                    None,
                    Some((
                        g,
                        groups
                            .iter()
                            .find(|x| x.id == g)
                            .map_or_else(|| g.to_string(), |x| x.name.clone()),
                    )),
                ),
            };
            Held {
                id: h.id,
                service: svc.map_or_else(|| h.service.to_string(), |s| s.name.clone()),
                role: h.role.to_string(),
                role_label: svc
                    .and_then(|s| s.role(h.role.as_str()))
                    .map(|r| r.label.clone())
                    .unwrap_or_default(),
                account,
                group,
                territory: h.territory.as_ref().map(ToString::to_string),
                from: h.valid_from,
                soon: h
                    .valid_until
                    .is_some_and(|u| u <= today + time::Duration::days(30)),
                until: h.valid_until,
                status: h.status.as_str(),
            }
        })
        .collect())
}
