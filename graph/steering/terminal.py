"""The person's side of steering in a terminal: typed lines and steer files become inbox messages,
and the run's replies are printed as they come.

Used by graph.run (its own terminal, when stdin is one, given each reply as the run records it;
``--steer-file``) and by graph.chat (which polls the inbox for the replies).
A reward program is pasted between a line ``/edit`` and a line ``/end``.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from graph.steering.commands import EDIT_END
from graph.steering.inbox import POLL_S, Inbox, Reply
from tools.text import printable

PROMPT = "steer> "


def messages_of(lines: Iterable[str]) -> Iterator[tuple[int, str]]:
    """(first line number, message) for each message in ``lines``: one per line, an /edit block as one."""
    block: list[str] | None = None
    start = 0
    for number, line in enumerate(lines, 1):
        line = line.rstrip("\n")
        if block is not None:
            block.append(line)
            if line.strip() == EDIT_END:
                yield start, "\n".join(block)
                block = None
        elif line.strip() == "/edit":
            block, start = [line.strip()], number
        elif line.strip() and not line.lstrip().startswith("#"):
            yield number, line.strip()
    if block is not None:
        yield start, "\n".join(block)


def feed_file(inbox: Inbox, path: Path) -> int:
    """Post the messages of a steer file; a line already posted (a resumed run) is not posted again."""
    source = Path(path).resolve()
    return sum(
        inbox.post(text, f"file:{source}:{number}") is not None
        for number, text in messages_of(source.read_text().splitlines())
    )


def print_reply(reply: Reply, out=None) -> None:
    print(printable(f"[{reply.agent}] {reply.text}"), file=out or sys.stdout, flush=True)


async def print_replies(inbox: Inbox, after: int, out=None) -> None:
    """Print the replies after ``after`` as they come (forever; cancel to stop)."""
    while True:
        for reply in inbox.replies(after=after):
            after = reply.id
            print_reply(reply, out)
        await asyncio.sleep(POLL_S)


async def read_terminal(
    post: Callable[[str, str], object], source: str, toolbar: Callable[[], str] | None = None
) -> None:
    """Post what the person types (prompt_toolkit; the caller patches stdout so output prints above the
    prompt) with ``post(text, source)``: the inbox's, or the run's steering reader's, which reads it at
    once. ``toolbar``: text shown below the prompt, refreshed every second (graph.run's live progress).
    Ctrl-D stops reading; Ctrl-C interrupts the process as it would without the prompt."""
    from prompt_toolkit import PromptSession

    session: PromptSession = PromptSession(bottom_toolbar=toolbar, refresh_interval=1.0 if toolbar else 0)
    tag = f"{source}:{uuid.uuid4().hex[:8]}"
    count = 0
    while True:
        try:
            line = await session.prompt_async(PROMPT)
            if line.strip() == "/edit":
                lines = [line]
                while lines[-1].strip() != EDIT_END:
                    lines.append(await session.prompt_async("... "))
                line = "\n".join(lines)
        except EOFError:
            return
        except KeyboardInterrupt:
            os.kill(os.getpid(), signal.SIGINT)
            return
        for _, text in messages_of(line.splitlines()):
            count += 1
            post(text, f"{tag}:{count}")
