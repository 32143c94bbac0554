"""The audit log: who signed in, ran, saved, shared, uploaded and downloaded what, and when.

One JSON object a line in ``audit.jsonl`` in the data folder, appended and never rewritten, so
a council can ship it to its own log store or read it with any tool. Entries name scenarios,
files (name, kind, size) and counts: never a value from inside a council's files. A detail must
be a number, a yes/no or a short text, which keeps whole tables and file contents out.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from pathlib import Path

from sim.hosting.identity import User

#: What the log records, in the words an auditor reads.
ACTIONS = frozenset(
    {
        "signed in",
        "signed out",
        "ran",
        "saved",
        "opened",
        "renamed",
        "shared",
        "unshared",
        "deleted",
        "uploaded",
        "calibrated",
        "downloaded",
    }
)
#: Longest text a detail may hold (a scenario's or a file's name, a council, a message).
MAX_TEXT = 300

_LOCK = threading.Lock()


def _check(action: str, details: dict[str, object]) -> None:
    if action not in ACTIONS:
        allowed = ", ".join(sorted(ACTIONS))
        raise ValueError(f"audit: unknown action {action!r} (allowed: {allowed})")
    for key, value in details.items():
        if value is None or isinstance(value, bool | int | float):
            continue
        if not isinstance(value, str):
            raise TypeError(
                f"audit: detail {key} is a {type(value).__name__}; only numbers, yes/no and "
                "short texts are logged (never a table or a file's contents)"
            )
        if len(value) > MAX_TEXT:
            raise ValueError(f"audit: detail {key} is {len(value)} characters (at most {MAX_TEXT})")


class AuditLog:
    """Appends entries to the JSON lines file ``path`` (made when first written)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def record(self, user: User, action: str, **details: str | int | float | bool | None) -> None:
        """Append one entry: the time (UTC), the user, the action and its details."""
        _check(action, details)
        entry = {
            "time": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "user": user.key,
            "user_name": user.name,
            "action": action,
            **details,
        }
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with _LOCK, self.path.open("a", encoding="utf-8") as log:
            log.write(line)

    def entries(self) -> Iterator[dict[str, object]]:
        """Every entry, oldest first (none when nothing was logged yet)."""
        if not self.path.exists():
            return
        with self.path.open(encoding="utf-8") as log:
            for line in log:
                if line.strip():
                    yield json.loads(line)
