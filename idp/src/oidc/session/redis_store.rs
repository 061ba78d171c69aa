//! Sessions in Redis (`[redis] url` set): one hash per session under
//! `<prefix>session:<id>`, and the set of an account's session ids under
//! `<prefix>account-sessions:<account id>`. Touch and end are Lua scripts, so a node touching a
//! session can never revive one another node just ended. Keys expire an hour after the
//! session's absolute end, measured from the instant the caller gives (Habilis's clock).

use redis::Script;
use time::OffsetDateTime;

use crate::oidc::grant::{Authentication, Session};
use crate::redis::Redis;

/// Extra lifetime of a key after the session's absolute end.
const GRACE_SECS: i64 = 3600;

/// Touch: `ARGV` = now, new idle end (unix seconds). 1 when moved, 0 when not live.
const TOUCH: &str = r"
local f = redis.call('HMGET', KEYS[1], 'ended_at', 'idle', 'absolute')
if not f[1] or f[1] ~= '' then return 0 end
local now = tonumber(ARGV[1])
local idle = tonumber(f[2])
local absolute = tonumber(f[3])
if now >= idle or now >= absolute then return 0 end
local new_idle = math.min(tonumber(ARGV[2]), absolute)
redis.call('HSET', KEYS[1], 'last_seen', ARGV[1], 'idle', new_idle)
return 1
";

/// End: `ARGV` = now. 1 when this call ended it, 0 when it had already ended or is unknown.
const END: &str = r"
local e = redis.call('HGET', KEYS[1], 'ended_at')
if not e or e ~= '' then return 0 end
redis.call('HSET', KEYS[1], 'ended_at', ARGV[1])
return 1
";

fn session_key(prefix: &str, id: &str) -> String {
    format!("{prefix}session:{id}")
}

fn account_key(prefix: &str, account_id: i64) -> String {
    format!("{prefix}account-sessions:{account_id}")
}

fn ts(secs: i64) -> Result<OffsetDateTime, redis::RedisError> {
    OffsetDateTime::from_unix_timestamp(secs).map_err(|_| corrupt("timestamp"))
}

fn corrupt(what: &'static str) -> redis::RedisError {
    redis::RedisError::from((
        redis::ErrorKind::UnexpectedReturnType,
        "corrupt session",
        what.to_owned(),
    ))
}

/// Stores a new session.
pub(super) async fn insert(conn: &Redis, prefix: &str, s: &Session) -> redis::RedisResult<()> {
    let mut conn = conn.clone();
    let key = session_key(prefix, &s.id);
    let ttl = (s.absolute_expires_at - s.created_at).whole_seconds() + GRACE_SECS;
    let amr = serde_json::to_string(&s.authentication.amr).map_err(|_| corrupt("amr"))?;
    redis::pipe()
        .atomic()
        .hset_multiple(
            &key,
            &[
                ("account", s.account_id.to_string()),
                (
                    "auth_time",
                    s.authentication.auth_time.unix_timestamp().to_string(),
                ),
                ("acr", s.authentication.acr.clone()),
                ("amr", amr),
                ("created", s.created_at.unix_timestamp().to_string()),
                ("last_seen", s.last_seen_at.unix_timestamp().to_string()),
                ("idle", s.idle_expires_at.unix_timestamp().to_string()),
                (
                    "absolute",
                    s.absolute_expires_at.unix_timestamp().to_string(),
                ),
                ("ended_at", String::new()),
            ],
        )
        .expire(&key, ttl)
        .sadd(account_key(prefix, s.account_id), &s.id)
        .expire(account_key(prefix, s.account_id), ttl)
        .query_async::<()>(&mut conn)
        .await
}

/// A session by id.
pub(super) async fn by_id(
    conn: &Redis,
    prefix: &str,
    id: &str,
) -> redis::RedisResult<Option<Session>> {
    let mut conn = conn.clone();
    let fields: Vec<Option<String>> = redis::cmd("HMGET")
        .arg(session_key(prefix, id))
        .arg(&[
            "account",
            "auth_time",
            "acr",
            "amr",
            "created",
            "last_seen",
            "idle",
            "absolute",
            "ended_at",
        ])
        .query_async(&mut conn)
        .await?;
    let [
        Some(account),
        Some(auth_time),
        Some(acr),
        Some(amr),
        Some(created),
        Some(last_seen),
        Some(idle),
        Some(absolute),
        Some(ended),
    ] = <[Option<String>; 9]>::try_from(fields).map_err(|_| corrupt("fields"))?
    else {
        return Ok(None);
    };
    let n = |v: &str| v.parse::<i64>().map_err(|_| corrupt("number"));
    Ok(Some(Session {
        id: id.to_owned(),
        account_id: n(&account)?,
        authentication: Authentication {
            auth_time: ts(n(&auth_time)?)?,
            acr,
            amr: serde_json::from_str(&amr).map_err(|_| corrupt("amr"))?,
        },
        created_at: ts(n(&created)?)?,
        last_seen_at: ts(n(&last_seen)?)?,
        idle_expires_at: ts(n(&idle)?)?,
        absolute_expires_at: ts(n(&absolute)?)?,
        ended_at: if ended.is_empty() {
            None
        } else {
            Some(ts(n(&ended)?)?)
        },
    }))
}

/// Moves the idle end of a live session; false when it is not live.
pub(super) async fn touch(
    conn: &Redis,
    prefix: &str,
    id: &str,
    now: OffsetDateTime,
    idle: OffsetDateTime,
) -> redis::RedisResult<bool> {
    let mut conn = conn.clone();
    let moved: i64 = Script::new(TOUCH)
        .key(session_key(prefix, id))
        .arg(now.unix_timestamp())
        .arg(idle.unix_timestamp())
        .invoke_async(&mut conn)
        .await?;
    Ok(moved == 1)
}

/// Ends a session; false when it had already ended.
pub(super) async fn end(
    conn: &Redis,
    prefix: &str,
    id: &str,
    now: OffsetDateTime,
) -> redis::RedisResult<bool> {
    let mut conn = conn.clone();
    let ended: i64 = Script::new(END)
        .key(session_key(prefix, id))
        .arg(now.unix_timestamp())
        .invoke_async(&mut conn)
        .await?;
    Ok(ended == 1)
}

/// The sessions of an account not ended yet.
pub(super) async fn open_of_account(
    conn: &Redis,
    prefix: &str,
    account_id: i64,
) -> redis::RedisResult<Vec<Session>> {
    let mut c = conn.clone();
    let ids: Vec<String> = redis::cmd("SMEMBERS")
        .arg(account_key(prefix, account_id))
        .query_async(&mut c)
        .await?;
    let mut out = Vec::new();
    for id in ids {
        if let Some(s) = by_id(conn, prefix, &id).await?
            && s.ended_at.is_none()
        {
            out.push(s);
        }
    }
    Ok(out)
}
