//! The home page: what this server is and where to go. It shows no data: the consoles that
//! do come with their own authentication.

use axum::Router;
use axum::response::Html;
use axum::routing::get;

use crate::state::AppState;

/// `/`
pub fn routes() -> Router<AppState> {
    Router::new().route("/", get(home))
}

async fn home() -> Html<&'static str> {
    Html(PAGE)
}

const PAGE: &str = r#"<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Habilis — fournisseur d'identité des partenaires</title>
</head>
<body>
<main>
<h1>Habilis</h1>
<p>Fournisseur d'identité et gestion déléguée des habilitations des partenaires des caisses
(Caf, MSA) : comptes des agents, habilitations aux services de consultation dans les limites
fixées par la caisse, traces de chaque accès.</p>
<p lang="en">Identity provider and delegated habilitation for the partners of social-security
funds.</p>
<h2>État du service</h2>
<ul>
<li><a href="/healthz">/healthz</a> — le processus répond</li>
<li><a href="/readyz">/readyz</a> — base de données et annuaire</li>
</ul>
</main>
</body>
</html>
"#;
