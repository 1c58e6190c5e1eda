"""Benchmark: the Trainer's PPO (rl_games on our batched torch Cartpole) against Stable-Baselines3 PPO
(gymnasium CartPole-v1), on the same machine, in the same run.

    pip install -e '.[bench]'     # stable-baselines3
    python bench/peer_ppo.py [--target 475] [--sb3-envs 8] [--num-envs 512] [--max-epochs 100]

Prints, for each, env-steps/s and the wall time until its training episodes average --target
(Cartpole's fitness is the episode length, capped at 500 in both), then the two ratios
(Trainer / SB3 for throughput, SB3 / Trainer for time to solve: above 1 means the Trainer is better).
The Trainer's time counts from the job's submission (worker start, clean evaluation not included);
SB3's from the start of ``learn``, with RL Zoo's tuned CartPole-v1 hyperparameters.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from tools.pool import DevicePool
from tools.trainer import make_job

#: RL Baselines3 Zoo's tuned PPO hyperparameters for CartPole-v1 (hyperparams/ppo.yml), the peer at its best.
RL_ZOO_CARTPOLE = {
    "n_steps": 32,
    "batch_size": 256,
    "gae_lambda": 0.8,
    "gamma": 0.98,
    "n_epochs": 20,
    "ent_coef": 0.0,
    "learning_rate": lambda progress: 1e-3 * progress,
    "clip_range": lambda progress: 0.2 * progress,
}


def sb3_run(
    target: float, envs: int, max_steps: int, seed: int, settings: str = "zoo"
) -> tuple[float, float | None, float]:
    """(env-steps/s, seconds to reach ``target`` or None, the last mean episode return) of SB3 PPO, with RL
    Zoo's tuned hyperparameters (``zoo``) or SB3's defaults (``default``)."""
    from stable_baselines3 import PPO
    from stable_baselines3.common.callbacks import BaseCallback
    from stable_baselines3.common.env_util import make_vec_env

    class StopAtTarget(BaseCallback):
        def __init__(self):
            super().__init__()
            self.solved_at: float | None = None
            self.started = time.perf_counter()

        def _on_rollout_end(self) -> None:
            buffer = self.model.ep_info_buffer
            if buffer and sum(e["r"] for e in buffer) / len(buffer) >= target and self.solved_at is None:
                self.solved_at = time.perf_counter() - self.started

        def _on_step(self) -> bool:
            return self.solved_at is None

    model = PPO(
        "MlpPolicy",
        make_vec_env("CartPole-v1", n_envs=envs, seed=seed),
        seed=seed,
        device="cpu",
        verbose=0,
        **(RL_ZOO_CARTPOLE if settings == "zoo" else {}),
    )
    callback = StopAtTarget()
    model.learn(total_timesteps=max_steps, callback=callback)
    wall = time.perf_counter() - callback.started
    buffer = model.ep_info_buffer
    return model.num_timesteps / wall, callback.solved_at, sum(e["r"] for e in buffer) / max(len(buffer), 1)


async def trainer_run(
    target: float, num_envs: int, max_epochs: int, seed: int, root: Path
) -> tuple[float, float | None, float]:
    """(env-steps/s, seconds to reach ``target`` or None, the best training fitness) of the Trainer."""
    reached: list[float] = []
    started = time.perf_counter()

    def on_progress(p: dict) -> None:
        if p["fitness"] is not None and p["fitness"] >= target and not reached:
            reached.append(time.perf_counter() - started)

    job = make_job(
        "Cartpole", "human", root / "trainer", seed=seed, ppo={"num_envs": num_envs, "max_epochs": max_epochs}
    )
    result = await DevicePool("cpu").run(job, on_progress=on_progress)
    if result["status"] != "trained":
        raise SystemExit(f"the Trainer's job failed: {result['error']}")
    return result["steps_per_s"], reached[0] if reached else None, result["fitness_max"]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--target", type=float, default=475.0)
    p.add_argument("--sb3-envs", type=int, default=8)
    p.add_argument("--sb3-max-steps", type=int, default=300_000)
    p.add_argument("--num-envs", type=int, default=512)
    p.add_argument("--max-epochs", type=int, default=100)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--sb3-settings",
        choices=("zoo", "default"),
        default="zoo",
        help="SB3's PPO with RL Zoo's tuned CartPole-v1 hyperparameters, or with SB3's defaults",
    )
    args = p.parse_args()
    try:
        import stable_baselines3  # noqa: F401
    except ImportError:
        raise SystemExit("error: this benchmark needs stable-baselines3: pip install -e '.[bench]'") from None
    with tempfile.TemporaryDirectory() as tmp:
        ours = asyncio.run(trainer_run(args.target, args.num_envs, args.max_epochs, args.seed, Path(tmp)))
    peer = sb3_run(args.target, args.sb3_envs, args.sb3_max_steps, args.seed, args.sb3_settings)
    show = lambda s: "not reached" if s is None else f"{s:.1f} s"  # noqa: E731
    print(
        f"Trainer (rl_games, {args.num_envs} envs): {ours[0]:,.0f} env-steps/s, {args.target:g} after "
        f"{show(ours[1])} (best {ours[2]:.1f})"
    )
    print(
        f"SB3 PPO ({args.sb3_envs} envs, {args.sb3_settings} settings): {peer[0]:,.0f} env-steps/s, "
        f"{args.target:g} after {show(peer[1])} "
        f"(last {peer[2]:.1f})"
    )
    print(f"throughput ratio (Trainer / SB3): {ours[0] / peer[0]:.1f}x")
    if ours[1] is not None and peer[1] is not None:
        print(f"time-to-{args.target:g} ratio (SB3 / Trainer): {peer[1] / ours[1]:.1f}x")
    else:
        print(
            f"time-to-{args.target:g} ratio: n/a "
            f"(not reached by {'the Trainer' if ours[1] is None else 'SB3'})"
        )


if __name__ == "__main__":
    main()
