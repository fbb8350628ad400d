#!/usr/bin/env bash
# The test command (README, CI): set up, start PostgreSQL, run the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ -z "${FEEDHUB_TEST_PG_URL:-}" ]; then
  FEEDHUB_TEST_PG_URL=$(bash scripts/start-postgres.sh | tail -n 1 || true)
  export FEEDHUB_TEST_PG_URL
fi
exec .venv/bin/python -m pytest "$@"
