"""The translation memory: every draft received, kept across runs in SQLite."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from parabook.errors import display_path


class Memory:
    """Translation memory: (provider, source language, target language, text) -> draft.

    SQLite commits each answer atomically, so a crash keeps every answer received.
    It is a cache: when the file is damaged or cannot be written, the run goes on
    without it (the PO file is what matters) and `problem` says why.
    """

    SCHEMA = ("CREATE TABLE IF NOT EXISTS memory (provider TEXT, source TEXT, target TEXT, "
              "text TEXT, draft TEXT, PRIMARY KEY (provider, source, target, text))")

    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        self.path = path
        self.problem: str | None = None
        try:
            if read_only:  # a dry run writes nothing, not even an empty memory
                self.db = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True) \
                    if path.exists() else self._blank()
                self.db.execute("SELECT count(*) FROM memory").fetchone()
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                self.db = sqlite3.connect(path, timeout=30)
                with self.db:
                    self.db.execute(self.SCHEMA)
        except (sqlite3.Error, OSError) as exc:
            self._give_up(exc)

    def _blank(self) -> sqlite3.Connection:
        db = sqlite3.connect(":memory:")
        db.execute(self.SCHEMA)
        return db

    def _give_up(self, exc: Exception) -> None:
        self.problem = (f"the translation memory {display_path(self.path)} cannot be used "
                        f"({exc}); going on without it. Delete the file to start a new one")
        self.db = self._blank()

    def get(self, provider: str, source: str, target: str, text: str) -> str | None:
        try:
            row = self.db.execute("SELECT draft FROM memory WHERE provider=? AND source=? AND "
                                  "target=? AND text=?",
                                  (provider, source, target, text)).fetchone()
        except sqlite3.Error as exc:
            self._give_up(exc)
            return None
        return row[0] if row else None

    def put(self, provider: str, source: str, target: str, text: str, draft: str) -> None:
        try:
            with self.db:
                self.db.execute("INSERT OR REPLACE INTO memory VALUES (?, ?, ?, ?, ?)",
                                (provider, source, target, text, draft))
        except sqlite3.Error as exc:
            self._give_up(exc)
            self.put(provider, source, target, text, draft)

    def close(self) -> None:
        self.db.close()
