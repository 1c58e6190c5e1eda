"""Worker process entry: ``python -m tools.check_worker DIR`` dry-runs the reward program in DIR.

It reads ``check.json`` ({task, source}), runs the program on a few steps of real env
state under random actions and sends one ``check`` message: ``error`` (the root-cause
traceback or null), ``ranges`` ({"reward" or component: [min, mean, max]} over those steps) and
``behaviour``: a digest of the total reward on those states and on wider synthetic ones. Two programs with the
same behaviour give PPO the same reward on every state checked.
"""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path

from tools.isolation.channel import send
from tools.isolation.sandbox import READY
from tools.job_dir import CHECK_FILE, REWARD_FILE
from tools.reward_check import (
    DRY_RUN_ENVS,
    DRY_RUN_STEPS,
    ROLLOUT_SAMPLES,
    ROLLOUT_STRIDE,
    SYNTHETIC_BATCHES,
)

#: How far beyond the observed range each synthetic batch reaches, in multiples of the largest value seen.
SYNTHETIC_SCALES = (3, 10, 30, 100)


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
    """Inputs shaped like the real ones, drawn well beyond the states the dry run sees, at several scales of
    them (so a term that fires only far from them, a penalty at large angles or near a termination bound,
    still tells two programs apart).
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
            drawn[name] = torch.randint(
                int(min(lo, 0)), int(max(3 * hi, hi + 1000)) + 1, value.shape, generator=generator
            ).to(value.dtype)
        else:
            scale = SYNTHETIC_SCALES[batch % len(SYNTHETIC_SCALES)]
            half = max(scale / 2 * (hi - lo), scale * max(abs(lo), abs(hi)), 1.0)
            low = max((lo + hi) / 2 - half, 0.0) if lo >= 0 else (lo + hi) / 2 - half
            high = (lo + hi) / 2 + half
            drawn[name] = (low + (high - low) * torch.rand(value.shape, generator=generator)).to(value.dtype)
    return drawn


def behaviour(program, real: list[dict], rewards: list) -> str:
    """A digest of the total reward on the real states and on synthetic ones. Synthetic states may be no state
    the task can reach (a quaternion that is not a unit one), so there a failure or a non-finite value is part
    of the digest, not a refusal."""
    import hashlib

    import torch

    digest = hashlib.sha256()
    bounds = observed_bounds(real)
    for batch in range(SYNTHETIC_BATCHES):
        try:
            rewards.append(
                program.fn(
                    **{n: v for n, v in synthetic(real, bounds, batch).items() if n in program.params}
                )[0]
            )
        except Exception as exc:  # noqa: BLE001 - how it fails is its behaviour there
            rewards.append(type(exc).__name__)
    for reward in rewards:
        value = reward.detach().double().flatten() if isinstance(reward, torch.Tensor) else None
        digest.update(
            torch.nan_to_num(value).numpy().tobytes() if value is not None else str(reward).encode()
        )
    return digest.hexdigest()[:16]


def whole_episode(inputs: dict, max_length: int, sample: int) -> dict:
    """``inputs`` with ``progress_buf`` spread over the whole episode, 0 to its limit (a random-action rollout
    ends long before it), so a term that switches on late is seen."""
    import torch

    if "progress_buf" not in inputs:
        return inputs
    steps = torch.linspace(0, max_length, DRY_RUN_ENVS).roll(sample)
    return {**inputs, "progress_buf": steps.to(inputs["progress_buf"].dtype)}


def dry_run(work_dir: Path, on_ready=lambda: None) -> tuple[str | None, dict[str, list[float]], str | None]:
    """Run the program on real env state; return the root-cause traceback (or None), the value ranges and the
    behaviour digest. ``on_ready`` is called once the task is built, before any of the program runs.

    The states: DRY_RUN_STEPS steps from a reset (the value ranges), then ROLLOUT_SAMPLES states along
    random-action episodes, every ROLLOUT_STRIDE steps, each with its episode step spread from 0 to the limit.
    A value that is not finite on any of them is refused here, naming the state, rather than in training."""
    import torch

    from sim.isaac_names import check_reward_names, reward_inputs
    from sim.registry import make_task
    from sim.reward.program import RewardProgram, root_cause
    from sim.seeding import CHECK_ENV, derive_seed

    spec = json.loads((work_dir / CHECK_FILE).read_text())
    reward_path = work_dir / REWARD_FILE
    reward_path.write_text(spec["source"])
    outputs, inputs, where = [], [], None
    try:
        task = make_task(spec["task"], num_envs=DRY_RUN_ENVS, seed=derive_seed(0, spec["task"], CHECK_ENV))
        on_ready()  # set-up done: from here on the caller's budget runs (DRY_RUN_BUDGET_S)
        program = RewardProgram.from_source(spec["source"], filename=str(reward_path))
        check_reward_names(program, type(task))
        generator = torch.Generator().manual_seed(0)
        for step in range(DRY_RUN_STEPS + ROLLOUT_SAMPLES * ROLLOUT_STRIDE):
            actions = torch.rand(DRY_RUN_ENVS, task.num_actions, generator=generator) * 2 - 1
            state, done, _ = task.step(actions)
            sample = (step - DRY_RUN_STEPS) // ROLLOUT_STRIDE
            if step < DRY_RUN_STEPS or (step - DRY_RUN_STEPS) % ROLLOUT_STRIDE == 0:
                # Copies: the task updates its tensors in place, and a kept reference would change with them.
                named = {
                    k: v.clone() if isinstance(v, torch.Tensor) else v
                    for k, v in reward_inputs(task, state, program.params).items()
                }
                if step >= DRY_RUN_STEPS:
                    named = whole_episode(named, task.max_episode_length, sample)
                    where = (
                        f"rollout state {sample + 1} of {ROLLOUT_SAMPLES} (random actions, "
                        f"episode steps 0 to {task.max_episode_length})"
                    )
                inputs.append(named)
                reward, components = program(named, DRY_RUN_ENVS)
                outputs.append({"reward": reward, **components})
            task.reset_envs(done.nonzero(as_tuple=False).squeeze(-1))
    except Exception as exc:  # noqa: BLE001 - reported as feedback
        cause = root_cause(exc, str(reward_path))
        return (f"{cause} (on {where})" if where else cause), {}, None  # one last line: the headline
    ranges = value_ranges(outputs[:DRY_RUN_STEPS])
    return None, ranges, behaviour(program, inputs, [step["reward"] for step in outputs])


def main() -> None:
    import torch

    torch.set_num_threads(1)
    work_dir = Path(sys.argv[1])
    try:
        error, ranges, digest = dry_run(work_dir, lambda: send({"type": READY}))
    except Exception:  # noqa: BLE001 - a broken check spec is reported, not raised
        error, ranges, digest = traceback.format_exc(), {}, None
    send({"type": "check", "error": error, "ranges": ranges, "behaviour": digest})


if __name__ == "__main__":
    main()
