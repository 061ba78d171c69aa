#!/bin/sh
# Installs OpenLDAP's slapd and the ldap-utils client tools (ldapadd, ldapsearch) that the
# directory-sync tests and benchmark need. Idempotent: does nothing when slapd is already there.
# The tests start their own slapd on a random port with a temporary configuration; the Debian
# package's system service is not used (and is not configured here).
set -eu

if [ -x /usr/sbin/slapd ] && command -v ldapadd >/dev/null 2>&1; then
    echo "slapd-deps: slapd and ldap-utils already installed"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

install() {
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y slapd ldap-utils
}

if ! install; then
    echo "slapd-deps: install failed, refreshing the package lists and retrying"
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update
    install
fi

echo "slapd-deps: installed $(/usr/sbin/slapd -VV 2>&1 | head -n 1)"
