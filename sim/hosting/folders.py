"""Where the dashboard keeps what it must remember: the user's (or the server's) data folder.

``CSC_DATA_DIR`` chooses it; otherwise it is the operating system's place for an application's
data (``~/.local/share/csc-sim`` on Linux, ``%LOCALAPPDATA%\\csc-sim`` on Windows, as
``platformdirs`` says), never the repository or the folder the dashboard was started from.
"""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_dir

#: The environment variable that chooses the data folder (a council's server sets it).
DATA_DIR_ENV = "CSC_DATA_DIR"
#: The SQLite file of saved scenarios, in the data folder.
SCENARIOS_FILE = "scenarios.sqlite"
#: The audit log (JSON lines), in the data folder.
AUDIT_FILE = "audit.jsonl"


def data_folder(environ: dict[str, str] | None = None) -> Path:
    """The data folder (made if missing): ``CSC_DATA_DIR``, else the platform's data folder."""
    env = os.environ if environ is None else environ
    given = env.get(DATA_DIR_ENV, "").strip()
    folder = Path(given).expanduser() if given else Path(user_data_dir("csc-sim", False))
    folder.mkdir(parents=True, exist_ok=True)
    return folder
