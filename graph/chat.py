"""Attach to a run from any terminal: ``python -m graph.chat RUN_DIR``.

It prints the run's live events (from log.jsonl) and the replies to steering messages, and posts
what you type to the run's inbox: feedback for the Coder, ``@critic`` questions, commands
(``/help`` lists them). It ends when the run ends, or on Ctrl-D / Ctrl-C. With stdin not a
terminal, its lines are posted (an /edit block up to /end as one message) and it ends once each
has a reply: ``echo /pause | python -m graph.chat RUN_DIR``. A message sent while the run is not
going is kept and applied when it is resumed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path

from graph.results.run_dir import CONFIG_FILE, RunDir
from graph.steering.inbox import POLL_S, Inbox
from graph.steering.terminal import messages_of, print_replies, read_terminal

#: Fields every event has; the rest is printed.
COMMON_FIELDS = ("event", "level", "timestamp")
#: Events printed from before attaching, for context.
BACKLOG = 10
#: With a piped stdin: how long to wait for the replies to its messages.
REPLY_WAIT_S = 300


def event_line(record: dict) -> str:
    fields = " ".join(f"{k}={v}" for k, v in record.items() if k not in COMMON_FIELDS)
    return f"{str(record.get('timestamp', ''))[11:19]} {record.get('event', '?'):<22} {fields}"[:400]


def run_status(run_dir: Path) -> str | None:
    try:
        return json.loads(RunDir(run_dir).summary.read_text()).get("status")
    except (OSError, ValueError):
        return None


async def follow_events(run_dir: Path) -> None:
    """Print the last few events, then each new one (forever; cancel to stop)."""
    path = RunDir(run_dir).log
    while not path.exists():
        await asyncio.sleep(POLL_S)
    with open(path) as f:
        *lines, pending = f.read().split("\n")
        lines = lines[-BACKLOG:]
        while True:
            for line in lines:
                try:
                    print(event_line(json.loads(line)), flush=True)
                except ValueError:
                    continue
            await asyncio.sleep(POLL_S)
            pending += f.read()
            *lines, pending = pending.split("\n")


async def until_run_ends(run_dir: Path) -> str:
    """Wait until a run that is going ends; returns its status."""
    while (status := run_status(run_dir)) in (None, "running"):
        await asyncio.sleep(POLL_S)
    return status


async def post_stdin(inbox: Inbox, going: bool) -> None:
    """Post the messages of a piped stdin; while the run is going, wait for a reply to each."""
    lines = await asyncio.to_thread(sys.stdin.readlines)
    posted = {inbox.post(text, f"chat:{os.getpid()}:{number}") for number, text in messages_of(lines)}
    if not going:
        print(f"{len(posted)} message(s) queued: the run applies them when it is resumed", flush=True)
        return
    deadline = time.monotonic() + REPLY_WAIT_S
    while posted - {r.message_id for r in inbox.replies()} and time.monotonic() < deadline:
        await asyncio.sleep(POLL_S)


async def attach(run_dir: Path) -> str:
    inbox = Inbox(RunDir(run_dir).inbox)
    going = run_status(run_dir) in (None, "running")
    print(
        f"attached to {run_dir} ({run_status(run_dir) or 'starting'}); /help lists the commands", flush=True
    )
    last_reply = max((r.id for r in inbox.replies()), default=0)
    watchers = [
        asyncio.create_task(follow_events(run_dir)),
        asyncio.create_task(print_replies(inbox, last_reply)),
    ]
    terminal = sys.stdin.isatty() and sys.stdout.isatty()
    reader = asyncio.create_task(
        read_terminal(inbox.post, f"chat:{os.getpid()}") if terminal else post_stdin(inbox, going)
    )
    ends = [asyncio.create_task(until_run_ends(run_dir))] if going else []
    try:
        if terminal:
            from prompt_toolkit.patch_stdout import patch_stdout

            with patch_stdout(raw=True):
                done, _ = await asyncio.wait([reader, *ends], return_when=asyncio.FIRST_COMPLETED)
        else:
            done, _ = await asyncio.wait([reader, *ends], return_when=asyncio.FIRST_COMPLETED)
        status = next((t.result() for t in done if t in ends), None)
        await asyncio.sleep(2 * POLL_S)  # the last replies and events
    finally:
        for task in [*watchers, reader, *ends]:
            task.cancel()
        await asyncio.gather(*watchers, reader, *ends, return_exceptions=True)
    return status or "detached"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m graph.chat", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("run_dir", type=Path, help="the run directory of a run (going, paused or stopped)")
    args = p.parse_args(argv)
    if not RunDir(args.run_dir).is_run():
        print(f"error: {args.run_dir} is not a run directory (no {CONFIG_FILE})", file=sys.stderr)
        return 2
    try:
        status = asyncio.run(attach(args.run_dir))
    except KeyboardInterrupt:
        return 130
    print(f"run {status}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
