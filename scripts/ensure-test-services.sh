#!/usr/bin/env bash
# Install what the test suite needs from Debian when it is absent: Chromium for the browser
# tests of the map export. Runs as part of `make test`; a no-op when everything is there.
set -euo pipefail

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)

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
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
