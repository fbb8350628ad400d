"""Sending the digest by SMTP. Settings come from the environment (or config.toml's [secrets]):
FEEDHUB_SMTP_HOST, FEEDHUB_SMTP_PORT, FEEDHUB_SMTP_USER, FEEDHUB_SMTP_PASSWORD, FEEDHUB_SMTP_FROM,
FEEDHUB_SMTP_TO (comma-separated), FEEDHUB_SMTP_TLS (auto | starttls | ssl | none).

The password is never printed: not in errors, not in the settings' repr. It is only sent over TLS,
unless the server is on this machine (loopback).
"""

from __future__ import annotations

import ipaddress
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Callable

from feedhub.errors import FeedhubError

TIMEOUT = 30.0


@dataclass
class SmtpSettings:
    host: str
    port: int
    sender: str
    to: list[str]
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    tls: str = "auto"

    @property
    def loopback(self) -> bool:
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False


def smtp_settings(secret: Callable[[str], str | None]) -> SmtpSettings:
    """Read the settings with ``secret`` (e.g. ``Settings.secret``); one line saying what is missing."""
    host = secret("FEEDHUB_SMTP_HOST")
    to = [a.strip() for a in (secret("FEEDHUB_SMTP_TO") or "").split(",") if a.strip()]
    missing = [n for n, v in (("FEEDHUB_SMTP_HOST", host), ("FEEDHUB_SMTP_TO", to)) if not v]
    if missing:
        raise FeedhubError(f"--send needs {' and '.join(missing)} in the environment (or [secrets] in config.toml)")
    tls = (secret("FEEDHUB_SMTP_TLS") or "auto").lower()
    if tls not in ("auto", "starttls", "ssl", "none"):
        raise FeedhubError(f"FEEDHUB_SMTP_TLS={tls!r}; use auto, starttls, ssl or none")
    port_text = secret("FEEDHUB_SMTP_PORT")
    if port_text:
        try:
            port = int(port_text)
            if not 0 < port < 65536:
                raise ValueError
        except ValueError:
            raise FeedhubError(f"FEEDHUB_SMTP_PORT={port_text!r} is not a port number; use e.g. 587") from None
    else:
        port = 465 if tls == "ssl" else 587 if secret("FEEDHUB_SMTP_USER") else 25
    user = secret("FEEDHUB_SMTP_USER")
    sender = secret("FEEDHUB_SMTP_FROM") or user or "feedhub@localhost"
    return SmtpSettings(host=str(host), port=port, sender=sender, to=to, user=user,
                        password=secret("FEEDHUB_SMTP_PASSWORD"), tls=tls)  # fmt: skip


def _scrub(text: str, settings: SmtpSettings) -> str:
    text = " ".join(str(text).split())
    if settings.password:
        text = text.replace(settings.password, "***")
    return text


def send(msg: EmailMessage, settings: SmtpSettings) -> None:
    """Send ``msg`` to ``settings.to``; a one-line FeedhubError (without the password) on any failure."""
    where = f"{settings.host}:{settings.port}"
    context = ssl.create_default_context()
    try:
        use_ssl = settings.tls == "ssl" or (settings.tls == "auto" and settings.port == 465)
        if use_ssl:
            client: smtplib.SMTP = smtplib.SMTP_SSL(settings.host, settings.port, timeout=TIMEOUT, context=context)
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT)
        with client:
            client.ehlo()
            encrypted = use_ssl
            if not use_ssl and settings.tls in ("auto", "starttls"):
                if client.has_extn("starttls"):
                    client.starttls(context=context)
                    client.ehlo()
                    encrypted = True
                elif settings.tls == "starttls":
                    raise FeedhubError(f"the SMTP server {where} does not offer STARTTLS; set FEEDHUB_SMTP_TLS=ssl (port 465) or auto")
            if settings.user:
                if not encrypted and not settings.loopback:
                    raise FeedhubError(
                        f"refusing to send the SMTP password unencrypted to {where}; use a server with STARTTLS or SSL (FEEDHUB_SMTP_TLS)"
                    )
                client.login(settings.user, settings.password or "")
            client.send_message(msg, from_addr=settings.sender, to_addrs=settings.to)
    except smtplib.SMTPAuthenticationError:
        raise FeedhubError(f"SMTP login as {settings.user!r} at {where} failed; check FEEDHUB_SMTP_USER and FEEDHUB_SMTP_PASSWORD") from None
    except smtplib.SMTPRecipientsRefused as exc:
        raise FeedhubError(f"the SMTP server {where} refused the recipients {', '.join(exc.recipients)}; check FEEDHUB_SMTP_TO") from None
    except smtplib.SMTPResponseException as exc:
        detail = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        raise FeedhubError(_scrub(f"the SMTP server {where} answered {exc.smtp_code} {detail}; check the FEEDHUB_SMTP_* settings", settings)) from None
    except (smtplib.SMTPException, ssl.SSLError) as exc:
        raise FeedhubError(_scrub(f"sending by SMTP via {where} failed: {exc}; check the FEEDHUB_SMTP_* settings", settings)) from None
    except OSError as exc:
        raise FeedhubError(_scrub(f"cannot reach the SMTP server {where}: {exc.strerror or exc}; check FEEDHUB_SMTP_HOST/PORT", settings)) from None
