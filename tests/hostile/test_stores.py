"""Broken stores (issue 18, item 8): a damaged or truncated file, a database from a newer feedhub and a
read-only data dir. Every command says what is wrong in one line, `doctor` names the problem and the fix,
nothing is written to the file, and reading commands work on a read-only store; `db backup` makes the copy
to restore from."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest

from .conftest import assert_clean, assert_one_line, feedhub, file_digest, read_only_wrap, stderr_lines, store_dump


def _damage(db: Path, how: str) -> None:
    data = db.read_bytes()
    for extra in ("-wal", "-shm"):
        db.with_name(db.name + extra).unlink(missing_ok=True)
    if how == "garbage":
        db.write_bytes(os.urandom(len(data)))
    elif how == "truncated":
        db.write_bytes(data[:4096])  # the header survives, the pages do not
    elif how == "newer":
        with sqlite3.connect(db) as conn:
            conn.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
        conn.close()


CASES = {
    "garbage": ("the database is damaged (file is not a database); `feedhub doctor` says how to restore it",
                "is not a SQLite database", "restore a backup made by `feedhub db backup PATH`"),
    "truncated": ("the database is damaged (database disk image is malformed)", "database disk image is malformed",
                  "sqlite3 "),
    "newer": ("was written by a newer feedhub (schema 9999_from_the_future; this one knows up to", "written by a newer feedhub",
              "pip install -U feedhub"),
}


@pytest.mark.parametrize("how", list(CASES))
def test_a_broken_store_is_diagnosed_in_one_line_and_left_alone(store: Path, how: str) -> None:
    db = store / "feedhub.db"
    _damage(db, how)
    digest = file_digest(db)
    message, diagnosis, fix = CASES[how]
    commands = [("source", "list"), ("entries",), ("fetch", "--quiet"), ("db", "upgrade"), ("paper", "show", "1412.6980")]
    if how != "newer":  # search reads its own index and a few columns every schema has: a newer store still answers it
        commands.append(("search", "post"))
    for args in commands:
        assert_one_line(feedhub(store, *args), message)
    doctor = feedhub(store, "doctor")
    assert doctor.returncode == 1 and "Traceback" not in doctor.stderr and "this is a bug" not in doctor.stderr
    problems = stderr_lines(doctor)
    assert len(problems) == 1 and diagnosis in problems[0] and fix in problems[0], doctor.stderr
    checks = json.loads(feedhub(store, "doctor", "--json").stdout)
    assert [c["fix"] for c in checks if not c["ok"]] and all(fix in c["fix"] for c in checks if not c["ok"])
    assert file_digest(db) == digest  # nothing was written to it


def test_a_backup_restores_a_damaged_store(store: Path, tmp_path: Path) -> None:
    backup = tmp_path / "backup.db"
    out = feedhub(store, "db", "backup", str(backup))
    assert_clean(out)
    assert str(backup) in out.stdout
    assert_one_line(feedhub(store, "db", "backup", str(backup)), "already exists")
    assert store_dump(backup) == store_dump(store / "feedhub.db")
    db = store / "feedhub.db"
    _damage(db, "garbage")
    assert feedhub(store, "source", "list").returncode == 1
    db.write_bytes(backup.read_bytes())  # the README's restore: copy the backup over the file
    listed = feedhub(store, "source", "list", "--json")
    assert_clean(listed)
    assert [s["name"] for s in json.loads(listed.stdout)] == ["Lab"]
    assert feedhub(store, "doctor").returncode == 0 or "search index" in feedhub(store, "doctor").stderr


def test_reading_commands_work_on_a_read_only_store(store: Path) -> None:
    assert_clean(feedhub(store, "search", "post", "--json"))  # the index exists before the store goes read-only
    db = store / "feedhub.db"
    before, digest = store_dump(db), file_digest(db)
    wrap = read_only_wrap(store)
    for args in (("source", "list", "--json"), ("entries", "--json"), ("search", "post", "--json"), ("digest", "list"), ("saved",)):
        proc = feedhub(store, *args, wrap=wrap)
        assert_clean(proc)
    entries = json.loads(feedhub(store, "entries", "--json", wrap=wrap).stdout)
    assert [e["title"] for e in entries] == ["Post one"]
    hits = json.loads(feedhub(store, "search", "post", "--json", wrap=wrap).stdout)["hits"]
    assert [h["title"] for h in hits] == ["Post one"]
    doctor = feedhub(store, "doctor", wrap=wrap)
    problems = stderr_lines(doctor)
    assert doctor.returncode == 1 and len(problems) == 1 and "read-only" in problems[0] and "chmod u+w" in problems[0], doctor.stderr
    for args in (("fetch", "--force", "--quiet"), ("source", "add", "--no-check", "https://lab.example/other.xml"), ("digest", "--week", "2018-W08")):
        line = assert_one_line(feedhub(store, *args, wrap=wrap), "")
        assert "read-only" in line.lower() or "write" in line.lower(), line
    backup = store.parent / "copy.db"
    assert_clean(feedhub(store, "db", "backup", str(backup), wrap=wrap))  # a backup reads only
    assert store_dump(backup) == before
    assert store_dump(db) == before and file_digest(db) == digest
    assert not (Path.cwd() / "file:").exists()  # a lock file named after the read-only URI, not the file, was made here once
