"""--send against a small SMTP server speaking the protocol on 127.0.0.1 (a real socket, a real client)."""

from __future__ import annotations

import base64
import email
import os
import socketserver
import subprocess
import sys
import threading
from email.policy import default
from pathlib import Path
from typing import Iterator

import pytest

from feedhub.digest.send import SmtpSettings, send, smtp_settings
from feedhub.errors import FeedhubError

PASSWORD = "s3cret-Pa55word"


class SmtpHandler(socketserver.StreamRequestHandler):
    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:  # the subset of RFC 5321 + AUTH PLAIN that smtplib uses
        server: FakeSmtp = self.server  # type: ignore[assignment]
        self.reply("220 fake.example ESMTP")
        mail_from, rcpts = "", []
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            line = raw.decode().rstrip("\r\n")
            verb = line.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.wfile.write(b"250-fake.example\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n")
            elif verb == "AUTH":
                parts = line.split()
                creds = base64.b64decode(parts[2]).split(b"\x00") if len(parts) > 2 else []
                if len(creds) == 3 and creds[2].decode() == server.password:
                    server.logins.append(creds[1].decode())
                    self.reply("235 2.7.0 Authentication successful")
                else:
                    self.reply("535 5.7.8 Authentication credentials invalid")
            elif verb == "MAIL":
                mail_from = line.split(":", 1)[1].strip().strip("<>").split(">")[0]
                self.reply("250 OK")
            elif verb == "RCPT":
                rcpts.append(line.split(":", 1)[1].strip().strip("<>"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                data = b""
                while True:
                    chunk = self.rfile.readline()
                    if chunk in (b".\r\n", b""):
                        break
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                server.messages.append((mail_from, rcpts, data))
                self.reply("250 OK queued")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            elif verb in ("RSET", "NOOP"):
                self.reply("250 OK")
            else:
                self.reply("502 Command not implemented")


class FakeSmtp(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, password: str) -> None:
        super().__init__(("127.0.0.1", 0), SmtpHandler)
        self.password = password
        self.logins: list[str] = []
        self.messages: list[tuple[str, list[str], bytes]] = []


@pytest.fixture()
def smtp() -> Iterator[FakeSmtp]:
    server = FakeSmtp(PASSWORD)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def env_for(smtp: FakeSmtp, home: Path, password: str = PASSWORD) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEEDHUB_")}
    env.update(
        FEEDHUB_HOME=str(home), FEEDHUB_SMTP_HOST="127.0.0.1", FEEDHUB_SMTP_PORT=str(smtp.server_address[1]),
        FEEDHUB_SMTP_USER="me@example.org", FEEDHUB_SMTP_PASSWORD=password, FEEDHUB_SMTP_FROM="feedhub <me@example.org>",
        FEEDHUB_SMTP_TO="group@example.org, friend@example.org",
    )  # fmt: skip
    return env


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "feedhub", *args], env=env, capture_output=True, text=True, timeout=120)


def test_send_delivers_a_multipart_digest(smtp: FakeSmtp, tmp_path: Path) -> None:
    env = env_for(smtp, tmp_path / "home")
    done = run(env, "digest", "--week", "2018-W08", "--tz", "UTC", "--send", "--lang", "ko")
    assert done.returncode == 0, done.stderr
    assert smtp.logins == ["me@example.org"]
    ((sender, rcpts, data),) = smtp.messages
    assert sender == "me@example.org" and rcpts == ["group@example.org", "friend@example.org"]
    msg = email.message_from_bytes(data, policy=default)
    assert msg.get_content_type() == "multipart/alternative"
    assert "주간 AI 다이제스트" in msg.get_body(("html",)).get_content()
    assert "sent the 2018-W08 digest to group@example.org, friend@example.org" in done.stderr
    assert PASSWORD not in done.stdout + done.stderr


def test_a_wrong_password_is_one_line_without_the_password(smtp: FakeSmtp, tmp_path: Path) -> None:
    wrong = "Wr0ng-Pa55-42"
    done = run(env_for(smtp, tmp_path / "home", password=wrong), "digest", "--week", "2018-W08", "--send")
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "SMTP login" in done.stderr and "FEEDHUB_SMTP_PASSWORD" in done.stderr
    assert wrong not in done.stdout + done.stderr and not smtp.messages


def test_missing_settings_say_what_to_set(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEEDHUB_")}
    env["FEEDHUB_HOME"] = str(tmp_path / "home")
    done = run(env, "digest", "--week", "2018-W08", "--send")
    assert done.returncode == 1 and "FEEDHUB_SMTP_HOST and FEEDHUB_SMTP_TO" in done.stderr


def test_unreachable_server_is_one_line(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = SmtpSettings(host="127.0.0.1", port=port, sender="a@b", to=["c@d"], user="u", password=PASSWORD)
    from email.message import EmailMessage

    with pytest.raises(FeedhubError, match="cannot reach the SMTP server") as err:
        send(EmailMessage(), settings)
    assert PASSWORD not in str(err.value) and PASSWORD not in repr(settings)


def test_settings_defaults_and_remote_hosts_are_not_loopback() -> None:
    settings = SmtpSettings(host="192.0.2.1", port=25, sender="a@b", to=["c@d"], user="u", password=PASSWORD)
    assert not settings.loopback
    assert smtp_settings(lambda name: {"FEEDHUB_SMTP_HOST": "h", "FEEDHUB_SMTP_TO": "x@y", "FEEDHUB_SMTP_USER": "u"}.get(name)).port == 587
    with pytest.raises(FeedhubError, match="FEEDHUB_SMTP_PORT"):
        smtp_settings(lambda name: {"FEEDHUB_SMTP_HOST": "h", "FEEDHUB_SMTP_TO": "x@y", "FEEDHUB_SMTP_PORT": "abc"}.get(name))
