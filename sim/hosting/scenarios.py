"""Each user's saved scenarios, in SQLite: theirs unless they choose to share them.

A saved scenario is its YAML text (as the dashboard runs it), its name, its owner and whether
its owner shared it with colleagues. Everyone sees their own scenarios and those others shared;
nobody sees another user's unshared scenario, and only its owner may rename, share, unshare or
delete one. Names are unique per owner: saving under a name already used replaces that scenario.

Each call opens its own connection (the dashboard serves many sessions on several threads);
SQLite's write-ahead log lets readers and a writer work at once.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from sim.hosting.identity import User

#: Longest scenario name kept (the dashboard's box and lists show about this much).
MAX_NAME = 80

_SCHEMA = """
CREATE TABLE IF NOT EXISTS scenarios (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    owner TEXT NOT NULL,
    owner_name TEXT NOT NULL,
    name TEXT NOT NULL,
    yaml TEXT NOT NULL,
    shared INTEGER NOT NULL DEFAULT 0,
    saved_at TEXT NOT NULL,
    UNIQUE (owner, name)
)
"""


class ScenarioAccessError(LookupError):
    """A scenario that does not exist, or that this user may not see or change."""


@dataclass(frozen=True)
class SavedScenario:
    """A saved scenario as a user sees it."""

    id: int
    name: str
    owner: str
    owner_name: str
    shared: bool
    saved_at: str
    yaml: str

    def mine(self, user: User) -> bool:
        """Whether ``user`` owns it (and so may rename, share or delete it)."""
        return self.owner == user.key

    def label(self, user: User) -> str:
        """Its name in a list: the user's own as named, a colleague's with whose it is."""
        if self.mine(user):
            return f"{self.name} (shared)" if self.shared else self.name
        return f"{self.name} (shared by {self.owner_name})"


def _clean_name(name: str) -> str:
    text = " ".join(name.split())
    if not text:
        raise ValueError("a saved scenario needs a name (it was empty)")
    if len(text) > MAX_NAME:
        raise ValueError(f"a scenario's name may be {MAX_NAME} characters at most ({len(text)})")
    return text


class ScenarioStore:
    """Saved scenarios in the SQLite file ``path`` (made, with its table, when first used)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._db() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(_SCHEMA)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=30)) as db, db:
            db.row_factory = sqlite3.Row
            yield db

    def save(self, user: User, name: str, text: str) -> SavedScenario:
        """Save ``text`` as ``user``'s scenario ``name`` (replacing theirs of that name, which
        keeps whether it was shared); new ones are not shared."""
        name = _clean_name(name)
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        with self._db() as db:
            db.execute(
                "INSERT INTO scenarios (owner, owner_name, name, yaml, saved_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (owner, name) DO UPDATE SET "
                "yaml = excluded.yaml, owner_name = excluded.owner_name, "
                "saved_at = excluded.saved_at",
                (user.key, user.name, name, text, now),
            )
            row = db.execute(
                "SELECT * FROM scenarios WHERE owner = ? AND name = ?", (user.key, name)
            ).fetchone()
        return _saved(row)

    def visible(self, user: User) -> list[SavedScenario]:
        """The user's own scenarios (by name), then those colleagues shared (by name)."""
        with self._db() as db:
            rows = db.execute(
                "SELECT * FROM scenarios WHERE owner = ? OR shared = 1 "
                "ORDER BY owner != ?, lower(name), owner_name",
                (user.key, user.key),
            ).fetchall()
        return [_saved(r) for r in rows]

    def get(self, user: User, scenario_id: int) -> SavedScenario:
        """A scenario the user may see (their own or a shared one)."""
        with self._db() as db:
            row = db.execute(
                "SELECT * FROM scenarios WHERE id = ? AND (owner = ? OR shared = 1)",
                (scenario_id, user.key),
            ).fetchone()
        if row is None:
            raise ScenarioAccessError(f"no saved scenario {scenario_id} that you can see")
        return _saved(row)

    def _change(self, user: User, scenario_id: int, sql: str, *values: object) -> None:
        with self._db() as db:
            changed = db.execute(
                f"UPDATE scenarios SET {sql} WHERE id = ? AND owner = ?",
                (*values, scenario_id, user.key),
            ).rowcount
        if not changed:
            raise ScenarioAccessError(
                f"no saved scenario {scenario_id} of yours: only its owner may change it"
            )

    def rename(self, user: User, scenario_id: int, name: str) -> None:
        """Rename one of the user's scenarios (not to a name they already use)."""
        name = _clean_name(name)
        try:
            self._change(user, scenario_id, "name = ?", name)
        except sqlite3.IntegrityError:
            raise ValueError(f"you already have a scenario called {name!r}") from None

    def share(self, user: User, scenario_id: int, shared: bool) -> None:
        """Share one of the user's scenarios with colleagues, or stop sharing it."""
        self._change(user, scenario_id, "shared = ?", int(shared))

    def delete(self, user: User, scenario_id: int) -> None:
        """Delete one of the user's scenarios."""
        with self._db() as db:
            gone = db.execute(
                "DELETE FROM scenarios WHERE id = ? AND owner = ?", (scenario_id, user.key)
            ).rowcount
        if not gone:
            raise ScenarioAccessError(
                f"no saved scenario {scenario_id} of yours: only its owner may delete it"
            )


def _saved(row: sqlite3.Row) -> SavedScenario:
    return SavedScenario(
        id=row["id"],
        name=row["name"],
        owner=row["owner"],
        owner_name=row["owner_name"],
        shared=bool(row["shared"]),
        saved_at=row["saved_at"],
        yaml=row["yaml"],
    )
