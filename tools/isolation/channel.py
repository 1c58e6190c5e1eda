"""Worker-to-caller messages: JSON lines on a dedicated pipe, never on the worker's stdout.

Whatever a reward prints goes to the worker's log; only ``send`` reaches the caller. The
caller's ``MessageReader`` bounds every line, and counts and skips anything malformed,
so nothing a worker writes can crash the caller.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable

#: The environment variable naming the channel's file descriptor in the worker.
CHANNEL_FD_ENV = "EUREKA_CHANNEL_FD"
#: The longest message line the caller accepts (a training result with its curves fits easily).
MAX_MESSAGE_BYTES = 1 << 20


def send(message: dict) -> None:
    """Worker side: write one message to the caller."""
    fd = int(os.environ[CHANNEL_FD_ENV])
    data = (json.dumps(message) + "\n").encode()
    while data:
        data = data[os.write(fd, data) :]


class MessageReader:
    """Caller side: turns a byte stream into messages ({"type": str, ...}), bounded and tolerant."""

    def __init__(self, on_message: Callable[[dict], None]):
        self.on_message = on_message
        self.buffer = bytearray()
        self.malformed = 0
        self.skipping = False  # inside an over-long line, until its newline

    def feed(self, chunk: bytes) -> None:
        if self.skipping:  # drop the rest of an over-long line (already counted)
            end = chunk.find(b"\n")
            if end < 0:
                return
            chunk, self.skipping = chunk[end + 1 :], False
        self.buffer += chunk
        while (end := self.buffer.find(b"\n")) >= 0:
            line = bytes(self.buffer[:end])
            del self.buffer[: end + 1]
            self._deliver(line)
        if len(self.buffer) > MAX_MESSAGE_BYTES:
            self.malformed += 1
            self.skipping = True
            self.buffer.clear()

    def _deliver(self, line: bytes) -> None:
        try:
            message = json.loads(line)
        except ValueError:
            message = None
        if not (isinstance(message, dict) and isinstance(message.get("type"), str)):
            self.malformed += 1
            return
        self.on_message(message)
