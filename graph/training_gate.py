"""Scheduling between LLM sampling and PPO training on shared CPU cores."""

from __future__ import annotations

import asyncio


class TrainingGate:
    """With ``overlap`` off, training waits until no candidate is still being written.

    Candidates register when they start writing, so the first program to validate
    does not start PPO while the LLM is still generating the others.
    """

    def __init__(self, overlap: bool):
        self.overlap = overlap
        self.writing = 0
        self.changed = asyncio.Condition()

    def begin_writing(self) -> None:
        self.writing += 1

    async def end_writing(self) -> None:
        async with self.changed:
            self.writing -= 1
            self.changed.notify_all()

    async def wait_to_train(self) -> None:
        if self.overlap:
            return
        async with self.changed:
            await self.changed.wait_for(lambda: self.writing == 0)
