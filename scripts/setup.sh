#!/usr/bin/env bash
# Set up a development environment on a fresh Debian machine: system packages (PostgreSQL, Chromium)
# when run as root, a virtualenv in .venv with the CPU build of torch, feedhub and its test tools.
# Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  need=()
  command -v pg_ctlcluster >/dev/null || need+=(postgresql)
  command -v chromium >/dev/null || need+=(chromium)
  # A Korean font, so the browser tests can measure where Korean text wraps (word-break: keep-all).
  [ -d /usr/share/fonts/truetype/nanum ] || need+=(fonts-nanum)
  if [ ${#need[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${need[@]}" >/dev/null
  fi
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip 2>&1 | grep -v "^WARNING: Location" || true
# The CPU wheel first and pinned: a looser spec pulls a multi-GB CUDA build.
.venv/bin/python -m pip install -q torch==2.13.0 2>&1 | grep -v "^WARNING: Location" || true
.venv/bin/python -m pip install -q -e '.[repro,recommend,dev]' 2>&1 | grep -v "^WARNING: Location" || true
.venv/bin/python -c "import feedhub, torch; print('feedhub', feedhub.__version__, '| torch', torch.__version__)"
