"""Validate a reward program before it may take a training slot (the caller's side).

Static checks (parse, entry function, known state names) run in the caller; the dry
run executes the program on a real batch of env state in an isolated worker
(``tools/check_worker.py``), so a hostile program cannot hurt the caller.
"""

from __future__ import annotations

import asyncio
import os
import re
import weakref
from dataclasses import dataclass
from pathlib import Path

from sim.isaac_names import did_you_mean
from sim.registry import task_class
from sim.reward.program import MAX_COMPONENTS, RewardProgramError, inspect_source, valid_component_name
from tools.files import write_json_atomic
from tools.isolation.sandbox import run_for_message
from tools.job_dir import CHECK_FILE, CHECK_LOG_FILE
from tools.jobs import finite_or_none
from tools.text import clip_text

BEHAVIOUR = re.compile(r"[0-9a-f]{16}")
#: A dry run uses under 0.5 GB on every task (measured: 0.21 GB of private writable memory on Cartpole to
#: 0.40 GB on FrankaCabinet, resident memory alike), so a program that hoards memory hits this cap within
#: seconds instead of racing the dry run's timeout.
DRY_RUN_MEMORY_GB = 2
WORKER_MODULE = "tools.check_worker"
#: Seconds the program itself may take in a dry run (its module code, every state, the synthetic batches),
#: once the worker has started and built the task: an honest program takes well under one;
#: then the slot is free.
DRY_RUN_BUDGET_S = 5.0
#: The dry run's states (tools/check_worker.py): DRY_RUN_STEPS steps from a reset, then ROLLOUT_SAMPLES states
#: every ROLLOUT_STRIDE steps of random-action episodes, and SYNTHETIC_BATCHES batches of wider synthetic
#: inputs.
DRY_RUN_ENVS, DRY_RUN_STEPS, ROLLOUT_SAMPLES, ROLLOUT_STRIDE, SYNTHETIC_BATCHES = 16, 4, 12, 8, 8
#: How many states a behaviour digest covers.
CHECKED_STATES = DRY_RUN_ENVS * (DRY_RUN_STEPS + ROLLOUT_SAMPLES + SYNTHETIC_BATCHES)
_check_slots: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def check_slots() -> asyncio.Semaphore:
    """Dry runs at once (each is a Python + torch process): K samples queue for the cores."""
    loop = asyncio.get_running_loop()
    if loop not in _check_slots:
        _check_slots[loop] = asyncio.Semaphore(os.cpu_count() or 1)
    return _check_slots[loop]


@dataclass
class Checked:
    """A program that passed its check: the dry run's value ranges, and its behaviour digest (or None)."""

    ranges: dict[str, list[float | None]]
    behaviour: str | None


class RewardCheckError(Exception):
    """The program failed validation; the message is Eureka's execution-error feedback."""


def static_check(source: str, state_names: list[str], task: str | None = None) -> None:
    """Parse without executing: entry function found and every parameter is a state name (a "did you mean"
    from ``task``'s names where one fits)."""
    hint = (lambda name: did_you_mean(name, task_class(task), state_names)) if task else None
    try:
        inspect_source(source).check_names(state_names, hint)
    except RewardProgramError as exc:
        raise RewardCheckError(str(exc)) from exc


def sanitize_ranges(raw: object) -> dict[str, list[float | None]]:
    """The dry run's value ranges rebuilt with checked names, count and numbers
    (the worker ran reward code)."""
    if not isinstance(raw, dict):
        return {}
    ranges = {}
    for name, values in list(raw.items())[: MAX_COMPONENTS + 1]:
        if isinstance(values, list) and len(values) == 3 and (name == "reward" or valid_component_name(name)):
            ranges[name] = [finite_or_none(v) for v in values]
    return ranges


async def check_reward(
    task: str,
    source: str,
    state_names: list[str],
    work_dir: Path,
    timeout_s: float = 60,
    memory_limit_gb: float = DRY_RUN_MEMORY_GB,
) -> Checked:
    """Static check, then a sandboxed dry run; raises RewardCheckError with the traceback.

    Returns [min, mean, max] of the total reward (``reward``) and of each component over the dry run, and the
    program's behaviour digest (tools/check_worker.py: the same digest, the same reward for PPO).
    """
    static_check(source, state_names, task)
    work_dir.mkdir(parents=True, exist_ok=True)
    write_json_atomic(work_dir / CHECK_FILE, {"task": task, "source": source})
    async with check_slots():
        verdict, outcome = await run_for_message(
            WORKER_MODULE,
            work_dir,
            CHECK_LOG_FILE,
            "check",
            timeout_s=timeout_s,
            memory_limit_gb=memory_limit_gb,
            ready_budget_s=DRY_RUN_BUDGET_S,
        )
    if verdict is None:
        raise RewardCheckError(f"the dry run {outcome.describe(timeout_s)}")
    if verdict.get("error"):
        raise RewardCheckError(clip_text(str(verdict["error"])))
    digest = verdict.get("behaviour")
    return Checked(
        sanitize_ranges(verdict.get("ranges")),
        digest if isinstance(digest, str) and BEHAVIOUR.fullmatch(digest) else None,
    )
