#!/usr/bin/env bash
# The one command that runs every test of Habilis on a fresh machine (README, .ci/run).
# It installs and starts what the tests need when missing (idempotent), then runs the format
# check, clippy, the whole suite on SQLite and PostgreSQL, and the architecture checks.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n== %s\n' "$*"; }

apt_install() {
  # Installs the Debian packages given, once; `apt-get update` only when needed.
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || {
    apt-get update >/dev/null
    apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null
  }
}

# --- Build dependencies: webauthn-rs (passkeys) links OpenSSL through openssl-sys. ---
apt_install libssl-dev pkg-config

# --- PostgreSQL: the multi-node store; every storage test also runs on it. ---
PG_URL="${HABILIS_TEST_POSTGRES_URL:-postgres://postgres:postgres@127.0.0.1:5432/postgres}"
pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
if ! pg_up; then
  command -v pg_ctlcluster >/dev/null 2>&1 || apt_install postgresql postgresql-client
  for v in $(ls /etc/postgresql 2>/dev/null); do
    pg_ctlcluster --skip-systemctl-redirect "$v" main start 2>/dev/null || true
  done
  for _ in $(seq 1 30); do pg_up && break; sleep 1; done
  pg_up || { echo "PostgreSQL did not start" >&2; exit 1; }
fi
if ! psql "$PG_URL" -qtAc 'select 1' >/dev/null 2>&1; then
  # A fresh Debian cluster asks for a password on TCP: give the postgres role the one above.
  su postgres -c "psql -qc \"ALTER USER postgres PASSWORD 'postgres'\"" >/dev/null
fi
psql "$PG_URL" -qtAc 'select 1' >/dev/null
export HABILIS_TEST_POSTGRES_URL="$PG_URL"
# Databases left behind by an earlier run that panicked.
for d in $(psql "$PG_URL" -qtAc "select datname from pg_database where datname like 'habilis_test_%'"); do
  psql "$PG_URL" -qc "DROP DATABASE IF EXISTS $d WITH (FORCE)" >/dev/null || true
done

# --- Redis: the shared counters (attempt limiting) and sessions when `[redis] url` is set. ---
REDIS_URL="${HABILIS_TEST_REDIS_URL:-redis://127.0.0.1:6379}"
redis_up() { redis-cli -u "$REDIS_URL" ping >/dev/null 2>&1; }
if ! redis_up; then
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server
  redis-server --port 6379 --bind 127.0.0.1 --save '' --appendonly no --daemonize yes >/dev/null
  for _ in $(seq 1 30); do redis_up && break; sleep 1; done
  redis_up || { echo "Redis did not start" >&2; exit 1; }
fi
export HABILIS_TEST_REDIS_URL="$REDIS_URL"

# --- Headless Chromium and axe-core: the end-to-end tests in tests/ (README "End-to-end tests"). ---
apt_install chromium chromium-driver
# axe-core from the npm registry, at the version tests/src/axe.rs names, into a git-ignored folder.
AXE_VERSION=$(sed -n 's/^pub const AXE_VERSION: &str = "\(.*\)";/\1/p' tests/src/axe.rs)
AXE_DIR=tests/e2e/node_modules/axe-core
if [ "$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$AXE_DIR/package.json" 2>/dev/null)" != "$AXE_VERSION" ]; then
  command -v npm >/dev/null 2>&1 || apt_install nodejs npm
  say "installing axe-core $AXE_VERSION"
  npm install --prefix tests/e2e --no-save --no-package-lock --no-audit --no-fund \
    "axe-core@$AXE_VERSION" >/dev/null
fi
[ -f "$AXE_DIR/axe.min.js" ] || { echo "axe-core $AXE_VERSION was not installed" >&2; exit 1; }

# --- OpenLDAP slapd: the directory the sync writes to (started by the tests themselves). ---
if [ -x scripts/slapd-deps.sh ] || [ -f scripts/slapd-deps.sh ]; then
  bash scripts/slapd-deps.sh
fi

# --- Disk: a cold build with clippy and the test binaries takes about 7 GB under target/. ---
free_gb=$(df -Pk . | awk 'NR==2 {print int($4 / 1048576)}')
say "free disk space: ${free_gb} GB"
if [ "$free_gb" -lt 8 ]; then
  echo "Less than 8 GB free on $(df -P . | awk 'NR==2 {print $6}'): the build would fail on a full disk." >&2
  echo "Free some space (other checkouts' target/ folders, cargo clean) and run again." >&2
  exit 1
fi

say "cargo fmt --check"
cargo fmt --all -- --check

say "cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

say "cargo test (SQLite and PostgreSQL)"
cargo test --workspace --locked

say "architecture checks"
bash scripts/check-architecture.sh

say "all checks passed"
