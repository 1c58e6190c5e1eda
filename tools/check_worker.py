"""Worker process entry: ``python -m tools.check_worker DIR`` dry-runs the reward program in DIR.

It reads ``check.json`` ({task, source}), runs the program on a few steps of real env
state under random actions and sends one ``check`` message: ``error`` (the root-cause
traceback or null), ``ranges`` ({"reward" or component: [min, mean, max]} over those steps) and
``behaviour``: a digest of the total reward on those states and on wider synthetic ones (null when the
program fails on the synthetic ones). Two programs with the same behaviour give PPO the same reward.
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
#: Batches of synthetic inputs in the behaviour digest, beside the dry run's real states.
SYNTHETIC_BATCHES = 8


def value_ranges(outputs: list[dict]) -> dict[str, list[float]]:
    """[min, mean, max] of each named output over the dry run's steps and environments."""
    import torch

    ranges = {}
    for name in outputs[0] if outputs else {}:
        values = torch.cat([step[name] for step in outputs if name in step])
        ranges[name] = [values.min().item(), values.mean().item(), values.max().item()]
    return ranges


def observed_bounds(real: list[dict]) -> dict[str, tuple[float, float]]:
    """The [min, max] each tensor input took over the dry run's real states."""
    import torch

    bounds = {}
    for name, value in real[0].items():
        if isinstance(value, torch.Tensor):
            seen = torch.cat([step[name].flatten() for step in real]).double()
            bounds[name] = (seen.min().item(), seen.max().item())
    return bounds


def synthetic(real: list[dict], bounds: dict[str, tuple[float, float]], batch: int) -> dict:
    """Inputs shaped like the real ones, drawn well beyond the few states near a reset that the dry run sees
    (so a term that fires only far from them, a penalty at large angles, still tells two programs apart).
    Each input's values depend on its name and ``batch`` only, not on which other inputs the program takes."""
    import hashlib

    import torch

    drawn = {}
    for name, value in real[0].items():
        if not isinstance(value, torch.Tensor):
            drawn[name] = value
            continue
        seed = int.from_bytes(hashlib.sha256(f"{name}:{batch}".encode()).digest()[:8], "little")
        generator = torch.Generator().manual_seed(seed)
        lo, hi = bounds[name]
        if value.dtype == torch.bool:
            drawn[name] = torch.rand(value.shape, generator=generator) < 0.5
        elif not value.is_floating_point():
            drawn[name] = torch.randint(int(min(lo, 0)), int(max(3 * hi, hi + 1000)) + 1, value.shape,
                                        generator=generator).to(value.dtype)  # fmt: skip
        else:
            half = max(1.5 * (hi - lo), 3 * max(abs(lo), abs(hi)), 1.0)
            low = max((lo + hi) / 2 - half, 0.0) if lo >= 0 else (lo + hi) / 2 - half
            high = (lo + hi) / 2 + half
            drawn[name] = (low + (high - low) * torch.rand(value.shape, generator=generator)).to(value.dtype)
    return drawn


def behaviour(program, real: list[dict], rewards: list) -> str | None:
    """A digest of the total reward on the real states and on synthetic ones; None if a synthetic batch fails."""
    import hashlib

    import torch

    digest = hashlib.sha256()
    try:
        bounds = observed_bounds(real)
        rewards = rewards + [program(synthetic(real, bounds, batch), DRY_RUN_ENVS)[0] for batch in range(SYNTHETIC_BATCHES)]
    except Exception:  # noqa: BLE001 - the program only gets no behaviour digest
        return None
    for reward in rewards:
        digest.update(torch.nan_to_num(reward.detach().double().flatten()).numpy().tobytes())
    return digest.hexdigest()[:16]


def dry_run(work_dir: Path) -> tuple[str | None, dict[str, list[float]], str | None]:
    """Run the program on real env state; return the root-cause traceback (or None), the value ranges and the
    behaviour digest."""
    import torch

    from sim.isaac_names import check_reward_names, reward_inputs
    from sim.registry import make_task
    from sim.reward.program import RewardProgram, root_cause

    spec = json.loads((work_dir / CHECK_FILE).read_text())
    reward_path = work_dir / "reward.py"
    reward_path.write_text(spec["source"])
    outputs, inputs = [], []
    try:
        program = RewardProgram.from_source(spec["source"], filename=str(reward_path))
        task = make_task(spec["task"], num_envs=DRY_RUN_ENVS, seed=0)
        check_reward_names(program, type(task))
        generator = torch.Generator().manual_seed(0)
        for _ in range(DRY_RUN_STEPS):
            actions = torch.rand(DRY_RUN_ENVS, task.num_actions, generator=generator) * 2 - 1
            state, done, _ = task.step(actions)
            inputs.append(reward_inputs(task, state, program.params))
            reward, components = program(inputs[-1], DRY_RUN_ENVS)
            outputs.append({"reward": reward, **components})
            task.reset_envs(done.nonzero(as_tuple=False).squeeze(-1))
    except Exception as exc:  # noqa: BLE001 - reported as feedback
        return root_cause(exc, str(reward_path)), {}, None
    return None, value_ranges(outputs), behaviour(program, inputs, [step["reward"] for step in outputs])


def main() -> None:
    import torch

    torch.set_num_threads(1)
    work_dir = Path(sys.argv[1])
    try:
        error, ranges, digest = dry_run(work_dir)
    except Exception:  # noqa: BLE001 - a broken check spec is reported, not raised
        error, ranges, digest = traceback.format_exc(), {}, None
    send({"type": "check", "error": error, "ranges": ranges, "behaviour": digest})


if __name__ == "__main__":
    main()
