"""Validate a reward program before it may take a training slot.

Static checks (parse, entry function, known state names) run in the caller; the dry
run executes the program on a real batch of env state in an isolated worker
(``python -m tools.reward_check DIR``), so a hostile program cannot hurt the caller.
"""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path

from tools.jobs import write_json_atomic
from tools.reward_program import RewardProgramError, inspect_source
from tools.sandbox import run_module

CHECK_FILE = "check.json"
CHECK_RESULT_FILE = "check_result.json"
DRY_RUN_ENVS = 16
DRY_RUN_STEPS = 4


class RewardCheckError(Exception):
    """The program failed validation; the message is Eureka's execution-error feedback."""


def static_check(source: str, state_names: list[str]) -> None:
    """Parse without executing: entry function found and every parameter is a state name."""
    try:
        inspect_source(source).check_names(state_names)
    except RewardProgramError as exc:
        raise RewardCheckError(str(exc)) from exc


async def check_reward(
    task: str,
    source: str,
    state_names: list[str],
    work_dir: Path,
    timeout_s: float = 60,
    memory_limit_gb: float = 4,
) -> None:
    """Static check, then a sandboxed dry run; raises RewardCheckError with the traceback."""
    static_check(source, state_names)
    work_dir.mkdir(parents=True, exist_ok=True)
    result_path = work_dir / CHECK_RESULT_FILE
    result_path.unlink(missing_ok=True)
    write_json_atomic(work_dir / CHECK_FILE, {"task": task, "source": source})
    outcome = await run_module(
        "tools.reward_check", [str(work_dir)],
        log_path=work_dir / "check.log", timeout_s=timeout_s, memory_limit_gb=memory_limit_gb,
    )  # fmt: skip
    if not result_path.exists():
        raise RewardCheckError(f"the dry run {outcome.describe(timeout_s)}")
    error = json.loads(result_path.read_text())["error"]
    if error:
        raise RewardCheckError(error)


def dry_run(work_dir: Path) -> str | None:
    """Worker side: run the program on real env state; return the root-cause traceback or None."""
    import torch

    from sim.registry import make_task
    from tools.reward_program import RewardProgram
    from tools.train_worker import root_cause

    spec = json.loads((work_dir / CHECK_FILE).read_text())
    reward_path = work_dir / "reward.py"
    reward_path.write_text(spec["source"])
    try:
        program = RewardProgram.from_source(spec["source"], filename=str(reward_path))
        task = make_task(spec["task"], num_envs=DRY_RUN_ENVS, seed=0)
        program.check_names(list(task.state_spec))
        generator = torch.Generator().manual_seed(0)
        for _ in range(DRY_RUN_STEPS):
            actions = torch.rand(DRY_RUN_ENVS, task.num_actions, generator=generator) * 2 - 1
            state, done, _ = task.step(actions)
            program(state, DRY_RUN_ENVS)
            task.reset_envs(done.nonzero(as_tuple=False).squeeze(-1))
    except Exception as exc:  # noqa: BLE001 - reported as feedback
        return root_cause(exc, str(reward_path))
    return None


def main() -> None:
    import torch

    torch.set_num_threads(1)
    work_dir = Path(sys.argv[1])
    try:
        error = dry_run(work_dir)
    except Exception:  # noqa: BLE001 - a broken check spec is reported, not raised
        error = traceback.format_exc()
    write_json_atomic(work_dir / CHECK_RESULT_FILE, {"error": error})


if __name__ == "__main__":
    main()
