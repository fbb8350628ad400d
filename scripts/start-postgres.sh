#!/usr/bin/env bash
# Start Debian's PostgreSQL cluster (as root) and create a throw-away test database.
# Prints the SQLAlchemy URL to use as FEEDHUB_TEST_PG_URL; prints nothing if PostgreSQL is unavailable.
set -uo pipefail
command -v pg_lsclusters >/dev/null || exit 0
[ "$(id -u)" = 0 ] || exit 0
ver=$(pg_lsclusters -h 2>/dev/null | awk 'NR==1{print $1}')
if [ -z "$ver" ]; then
  ver=$(ls /usr/lib/postgresql | sort -n | tail -1)
  pg_createcluster "$ver" main >/dev/null
fi
pg_ctlcluster "$ver" main start >/dev/null 2>&1 || true
for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
su postgres -c "psql -qtAc \"DO \\\$\\\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='feedhub') THEN CREATE ROLE feedhub LOGIN SUPERUSER PASSWORD 'feedhub'; END IF; END \\\$\\\$;\"" >/dev/null
su postgres -c "psql -qtAc \"SELECT 1 FROM pg_database WHERE datname='feedhub_test'\"" | grep -q 1 || su postgres -c "createdb -O feedhub feedhub_test"
echo "postgresql+psycopg://feedhub:feedhub@127.0.0.1:5432/feedhub_test"
