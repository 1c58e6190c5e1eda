"""The Coder's tools: dry-run a reward program in the sandbox, read the task's state and observation code.

The tools wrap what a run already uses (``tools.reward_check``, the task class); reward code runs
only in the sandboxed check worker. Each check's outcome is also kept in ``outcomes``
(program -> None if it passed, else its error), so the Coder need not check a program twice.
"""

from __future__ import annotations

import itertools
from pathlib import Path

from langchain_core.tools import BaseTool, tool

from sim.base import BatchedTask
from sim.isaac_names import reward_names
from tools.reward_check import DRY_RUN_ENVS, RewardCheckError, check_reward
from tools.text import fmt


def unfenced(code: str) -> str:
    """The program without the Markdown fence a model may wrap a tool argument in."""
    lines = code.strip().splitlines()
    if lines and lines[0].startswith("```"):
        lines = lines[1:-1] if lines[-1].strip() == "```" else lines[1:]
    return "\n".join(lines) + "\n"


def describe_ranges(ranges: dict[str, list[float | None]], num_envs: int) -> str:
    """One line per output: its shape and [min, mean, max] over the dry run."""

    return "\n".join(
        f"  {name}: shape ({num_envs},), min {fmt(lo, missing='nan')}, mean {fmt(mean, missing='nan')}, "
        f"max {fmt(hi, missing='nan')}"
        for name, (lo, mean, hi) in ranges.items()
    )


def coder_tools(
    task: type[BatchedTask], work_dir: Path, timeout_s: float, outcomes: dict[str, str | None]
) -> list[BaseTool]:
    """``check_reward``, ``task_state`` and ``task_source`` for one sample; checks run in ``work_dir``."""
    checks = itertools.count()
    names = reward_names(task)

    @tool("check_reward")
    async def check_reward_program(code: str) -> str:
        """Dry-run a reward program on real simulator states (a few steps under random actions, sandboxed).

        Pass the whole program: the imports and the compute_reward function. Returns "ok" with the
        shape and [min, mean, max] of the total reward and of each component, or the error to fix.
        """
        program = unfenced(code)
        outcomes.pop(program, None)  # the newest check of a program is the last in order
        try:
            ranges = (
                await check_reward(task.name, program, names, work_dir / f"check{next(checks)}", timeout_s)
            ).ranges
        except RewardCheckError as exc:
            outcomes[program] = str(exc)
            return f"error: {exc}"
        outcomes[program] = None
        return f"ok: the program ran on {DRY_RUN_ENVS} environments.\n{describe_ranges(ranges, DRY_RUN_ENVS)}"

    @tool
    def task_state() -> str:
        """The simulator state a reward function may take as inputs: each name with its shape and meaning."""
        return task.describe_state()

    @tool
    def task_source() -> str:
        """The task's Python code that builds the state and the policy's observations."""
        return task.observation_source()

    return [check_reward_program, task_state, task_source]
