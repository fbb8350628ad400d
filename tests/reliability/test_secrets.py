"""Tokens (GitHub, X, SMTP) come only from the environment or config.toml, and none of them ever appears
in the database, the data dir's files (index, digests, state), a digest, or any output or error message —
also when the services reject them."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

from tests.digest.test_send import FakeSmtp
from tests.httpserver import FeedServer, Reply, Request

GITHUB_TOKEN = "ghp_SENTINELgithubTOKEN000111222333444"
X_TOKEN = "AAAASENTINELxBEARER-555666777888"
SMTP_PASSWORD = "SENTINEL-smtp-Pa55w0rd-999"
SECRETS = (GITHUB_TOKEN, X_TOKEN, SMTP_PASSWORD)


def _reject(r: Request) -> Reply:
    return Reply(status=401, body=b'{"message": "Bad credentials"}', content_type="application/json")


def test_no_token_leaks_anywhere(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    smtp = FakeSmtp(password="the-right-password")
    threading.Thread(target=smtp.serve_forever, daemon=True).start()
    # The X token comes from config.toml, the others from the environment: both ways are covered.
    (home / "config.toml").write_text(f'[secrets]\nX_BEARER_TOKEN = "{X_TOKEN}"\n')
    outputs: list[str] = []
    with FeedServer() as api:
        api.route("/repos/allenai/bilm-tf", _reject)
        api.route("/2/lists/1234567890/tweets", _reject)
        base = api.url("/").rstrip("/")
        env = {k: v for k, v in os.environ.items() if not k.startswith("FEEDHUB_") and k not in ("GITHUB_TOKEN", "X_BEARER_TOKEN")}
        env.update(
            FEEDHUB_HOME=str(home), FEEDHUB_ARXIV_ENRICH="0", GITHUB_TOKEN=GITHUB_TOKEN, FEEDHUB_GITHUB_API=base,
            FEEDHUB_X_API=base, FEEDHUB_SMTP_HOST="127.0.0.1", FEEDHUB_SMTP_PORT=str(smtp.server_address[1]),
            FEEDHUB_SMTP_USER="me@example.org", FEEDHUB_SMTP_PASSWORD=SMTP_PASSWORD, FEEDHUB_SMTP_TO="group@example.org",
            FEEDHUB_SMTP_FROM="me@example.org", COLUMNS="200",
        )  # fmt: skip

        def feedhub(*args: str, debug: bool = False) -> subprocess.CompletedProcess[str]:
            proc = subprocess.run([sys.executable, "-m", "feedhub", *(("--debug",) if debug else ()), *args], env=env,
                                  capture_output=True, text=True, timeout=300)
            outputs.append(proc.stdout + proc.stderr)
            return proc

        assert feedhub("demo").returncode == 0
        refresh = feedhub("github", "refresh", "--all", "--allow-private")
        assert refresh.returncode != 0 and "GITHUB_TOKEN" in refresh.stderr
        assert feedhub("source", "add", "https://x.com/i/lists/1234567890", "--no-check").returncode == 0
        fetched = feedhub("fetch", "--allow-private", "--force", "--json")
        assert "X_BEARER_TOKEN" in fetched.stdout
        sent = feedhub("digest", "--week", "2018-W08", "--send", "--out", str(home / "digest.eml"))
        assert sent.returncode != 0 and smtp.messages == []
        feedhub("digest", "--week", "2018-W08", "--out", str(home / "digest.html"))
        feedhub("digest", "--week", "2018-W08", "--format", "json")
        feedhub("source", "list", "--json")
        feedhub("doctor")
        feedhub("github", "refresh", "--all", "--allow-private", debug=True)  # even a --debug traceback
    smtp.shutdown()
    smtp.server_close()

    for text in outputs:
        for secret in SECRETS:
            assert secret not in text, f"a token leaked into output: {text[:300]}"
    conn = sqlite3.connect(home / "feedhub.db")
    dump = "\n".join(conn.iterdump())
    conn.close()
    for secret in SECRETS:
        assert secret not in dump, "a token was stored in the database"
    for path in home.rglob("*"):
        if path.is_file() and path.name != "config.toml":
            data = path.read_bytes()
            for secret in SECRETS:
                assert secret.encode() not in data, f"a token leaked into {path}"
