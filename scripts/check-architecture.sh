#!/usr/bin/env bash
# Mechanical checks of the invariants written in ARCHITECTURE.md.
set -euo pipefail
cd "$(dirname "$0")/.."
fail=0

# Only `store` uses sea-orm inside idp (tests of other modules included).
if grep -rln --include='*.rs' -E '\bsea_orm(_migration)?::|use sea_orm\b' idp/src | grep -v '^idp/src/store/' ; then
  echo "^ sea-orm used outside idp/src/store" >&2; fail=1
fi
# Domain modules know nothing of HTTP.
for m in $(ls idp/src); do
  case "$m" in web|web.rs|app.rs|cli.rs|main.rs|state.rs|lib.rs|oidc|oidc.rs) continue;; esac
  forbidden='use axum|axum::|crate::web|crate::oidc'
  # `store` persists the OIDC keys and clients (types of `oidc`); `cli` and `config` name them.
  case "$m" in store|cli|config.rs) forbidden='use axum|axum::|crate::web';; esac
  if grep -rln --include='*.rs' -E "$forbidden" "idp/src/$m" 2>/dev/null; then
    echo "^ HTTP types used in a domain module" >&2; fail=1
  fi
done
# directory-sync depends on neither the database nor HTTP crates, nor on idp.
for dep in sea-orm axum idp; do
  if cargo tree -p directory-sync -e normal --prefix none 2>/dev/null | grep -qE "^$dep v"; then
    echo "directory-sync depends on $dep" >&2; fail=1
  fi
done
# migrations depends on nothing of ours.
if cargo tree -p migrations -e normal --prefix none 2>/dev/null | grep -qE '^(idp|directory-sync) v'; then
  echo "migrations depends on a crate of ours" >&2; fail=1
fi
[ $fail -eq 0 ] && echo "architecture invariants hold"
exit $fail
