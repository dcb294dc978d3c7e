#!/usr/bin/env bash
# Installs what the test suites need beyond npm: pgvector for the local PostgreSQL 15 (built from
# Debian's source package, see install-pgvector.sh) and Debian's Chromium for the dashboard's browser
# test. Idempotent: each part is skipped when already present.
set -euo pipefail
cd "$(dirname "$0")"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

bash ./install-pgvector.sh

if command -v chromium >/dev/null 2>&1; then
  echo "chromium: already installed"
else
  echo "chromium: installing Debian's package (for the dashboard's browser test)"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >/dev/null
  $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi
