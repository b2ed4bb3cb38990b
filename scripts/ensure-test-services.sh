#!/usr/bin/env bash
# Install what the test suite needs from Debian when it is absent: Chromium for the browser
# tests of the map export, PostgreSQL + PostGIS for the database tests (the tests start
# their own throwaway server; see tests/postgis_fixtures.py). Runs as part of `make test`;
# a no-op when everything is there.
set -euo pipefail

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
# PostgreSQL server binaries (initdb, pg_ctl) of any version, and the PostGIS extension.
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need+=(postgresql)
compgen -G "/usr/share/postgresql/*/extension/postgis.control" >/dev/null \
  || need+=(postgresql-15-postgis-3)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "ensure-test-services: missing ${need[*]} and not root; browser/database tests will be skipped" >&2
  exit 0
fi
echo "ensure-test-services: installing ${need[*]} from Debian" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# The Debian postgresql package creates and starts a default cluster; the tests do not use
# it (they run their own on a free port), so policy-rc.d keeps services from starting.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
