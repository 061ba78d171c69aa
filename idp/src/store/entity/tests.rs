//! Proves the entities match the migrations: after `Migrator::up` on an in-memory SQLite
//! database, one row goes through every entity (parents first) and is read back unchanged, with
//! only the database-owned columns (surrogate ids, generated keys) filled in by the database.
//! The same body runs on a fresh PostgreSQL database when `HABILIS_TEST_POSTGRES_URL` is set.

use std::time::{SystemTime, UNIX_EPOCH};

use migrations::{Migrator, MigratorTrait};
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ConnectOptions, ConnectionTrait, Database,
    DatabaseConnection, DbErr, EntityTrait, IntoActiveModel,
};
use serde_json::json;
use time::macros::{date, datetime};

use super::{
    access_request, access_token_revocation, account, account_group, admin_role, audit_seal,
    auth_interaction, authorization_code, backchannel_logout, consent, convention,
    directory_outbox, fund, group_membership, habilitation, login_throttle, notification,
    oidc_client, par_request, partner, partner_review, password_credential, password_reset,
    rate_limit_bucket, recovery_code, refresh_token, review_attestation, review_campaign,
    review_item, role_quota, service, service_role, session_client, signing_key, subscription,
    totp_credential, unit, usage_monthly, usage_user_month, user_session, webauthn_ceremony,
    webauthn_credential,
};

/// An in-memory SQLite database on a single connection (each connection would otherwise get its
/// own empty database), migrated to the latest schema. sqlx turns foreign keys on by default.
async fn migrated_db() -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new("sqlite::memory:");
    options.max_connections(1).min_connections(1);
    let db = Database::connect(options).await?;
    Migrator::up(&db, None).await?;
    Ok(db)
}

#[tokio::test]
async fn every_entity_round_trips_on_sqlite() -> Result<(), DbErr> {
    let db = migrated_db().await?;
    round_trip_every_entity(&db).await
}

#[tokio::test]
async fn every_entity_round_trips_on_postgres() -> Result<(), DbErr> {
    let Ok(base_url) = std::env::var("HABILIS_TEST_POSTGRES_URL") else {
        println!("HABILIS_TEST_POSTGRES_URL is unset; PostgreSQL entity round trip skipped");
        return Ok(());
    };
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|e| DbErr::Custom(e.to_string()))?
        .as_nanos();
    let name = format!("habilis_entities_{}_{nanos}", std::process::id());
    let base = Database::connect(base_url.as_str()).await?;
    base.execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await?;
    let server = base_url
        .rsplit_once('/')
        .map_or(base_url.as_str(), |(server, _)| server);
    let db = Database::connect(format!("{server}/{name}")).await?;
    Migrator::up(&db, None).await?;
    let outcome = round_trip_every_entity(&db).await;
    db.close().await?;
    base.execute_unprepared(&format!("DROP DATABASE {name}"))
        .await?;
    outcome
}

/// Inserts `row` with `db_owned` columns left to the database, and returns the only row the
/// table then holds, as read back from the database.
async fn round_trip<A>(
    db: &DatabaseConnection,
    row: <A::Entity as EntityTrait>::Model,
    db_owned: &[<A::Entity as EntityTrait>::Column],
) -> Result<<A::Entity as EntityTrait>::Model, DbErr>
where
    A: ActiveModelTrait + ActiveModelBehavior + Send,
    <A::Entity as EntityTrait>::Model: IntoActiveModel<A>,
{
    let mut active = row.into_active_model().reset_all();
    for column in db_owned {
        active.not_set(*column);
    }
    active.insert(db).await?;
    let mut rows = A::Entity::find().all(db).await?;
    assert_eq!(rows.len(), 1, "exactly one row was inserted");
    Ok(rows.remove(0))
}

/// Writes one row through every entity, parents first, and checks each reads back unchanged.
async fn round_trip_every_entity(db: &DatabaseConnection) -> Result<(), DbErr> {
    let now = datetime!(2026-01-15 10:30:15.123456 UTC);
    let today = date!(2026 - 01 - 15);

    let expected = fund::Model {
        id: 0,
        code: "fund.code".to_owned(),
        name: "fund.name".to_owned(),
        kind: "caf".to_owned(),
        departements: json!({"departements": ["fund"]}),
        login_policy: "generated".to_owned(),
        mfa_policy: "admins".to_owned(),
        created_at: now,
    };
    let fund = round_trip::<fund::ActiveModel>(db, expected.clone(), &[fund::Column::Id]).await?;
    assert_eq!(
        fund,
        fund::Model {
            id: fund.id,
            ..expected
        }
    );

    let expected = service::Model {
        id: 0,
        fund_id: fund.id,
        code: "service.code".to_owned(),
        name: "service.name".to_owned(),
        description: "service.description".to_owned(),
        created_at: now,
    };
    let service =
        round_trip::<service::ActiveModel>(db, expected.clone(), &[service::Column::Id]).await?;
    assert_eq!(
        service,
        service::Model {
            id: service.id,
            ..expected
        }
    );

    let expected = service_role::Model {
        id: 0,
        service_id: service.id,
        code: "service_role.code".to_owned(),
        label: "service_role.label".to_owned(),
        required_attribute: Some("service_role.required_attribute".to_owned()),
        required_attribute_label: Some("service_role.required_attribute_label".to_owned()),
    };
    let service_role =
        round_trip::<service_role::ActiveModel>(db, expected.clone(), &[service_role::Column::Id])
            .await?;
    assert_eq!(
        service_role,
        service_role::Model {
            id: service_role.id,
            ..expected
        }
    );

    let expected = oidc_client::Model {
        id: 0,
        client_id: "oidc_client.client_id".to_owned(),
        service_id: Some(service.id),
        name: "oidc_client.name".to_owned(),
        secret_hash: Some("oidc_client.secret_hash".to_owned()),
        token_endpoint_auth_method: "client_secret_basic".to_owned(),
        redirect_uris: json!({"redirect_uris": ["oidc_client"]}),
        post_logout_redirect_uris: json!({"post_logout_redirect_uris": ["oidc_client"]}),
        backchannel_logout_uri: Some("oidc_client.backchannel_logout_uri".to_owned()),
        grant_types: json!({"grant_types": ["oidc_client"]}),
        scopes: json!({"scopes": ["oidc_client"]}),
        require_par: true,
        consent_required: true,
        signing_alg: "oidc_client.signing_alg".to_owned(),
        subject_type: "public".to_owned(),
        sector_identifier: Some("oidc_client.sector_identifier".to_owned()),
        jwks: Some(json!({"jwks": ["oidc_client"]})),
        userinfo_signed: true,
        enabled: true,
        created_at: now,
        updated_at: now,
    };
    let oidc_client =
        round_trip::<oidc_client::ActiveModel>(db, expected.clone(), &[oidc_client::Column::Id])
            .await?;
    assert_eq!(
        oidc_client,
        oidc_client::Model {
            id: oidc_client.id,
            ..expected
        }
    );

    let expected = partner::Model {
        id: 0,
        fund_id: fund.id,
        third_party_number: "partner.third_party_number".to_owned(),
        siret: Some("partner.siret".to_owned()),
        name: "partner.name".to_owned(),
        kind: "commune".to_owned(),
        status: "active".to_owned(),
        suspended_at: Some(now),
        suspension_reason: Some("partner.suspension_reason".to_owned()),
        email: Some("partner.email".to_owned()),
        address: Some("partner.address".to_owned()),
        created_at: now,
        updated_at: now,
    };
    let partner =
        round_trip::<partner::ActiveModel>(db, expected.clone(), &[partner::Column::Id]).await?;
    assert_eq!(
        partner,
        partner::Model {
            id: partner.id,
            ..expected
        }
    );

    let expected = unit::Model {
        id: 0,
        partner_id: partner.id,
        code: "unit.code".to_owned(),
        name: "unit.name".to_owned(),
        siret: Some("unit.siret".to_owned()),
        created_at: now,
    };
    let unit = round_trip::<unit::ActiveModel>(db, expected.clone(), &[unit::Column::Id]).await?;
    assert_eq!(
        unit,
        unit::Model {
            id: unit.id,
            ..expected
        }
    );

    let expected = convention::Model {
        id: 0,
        fund_id: fund.id,
        partner_id: partner.id,
        number: "convention.number".to_owned(),
        signed_on: Some(today),
        effective_from: today,
        term_months: 3,
        tacit_renewal: true,
        notice_months: 3,
        status: "draft".to_owned(),
        management_mode: "delegated".to_owned(),
        mission: "convention.mission".to_owned(),
        territory: json!({"territory": ["convention"]}),
        termination_requested_on: Some(today),
        terminates_on: Some(today),
        terminated_at: Some(now),
        suspended_at: Some(now),
        status_reason: Some("convention.status_reason".to_owned()),
        created_at: now,
        updated_at: now,
    };
    let convention =
        round_trip::<convention::ActiveModel>(db, expected.clone(), &[convention::Column::Id])
            .await?;
    assert_eq!(
        convention,
        convention::Model {
            id: convention.id,
            ..expected
        }
    );

    let expected = subscription::Model {
        id: 0,
        convention_id: convention.id,
        service_id: service.id,
        opened_on: today,
        closed_on: Some(today),
        status: "active".to_owned(),
        total_quota: Some(3),
        created_at: now,
    };
    let subscription =
        round_trip::<subscription::ActiveModel>(db, expected.clone(), &[subscription::Column::Id])
            .await?;
    assert_eq!(
        subscription,
        subscription::Model {
            id: subscription.id,
            ..expected
        }
    );

    let expected = role_quota::Model {
        id: 0,
        subscription_id: subscription.id,
        service_role_id: service_role.id,
        max_holders: 3,
    };
    let role_quota =
        round_trip::<role_quota::ActiveModel>(db, expected.clone(), &[role_quota::Column::Id])
            .await?;
    assert_eq!(
        role_quota,
        role_quota::Model {
            id: role_quota.id,
            ..expected
        }
    );

    let expected = account::Model {
        id: 0,
        subject: "account.subject".to_owned(),
        fund_id: fund.id,
        partner_id: Some(partner.id),
        unit_id: Some(unit.id),
        login: "account.login".to_owned(),
        given_name: "account.given_name".to_owned(),
        family_name: "account.family_name".to_owned(),
        usual_name: Some("account.usual_name".to_owned()),
        email: Some("account.email".to_owned()),
        phone: Some("account.phone".to_owned()),
        job_title: Some("account.job_title".to_owned()),
        attributes: json!({"attributes": ["account"]}),
        status: "pending".to_owned(),
        status_reason: Some("account.status_reason".to_owned()),
        valid_from: Some(today),
        valid_until: Some(today),
        must_change_password: true,
        last_login_at: Some(now),
        created_by: None,
        created_at: now,
        updated_at: now,
        disabled_at: Some(now),
    };
    let account =
        round_trip::<account::ActiveModel>(db, expected.clone(), &[account::Column::Id]).await?;
    assert_eq!(
        account,
        account::Model {
            id: account.id,
            ..expected
        }
    );

    let expected = password_credential::Model {
        account_id: account.id,
        hash: "password_credential.hash".to_owned(),
        is_temporary: true,
        expires_at: Some(now),
        changed_at: now,
        created_at: now,
    };
    let password_credential =
        round_trip::<password_credential::ActiveModel>(db, expected.clone(), &[]).await?;
    assert_eq!(password_credential, expected);

    let expected = login_throttle::Model {
        account_id: account.id,
        failed_count: 3,
        last_failure_at: Some(now),
        locked_until: Some(now),
    };
    let login_throttle =
        round_trip::<login_throttle::ActiveModel>(db, expected.clone(), &[]).await?;
    assert_eq!(login_throttle, expected);

    let expected = totp_credential::Model {
        account_id: account.id,
        secret_encrypted: "totp_credential.secret_encrypted".to_owned(),
        confirmed_at: Some(now),
        last_used_step: Some(7),
        created_at: now,
    };
    let totp_credential =
        round_trip::<totp_credential::ActiveModel>(db, expected.clone(), &[]).await?;
    assert_eq!(totp_credential, expected);

    let expected = recovery_code::Model {
        id: 0,
        account_id: account.id,
        code_hash: "recovery_code.code_hash".to_owned(),
        used_at: Some(now),
    };
    let recovery_code = round_trip::<recovery_code::ActiveModel>(
        db,
        expected.clone(),
        &[recovery_code::Column::Id],
    )
    .await?;
    assert_eq!(
        recovery_code,
        recovery_code::Model {
            id: recovery_code.id,
            ..expected
        }
    );

    let expected = webauthn_credential::Model {
        id: 0,
        account_id: account.id,
        credential_id: "webauthn_credential.credential_id".to_owned(),
        passkey: json!({"passkey": ["webauthn_credential"]}),
        label: "webauthn_credential.label".to_owned(),
        created_at: now,
        last_used_at: Some(now),
    };
    let webauthn_credential = round_trip::<webauthn_credential::ActiveModel>(
        db,
        expected.clone(),
        &[webauthn_credential::Column::Id],
    )
    .await?;
    assert_eq!(
        webauthn_credential,
        webauthn_credential::Model {
            id: webauthn_credential.id,
            ..expected
        }
    );

    let expected = webauthn_ceremony::Model {
        key: "webauthn_ceremony.key".to_owned(),
        purpose: "authenticate".to_owned(),
        account_id: account.id,
        state: json!({"ast": ["webauthn_ceremony"]}),
        created_at: now,
        expires_at: now,
    };
    let webauthn_ceremony =
        round_trip::<webauthn_ceremony::ActiveModel>(db, expected.clone(), &[]).await?;
    assert_eq!(webauthn_ceremony, expected);

    let expected = password_reset::Model {
        token_hash: "password_reset.token_hash".to_owned(),
        account_id: account.id,
        created_at: now,
        expires_at: now,
        used_at: Some(now),
    };
    let password_reset =
        round_trip::<password_reset::ActiveModel>(db, expected.clone(), &[]).await?;
    assert_eq!(password_reset, expected);

    let expected = admin_role::Model {
        id: 0,
        account_id: account.id,
        kind: "fund_operator".to_owned(),
        fund_id: Some(fund.id),
        partner_id: None,
        scope: Some(json!({"scope": ["admin_role"]})),
        may_delegate: true,
        granted_by: Some(account.id),
        granted_at: now,
        revoked_at: Some(now),
        revoked_by: Some(account.id),
        revocation_reason: Some("admin_role.revocation_reason".to_owned()),
    };
    let admin_role =
        round_trip::<admin_role::ActiveModel>(db, expected.clone(), &[admin_role::Column::Id])
            .await?;
    assert_eq!(
        admin_role,
        admin_role::Model {
            id: admin_role.id,
            ..expected
        }
    );

    let expected = account_group::Model {
        id: 0,
        partner_id: partner.id,
        name: "account_group.name".to_owned(),
        description: Some("account_group.description".to_owned()),
        created_at: now,
        deleted_at: Some(now),
    };
    let account_group = round_trip::<account_group::ActiveModel>(
        db,
        expected.clone(),
        &[account_group::Column::Id],
    )
    .await?;
    assert_eq!(
        account_group,
        account_group::Model {
            id: account_group.id,
            ..expected
        }
    );

    let expected = group_membership::Model {
        group_id: account_group.id,
        account_id: account.id,
        added_by: Some(account.id),
        added_at: now,
    };
    let group_membership =
        round_trip::<group_membership::ActiveModel>(db, expected.clone(), &[]).await?;
    assert_eq!(group_membership, expected);

    let expected = habilitation::Model {
        id: 0,
        subscription_id: subscription.id,
        service_role_id: service_role.id,
        account_id: Some(account.id),
        group_id: None,
        territory: Some(json!({"territory": ["habilitation"]})),
        attributes: Some(json!({"attributes": ["habilitation"]})),
        valid_from: today,
        valid_until: Some(today),
        status: "active".to_owned(),
        reason: "habilitation.reason".to_owned(),
        granted_by: Some(account.id),
        granted_at: now,
        withdrawn_by: Some(account.id),
        withdrawn_at: Some(now),
        withdrawal_reason: Some("habilitation.withdrawal_reason".to_owned()),
        updated_at: now,
    };
    let habilitation =
        round_trip::<habilitation::ActiveModel>(db, expected.clone(), &[habilitation::Column::Id])
            .await?;
    assert_eq!(
        habilitation,
        habilitation::Model {
            id: habilitation.id,
            ..expected
        }
    );

    let expected = access_request::Model {
        id: 0,
        partner_id: partner.id,
        convention_id: Some(convention.id),
        kind: "create_account".to_owned(),
        payload: json!({"payload": ["access_request"]}),
        status: "pending".to_owned(),
        requested_by: account.id,
        requested_at: now,
        decided_by: Some(account.id),
        decided_at: Some(now),
        decision_reason: Some("access_request.decision_reason".to_owned()),
        result: Some(json!({"result": ["access_request"]})),
    };
    let access_request = round_trip::<access_request::ActiveModel>(
        db,
        expected.clone(),
        &[access_request::Column::Id],
    )
    .await?;
    assert_eq!(
        access_request,
        access_request::Model {
            id: access_request.id,
            ..expected
        }
    );

    let expected = review_campaign::Model {
        id: 0,
        fund_id: fund.id,
        year: 3,
        title: "review_campaign.title".to_owned(),
        due_on: today,
        status: "open".to_owned(),
        opened_by: Some(account.id),
        opened_at: now,
        closed_at: Some(now),
    };
    let review_campaign = round_trip::<review_campaign::ActiveModel>(
        db,
        expected.clone(),
        &[review_campaign::Column::Id],
    )
    .await?;
    assert_eq!(
        review_campaign,
        review_campaign::Model {
            id: review_campaign.id,
            ..expected
        }
    );

    let expected = partner_review::Model {
        id: 0,
        campaign_id: review_campaign.id,
        partner_id: partner.id,
        status: "not_started".to_owned(),
        snapshot_at: Some(now),
        late_policy_applied_at: Some(now),
    };
    let partner_review = round_trip::<partner_review::ActiveModel>(
        db,
        expected.clone(),
        &[partner_review::Column::Id],
    )
    .await?;
    assert_eq!(
        partner_review,
        partner_review::Model {
            id: partner_review.id,
            ..expected
        }
    );

    let expected = review_item::Model {
        id: 0,
        review_id: partner_review.id,
        account_id: account.id,
        habilitation_id: Some(habilitation.id),
        via_group_id: Some(account_group.id),
        snapshot: json!({"snapshot": ["review_item"]}),
        decision: Some("keep".to_owned()),
        decided_by: Some(account.id),
        decided_at: Some(now),
        login: "review_item.login".to_owned(),
        service: Some("review_item.service".to_owned()),
        role: Some("review_item.role".to_owned()),
        group_name: Some("review_item.group_name".to_owned()),
        last_login_at: Some(now),
    };
    let review_item =
        round_trip::<review_item::ActiveModel>(db, expected.clone(), &[review_item::Column::Id])
            .await?;
    assert_eq!(
        review_item,
        review_item::Model {
            id: review_item.id,
            ..expected
        }
    );

    let expected = review_attestation::Model {
        id: 0,
        review_id: partner_review.id,
        signed_by: account.id,
        signer_name: "review_attestation.signer_name".to_owned(),
        statement: "review_attestation.statement".to_owned(),
        kept_count: 3,
        withdrawn_count: 3,
        signed_at: now,
        export_sha256: Some("review_attestation.export_sha256".to_owned()),
    };
    let review_attestation = round_trip::<review_attestation::ActiveModel>(
        db,
        expected.clone(),
        &[review_attestation::Column::Id],
    )
    .await?;
    assert_eq!(
        review_attestation,
        review_attestation::Model {
            id: review_attestation.id,
            ..expected
        }
    );

    let expected = super::review_reminder::Model {
        id: 0,
        review_id: partner_review.id,
        kind: "review_reminder.kind".to_owned(),
        recipients: 2,
        sent_at: now,
    };
    let review_reminder = round_trip::<super::review_reminder::ActiveModel>(
        db,
        expected.clone(),
        &[super::review_reminder::Column::Id],
    )
    .await?;
    assert_eq!(
        review_reminder,
        super::review_reminder::Model {
            id: review_reminder.id,
            ..expected
        }
    );

    let expected = super::audit_verification::Model {
        id: 1,
        ran_at: now,
        intact: true,
        checked: 42,
        broken_at: Some(7),
        reason: Some("audit_verification.reason".to_owned()),
        duration_ms: 12,
    };
    assert_eq!(
        round_trip::<super::audit_verification::ActiveModel>(db, expected.clone(), &[]).await?,
        expected
    );

    let expected = signing_key::Model {
        kid: "signing_key.kid".to_owned(),
        alg: "signing_key.alg".to_owned(),
        private_key_encrypted: "signing_key.private_key_encrypted".to_owned(),
        public_jwk: json!({"public_jwk": ["signing_key"]}),
        created_at: now,
        not_before: now,
        retired_at: Some(now),
        expires_at: Some(now),
    };
    let signing_key = round_trip::<signing_key::ActiveModel>(db, expected.clone(), &[]).await?;
    assert_eq!(signing_key, expected);

    let expected = user_session::Model {
        id: "user_session.id".to_owned(),
        account_id: account.id,
        created_at: now,
        last_seen_at: now,
        idle_expires_at: now,
        absolute_expires_at: now,
        auth_time: now,
        acr: "user_session.acr".to_owned(),
        amr: json!({"amr": ["user_session"]}),
        source_ip: Some("user_session.source_ip".to_owned()),
        user_agent: Some("user_session.user_agent".to_owned()),
        ended_at: Some(now),
        end_reason: Some("user_session.end_reason".to_owned()),
    };
    let user_session = round_trip::<user_session::ActiveModel>(db, expected.clone(), &[]).await?;
    assert_eq!(user_session, expected);

    let expected = session_client::Model {
        session_id: user_session.id.clone(),
        client_id: oidc_client.id,
        first_seen_at: now,
    };
    let session_client =
        round_trip::<session_client::ActiveModel>(db, expected.clone(), &[]).await?;
    assert_eq!(session_client, expected);

    let expected = authorization_code::Model {
        code_hash: "authorization_code.code_hash".to_owned(),
        client_id: oidc_client.id,
        account_id: account.id,
        session_id: user_session.id.clone(),
        redirect_uri: "authorization_code.redirect_uri".to_owned(),
        scope: "authorization_code.scope".to_owned(),
        nonce: Some("authorization_code.nonce".to_owned()),
        code_challenge: "authorization_code.code_challenge".to_owned(),
        code_challenge_method: "S256".to_owned(),
        auth_time: now,
        acr: "authorization_code.acr".to_owned(),
        amr: json!({"amr": ["authorization_code"]}),
        created_at: now,
        expires_at: now,
        consumed_at: Some(now),
        access_token_jti: Some("authorization_code.access_token_jti".to_owned()),
        access_token_expires_at: Some(now),
    };
    let authorization_code =
        round_trip::<authorization_code::ActiveModel>(db, expected.clone(), &[]).await?;
    assert_eq!(authorization_code, expected);

    let expected = refresh_token::Model {
        id: 0,
        token_hash: "refresh_token.token_hash".to_owned(),
        family_id: "refresh_token.family_id".to_owned(),
        parent_id: None,
        client_id: oidc_client.id,
        account_id: account.id,
        session_id: user_session.id.clone(),
        scope: "refresh_token.scope".to_owned(),
        auth_time: now,
        acr: "refresh_token.acr".to_owned(),
        amr: json!(["pwd"]),
        issued_at: now,
        expires_at: now,
        used_at: Some(now),
        revoked_at: Some(now),
        revocation_reason: Some("refresh_token.revocation_reason".to_owned()),
        code_hash: Some("refresh_token.code_hash".to_owned()),
        access_token_jti: Some("refresh_token.access_token_jti".to_owned()),
        access_token_expires_at: Some(now),
    };
    let refresh_token = round_trip::<refresh_token::ActiveModel>(
        db,
        expected.clone(),
        &[refresh_token::Column::Id],
    )
    .await?;
    assert_eq!(
        refresh_token,
        refresh_token::Model {
            id: refresh_token.id,
            ..expected
        }
    );

    let expected = access_token_revocation::Model {
        jti: "access_token_revocation.jti".to_owned(),
        expires_at: now,
    };
    let access_token_revocation =
        round_trip::<access_token_revocation::ActiveModel>(db, expected.clone(), &[]).await?;
    assert_eq!(access_token_revocation, expected);

    let expected = par_request::Model {
        request_uri: "par_request.request_uri".to_owned(),
        client_id: oidc_client.id,
        parameters: json!({"parameters": ["par_request"]}),
        expires_at: now,
    };
    let par_request = round_trip::<par_request::ActiveModel>(db, expected.clone(), &[]).await?;
    assert_eq!(par_request, expected);

    let expected = consent::Model {
        account_id: account.id,
        client_id: oidc_client.id,
        scopes: json!({"scopes": ["consent"]}),
        granted_at: now,
    };
    let consent = round_trip::<consent::ActiveModel>(db, expected.clone(), &[]).await?;
    assert_eq!(consent, expected);

    let expected = rate_limit_bucket::Model {
        key: "rate_limit_bucket.key".to_owned(),
        window_start: now,
        count: 7,
    };
    let rate_limit_bucket =
        round_trip::<rate_limit_bucket::ActiveModel>(db, expected.clone(), &[]).await?;
    assert_eq!(rate_limit_bucket, expected);

    let expected = audit_seal::Model {
        id: 0,
        sealed_at: now,
        up_to_event_id: 7,
        last_hash: "audit_seal.last_hash".to_owned(),
        purged_count: 7,
    };
    let audit_seal =
        round_trip::<audit_seal::ActiveModel>(db, expected.clone(), &[audit_seal::Column::Id])
            .await?;
    assert_eq!(
        audit_seal,
        audit_seal::Model {
            id: audit_seal.id,
            ..expected
        }
    );

    let expected = directory_outbox::Model {
        id: 0,
        entry_kind: "fund".to_owned(),
        entry_key: "directory_outbox.entry_key".to_owned(),
        operation: "upsert".to_owned(),
        created_at: now,
        attempts: 3,
        next_attempt_at: now,
        last_error: Some("directory_outbox.last_error".to_owned()),
        processed_at: Some(now),
    };
    let directory_outbox = round_trip::<directory_outbox::ActiveModel>(
        db,
        expected.clone(),
        &[directory_outbox::Column::Id],
    )
    .await?;
    assert_eq!(
        directory_outbox,
        directory_outbox::Model {
            id: directory_outbox.id,
            ..expected
        }
    );

    let expected = usage_monthly::Model {
        id: 0,
        month: "2026-01".to_owned(),
        fund_id: fund.id,
        partner_id: Some(partner.id),
        service_id: Some(service.id),
        partner_key: 0,
        service_key: 0,
        logins: 7,
        distinct_users: 7,
        failures: 7,
        locks: 7,
        tokens_issued: 7,
    };
    let usage_monthly = round_trip::<usage_monthly::ActiveModel>(
        db,
        expected.clone(),
        &[
            usage_monthly::Column::Id,
            usage_monthly::Column::PartnerKey,
            usage_monthly::Column::ServiceKey,
        ],
    )
    .await?;
    assert_eq!(
        usage_monthly,
        usage_monthly::Model {
            id: usage_monthly.id,
            partner_key: expected.partner_id.unwrap_or(0),
            service_key: expected.service_id.unwrap_or(0),
            ..expected
        }
    );

    let expected = usage_user_month::Model {
        id: 0,
        month: "2026-01".to_owned(),
        account_id: account.id,
        service_id: Some(service.id),
        service_key: 0,
        first_seen_at: now,
    };
    let usage_user_month = round_trip::<usage_user_month::ActiveModel>(
        db,
        expected.clone(),
        &[
            usage_user_month::Column::Id,
            usage_user_month::Column::ServiceKey,
        ],
    )
    .await?;
    assert_eq!(
        usage_user_month,
        usage_user_month::Model {
            id: usage_user_month.id,
            service_key: expected.service_id.unwrap_or(0),
            ..expected
        }
    );

    let expected = auth_interaction::Model {
        id: "auth_interaction.id".to_owned(),
        client_id: oidc_client.id,
        request: json!({"scope": "openid"}),
        binding_hash: "auth_interaction.binding_hash".to_owned(),
        step: "change_password".to_owned(),
        account_id: Some(account.id),
        amr: json!(["pwd"]),
        auth_time: Some(now),
        created_at: now,
        expires_at: now,
    };
    let auth_interaction =
        round_trip::<auth_interaction::ActiveModel>(db, expected.clone(), &[]).await?;
    assert_eq!(auth_interaction, expected);

    let expected = backchannel_logout::Model {
        id: 0,
        client_id: oidc_client.id,
        account_id: account.id,
        session_id: "backchannel_logout.session_id".to_owned(),
        reason: "logout".to_owned(),
        created_at: now,
        next_attempt_at: now,
        attempts: 2,
        last_error: Some("backchannel_logout.last_error".to_owned()),
        delivered_at: Some(now),
    };
    let backchannel_logout = round_trip::<backchannel_logout::ActiveModel>(
        db,
        expected.clone(),
        &[backchannel_logout::Column::Id],
    )
    .await?;
    assert_eq!(
        backchannel_logout,
        backchannel_logout::Model {
            id: backchannel_logout.id,
            ..expected
        }
    );

    // m20260101_000010_accounts_credentials
    let expected = super::fund_credential_policy::Model {
        fund_id: fund.id,
        policy: json!({"min_length_agent": 14}),
        updated_at: now,
    };
    let fund_credential_policy =
        round_trip::<super::fund_credential_policy::ActiveModel>(db, expected.clone(), &[]).await?;
    assert_eq!(fund_credential_policy, expected);
    let expected = notification::Model {
        id: 0,
        account_id: account.id,
        kind: "access_request.approved".to_owned(),
        payload: json!({"payload": ["notification"]}),
        created_at: now,
        read_at: Some(now),
        sent_at: None,
    };
    let notification =
        round_trip::<notification::ActiveModel>(db, expected.clone(), &[notification::Column::Id])
            .await?;
    assert_eq!(
        notification,
        notification::Model {
            id: notification.id,
            ..expected
        }
    );

    Ok(())
}
