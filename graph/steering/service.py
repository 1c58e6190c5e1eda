"""The steering service of a running run: it answers each message the run's steering reader reads.

Every message gets an answer at once. A command the graph applies at the iteration boundary is
acknowledged; a bad one gets its error line; ``/status``, ``/show``, ``/help`` and ``@critic``
questions are answered here, from the checkpointed state plus what only this process knows (the
live board). While the graph is paused (``wait``), the message that ends the pause resumes it.
Replies go to the inbox: the run's terminal gets them at once, every ``graph.chat`` from the file.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import structlog

from agents.feedback import statistics_block
from agents.llm.gateway import LLMCallError
from graph.context import RunContext
from graph.results.progress import usage_line
from graph.steering.commands import HELP, WAITS, CommandError, Steer
from graph.steering.inbox import POLL_S, Message
from graph.steering.reader import Parsed
from sim.registry import task_config
from tools.text import error_headline, fmt

log = structlog.get_logger("steer")
#: (the run's state, the running stage's state or None), as checkpointed.
StateReader = Callable[[], Awaitable[tuple[dict, dict | None]]]


class SteeringService:
    def __init__(self, ctx: RunContext, read_state: StateReader):
        self.ctx, self.read_state = ctx, read_state
        self.answered = ctx.inbox.answered()  # the messages a process before this one answered
        self.waiting: str | None = None  # what the graph waits for: "resume" (paused) or "feedback"
        self.wait_after = 0  # the wait ends on a message after this one
        self.resumed: asyncio.Future[int] | None = None  # the id of the message that ended the wait
        self.questions: set[asyncio.Task] = set()  # the answers being written
        ctx.steering.handler = self.handle

    async def run(self) -> None:
        """Read the messages of other processes (graph.chat, the server's API) as they come."""
        while True:
            self.ctx.steering.read()
            await asyncio.sleep(POLL_S)

    async def wait(self, until: str, after: int) -> int:
        """Wait (the graph is interrupted) for the first command after message ``after`` that ends a wait of
        kind ``until``; its id. Commands that came before this wait count too."""
        self.waiting, self.wait_after = until, after
        self.resumed = asyncio.get_running_loop().create_future()
        log.info("steer.waiting", until=until)
        self.ctx.steering.read()
        for message, steer in self.ctx.steering.queue:
            self.end_wait(message, steer)
        try:
            return await self.resumed
        finally:
            self.waiting, self.resumed = None, None

    def end_wait(self, message: Message, steer: Steer) -> None:
        if (
            self.resumed
            and not self.resumed.done()
            and message.id > self.wait_after
            and steer.kind in WAITS[self.waiting]
        ):
            self.resumed.set_result(message.id)

    def handle(self, message: Message, parsed: Parsed) -> None:
        """Answer a message the reader read (the reader's handler), unless a process before this one did."""
        if isinstance(parsed, Steer) and not parsed.live:
            self.end_wait(message, parsed)
        if message.id in self.answered:
            return
        inbox, key = self.ctx.inbox, f"m{message.id}"
        if isinstance(parsed, CommandError):
            inbox.reply(f"{key}/error", f"error: {parsed}", message.id)
        elif not parsed.live:
            inbox.reply(f"{key}/ack", f"{parsed.kind}: {self.when_applied()}", message.id)
        elif parsed.kind == "help":
            inbox.reply(f"{key}/answer", HELP, message.id)
        else:  # a question reads the state, the Critic's an LLM call: answered beside the other messages
            task = asyncio.create_task(self.answer(message, parsed))
            self.questions.add(task)
            task.add_done_callback(self.questions.discard)

    def when_applied(self) -> str:
        board = self.ctx.board
        if self.waiting:
            return "applied now (the run is waiting)"
        return f"applied at the end of iteration {board.iteration} of {board.stage or 'the first stage'}"

    async def answer(self, message: Message, steer: Steer) -> None:
        if steer.kind == "critic":
            await self.answer_critic(message, steer)
            return
        run, stage = await self.read_state()
        text = self.status(run, stage) if steer.kind == "status" else self.show(steer.text, stage)
        self.ctx.inbox.reply(f"m{message.id}/answer", text, message.id)

    def candidates(self, stage: dict | None) -> list[dict]:
        """The running stage's candidates: checkpointed ones, then those this process finished since."""
        known = list((stage or {}).get("candidates", []))
        ids = {c["id"] for c in known}
        return known + [c for c in self.ctx.board.stage_candidates() if c["id"] not in ids]

    def status(self, run: dict, stage: dict | None) -> str:
        board, lines = self.ctx.board, []
        if run.get("status") and run["status"] != "running":
            lines.append(f"the run has ended: {run['status']}")
        where = (
            f"{board.stage}: iteration {board.iteration} of {board.iterations}" if board.stage else "starting"
        )
        waiting = {"resume": ", waiting for /resume", "feedback": ", waiting for your feedback"}.get(
            self.waiting, ""
        )
        lines.append(where + waiting)
        lines += [f"  training {line}" for line in board.describe()] or ["  no training in flight"]
        best = (stage or {}).get("best")
        lines.append(
            f"best so far: {best['id']}, fitness {fmt(best['fitness'])} (clean), "
            f"training fitness {fmt(best['train_fitness'])}"
            if best
            else "best so far: none trained yet"
        )
        lines += [board.spent(), board.clock.line(), usage_line(self.ctx.gateway.usage())]
        return "\n".join(lines)

    def show(self, target: str, stage: dict | None) -> str:
        candidates = self.candidates(stage)
        chosen = (
            (stage or {}).get("best")
            if target == "best"
            else next((c for c in candidates if c["id"] == target), None)
        )
        if chosen is None:
            known = ", ".join(sorted({c["id"] for c in candidates})) or "none yet"
            return f"error: no candidate {target!r} in this stage; known: {known}"
        lines = [
            f"{chosen['id']} ({chosen['status']}, by the {chosen.get('author', 'coder')}): fitness "
            f"{fmt(chosen['fitness'])} (clean), training fitness {fmt(chosen['train_fitness'])}"
        ]
        if chosen["error"]:
            lines.append(f"error: {error_headline(chosen['error'])}")
        lines.append(f"```python\n{chosen['code'] or '(no program)'}\n```")
        if chosen["result"]:
            lines.append(statistics_block(chosen["result"])[0])
        return "\n".join(lines)

    async def answer_critic(self, message: Message, steer: Steer) -> None:
        ctx = self.ctx
        _, stage = await self.read_state()
        if not ctx.board.task:
            ctx.inbox.reply(
                f"m{message.id}/answer", "the run has no stage yet: ask again in a moment", message.id
            )
            return
        try:
            text = await ctx.critic.answer(
                question=steer.text,
                description=task_config(ctx.board.task)["description"],
                candidates=self.candidates(stage),
                key=f"steer/m{message.id}/critic",
            )
        except LLMCallError as exc:
            text = f"error: the Critic could not answer: {exc}"
        ctx.inbox.reply(f"m{message.id}/answer", text, message.id, agent="critic")
        log.info("steer.critic_answer", message=message.id, chars=len(text))
