#!/usr/bin/env bash
# The test command (README, CI): set up, then the gate: ruff, mypy (the typed core), import-linter (the
# layers), and the whole suite on SQLite and on PostgreSQL. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ -z "${FEEDHUB_TEST_PG_URL:-}" ]; then
  # Empty when PostgreSQL cannot be started here (not root, no Debian): the suite then skips those runs
  # with a message on a developer's machine and fails them in CI (CI=true).
  FEEDHUB_TEST_PG_URL=$(bash scripts/start-postgres.sh | tail -n 1)
  export FEEDHUB_TEST_PG_URL
fi
echo "gate: ruff"; .venv/bin/ruff check .
echo "gate: mypy"; .venv/bin/mypy
echo "gate: import-linter"; .venv/bin/lint-imports --no-cache
echo "gate: pytest"
exec .venv/bin/python -m pytest "$@"
