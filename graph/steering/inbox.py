"""The steering inbox of a run: the person's messages and the run's replies, durable in the run directory.

``steering.sqlite`` holds two append-only tables. Any process may write to it: the run itself
(its terminal prompt and ``--steer-file``), and ``python -m graph.chat RUN_DIR`` from another
terminal. Messages survive a kill and a resume: the graph keeps in its checkpointed state the id
of the last message it applied, so a message the run had not applied before a kill is applied
after ``--resume``. A reply has a unique key, so a node that runs again does not reply twice.
Only the run's steering reader reads the messages (graph/steering/reader.py); the replies this
process records also go at once to its ``listeners`` (the run's own terminal), while graph.chat
polls them.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

#: How often the run and graph.chat look for new messages and replies (seconds).
POLL_S = 0.3
#: Longest message kept (a pasted reward program fits); longer ones are cut.
MESSAGE_CHARS = 50_000
SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, source TEXT NOT NULL UNIQUE, text TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS replies (
    id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, key TEXT NOT NULL UNIQUE,
    message_id INTEGER, agent TEXT NOT NULL, text TEXT NOT NULL);
"""


@dataclass(frozen=True)
class Message:
    id: int
    at: float
    source: str  # who sent it: "terminal:<n>", "chat:<pid>:<n>", "file:<path>:<line>"
    text: str


@dataclass(frozen=True)
class Reply:
    id: int
    at: float
    key: str
    message_id: int | None  # the message it answers; None for the run's own notices
    agent: str  # "run", "critic", "curriculum"
    text: str


class Inbox:
    """One run's steering inbox (see the module docstring). Each call opens its own short connection."""

    def __init__(self, path: Path):
        self.path = Path(path)  # the run's steering.sqlite
        self.listeners: list[Callable[[Reply], None]] = []  # given each new reply this object records
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")  # kept by the file: readers never wait for a writer
            db.executescript(SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            yield db
        finally:
            db.close()

    def post(self, text: str, source: str) -> int | None:
        """Append a message; returns its id, or None if a message from ``source`` is already there."""
        with self._connect() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO messages (at, source, text) VALUES (?, ?, ?)",
                (time.time(), source, text[:MESSAGE_CHARS]),
            )
            return cursor.lastrowid if cursor.rowcount else None

    def messages(self, after: int = 0) -> list[Message]:
        with self._connect() as db:
            rows = db.execute("SELECT id, at, source, text FROM messages WHERE id > ? ORDER BY id", (after,))
            return [Message(*row) for row in rows.fetchall()]

    def reply(self, key: str, text: str, message_id: int | None = None, agent: str = "run") -> bool:
        """Record a reply once per ``key`` and give it to the listeners; returns whether it is new."""
        at = time.time()
        with self._connect() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO replies (at, key, message_id, agent, text) VALUES (?, ?, ?, ?, ?)",
                (at, key, message_id, agent, text),
            )
        if not cursor.rowcount:
            return False
        for listener in self.listeners:
            listener(Reply(cursor.lastrowid, at, key, message_id, agent, text))
        return True

    def replies(self, after: int = 0) -> list[Reply]:
        with self._connect() as db:
            rows = db.execute(
                "SELECT id, at, key, message_id, agent, text FROM replies WHERE id > ? ORDER BY id", (after,)
            )
            return [Reply(*row) for row in rows.fetchall()]

    def answered(self) -> set[int]:
        """The ids of the messages that have a reply."""
        with self._connect() as db:
            rows = db.execute("SELECT DISTINCT message_id FROM replies WHERE message_id IS NOT NULL")
            return {row[0] for row in rows.fetchall()}

    def replied(self, key: str) -> bool:
        with self._connect() as db:
            return db.execute("SELECT 1 FROM replies WHERE key = ?", (key,)).fetchone() is not None
