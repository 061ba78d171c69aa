#![allow(
    clippy::result_large_err,
    reason = "figment::Jail closures return figment::Error, which is large"
)]

use std::path::Path;

use figment::Jail;

use super::*;

fn load(file: Option<&Path>) -> Result<Config, String> {
    Config::load(file).map_err(|e| e.to_string())
}

#[test]
fn embedded_defaults_load_and_validate() {
    Jail::expect_with(|_| {
        let c = load(None).unwrap();
        assert_eq!(c.server.listen.port(), 8080);
        assert!(c.is_sqlite());
        assert_eq!(c.accounts.temporary_password_length, 12);
        Ok(())
    });
}

/// Unset, the pool size follows the backend (a few connections on SQLite, more on
/// PostgreSQL); set, it is taken as is; `check-config` shows the size in use either way.
#[test]
fn the_pool_size_follows_the_backend_unless_set() {
    Jail::expect_with(|jail| {
        let c = load(None).unwrap();
        assert_eq!(c.database.max_connections, None);
        assert_eq!(c.database.pool_size(), sqlite_pool());
        assert!((2..=8).contains(&sqlite_pool()));
        let mut memory = c.database.clone();
        memory.url = crate::secret::Secret::new("sqlite::memory:");
        memory.max_connections = Some(5);
        assert_eq!(
            memory.pool_size(),
            1,
            "an in-memory database is one connection"
        );
        assert!(
            c.to_redacted_toml()
                .unwrap()
                .contains(&format!("max_connections = {}", sqlite_pool()))
        );
        jail.set_env(
            "HABILIS_DATABASE__URL",
            "postgres://habilis@db.example/habilis",
        );
        jail.set_env(
            "HABILIS_OIDC__KEY_ENCRYPTION_KEY",
            "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
        );
        assert_eq!(load(None).unwrap().database.pool_size(), POSTGRES_POOL);
        jail.set_env("HABILIS_DATABASE__MAX_CONNECTIONS", "7");
        let c = load(None).unwrap();
        assert_eq!(c.database.pool_size(), 7);
        assert!(
            c.to_redacted_toml()
                .unwrap()
                .contains("max_connections = 7")
        );
        Ok(())
    });
}

#[test]
fn environment_overrides_file_which_overrides_defaults() {
    Jail::expect_with(|jail| {
        jail.create_file(
            "habilis.toml",
            "[server]\nlisten = \"127.0.0.1:9000\"\nhsts = true\n",
        )?;
        jail.set_env("HABILIS_SERVER__LISTEN", "127.0.0.1:9100");
        jail.set_env("HABILIS_LOG__FORMAT", "json");
        let c = load(Some(Path::new("habilis.toml"))).unwrap();
        assert_eq!(c.server.listen.port(), 9100);
        assert!(c.server.hsts);
        assert_eq!(c.log.format, LogFormat::Json);
        Ok(())
    });
}

#[test]
fn unknown_keys_are_refused_with_their_name() {
    Jail::expect_with(|jail| {
        jail.create_file("bad.toml", "[server]\nlistn = \"127.0.0.1:9000\"\n")?;
        let err = load(Some(Path::new("bad.toml"))).unwrap_err();
        assert!(err.contains("listn"), "{err}");

        jail.set_env("HABILIS_DATABASE__URLL", "sqlite::memory:");
        let err = load(None).unwrap_err();
        assert!(err.to_lowercase().contains("urll"), "{err}");
        Ok(())
    });
}

#[test]
fn unknown_section_is_refused() {
    Jail::expect_with(|jail| {
        jail.set_env("HABILIS_SERVR__LISTEN", "127.0.0.1:1");
        let err = load(None).unwrap_err();
        assert!(err.to_lowercase().contains("servr"), "{err}");
        Ok(())
    });
}

#[test]
fn invalid_values_are_refused_with_the_key() {
    let cases = [
        (
            "HABILIS_SERVER__PUBLIC_URL",
            "ftp://example.org",
            "server.public_url",
        ),
        (
            "HABILIS_SERVER__PUBLIC_URL",
            "https://example.org/?x=1",
            "server.public_url",
        ),
        ("HABILIS_SERVER__LISTEN", "not-an-address", "listen"),
        ("HABILIS_DATABASE__URL", "mysql://x", "database.url"),
        (
            "HABILIS_DATABASE__MAX_CONNECTIONS",
            "0",
            "database.max_connections",
        ),
        (
            "HABILIS_ACCOUNTS__TEMPORARY_PASSWORD_LENGTH",
            "8",
            "temporary_password_length",
        ),
        ("HABILIS_LOG__FORMAT", "xml", "format"),
        ("HABILIS_SERVER__HSTS", "maybe", "hsts"),
    ];
    for (var, value, expected) in cases {
        Jail::expect_with(|jail| {
            jail.set_env(var, value);
            let err = load(None).unwrap_err();
            assert!(
                err.to_lowercase().contains(expected),
                "{var}={value}: {err}"
            );
            Ok(())
        });
    }
}

#[test]
fn file_variants_read_secrets_from_files() {
    Jail::expect_with(|jail| {
        jail.create_file("db-url", "postgres://habilis:s3cr3t@db.example/habilis\n")?;
        jail.set_env("HABILIS_DATABASE__URL_FILE", "db-url");
        // PostgreSQL requires a key-encryption key, shared by every node.
        jail.create_file("kek", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n")?;
        jail.set_env("HABILIS_OIDC__KEY_ENCRYPTION_KEY_FILE", "kek");
        let c = load(None).unwrap();
        assert_eq!(
            c.database.url.expose(),
            "postgres://habilis:s3cr3t@db.example/habilis"
        );
        let shown = c.to_redacted_toml().unwrap();
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert!(shown.contains(crate::secret::REDACTED));
        Ok(())
    });
}

#[test]
fn a_missing_secret_file_is_named() {
    Jail::expect_with(|jail| {
        jail.set_env("HABILIS_DATABASE__URL_FILE", "/nonexistent/secret");
        let err = load(None).unwrap_err();
        assert!(err.contains("HABILIS_DATABASE__URL_FILE"), "{err}");
        Ok(())
    });
}

#[test]
fn test_suite_variables_are_not_configuration() {
    Jail::expect_with(|jail| {
        jail.set_env(
            "HABILIS_TEST_POSTGRES_URL",
            "postgres://postgres@127.0.0.1/postgres",
        );
        assert!(load(None).is_ok());
        Ok(())
    });
}

#[test]
fn the_production_example_is_valid() {
    Jail::expect_with(|jail| {
        jail.set_env(
            "HABILIS_DATABASE__URL",
            "postgres://habilis:pw@db.internal/habilis",
        );
        jail.set_env(
            "HABILIS_OIDC__KEY_ENCRYPTION_KEY",
            "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
        );
        let example = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../config/production.example.toml"
        );
        let c = load(Some(Path::new(example))).unwrap();
        assert!(!c.is_sqlite());
        assert_eq!(c.log.format, LogFormat::Json);
        Ok(())
    });
}
