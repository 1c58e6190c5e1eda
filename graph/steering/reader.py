"""The one reader of a run's inbox: each message is read and parsed once, and the commands the iteration
boundary applies wait here, in order, until it applies them.

A run has one ``SteeringReader`` (``ctx.steering``). It reads the messages other processes post
(graph.chat, the server's API) when asked, every ``POLL_S`` by the steering service and at each
boundary; a message of the run's own terminal is read as it is posted. Each message goes to the
``handler`` (the steering service: it answers, acknowledges and ends waits); the steer node takes the
boundary commands (``boundary``) and the Curriculum's decision looks for a /stop (``stop_pending``).
A new process (``--resume``) reads the inbox again from its start: the commands up to the state's
cursor were applied before, and each boundary drops the ones its state applied.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from graph.steering.commands import CommandError, Steer, parse
from graph.steering.inbox import Inbox, Message

#: What a message says: its Steer, or why it is not valid.
Parsed = Steer | CommandError


class SteeringReader:
    def __init__(self, inbox: Inbox):
        self.inbox = inbox
        self.seen = 0  # the last message read
        self.queue: list[tuple[Message, Steer]] = []  # the boundary commands, in order
        self.handler: Callable[[Message, Parsed], None] | None = None  # the steering service's
        self.lock = threading.Lock()  # one read at a time, should a server run nodes in another thread

    def post(self, text: str, source: str) -> int | None:
        """Post a message of this process (the run's terminal) and read it at once."""
        message_id = self.inbox.post(text, source)
        self.read()
        return message_id

    def read(self) -> None:
        """Read the messages posted since the last read: each is parsed once and given to the handler."""
        with self.lock:
            for message in self.inbox.messages(after=self.seen):
                self.seen = message.id
                try:
                    parsed: Parsed = parse(message.text)
                except CommandError as exc:
                    parsed = exc
                if isinstance(parsed, Steer) and not parsed.live:
                    self.queue.append((message, parsed))
                if self.handler:
                    self.handler(message, parsed)

    def boundary(self, after: int) -> list[tuple[Message, Steer]]:
        """The commands after message ``after``, in order."""
        self.read()
        return [(m, steer) for m, steer in self.queue if m.id > after]

    def drop_applied(self, through: int) -> None:
        """Forget the commands up to message ``through``: the graph's state says they were applied."""
        self.queue = [(m, steer) for m, steer in self.queue if m.id > through]

    def stop_pending(self, after: int) -> bool:
        """Whether a /stop came after message ``after`` (say, during a stage's final evaluation)."""
        self.read()
        return any(steer.kind == "stop" for m, steer in self.queue if m.id > after)
