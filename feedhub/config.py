"""Settings: where the data lives and which database to use.

Precedence: ``--db`` on the command line, then ``FEEDHUB_DB_URL``, then a SQLite file in the data dir
(``FEEDHUB_HOME``, else the platform's user data dir). Secrets (tokens, SMTP) come only from the
environment or ``config.toml`` in the data dir, never from the database.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from feedhub.errors import FeedhubError

DB_FILE = "feedhub.db"


@dataclass
class Settings:
    home: Path
    db_url: str
    file_config: dict[str, object] = field(default_factory=dict)
    allow_private: bool = False  # fetching: refuse private/loopback addresses unless allowed
    member: str | None = None  # --member NAME / FEEDHUB_MEMBER: whose saved papers, rules, follows (None: the default member)

    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    @property
    def runs_dir(self) -> Path:
        return self.home / "runs"

    def secret(self, env_name: str) -> str | None:
        """A token from the environment, else from ``config.toml`` ([secrets] NAME = "...")."""
        value = os.environ.get(env_name)
        if value:
            return value
        secrets = self.file_config.get("secrets", {})
        if isinstance(secrets, dict):
            found = secrets.get(env_name)
            return str(found) if found else None
        return None

    def get(self, key: str, default: object = None) -> object:
        return self.file_config.get(key, default)

    def endpoint(self, env: str, section: str, key: str, default: str) -> str:
        """An API base URL: the environment variable, else ``[section] key`` in config.toml, else the default."""
        return endpoint(self, env, section, key, default)


def endpoint(settings: Settings | None, env: str, section: str, key: str, default: str) -> str:
    """``Settings.endpoint`` for code that may run without settings (a library call, a test)."""
    value = os.environ.get(env)
    if value:
        return value.rstrip("/")
    if settings is not None:
        block = settings.file_config.get(section, {})
        if isinstance(block, dict) and block.get(key):
            return str(block[key]).rstrip("/")
    return default


def secret(settings: Settings | None, env: str) -> str | None:
    """``Settings.secret`` for code that may run without settings: the environment only."""
    if settings is not None:
        return settings.secret(env)
    return os.environ.get(env) or None


def default_home() -> Path:
    env = os.environ.get("FEEDHUB_HOME")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("feedhub", appauthor=False))


def db_url_from(value: str) -> str:
    """Accept a SQLAlchemy URL or a plain file path for ``--db``."""
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser().resolve()}"


def load_settings(db: str | None = None, home: Path | None = None, member: str | None = None) -> Settings:
    home = home or default_home()
    file_config: dict[str, object] = {}
    config_path = home / "config.toml"
    if config_path.exists():
        try:
            file_config = tomllib.loads(config_path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise FeedhubError(f"cannot read {config_path}: {exc}; fix or remove the file") from None
    if db:
        url = db_url_from(db)
    elif os.environ.get("FEEDHUB_DB_URL"):
        url = os.environ["FEEDHUB_DB_URL"]
    else:
        url = f"sqlite:///{home / DB_FILE}"
    member = (member or os.environ.get("FEEDHUB_MEMBER") or "").strip() or None
    return Settings(home=home, db_url=url, file_config=file_config, member=member)
