"""Worker process entry: ``python -m tools.check_worker DIR`` dry-runs the reward program in DIR.

It reads ``check.json`` ({task, source}), runs the program on a few steps of real env
state under random actions and sends one ``check`` message: ``error`` (the root-cause
traceback or null) and ``ranges`` ({"reward" or component: [min, mean, max]} over those steps).
"""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path

from tools.isolation.channel import send
from tools.reward_check import CHECK_FILE

DRY_RUN_ENVS = 16
DRY_RUN_STEPS = 4


def value_ranges(outputs: list[dict]) -> dict[str, list[float]]:
    """[min, mean, max] of each named output over the dry run's steps and environments."""
    import torch

    ranges = {}
    for name in outputs[0] if outputs else {}:
        values = torch.cat([step[name] for step in outputs if name in step])
        ranges[name] = [values.min().item(), values.mean().item(), values.max().item()]
    return ranges


def dry_run(work_dir: Path) -> tuple[str | None, dict[str, list[float]]]:
    """Run the program on real env state; return the root-cause traceback (or None) and the value ranges."""
    import torch

    from sim.isaac_names import check_reward_names, reward_inputs
    from sim.registry import make_task
    from sim.reward.program import RewardProgram, root_cause

    spec = json.loads((work_dir / CHECK_FILE).read_text())
    reward_path = work_dir / "reward.py"
    reward_path.write_text(spec["source"])
    outputs = []
    try:
        program = RewardProgram.from_source(spec["source"], filename=str(reward_path))
        task = make_task(spec["task"], num_envs=DRY_RUN_ENVS, seed=0)
        check_reward_names(program, type(task))
        generator = torch.Generator().manual_seed(0)
        for _ in range(DRY_RUN_STEPS):
            actions = torch.rand(DRY_RUN_ENVS, task.num_actions, generator=generator) * 2 - 1
            state, done, _ = task.step(actions)
            reward, components = program(reward_inputs(task, state, program.params), DRY_RUN_ENVS)
            outputs.append({"reward": reward, **components})
            task.reset_envs(done.nonzero(as_tuple=False).squeeze(-1))
    except Exception as exc:  # noqa: BLE001 - reported as feedback
        return root_cause(exc, str(reward_path)), {}
    return None, value_ranges(outputs)


def main() -> None:
    import torch

    torch.set_num_threads(1)
    work_dir = Path(sys.argv[1])
    try:
        error, ranges = dry_run(work_dir)
    except Exception:  # noqa: BLE001 - a broken check spec is reported, not raised
        error, ranges = traceback.format_exc(), {}
    send({"type": "check", "error": error, "ranges": ranges})


if __name__ == "__main__":
    main()
