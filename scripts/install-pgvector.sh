#!/usr/bin/env bash
# Installs pgvector 0.8.0 into the local PostgreSQL 15 when it is missing.
# Debian bookworm ships no pgvector package, so we build Debian trixie's source package
# against postgresql-server-dev-15. The trixie deb-src entry is derived from the system's own
# apt sources (no host names live in this repository) and kept in a private apt config so the
# system's sources are never touched. Idempotent: does nothing when vector.control exists.
set -euo pipefail

PG_MAJOR="${PG_MAJOR:-15}"
PG_CONFIG="/usr/lib/postgresql/${PG_MAJOR}/bin/pg_config"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

# Installing the dev package can upgrade (and stop) the server package; CI needs it running.
ensure_postgres_running() {
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    echo "pgvector: starting PostgreSQL ${PG_MAJOR}"
    $SUDO pg_ctlcluster --skip-systemctl-redirect "$PG_MAJOR" main start || true
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  fi
  pg_isready -h 127.0.0.1 -p 5432
}

if [ -x "$PG_CONFIG" ] && [ -f "$("$PG_CONFIG" --sharedir)/extension/vector.control" ]; then
  echo "pgvector: already installed for PostgreSQL ${PG_MAJOR}"
  ensure_postgres_running
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

src_file=/etc/apt/sources.list.d/debian.sources
if [ ! -f "$src_file" ]; then
  echo "pgvector: $src_file not found; cannot derive a Debian mirror" >&2
  exit 1
fi
mirror="$(awk '/^URIs:/ {print $2; exit}' "$src_file")"
signed_by="$(awk '/^Signed-By:/ {print $2; exit}' "$src_file")"

mkdir -p "$work/lists/partial" "$work/src"
cat >"$work/trixie.sources" <<SRC
Types: deb-src
URIs: ${mirror}
Suites: trixie
Components: main
Signed-By: ${signed_by}
SRC

apt_private=(-o "Dir::Etc::sourcelist=$work/trixie.sources" -o "Dir::Etc::sourceparts=-"
  -o "Dir::State::Lists=$work/lists" -o "APT::Get::List-Cleanup=0" -o "APT::Sandbox::User=root")

echo "pgvector: installing build dependencies"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq "postgresql-server-dev-${PG_MAJOR}" make gcc dpkg-dev >/dev/null

echo "pgvector: fetching Debian trixie source package"
$SUDO apt-get "${apt_private[@]}" update -qq >/dev/null
(cd "$work/src" && apt-get "${apt_private[@]}" source --download-only -qq pgvector >/dev/null \
  && dpkg-source -x --no-check ./*.dsc pgvector >/dev/null)

echo "pgvector: building"
make -s -C "$work/src/pgvector" PG_CONFIG="$PG_CONFIG" >/dev/null
$SUDO make -s -C "$work/src/pgvector" PG_CONFIG="$PG_CONFIG" install >/dev/null

ensure_postgres_running
echo "pgvector: installed $(awk -F"'" '/default_version/ {print $2}' "$("$PG_CONFIG" --sharedir)/extension/vector.control")"
