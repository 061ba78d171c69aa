//! What the pages of the yearly reverse review share (002 contract art. 2.2.2): their words and
//! how a review's state reads. The fund's pages are `fund/campaigns.rs`, the partner's
//! `partner/review.rs`; both act through `web::api::review::*_as`, like the admin API.

use super::i18n::Entry;
use super::page::Frame;
use crate::review::{Decision, Progress};

/// A review's progress in words (the tag's text: never colour alone), and its tag's class.
pub(super) fn progress(f: &Frame, p: Progress) -> (&'static str, &'static str) {
    match p {
        Progress::Done => (f.t("review.progress.done"), "active"),
        Progress::InProgress => (f.t("review.progress.in_progress"), "pending"),
        Progress::Late => (f.t("review.progress.late"), "late"),
        Progress::NotStarted => (f.t("review.progress.not_started"), ""),
    }
}

/// "Il reste 12 lignes à décider." (one line: singular).
pub(super) fn remaining(f: &Frame, n: u64) -> String {
    if n == 1 {
        f.t("review.sign.remaining.one").to_owned()
    } else {
        f.t("review.sign.remaining").replace("{n}", &n.to_string())
    }
}

/// The state's value in the filter of the fund's dashboard.
pub(super) fn progress_code(p: Progress) -> &'static str {
    match p {
        Progress::Done => "done",
        Progress::InProgress => "in_progress",
        Progress::Late => "late",
        Progress::NotStarted => "not_started",
    }
}

/// A line's decision in words.
pub(super) fn decision(f: &Frame, d: Option<Decision>) -> &'static str {
    match d {
        Some(Decision::Keep) => f.t("review.decision.keep"),
        Some(Decision::Withdraw) => f.t("review.decision.withdraw"),
        None => f.t("review.decision.none"),
    }
}

/// The words of the review pages.
pub(crate) const WORDS: &[Entry] = &[
    ("nav.campaigns", "Revue annuelle", "Yearly review"),
    ("nav.review", "Revue annuelle", "Yearly review"),
    // States.
    ("review.progress.done", "Signée", "Signed"),
    ("review.progress.in_progress", "En cours", "In progress"),
    ("review.progress.late", "En retard", "Late"),
    (
        "review.progress.not_started",
        "Pas commencée",
        "Not started",
    ),
    ("review.progress", "État", "State"),
    ("review.decision.keep", "Conservée", "Kept"),
    ("review.decision.withdraw", "Retirée", "Withdrawn"),
    ("review.decision.none", "À décider", "To decide"),
    // Counts.
    ("review.lines", "Lignes", "Lines"),
    ("review.decided", "Décidées", "Decided"),
    ("review.kept", "Conservées", "Kept"),
    ("review.withdrawn", "Retirées", "Withdrawn"),
    ("review.undecided", "À décider", "To decide"),
    ("review.signed", "signées", "signed"),
    ("review.count.in_progress", "en cours", "in progress"),
    ("review.count.late", "en retard", "late"),
    ("review.count.not_started", "pas commencées", "not started"),
    ("review.due_on", "Échéance", "Due date"),
    ("review.year", "Année", "Year"),
    ("review.title", "Titre", "Title"),
    ("review.partners", "Partenaires", "Partners"),
    ("review.open_link", "Voir la revue", "Open the review"),
    ("review.download", "Télécharger", "Download"),
    (
        "review.download.hint",
        "Les fichiers portent leur empreinte SHA-256 (en-tête Repr-Digest) ; chaque téléchargement est tracé.",
        "Files carry their SHA-256 digest (Repr-Digest header); each download is traced.",
    ),
    // Fund: campaigns.
    (
        "campaign.list.title",
        "Revue annuelle des habilitations",
        "Yearly review of habilitations",
    ),
    (
        "campaign.list.intro",
        "Chaque année, le gestionnaire principal de chaque partenaire revoit les comptes et habilitations de son organisme, conserve ou retire chaque ligne, puis signe une attestation transmise à la caisse (contrat de service, art. 2.2.2).",
        "Each year, each partner's principal administrator reviews the accounts and habilitations of their organisation, keeps or withdraws each line, then signs an attestation sent to the fund (service contract, art. 2.2.2).",
    ),
    ("campaign.list.caption", "Campagnes", "Campaigns"),
    ("campaign.none", "Aucune campagne.", "No campaign."),
    ("campaign.status.open", "Ouverte", "Open"),
    ("campaign.status.closed", "Close", "Closed"),
    ("campaign.new", "Ouvrir une campagne", "Open a campaign"),
    (
        "campaign.new.intro",
        "L'ouverture photographie, pour chaque partenaire retenu, chaque compte et chaque habilitation en vigueur : c'est cette photographie que le partenaire revoit. Une seule campagne par année.",
        "Opening takes, for each partner included, a snapshot of every account and every habilitation in force: that snapshot is what the partner reviews. One campaign per year.",
    ),
    ("campaign.fund", "Caisse", "Fund"),
    (
        "campaign.year.number",
        "Indiquez l'année en chiffres, par exemple 2026.",
        "Enter the year in digits, for example 2026.",
    ),
    (
        "campaign.title.hint",
        "Affiché aux partenaires, par exemple « Revue annuelle 2026 ».",
        "Shown to partners, for example \"Yearly review 2026\".",
    ),
    (
        "campaign.due_on.hint",
        "Dernier jour pour signer, au format AAAA-MM-JJ ; pas dans le passé.",
        "Last day to sign, as YYYY-MM-DD; not in the past.",
    ),
    (
        "campaign.scope",
        "Partenaires concernés",
        "Partners included",
    ),
    (
        "campaign.scope.all",
        "Tous les partenaires actifs",
        "Every active partner",
    ),
    (
        "campaign.scope.chosen",
        "Seulement les partenaires cochés",
        "Only the partners ticked",
    ),
    ("campaign.open", "Ouvrir la campagne", "Open the campaign"),
    (
        "done.campaign.opened",
        "La campagne est ouverte ; chaque partenaire retenu a sa revue.",
        "The campaign is open; each partner included has its review.",
    ),
    // Fund: one campaign.
    (
        "campaign.dash.filter",
        "Filtrer par état",
        "Filter by state",
    ),
    (
        "campaign.dash.caption",
        "Revue de chaque partenaire",
        "Each partner's review",
    ),
    ("campaign.dash.partner", "Partenaire", "Partner"),
    (
        "campaign.dash.signed_only",
        "disponible une fois signée",
        "available once signed",
    ),
    // Fund dashboard block.
    ("campaign.block", "Revue annuelle", "Yearly review"),
    (
        "campaign.block.none",
        "Aucune campagne de revue annuelle.",
        "No yearly review campaign.",
    ),
    (
        "campaign.block.all",
        "Toutes les campagnes",
        "All campaigns",
    ),
    // Partner: reviews.
    (
        "review.list.title",
        "Revue annuelle des habilitations",
        "Yearly review of habilitations",
    ),
    (
        "review.list.intro",
        "La caisse ouvre chaque année une campagne : revoyez chaque compte et chaque habilitation de votre organisme, conservez ou retirez chaque ligne, puis le gestionnaire principal signe l'attestation (contrat de service, art. 2.2.2).",
        "Each year the fund opens a campaign: review every account and habilitation of your organisation, keep or withdraw each line, then the principal administrator signs the attestation (service contract, art. 2.2.2).",
    ),
    (
        "review.list.none",
        "Aucune revue : la caisse n'a pas encore ouvert de campagne pour votre organisme.",
        "No review: the fund has not opened a campaign for your organisation yet.",
    ),
    ("review.list.caption", "Revues", "Reviews"),
    // Partner: one review.
    (
        "review.late.text",
        "L'échéance est passée et la revue n'est pas signée.",
        "The due date has passed and the review is not signed.",
    ),
    (
        "review.closed",
        "Cette revue est signée et close : elle ne change plus. Elle reste consultable et téléchargeable.",
        "This review is signed and closed: it no longer changes. It can still be read and downloaded.",
    ),
    (
        "review.fund_reads",
        "La caisse suit la revue ; ce sont les gestionnaires principal et suppléant du partenaire qui décident et signent.",
        "The fund follows the review; the partner's principal and deputy administrators decide and sign.",
    ),
    ("review.filters", "Filtrer les lignes", "Filter the lines"),
    ("review.filter.never", "Jamais connecté", "Never logged in"),
    (
        "review.filter.months",
        "Sans connexion depuis (mois)",
        "No login for (months)",
    ),
    (
        "review.filter.months.hint",
        "De 1 à 120 mois",
        "1 to 120 months",
    ),
    ("review.filter.service", "Service (code)", "Service (code)"),
    ("review.filter.role", "Rôle (code)", "Role (code)"),
    ("review.filter.group", "Groupe", "Group"),
    ("review.filter.login", "Identifiant", "Login"),
    (
        "review.filter.undecided",
        "Seulement les lignes à décider",
        "Undecided lines only",
    ),
    ("review.col.select", "Sélection", "Selection"),
    ("review.col.login", "Identifiant", "Login"),
    ("review.col.names", "Nom et prénom", "Name"),
    (
        "review.col.service_role",
        "Service / rôle",
        "Service / role",
    ),
    ("review.col.group", "Groupe", "Group"),
    ("review.col.territory", "Territoire", "Territory"),
    (
        "review.col.granted",
        "Attribuée le / par",
        "Granted on / by",
    ),
    ("review.col.last_login", "Dernière connexion", "Last login"),
    ("review.col.decision", "Décision", "Decision"),
    (
        "review.no_habilitation",
        "Aucune habilitation (compte seul)",
        "No habilitation (account only)",
    ),
    ("review.direct", "Directe", "Direct"),
    ("review.never", "Jamais", "Never"),
    ("review.select", "Sélectionner", "Select"),
    ("review.decision", "Décision", "Decision"),
    ("review.keep", "Conserver", "Keep"),
    ("review.withdraw", "Retirer", "Withdraw"),
    (
        "review.reason.hint",
        "Obligatoire pour un retrait ; conservé dans les traces.",
        "Required to withdraw; kept in the trace.",
    ),
    (
        "review.withdraw.warning",
        "Un retrait s'applique immédiatement : l'habilitation est retirée, le compte quitte le groupe, ou le compte sans habilitation est désactivé, et les accès en cours prennent fin.",
        "A withdrawal applies at once: the habilitation is withdrawn, the account leaves the group, or the account holding nothing is disabled, and current access ends.",
    ),
    (
        "review.apply.selection",
        "Appliquer aux lignes cochées",
        "Apply to the lines ticked",
    ),
    (
        "review.bulk",
        "Décider toutes les lignes filtrées",
        "Decide every filtered line",
    ),
    (
        "review.bulk.intro",
        "La décision s'appliquera à toutes les lignes qui correspondent aux filtres ci-dessus, sur toutes les pages. Le nombre de lignes concernées est affiché avant confirmation.",
        "The decision will apply to every line matching the filters above, on every page. The number of lines concerned is shown before you confirm.",
    ),
    ("review.bulk.next", "Continuer", "Continue"),
    (
        "review.bulk.none",
        "Aucune ligne ne correspond aux filtres.",
        "No line matches the filters.",
    ),
    (
        "review.bulk.confirm.title",
        "Confirmer la décision groupée",
        "Confirm the bulk decision",
    ),
    (
        "review.bulk.count",
        "Cette décision concerne {n} ligne(s).",
        "This decision concerns {n} line(s).",
    ),
    (
        "review.bulk.criteria",
        "Filtres appliqués",
        "Filters applied",
    ),
    (
        "review.bulk.no_criteria",
        "Aucun filtre : toutes les lignes de la revue.",
        "No filter: every line of the review.",
    ),
    (
        "done.review.decided",
        "Les décisions sont enregistrées ; les retraits sont appliqués.",
        "The decisions are recorded; the withdrawals are applied.",
    ),
    // Partner: the attestation.
    ("review.attestation", "Attestation", "Attestation"),
    (
        "review.sign.principal_only",
        "Seul le gestionnaire principal signe l'attestation. Vous pouvez préparer la revue ; il la signera.",
        "Only the principal administrator signs the attestation. You may prepare the review; they will sign it.",
    ),
    (
        "review.sign.remaining",
        "Il reste {n} lignes à décider.",
        "{n} lines are left to decide.",
    ),
    (
        "review.sign.remaining.one",
        "Il reste 1 ligne à décider.",
        "1 line is left to decide.",
    ),
    ("review.signer_name", "Nom du signataire", "Signer's name"),
    ("review.statement", "Déclaration", "Statement"),
    (
        "review.statement.hint",
        "La déclaration proposée reprend l'obligation du contrat de service (art. 2.2.2).",
        "The statement proposed restates the service contract's obligation (art. 2.2.2).",
    ),
    (
        "review.sign",
        "Signer l'attestation",
        "Sign the attestation",
    ),
    ("review.signed_at", "Signée le", "Signed on"),
    ("review.signed_by", "Signée par", "Signed by"),
    (
        "review.sha256",
        "Empreinte SHA-256 du fichier CSV",
        "SHA-256 digest of the CSV file",
    ),
    (
        "done.review.signed",
        "L'attestation est signée ; la revue est close et transmise à la caisse.",
        "The attestation is signed; the review is closed and available to the fund.",
    ),
];
