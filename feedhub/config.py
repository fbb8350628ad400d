"""Settings: where the data lives, which database to use, and ``config.toml`` validated at load.

Precedence: ``--db`` on the command line, then ``FEEDHUB_DB_URL``, then a SQLite file in the data dir
(``FEEDHUB_HOME``, else the platform's user data dir). Secrets (tokens, SMTP) come only from the
environment or ``config.toml`` in the data dir, never from the database.

Every key of ``config.toml`` is checked against ``SCHEMA`` (type and range) when the settings are
loaded, before any work starts: a bad value is one line naming the key, the value and what is allowed.
"""

from __future__ import annotations

import ipaddress
import math
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from feedhub.errors import FeedhubError

DB_FILE = "feedhub.db"
CONFIG_FILE = "config.toml"
MAX_CONFIG_BYTES = 1024 * 1024  # a settings file is a few hundred bytes; anything near this is not one
MiB = 1024 * 1024


class ConfigError(FeedhubError):
    """A setting in config.toml (or its environment override) that is not allowed."""


# -- the schema: one table of every section and key ------------------------------------------------

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(b|kb|kib|k|mb|mib|m|gb|gib|g)?\s*$", re.IGNORECASE)
_UNITS = {"b": 1, "k": 1024, "kb": 1000, "kib": 1024, "m": MiB, "mb": 1000**2, "mib": MiB, "g": 1024**3, "gb": 1000**3, "gib": 1024**3}


@dataclass(frozen=True)
class Rule:
    """What one key may hold: ``check(value)`` returns the normalized value or raises ``ValueError``
    whose text is appended to "allowed: "."""

    allowed: str
    check: Callable[[Any], Any]


def _number(value: Any, whole: bool) -> float | int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError
    if whole and not isinstance(value, int):
        if not float(value).is_integer():
            raise ValueError
        return int(value)
    return value


def integer(low: int, high: int) -> Rule:
    def check(value: Any) -> int:
        number = int(_number(value, True))
        if not low <= number <= high:
            raise ValueError
        return number

    return Rule(f"a whole number from {low} to {high}", check)


def seconds(low: float, high: float, *, low_open: bool = False) -> Rule:
    def check(value: Any) -> float:
        number = float(_number(value, False))
        if number < low or (low_open and number == low) or number > high:
            raise ValueError
        return number

    if low_open:
        return Rule(f"a number of seconds above {low:g}, at most {high:g}", check)
    return Rule(f"a number of seconds from {low:g} to {high:g}", check)


def size(low: int, high: int) -> Rule:
    def check(value: Any) -> int:
        if isinstance(value, str):
            m = _SIZE.match(value)
            if not m:
                raise ValueError
            number = int(float(m.group(1)) * _UNITS[(m.group(2) or "b").lower()])
        else:
            number = int(_number(value, True))
        if not low <= number <= high:
            raise ValueError
        return number

    return Rule(f'a size in bytes from {low} to {high // MiB} MiB (a number, or a text such as "15 MiB")', check)


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError
    return value


BOOLEAN = Rule("true or false (without quotes)", _boolean)


def text(max_len: int = 4096) -> Rule:
    def check(value: Any) -> str:
        if not isinstance(value, str) or not value.strip() or len(value) > max_len or "\x00" in value:
            raise ValueError
        return value

    return Rule("a quoted text", check)


def _http_url(value: Any) -> str:
    if not isinstance(value, str) or not re.match(r"^https?://[^\s/?#]+[^\s]*$", value.strip()):
        raise ValueError
    return value.strip()


HTTP_URL = Rule('an http:// or https:// URL in quotes, e.g. "https://api.example.org"', _http_url)


def _networks(value: Any) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)) or len(value) > 1000:  # a tuple: already checked once
        raise ValueError
    out = []
    for item in value:
        if not isinstance(item, str):
            raise ValueError
        try:
            ipaddress.ip_network(item.strip(), strict=False)
        except ValueError:
            raise ValueError from None
        out.append(item.strip())
    return tuple(out)


NETWORKS = Rule('a list of networks in quotes, e.g. ["10.0.0.0/8", "192.168.1.5/32"]', _networks)


def _secret(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError
    return str(value)


SECRET = Rule('a quoted text, e.g. GITHUB_TOKEN = "ghp_..."', _secret)

SCHEMA: dict[str, dict[str, Rule]] = {
    "fetch": {
        "concurrency": integer(1, 1024),
        "per_host": integer(1, 64),
        "connect_timeout": seconds(0, 600, low_open=True),
        "read_timeout": seconds(0, 600, low_open=True),
        "deadline": seconds(0, 3600, low_open=True),
        "max_body": size(1024, 256 * MiB),
        "max_redirects": integer(0, 30),
        "allow_networks": NETWORKS,
        "parse_workers": integer(0, 64),
        "ca_file": text(),
    },
    "arxiv": {
        "api_url": HTTP_URL,
        "delay_seconds": seconds(0, 60),
        "batch_size": integer(1, 2000),
        "retries": integer(0, 10),
        "timeout_seconds": seconds(0, 600, low_open=True),
        "enrich": BOOLEAN,
    },
    "github": {"api_url": HTTP_URL},
    "x": {"api_url": HTTP_URL},
    "bluesky": {"appview": HTTP_URL},
    "secrets": {},  # any NAME = "value" (see SECRET)
    "people": {},  # [people."Name"] handles = [...] (see validate_people)
}


# -- [people]: one person's handles on every network -------------------------------------------------

# The network prefixes of a handle (a source kind's shorthand, as `feedhub source add` spells it), and
# ``name:`` for an author name as a feed or a post writes it.
PEOPLE_NETWORKS = {"x": "x", "twitter": "x", "bsky": "bsky", "bluesky": "bsky", "mastodon": "mastodon", "name": "name"}
PEOPLE_ALLOWED = ('a list of quoted handles, e.g. handles = ["x:karpathy", "bsky:karpathy.bsky.social", '
                  '"mastodon:karpathy@sigmoid.social", "name:Andrej Karpathy", "https://karpathy.github.io"]')  # fmt: skip
PEOPLE_PREFIXES = ("handles that start with x:, bsky:, mastodon: (USER@HOST), name: (an author name) "
                   "or http(s):// (a profile, a blog or a feed)")
_X_HOSTS = frozenset({"x.com", "twitter.com", "mobile.twitter.com", "mobile.x.com"})
_HANDLE = re.compile(r"^[^\s/?#@:]+$")


def profile_handle(url: str) -> str | None:
    """The handle a profile or post URL names (``https://x.com/karpathy/status/1`` -> ``x:karpathy``,
    ``https://bsky.app/profile/a.bsky.social/post/1`` -> ``bsky:a.bsky.social``, ``https://host/@u/1`` ->
    ``mastodon:u@host``), else None."""
    m = re.match(r"^(?:https?://)?(?:www\.)?([^/?#\s]+)(/[^?#\s]*)?", url.strip(), re.I)
    if not m:
        return None
    host, segs = m.group(1).lower(), [x for x in (m.group(2) or "").split("/") if x]
    if host in _X_HOSTS and segs and (len(segs) == 1 or segs[1] == "status") and _HANDLE.match(segs[0].lstrip("@")):
        return "x:" + segs[0].lstrip("@").lower()
    if host == "bsky.app" and len(segs) >= 2 and segs[0] == "profile" and _HANDLE.match(segs[1].lstrip("@")):
        return "bsky:" + segs[1].lstrip("@").lower()
    if segs and segs[0].startswith("@") and len(segs[0]) > 1:
        user, _, other = segs[0][1:].removesuffix(".rss").partition("@")
        if user and _HANDLE.match(user) and (not other or _HANDLE.match(other)):
            return f"mastodon:{user.lower()}@{(other or host).lower()}"
    return None


def site_url(url: str) -> str | None:
    """A URL as ``[people]`` compares it: https, lower case, no www., query, fragment or trailing slash."""
    m = re.match(r"^(?:https?://)?(?:www\.)?([^/?#\s]+)(/[^?#\s]*)?", url.strip(), re.I)
    if not m or "." not in m.group(1):
        return None
    return "https://" + (m.group(1) + (m.group(2) or "")).lower().rstrip("/")


def person_handle(raw: str) -> str:
    """One handle of ``[people]`` in its one spelling (case, ``@``, http/https, ``www.``, a trailing slash
    and profile URLs of X, Bluesky and Mastodon never split a person); ``ValueError(what to write)``."""
    value = " ".join(raw.split())
    if re.match(r"^(https?://|www\.)", value, re.I):
        found = profile_handle(value) or site_url(value)
        if found is None:
            raise ValueError(f"{shown(raw)} is not a profile or site URL")
        return found
    prefix, sep, rest = value.partition(":")
    network = PEOPLE_NETWORKS.get(prefix.strip().lower()) if sep else None
    if network is None:
        raise ValueError(f"{shown(raw)}: " + (f"unknown network {shown(prefix.strip(), 20)}" if sep else "no network prefix"))
    rest = rest.strip().lower()
    if network == "name":
        if not rest:
            raise ValueError(f"{shown(raw)}: no name after name:")
        return "name:" + rest
    rest = rest.lstrip("@")
    if network == "mastodon":
        user, _, host = rest.partition("@")
        if not (user and host and _HANDLE.match(user) and _HANDLE.match(host) and "." in host):
            raise ValueError(f"{shown(raw)}: a Mastodon handle needs its server, mastodon:USER@HOST")
    elif not (rest and _HANDLE.match(rest)):
        raise ValueError(f"{shown(raw)}: not a handle (no spaces, slashes or colons after {prefix.strip()}:)")
    return f"{network}:{rest}"


def validate_people(values: dict[str, Any], where: str = CONFIG_FILE) -> dict[str, Any]:
    """``[people]``: ``[people."Name"] handles = [...]``, every handle normalized (``person_handle``) and
    claimed by one person only; a one-line ``ConfigError`` saying what to fix."""
    out: dict[str, Any] = {}
    owner: dict[str, str] = {}
    for name, person in values.items():
        label = f"[people.{shown(name, 40)}]"
        if not isinstance(name, str) or not name.strip() or len(name) > 200:
            raise ConfigError(f"{where}: [people] {shown(name, 40)} is not allowed as a name; allowed: a quoted name, e.g. [people.\"Andrej Karpathy\"]")
        if not isinstance(person, dict):
            raise ConfigError(f"{where}: [people] {shown(name, 40)[1:-1]} = {shown(person)} is not allowed; allowed: a table, "
                              f"[people.\"{name}\"] on its own line, then handles = [...]")  # fmt: skip
        unknown = sorted(set(person) - {"handles"})
        if unknown:
            raise ConfigError(f"{where}: unknown {label} settings: {', '.join(shown(k, 40)[1:-1] for k in unknown)}; known: handles")
        handles = person.get("handles")
        if not isinstance(handles, (list, tuple)) or not handles or len(handles) > 1000 or not all(isinstance(h, str) for h in handles):
            raise ConfigError(f"{where}: {label} handles = {shown(handles) if handles is not None else '(missing)'} is not allowed; allowed: {PEOPLE_ALLOWED}")
        normal: list[str] = []
        for raw in handles:
            try:
                handle = person_handle(raw)
            except ValueError as exc:
                raise ConfigError(f"{where}: {label} handles: {exc}; allowed: {PEOPLE_PREFIXES}") from None
            if owner.get(handle, name) != name:
                raise ConfigError(f"{where}: {shown(handle)} is claimed by both [people.{shown(owner[handle], 40)}] and {label}; "
                                  "allowed: each handle under one person (remove it from one of them)")  # fmt: skip
            owner[handle] = name
            if handle not in normal:
                normal.append(handle)
        out[name] = {"handles": tuple(normal)}
    return out


def shown(value: Any, limit: int = 60) -> str:
    """A value as config.toml would write it, cut to one short line."""
    if isinstance(value, bool):
        out = "true" if value else "false"
    elif isinstance(value, str):
        out = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    elif isinstance(value, dict):
        out = "{...} (a table)"
    elif isinstance(value, list):
        out = "[" + ", ".join(shown(v, 20) for v in value[:3]) + (", ...]" if len(value) > 3 else "]")
    else:
        out = str(value)
    out = "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" if ord(ch) < 256 else f"\\u{ord(ch):04x}" for ch in out)
    return out if len(out) <= limit else out[: limit - 1] + "…"


def validate_section(name: str, values: Any, where: str = CONFIG_FILE) -> dict[str, Any]:
    """``[name]`` of config.toml checked against ``SCHEMA``: the normalized values, or a one-line ``ConfigError``."""
    if name not in SCHEMA:
        raise ConfigError(f"{where}: unknown section [{name}]; known: {', '.join(f'[{s}]' for s in SCHEMA)}")
    if not isinstance(values, dict):
        raise ConfigError(f"{where}: {name} = {shown(values)} must be a section; write [{name}] on its own line, then key = value lines under it")
    rules = SCHEMA[name]
    out: dict[str, Any] = {}
    if name == "secrets":
        for key, value in values.items():
            try:
                out[key] = SECRET.check(value)
            except ValueError:
                raise ConfigError(f"{where}: [secrets] {key} is not allowed as written ({type(value).__name__}); allowed: {SECRET.allowed}") from None
        return out
    if name == "people":
        return validate_people(values, where)
    unknown = sorted(set(values) - set(rules))
    if unknown:
        raise ConfigError(f"{where}: unknown [{name}] settings: {', '.join(shown(k, 40)[1:-1] for k in unknown)}; known: {', '.join(rules)}")
    for key, value in values.items():
        rule = rules[key]
        try:
            out[key] = rule.check(value)
        except (ValueError, TypeError, OverflowError):
            raise ConfigError(f"{where}: [{name}] {key} = {shown(value)} is not allowed; allowed: {rule.allowed}") from None
    return out


def validate_config(data: Mapping[str, Any], where: str = CONFIG_FILE) -> dict[str, Any]:
    """The whole file checked: every section known, every key known, typed and in range."""
    return {name: validate_section(str(name), values, where) for name, values in data.items()}


def read_config(path: Path) -> dict[str, Any]:
    """``config.toml`` read (bounded), parsed and validated; ``{}`` when there is none."""
    # Bounded by bytes actually read, like links.files.read_capped (config sits beside links, not above it).
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_CONFIG_BYTES + 1)
    except (FileNotFoundError, NotADirectoryError):
        return {}
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}; fix its permissions or remove it") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{path} is over {MAX_CONFIG_BYTES // 1024} KiB, too large for a settings file; fix or remove it")
    try:
        content = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"cannot read {path}: it is not UTF-8 text (byte {raw[exc.start]:#04x} at offset {exc.start}); "
                          "fix or remove the file") from None  # fmt: skip
    try:
        data = tomllib.loads(content)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"cannot read {path}: {' '.join(str(exc).split())}; fix or remove the file") from None
    except RecursionError:
        raise ConfigError(f"cannot read {path}: values nested too deeply; fix or remove the file") from None
    return validate_config(data, str(path))


# -- the settings ------------------------------------------------------------------------------------


@dataclass
class Settings:
    home: Path
    db_url: str
    file_config: dict[str, Any] = field(default_factory=dict)  # config.toml, validated (see SCHEMA)
    allow_private: bool = False  # fetching: refuse private/loopback addresses unless allowed
    member: str | None = None  # --member NAME / FEEDHUB_MEMBER: whose saved papers, rules, follows (None: the default member)

    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    @property
    def runs_dir(self) -> Path:
        return self.home / "runs"

    def section(self, name: str) -> dict[str, Any]:
        """``[name]`` of config.toml, validated and normalized (``{}`` when absent)."""
        return validate_section(name, self.file_config.get(name, {}))

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


def env_number(name: str, default: float, low: float, high: float) -> float:
    """A numeric environment override (``FEEDHUB_ARXIV_DELAY``): one line when it is not a number in range."""
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        number = float(raw)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or not low <= number <= high:
        raise ConfigError(f"{name}={shown(raw)} is not allowed; allowed: a number from {low:g} to {high:g}")
    return number


def default_home() -> Path:
    env = os.environ.get("FEEDHUB_HOME")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("feedhub", appauthor=False))


def db_url_from(value: str) -> str:
    """Accept a SQLAlchemy URL or a plain file path for ``--db``. A path whose folder does not exist is
    refused (a typo would otherwise create a new, empty database somewhere)."""
    if "://" in value:
        return value
    path = Path(value).expanduser().resolve()
    if path.is_dir():
        raise FeedhubError(f"--db {value} is a directory; give a database file, e.g. --db {Path(value) / DB_FILE}")
    if not path.parent.is_dir():
        raise FeedhubError(f"--db {value}: the folder {path.parent} does not exist; create it first (mkdir -p {path.parent}) or fix the path")
    return f"sqlite:///{path}"


def load_settings(db: str | None = None, home: Path | None = None, member: str | None = None) -> Settings:
    home = home or default_home()
    if home.exists() and not home.is_dir():
        raise ConfigError(f"the data dir {home} is a file, not a folder; point FEEDHUB_HOME (or --home) at a folder")
    file_config = read_config(home / CONFIG_FILE)
    if db:
        url = db_url_from(db)
    elif os.environ.get("FEEDHUB_DB_URL"):
        url = os.environ["FEEDHUB_DB_URL"]
    else:
        url = f"sqlite:///{home / DB_FILE}"
    member = (member or os.environ.get("FEEDHUB_MEMBER") or "").strip() or None
    return Settings(home=home, db_url=url, file_config=file_config, member=member)
