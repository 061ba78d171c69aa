//! The words of the fund's pages, French then English (see `console::i18n`). Keys are under
//! `fund.` so that other page groups cannot collide with them.

use crate::web::console::i18n::Entry;

pub(super) const WORDS: &[Entry] = &[
    // Partners list.
    ("partners.title", "Partenaires", "Partners"),
    (
        "partners.filters",
        "Filtrer les partenaires",
        "Filter partners",
    ),
    (
        "partners.search.hint",
        "Nom ou numéro de tiers",
        "Name or third-party number",
    ),
    ("partners.number", "Numéro de tiers", "Third-party number"),
    // Dashboard.
    (
        "fund.dash.title",
        "Tableau de bord du fonds",
        "Fund dashboard",
    ),
    ("fund.dash.register", "Registre", "Register"),
    ("fund.dash.fund", "Fonds", "Fund"),
    (
        "fund.dash.partners_active",
        "Partenaires actifs",
        "Active partners",
    ),
    (
        "fund.dash.partners_suspended",
        "Partenaires suspendus",
        "Suspended partners",
    ),
    (
        "fund.dash.conventions_active",
        "Conventions actives",
        "Active conventions",
    ),
    (
        "fund.dash.conventions_draft",
        "Conventions en préparation",
        "Draft conventions",
    ),
    (
        "fund.dash.conventions_suspended",
        "Conventions suspendues",
        "Suspended conventions",
    ),
    (
        "fund.dash.all_partners",
        "Voir tous les partenaires",
        "See every partner",
    ),
    ("fund.dash.requests", "Demandes d'accès", "Access requests"),
    (
        "fund.dash.requests.none",
        "Aucune demande en attente.",
        "No pending request.",
    ),
    (
        "fund.dash.requests.pending",
        "demande(s) en attente de décision",
        "request(s) awaiting a decision",
    ),
    (
        "fund.dash.notice",
        "Échéances des conventions",
        "Convention deadlines",
    ),
    (
        "fund.dash.notice.hint",
        "Les conventions se renouvellent chaque année par tacite reconduction ; une résiliation doit être reçue au moins trois mois avant l'échéance (convention 002, art. 17). Sont listées celles dont la date limite de préavis arrive dans les 45 jours ou est dépassée.",
        "Conventions renew every year tacitly; a termination must be received at least three months before the renewal (convention 002, art. 17). Listed: those whose notice deadline is within 45 days or past.",
    ),
    (
        "fund.dash.notice.none",
        "Aucune échéance proche.",
        "No deadline soon.",
    ),
    (
        "fund.dash.notice.passed",
        "Préavis dépassé : reconduction à l'échéance",
        "Notice deadline past: renews at term",
    ),
    (
        "fund.dash.notice.soon",
        "Date limite de préavis proche",
        "Notice deadline soon",
    ),
    (
        "fund.dash.quotas",
        "Quotas presque atteints",
        "Quotas nearly reached",
    ),
    (
        "fund.dash.quotas.hint",
        "Rôles utilisés à 90 % ou plus de leur quota, dans les conventions actives.",
        "Roles using 90% or more of their quota, in active conventions.",
    ),
    (
        "fund.dash.quotas.none",
        "Aucun quota presque atteint.",
        "No quota nearly reached.",
    ),
    // Partner.
    ("fund.partner.new", "Ajouter un partenaire", "Add a partner"),
    (
        "fund.partner.create",
        "Ajouter le partenaire",
        "Add the partner",
    ),
    (
        "fund.partner.edit",
        "Modifier le partenaire",
        "Edit the partner",
    ),
    ("fund.partner.identity", "Identité", "Identity"),
    ("fund.partner.kind", "Nature", "Kind"),
    ("fund.partner.siret", "SIRET", "SIRET"),
    ("fund.partner.siret.hint", "14 chiffres", "14 digits"),
    (
        "fund.partner.number.hint",
        "Numéro du partenaire dans le registre des tiers du fonds, par exemple 79A69243.",
        "The partner's number in the fund's third-party register, for example 79A69243.",
    ),
    (
        "fund.partner.suspend",
        "Suspendre le partenaire",
        "Suspend the partner",
    ),
    (
        "fund.partner.suspend.title",
        "Suspendre le partenaire",
        "Suspend the partner",
    ),
    (
        "fund.partner.suspend.consequences",
        "Tous les accès des utilisateurs de ce partenaire sont suspendus immédiatement : leurs sessions sont fermées et leurs jetons révoqués. Les habilitations sont conservées et reviennent à la réactivation.",
        "Every access of this partner's users is suspended at once: their sessions end and their tokens are revoked. Habilitations are kept and come back on reactivation.",
    ),
    (
        "fund.partner.reactivate",
        "Réactiver le partenaire",
        "Reactivate the partner",
    ),
    (
        "fund.partner.reactivate.title",
        "Réactiver le partenaire",
        "Reactivate the partner",
    ),
    (
        "fund.partner.reactivate.consequences",
        "Les utilisateurs du partenaire retrouvent les accès que la suspension avait interrompus.",
        "The partner's users get back the access the suspension paused.",
    ),
    ("fund.kind.commune", "Commune", "Municipality"),
    ("fund.kind.departement", "Département", "Département"),
    (
        "fund.kind.childcare_operator",
        "Gestionnaire d'accueil du jeune enfant",
        "Childcare operator",
    ),
    (
        "fund.kind.childcare_structure",
        "Structure d'accueil du jeune enfant",
        "Childcare facility",
    ),
    (
        "fund.kind.information_point",
        "Lieu d'information",
        "Information point",
    ),
    ("fund.kind.other", "Autre", "Other"),
    // Units.
    ("fund.unit.title", "Services et structures", "Units"),
    (
        "fund.unit.add",
        "Ajouter un service ou une structure",
        "Add a unit",
    ),
    ("fund.unit.code", "Code", "Code"),
    (
        "fund.unit.code.hint",
        "Unique chez le partenaire : lettres, chiffres, « - » et « _ », 32 caractères au plus.",
        "Unique within the partner: letters, digits, \"-\" and \"_\", at most 32 characters.",
    ),
    // Administrators.
    ("fund.admin.title", "Administrateurs", "Administrators"),
    (
        "fund.admin.hint",
        "L'administrateur principal et son suppléant sont désignés par le fonds (contrat de service 002, art. 2.2.2).",
        "The principal administrator and the deputy are designated by the fund (service contract 002, art. 2.2.2).",
    ),
    (
        "fund.admin.none",
        "Aucun administrateur désigné.",
        "No administrator designated.",
    ),
    ("fund.admin.seat", "Fonction", "Seat"),
    (
        "fund.admin.seat.principal",
        "Administrateur principal",
        "Principal administrator",
    ),
    (
        "fund.admin.seat.deputy",
        "Administrateur suppléant",
        "Deputy administrator",
    ),
    ("fund.admin.designate", "Désigner", "Designate"),
    (
        "fund.admin.login.hint",
        "Identifiant d'un compte du partenaire. Pas encore de compte ?",
        "Login of an account of the partner. No account yet?",
    ),
    (
        "fund.admin.login.unknown",
        "Aucun compte de ce partenaire n'a cet identifiant.",
        "No account of this partner has this login.",
    ),
    // Conventions.
    ("fund.conv.title", "Conventions", "Conventions"),
    ("fund.conv.one", "Convention", "Convention"),
    (
        "fund.conv.new",
        "Créer une convention",
        "Create a convention",
    ),
    (
        "fund.conv.create",
        "Créer la convention",
        "Create the convention",
    ),
    (
        "fund.conv.new.intro",
        "La convention est créée en préparation : aucun accès n'est ouvert avant son activation. Elle vaut un an et se renouvelle chaque année par tacite reconduction (préavis de trois mois).",
        "The convention is created as a draft: no access opens before it is activated. It lasts a year and renews tacitly every year (three months' notice).",
    ),
    ("fund.conv.number", "Numéro", "Number"),
    (
        "fund.conv.number.hint",
        "Unique dans le fonds, par exemple 79-2017-19.",
        "Unique within the fund, for example 79-2017-19.",
    ),
    ("fund.conv.partner", "Partenaire", "Partner"),
    ("fund.conv.effective_from", "Date d'effet", "Effective date"),
    ("fund.conv.signed_on", "Date de signature", "Signature date"),
    ("fund.conv.mode", "Mode de gestion", "Management mode"),
    (
        "fund.mode.delegated",
        "Délégué (le partenaire gère ses habilitations)",
        "Delegated (the partner manages its habilitations)",
    ),
    (
        "fund.mode.centralised",
        "Centralisé (le fonds décide des demandes)",
        "Centralised (the fund decides requests)",
    ),
    (
        "fund.conv.territory.hint",
        "Départements et codes INSEE de communes, séparés par des virgules, dans les départements du fonds ; par exemple « 79 » ou « 79, 86001 ».",
        "Départements and INSEE commune codes, comma separated, inside the fund's départements; for example \"79\" or \"79, 86001\".",
    ),
    ("fund.conv.mission", "Finalité", "Purpose"),
    (
        "fund.conv.mission.hint",
        "La mission pour laquelle les données sont consultées (002, art. 8).",
        "The mission the data are consulted for (002, art. 8).",
    ),
    ("fund.conv.facts", "Convention", "Convention"),
    ("fund.conv.status.draft", "En préparation", "Draft"),
    ("fund.conv.status.active", "Active", "Active"),
    ("fund.conv.status.suspended", "Suspendue", "Suspended"),
    ("fund.conv.status.terminated", "Résiliée", "Terminated"),
    ("fund.conv.term", "Durée et échéances", "Term and deadlines"),
    (
        "fund.conv.term.hint",
        "Un an à compter de la date d'effet, renouvelée chaque année par tacite reconduction ; une résiliation reçue après la date limite de préavis prend effet à l'échéance suivante (002, art. 17).",
        "One year from the effective date, renewed tacitly each year; a termination received after the notice deadline takes effect at the following term (002, art. 17).",
    ),
    ("fund.conv.period", "Période en cours", "Current period"),
    (
        "fund.conv.renewal",
        "Prochaine reconduction",
        "Next renewal",
    ),
    (
        "fund.conv.notice_deadline",
        "Date limite de préavis",
        "Notice deadline",
    ),
    ("fund.conv.action.activate", "Activer", "Activate"),
    ("fund.conv.action.suspend", "Suspendre", "Suspend"),
    ("fund.conv.action.reactivate", "Réactiver", "Reactivate"),
    ("fund.conv.action.terminate", "Résilier", "Terminate"),
    (
        "fund.conv.activate.title",
        "Activer la convention",
        "Activate the convention",
    ),
    (
        "fund.conv.activate.consequences",
        "La convention entre en vigueur : les habilitations accordées sous ses abonnements deviennent utilisables.",
        "The convention comes into force: habilitations granted under its subscriptions become usable.",
    ),
    (
        "fund.conv.suspend.title",
        "Suspendre la convention",
        "Suspend the convention",
    ),
    (
        "fund.conv.suspend.consequences",
        "Tous les accès ouverts par cette convention sont suspendus immédiatement : les sessions des personnes concernées sont fermées et leurs jetons révoqués. Les habilitations sont conservées et reviennent à la réactivation.",
        "Every access opened by this convention is suspended at once: the sessions of the people concerned end and their tokens are revoked. Habilitations are kept and come back on reactivation.",
    ),
    (
        "fund.conv.reactivate.title",
        "Réactiver la convention",
        "Reactivate the convention",
    ),
    (
        "fund.conv.reactivate.consequences",
        "Les accès que la suspension avait interrompus reviennent.",
        "The access the suspension paused comes back.",
    ),
    (
        "fund.conv.terminate.title",
        "Résilier la convention",
        "Terminate the convention",
    ),
    (
        "fund.conv.terminate.consequences",
        "La résiliation est définitive : tous les accès ouverts par cette convention prennent fin immédiatement, toutes ses habilitations sont retirées (l'historique est conservé), ses abonnements sont fermés et les sessions des personnes concernées sont fermées.",
        "Termination is final: every access opened by this convention ends at once, all its habilitations are withdrawn (history is kept), its subscriptions close and the sessions of the people concerned end.",
    ),
    (
        "fund.conv.mode.switch",
        "Changer de mode de gestion",
        "Switch the management mode",
    ),
    (
        "fund.conv.mode.title",
        "Changer de mode de gestion",
        "Switch the management mode",
    ),
    (
        "fund.conv.mode.to_centralised",
        "Passage en gestion centralisée : les administrateurs du partenaire ne pourront plus accorder ni retirer d'habilitations eux-mêmes ; ils déposeront des demandes que le fonds approuvera ou rejettera. Les habilitations en cours sont conservées.",
        "Switch to centralised management: the partner's administrators can no longer grant or withdraw habilitations themselves; they file requests the fund approves or rejects. Current habilitations are kept.",
    ),
    (
        "fund.conv.mode.to_delegated",
        "Passage en gestion déléguée : les administrateurs du partenaire gèrent eux-mêmes les habilitations, dans la limite des quotas. Les demandes en attente restent à décider par le fonds.",
        "Switch to delegated management: the partner's administrators manage habilitations themselves, within the quotas. Pending requests remain for the fund to decide.",
    ),
    // Subscriptions and quotas.
    (
        "fund.sub.title",
        "Abonnements et quotas",
        "Subscriptions and quotas",
    ),
    (
        "fund.sub.hint",
        "Pour chaque service ouvert, le nombre maximal de titulaires par rôle fixé par le fonds (002, art. 2.2.1). Un rôle sans quota ne peut pas être accordé.",
        "For each service opened, the maximum number of holders per role set by the fund (002, art. 2.2.1). A role without a quota cannot be granted.",
    ),
    (
        "fund.sub.none",
        "Aucun service ouvert.",
        "No service opened.",
    ),
    ("fund.sub.opened_on", "ouvert le", "opened on"),
    ("fund.sub.closed", "fermé", "closed"),
    (
        "fund.sub.open",
        "Ouvrir un service ou fixer le quota d'un rôle",
        "Open a service or set a role's quota",
    ),
    (
        "fund.sub.open.hint",
        "Ouvre le service s'il ne l'est pas encore, puis fixe le quota du rôle.",
        "Opens the service if it is not yet, then sets the role's quota.",
    ),
    ("fund.sub.roles", "rôles :", "roles:"),
    ("fund.quota.use", "Utilisation", "Use"),
    ("fund.quota.used", "utilisés", "used"),
    (
        "fund.quota.nearly_full",
        "presque atteint",
        "nearly reached",
    ),
    ("fund.quota.holders", "Titulaires", "Holders"),
    (
        "fund.quota.holders.see",
        "Voir les titulaires",
        "See the holders",
    ),
    (
        "fund.quota.holders.hint",
        "Les comptes qui détiennent ce rôle aujourd'hui, directement ou par un groupe ; un compte désactivé libère sa place.",
        "The accounts holding this role today, directly or through a group; a disabled account frees its seat.",
    ),
    ("fund.quota.max", "Quota", "Quota"),
    ("fund.quota.set", "Fixer le quota", "Set the quota"),
    (
        "fund.quota.max.invalid",
        "Indiquez un nombre entier positif ou nul.",
        "Enter a whole number, zero or more.",
    ),
    (
        "fund.quota.service.unknown",
        "Ce service n'existe pas dans le fonds.",
        "This service does not exist in the fund.",
    ),
    // Requests.
    ("fund.request.title", "Demandes d'accès", "Access requests"),
    (
        "fund.request.intro",
        "Les demandes des administrateurs des partenaires en gestion centralisée : une approbation applique la demande avec les mêmes règles qu'un changement direct (quotas, territoire, convention).",
        "Requests of partner administrators under centralised management: an approval applies the request with the rules of a direct change (quotas, territory, convention).",
    ),
    (
        "fund.request.filters",
        "Filtrer les demandes",
        "Filter requests",
    ),
    ("fund.request.number", "N°", "No."),
    ("fund.request.kind", "Nature", "Kind"),
    ("fund.request.what", "Objet", "Subject"),
    ("fund.request.at", "Déposée le", "Filed on"),
    ("fund.request.decision", "Décision", "Decision"),
    (
        "fund.request.kind.create_account",
        "Création de compte",
        "Account creation",
    ),
    ("fund.request.kind.grant", "Habilitation", "Habilitation"),
    ("fund.request.kind.withdraw", "Retrait", "Withdrawal"),
    (
        "fund.request.kind.modify",
        "Modification de la date de fin",
        "End date change",
    ),
    ("fund.request.status.pending", "En attente", "Pending"),
    ("fund.request.status.approved", "Approuvée", "Approved"),
    ("fund.request.status.rejected", "Rejetée", "Rejected"),
    ("fund.request.status.cancelled", "Annulée", "Cancelled"),
    ("fund.request.approve", "Approuver", "Approve"),
    ("fund.request.reject", "Rejeter", "Reject"),
    (
        "fund.request.reject.title",
        "Rejeter la demande",
        "Reject the request",
    ),
    (
        "fund.request.reject.consequences",
        "La demande est rejetée et rien n'est appliqué ; le demandeur est prévenu avec le motif.",
        "The request is rejected and nothing is applied; the requester is told, with the reason.",
    ),
    (
        "fund.request.approved.title",
        "Demande approuvée",
        "Request approved",
    ),
    (
        "fund.request.approved.intro",
        "Le compte demandé est créé. Transmettez à la personne son identifiant et son mot de passe provisoire.",
        "The requested account is created. Give the person their login and temporary password.",
    ),
    // Supervision.
    (
        "fund.account.suspend",
        "Suspendre le compte",
        "Suspend the account",
    ),
    (
        "fund.account.suspend.title",
        "Suspendre le compte",
        "Suspend the account",
    ),
    (
        "fund.account.suspend.consequences",
        "Par précaution, la personne ne peut plus se connecter : ses sessions sont fermées et ses jetons révoqués immédiatement. Ses habilitations sont conservées.",
        "As a precaution, the person can no longer log in: their sessions end and their tokens are revoked at once. Their habilitations are kept.",
    ),
    (
        "fund.account.reactivate",
        "Réactiver le compte",
        "Reactivate the account",
    ),
    (
        "fund.account.reactivate.title",
        "Réactiver le compte",
        "Reactivate the account",
    ),
    (
        "fund.account.reactivate.consequences",
        "La personne peut de nouveau se connecter et retrouve ses habilitations.",
        "The person can log in again and gets their habilitations back.",
    ),
    (
        "fund.force",
        "Forcer le changement des mots de passe",
        "Force a password change",
    ),
    (
        "fund.force.title",
        "Forcer le changement des mots de passe",
        "Force a password change",
    ),
    (
        "fund.force.consequences",
        "Chaque compte actif de ce partenaire devra choisir un nouveau mot de passe à sa prochaine connexion ; les sessions en cours sont fermées et les jetons révoqués immédiatement. L'action est tracée.",
        "Every active account of this partner must choose a new password at its next login; current sessions end and tokens are revoked at once. The action is traced.",
    ),
    // Notices.
    (
        "done.partner.created",
        "Le partenaire est ajouté au registre.",
        "The partner is added to the register.",
    ),
    (
        "done.partner.edited",
        "Le partenaire est modifié.",
        "The partner is updated.",
    ),
    (
        "done.partner.suspended",
        "Le partenaire est suspendu ; ses accès sont interrompus.",
        "The partner is suspended; its access is paused.",
    ),
    (
        "done.partner.reactivated",
        "Le partenaire est réactivé.",
        "The partner is reactivated.",
    ),
    (
        "done.unit.created",
        "Le service ou la structure est ajouté.",
        "The unit is added.",
    ),
    (
        "done.admin.designated",
        "L'administrateur est désigné.",
        "The administrator is designated.",
    ),
    (
        "done.convention.created",
        "La convention est créée, en préparation.",
        "The convention is created, as a draft.",
    ),
    (
        "done.convention.activated",
        "La convention est activée.",
        "The convention is activated.",
    ),
    (
        "done.convention.suspended",
        "La convention est suspendue ; ses accès sont interrompus.",
        "The convention is suspended; its access is paused.",
    ),
    (
        "done.convention.reactivated",
        "La convention est réactivée.",
        "The convention is reactivated.",
    ),
    (
        "done.convention.terminated",
        "La convention est résiliée ; tous ses accès ont pris fin.",
        "The convention is terminated; all its access has ended.",
    ),
    (
        "done.convention.mode",
        "Le mode de gestion est changé.",
        "The management mode is switched.",
    ),
    (
        "done.account.suspended",
        "Le compte est suspendu.",
        "The account is suspended.",
    ),
    (
        "done.account.reactivated",
        "Le compte est réactivé.",
        "The account is reactivated.",
    ),
    (
        "done.partner.password_change_forced",
        "Les comptes du partenaire devront changer leur mot de passe.",
        "The partner's accounts must change their password.",
    ),
    (
        "done.quota.set",
        "Le quota est enregistré.",
        "The quota is saved.",
    ),
    (
        "done.request.approved",
        "La demande est approuvée et appliquée.",
        "The request is approved and applied.",
    ),
    (
        "done.request.rejected",
        "La demande est rejetée.",
        "The request is rejected.",
    ),
];
