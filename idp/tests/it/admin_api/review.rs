//! The yearly reverse review over the admin API: the fund opens a campaign, the partner's
//! principal decides and signs, the fund follows and downloads; the trace in the consoles; the
//! periodic verification in `/readyz`.

use sha2::{Digest, Sha256};

use super::*;

fn as_actor(a: &Account) -> Actor {
    Actor::Account {
        id: a.id,
        login: a.login.to_string(),
    }
}

async fn download(s: &Server, token: &str, path: &str) -> (u16, Option<String>, Vec<u8>) {
    let r = reqwest::Client::new()
        .get(format!("{}{path}", s.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let digest = r
        .headers()
        .get("repr-digest")
        .map(|v| v.to_str().unwrap().to_owned());
    let length = r.content_length();
    let body = r.bytes().await.unwrap().to_vec();
    if status == 200 && path.contains("/export") {
        // A review's size is announced (the browser shows progress), and it is the file's
        // (a trace's CSV is streamed as it is read: no length).
        assert_eq!(length, Some(body.len() as u64), "Content-Length of {path}");
    }
    (status, digest, body)
}

#[tokio::test]
async fn a_reverse_review_from_campaign_to_export() {
    let s = Server::start().await;
    let db = s.state.db.clone();
    let f = fixture(&db).await;
    let conv_a = idp::store::convention::of_partner(&db, f.a.id)
        .await
        .unwrap()
        .remove(0);
    let h = habilitation::grant(
        &db,
        T0,
        &as_actor(&f.principal_a),
        NewGrant {
            convention: &conv_a,
            service: &f.x.service,
            role: "T2",
            subject: Subject::Account(f.agent_a.id),
            territory: None,
            valid_from: T0.date(),
            valid_until: None,
            attributes: BTreeMap::new(),
            reason: "instruction".into(),
        },
    )
    .await
    .unwrap();
    let op = admin_token(&s.state, &f.operator_x).await;
    let pa = admin_token(&s.state, &f.principal_a).await;
    let agent = admin_token(&s.state, &f.agent_a).await;
    let fund = f.x.fund.id;

    // Bad input is a 400 with its code; a partner administrator does not open campaigns.
    let campaigns = format!("/funds/{fund}/campaigns");
    let (st, b) = s
        .call(
            &op,
            "post",
            &campaigns,
            Some(json!({ "year": 2026, "title": "R", "due_on": "31/12/2026" })),
        )
        .await;
    assert_eq!((st, b["error"].as_str()), (400, Some("date.invalid")));
    let (st, b) = s
        .call(
            &op,
            "post",
            &campaigns,
            Some(json!({ "year": 1999, "title": "R", "due_on": "2026-12-31" })),
        )
        .await;
    assert_eq!(
        (st, b["error"].as_str()),
        (400, Some("review.invalid_year"))
    );
    let body = json!({ "year": 2026, "title": "Revue annuelle 2026", "due_on": "2026-12-31" });
    let (st, _) = s.call(&pa, "post", &campaigns, Some(body.clone())).await;
    assert_eq!(st, 404);
    let (st, opened) = s.call(&op, "post", &campaigns, Some(body.clone())).await;
    assert_eq!(st, 200, "{opened}");
    // Partners A and C: A's principal (nothing held) and agent (T2), C's administrator.
    assert_eq!(opened["reviews"].as_array().unwrap().len(), 2);
    assert_eq!(opened["lines"], 3);
    let (st, b) = s.call(&op, "post", &campaigns, Some(body)).await;
    assert_eq!(
        (st, b["error"].as_str()),
        (409, Some("review.campaign_exists"))
    );
    let campaign = opened["campaign"]["id"].as_i64().unwrap();

    // The principal finds the review of A and its lines.
    let (st, mine) = s
        .call(&pa, "get", &format!("/partners/{}/reviews", f.a.id), None)
        .await;
    assert_eq!(st, 200);
    let review = mine["items"][0]["review"]["id"].as_i64().unwrap();
    assert_eq!(mine["items"][0]["progress"], "not_started");
    let lines = format!("/reviews/{review}/lines");
    let (_, all) = s.call(&pa, "get", &lines, None).await;
    assert_eq!(all["total"], 2);
    let (_, t2) = s
        .call(
            &pa,
            "get",
            &format!("{lines}?role=T2&never_logged_in=true"),
            None,
        )
        .await;
    assert_eq!(t2["total"], 1);
    assert_eq!(t2["items"][0]["login"], f.agent_a.login.to_string());
    assert_eq!(
        t2["items"][0]["details"]["granted_by"],
        f.principal_a.login.to_string()
    );
    let (st, b) = s
        .call(&pa, "get", &format!("{lines}?no_login_months=0"), None)
        .await;
    assert_eq!(
        (st, b["error"].as_str()),
        (400, Some("review.invalid_months"))
    );
    // An agent reads nothing of it; the fund follows but does not decide.
    let (st, _) = s.call(&agent, "get", &lines, None).await;
    assert_eq!(st, 403);
    let decisions = format!("/reviews/{review}/decisions");
    let keep_principal = json!({ "decision": "keep", "login": f.principal_a.login.to_string() });
    let (st, _) = s
        .call(&op, "post", &decisions, Some(keep_principal.clone()))
        .await;
    assert_eq!(st, 403);
    let (st, d) = s.call(&pa, "post", &decisions, Some(keep_principal)).await;
    assert_eq!((st, d["decided"].as_u64()), (200, Some(1)), "{d}");
    // Not everything is decided: no signature yet; nor an export.
    let attestation = format!("/reviews/{review}/attestation");
    let (st, b) = s
        .call(
            &pa,
            "post",
            &attestation,
            Some(json!({ "signer_name": "Sophie Durand" })),
        )
        .await;
    assert_eq!((st, b["error"].as_str()), (409, Some("review.undecided")));
    let (st, _, _) = download(&s, &op, &format!("/reviews/{review}/export")).await;
    assert_eq!(st, 409);
    // Withdraw the agent's T2 in bulk (never logged in, undecided): it ends at once.
    let (st, d) = s
        .call(
            &pa,
            "post",
            &decisions,
            Some(json!({ "decision": "withdraw", "never_logged_in": true, "undecided": true, "reason": "a quitté le service" })),
        )
        .await;
    assert_eq!(st, 200, "{d}");
    assert_eq!(d["habilitations_withdrawn"], 1);
    let after = idp::store::habilitation::by_id(&db, h.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.status, habilitation::HabilitationStatus::Withdrawn);
    // The agent signs nothing; the principal does.
    let (st, _) = s
        .call(
            &agent,
            "post",
            &attestation,
            Some(json!({ "signer_name": "Luc" })),
        )
        .await;
    assert_eq!(st, 403);
    let (st, b) = s
        .call(
            &pa,
            "post",
            &attestation,
            Some(json!({ "signer_name": " " })),
        )
        .await;
    assert_eq!(
        (st, b["error"].as_str()),
        (400, Some("review.invalid_attestation"))
    );
    let (st, signed) = s
        .call(
            &pa,
            "post",
            &attestation,
            Some(json!({ "signer_name": "Sophie Durand" })),
        )
        .await;
    assert_eq!(st, 200, "{signed}");
    assert_eq!(signed["attestation"]["kept"], 1);
    assert_eq!(signed["attestation"]["withdrawn"], 1);
    assert_eq!(signed["campaign_closed"], false);
    let sha = signed["attestation"]["export_sha256"]
        .as_str()
        .unwrap()
        .to_owned();
    let (st, b) = s
        .call(&pa, "post", &decisions, Some(json!({ "decision": "keep" })))
        .await;
    assert_eq!((st, b["error"].as_str()), (409, Some("review.closed")));

    // The fund's dashboard: A done, C not started.
    let (st, status) = s
        .call(&op, "get", &format!("/campaigns/{campaign}"), None)
        .await;
    assert_eq!(st, 200);
    assert_eq!(
        (status["done"].as_u64(), status["not_started"].as_u64()),
        (Some(1), Some(1))
    );
    let (st, _) = s
        .call(&pa, "get", &format!("/campaigns/{campaign}"), None)
        .await;
    assert_eq!(st, 404);

    // The fund downloads the CSV: UTF-8 with BOM, `;`, the digest signed and announced.
    let (st, digest, csv) =
        download(&s, &op, &format!("/reviews/{review}/export?format=csv")).await;
    assert_eq!(st, 200);
    assert_eq!(hex::encode(Sha256::digest(&csv)), sha);
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&csv));
    assert_eq!(digest.as_deref(), Some(format!("sha-256=:{b64}:").as_str()));
    let text = String::from_utf8(csv).unwrap();
    assert!(text.starts_with("\u{feff}year;partner;login;"));
    assert_eq!(text.lines().count(), 3);
    let (st, _, json_export) =
        download(&s, &pa, &format!("/reviews/{review}/export?format=json")).await;
    assert_eq!(st, 200);
    let v: Value = serde_json::from_slice(&json_export).unwrap();
    assert_eq!(v["attestation"]["signer_name"], "Sophie Durand");
    let (st, _, html) = download(&s, &op, &format!("/reviews/{review}/export?format=html")).await;
    assert_eq!(st, 200);
    assert!(
        String::from_utf8(html)
            .unwrap()
            .contains("<html lang=\"fr\">")
    );
    let (st, _, _) = download(&s, &op, &format!("/reviews/{review}/export?format=pdf")).await;
    assert_eq!(st, 400);

    // The trace: the partner's administrators see theirs, filtered; the fund its own; CSV.
    let (st, t) = s
        .call(
            &pa,
            "get",
            &format!("/partners/{}/traces?action=review.&limit=10", f.a.id),
            None,
        )
        .await;
    assert_eq!(st, 200, "{t}");
    let actions: Vec<&str> = t["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "review.export",
            "review.export",
            "review.export",
            "review.sign",
            "review.decide",
            "review.decide",
            "review.snapshot"
        ]
    );
    let (_, t) = s
        .call(
            &pa,
            "get",
            &format!("/partners/{}/traces?account={}", f.a.id, f.agent_a.id),
            None,
        )
        .await;
    assert!(t["total"].as_u64().unwrap() >= 1);
    let (st, _) = s
        .call(&agent, "get", &format!("/partners/{}/traces", f.a.id), None)
        .await;
    assert_eq!(st, 403);
    let (st, t) = s
        .call(
            &op,
            "get",
            &format!("/funds/{fund}/traces?action=review.open"),
            None,
        )
        .await;
    assert_eq!((st, t["total"].as_u64()), (200, Some(1)));
    let (st, b) = s
        .call(
            &op,
            "get",
            &format!("/funds/{fund}/traces?from=yesterday"),
            None,
        )
        .await;
    assert_eq!((st, b["error"].as_str()), (400, Some("date.invalid")));
    let (st, _, csv) = download(
        &s,
        &pa,
        &format!("/partners/{}/traces?format=csv&action=review.sign", f.a.id),
    )
    .await;
    assert_eq!(st, 200);
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.starts_with("\u{feff}id;occurred_at;action;"));
    assert_eq!(csv.lines().count(), 2);

    // The periodic verification ran at start-up and is shown by the readiness probe.
    let ready = s.base.replace("/api/admin/v1", "/readyz");
    let mut seen = Value::Null;
    for _ in 0..50 {
        seen = reqwest::get(&ready).await.unwrap().json().await.unwrap();
        if seen["checks"]["audit_chain"]["status"] != "not_verified_yet" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(seen["checks"]["audit_chain"]["status"], "intact", "{seen}");
    s.stop().await;
}
