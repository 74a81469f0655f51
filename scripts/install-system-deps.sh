#!/usr/bin/env bash
# Installs the Debian packages whose real servers the test suite starts. Idempotent: does nothing
# when everything is present.
set -euo pipefail
need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v chromium >/dev/null 2>&1 || need+=(chromium chromium-driver)
test -x /usr/sbin/dovecot || need+=(dovecot-imapd)  # the IMAP tests start their own dovecot
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "missing system packages: ${need[*]} (run as root or install them: apt-get install ${need[*]})" >&2
  exit 1
fi
echo "installing system packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q "${need[@]}" >/dev/null
# The Debian package starts its own redis on 6379; the tests start their own servers instead.
if command -v systemctl >/dev/null 2>&1; then systemctl stop redis-server >/dev/null 2>&1 || true; fi
service redis-server stop >/dev/null 2>&1 || true
service dovecot stop >/dev/null 2>&1 || true
