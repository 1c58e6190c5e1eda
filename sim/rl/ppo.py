"""rl_games glue: build PPO params from YAML config and train a task in-process.

Whoever calls ``train`` runs the reward program in its own process: the Trainer does
that in an isolated worker subprocess, never in the caller's process.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from rl_games.common.algo_observer import AlgoObserver
from rl_games.torch_runner import Runner

from sim.registry import make_task
from sim.reward.program import RewardProgram
from sim.rl.checkpoint import check_finite, check_fits, load_checkpoint, weights_digest
from sim.rl.files import BEST_FILE, LAST_FILE, NN_DIR, RL_GAMES_DIR, rung_file
from sim.rl.vec_env import RewardedVecEnv, TrainingStats
from sim.seeding import TRAIN_ENV, TRAIN_POLICY, derive_seed

#: Called after every epoch with {epoch, max_epochs, fitness}.
EpochCallback = Callable[[dict], None]
#: Called with the epoch once a rung's policy snapshot (``rung_file``) is saved.
RungCallback = Callable[[int], None]


class FitnessObserver(AlgoObserver):
    """Closes each epoch's statistics, reports them, keeps the checkpoint with the best task fitness,
    and saves a snapshot of the policy at each rung's epoch."""

    def __init__(
        self,
        stats: TrainingStats,
        nn_dir: Path,
        on_epoch: EpochCallback | None = None,
        rungs: tuple[int, ...] = (),
        on_rung: RungCallback | None = None,
    ):
        self.stats, self.nn_dir, self.on_epoch = stats, nn_dir, on_epoch
        self.rungs, self.on_rung = set(rungs), on_rung
        self.best_fitness = -math.inf
        self.best_path: Path | None = None

    def after_init(self, algo) -> None:
        self.algo = algo

    def after_print_stats(self, frame, epoch_num, total_time) -> None:
        self.stats.close_epoch()
        fitness = self.stats.fitness[-1]
        self.write_summaries(epoch_num)
        if self.on_epoch:
            self.on_epoch({"epoch": epoch_num, "max_epochs": self.algo.max_epochs, "fitness": fitness})
        if fitness is not None and fitness > self.best_fitness:
            self.best_fitness = fitness
            self.best_path = self.nn_dir / BEST_FILE
            self.algo.save(str(self.best_path.with_suffix("")))
        if epoch_num in self.rungs:
            self.algo.save(str(rung_file(self.nn_dir, epoch_num).with_suffix("")))
            if self.on_rung:
                self.on_rung(epoch_num)

    def write_summaries(self, epoch: int) -> None:
        """The epoch's task fitness, episode length and reward components,
        beside rl_games' own TensorBoard scalars."""
        writer, stats = self.algo.writer, self.stats
        if writer is None:
            return
        series = {
            "eureka/fitness": stats.fitness,
            "eureka/episode_length": stats.episode_length,
            **{f"reward_components/{name}": values for name, values in stats.components.items()},
        }
        for tag, values in series.items():
            if values and values[-1] is not None:
                writer.add_scalar(tag, values[-1], epoch)


def rl_games_params(cfg: dict[str, Any], env: RewardedVecEnv, seed: int, device: str, out_dir: Path) -> dict:
    """The rl_games params dict (the `params:` block of an IsaacGymEnvs train YAML); ``seed`` seeds torch's,
    numpy's and random's global generators (the policy's stream, ``sim.seeding.TRAIN_POLICY``)."""
    num_envs = env.task.num_envs
    return {
        "seed": seed,
        "torch_threads": cfg["torch_threads"],
        "algo": {"name": "a2c_continuous"},
        "model": {"name": "continuous_a2c_logstd"},
        "network": {
            "name": "actor_critic",
            "separate": False,
            "space": {
                "continuous": {
                    "mu_activation": "None",
                    "sigma_activation": "None",
                    "mu_init": {"name": "default"},
                    "sigma_init": {"name": "const_initializer", "val": 0},
                    "fixed_sigma": True,
                }
            },
            "mlp": {
                "units": list(cfg["network_units"]),
                "activation": cfg["activation"],
                "d2rl": False,
                "initializer": {"name": "default"},
                "regularizer": {"name": "None"},
            },
        },
        "config": {
            "name": "policy",
            "full_experiment_name": RL_GAMES_DIR,
            "train_dir": str(out_dir),
            "env_name": "eureka_graph",
            "env_info": env.get_env_info(),
            "vec_env": env,
            "device": device,
            "device_name": device,
            "multi_gpu": False,
            "ppo": True,
            "mixed_precision": False,
            "normalize_input": True,
            "normalize_value": True,
            "normalize_advantage": True,
            "value_bootstrap": True,
            "num_actors": num_envs,
            "reward_shaper": {"scale_value": cfg["reward_scale"]},
            "gamma": cfg["gamma"],
            "tau": cfg["tau"],
            "learning_rate": cfg["learning_rate"],
            "lr_schedule": cfg["lr_schedule"],
            "kl_threshold": cfg["kl_threshold"],
            "max_epochs": cfg["max_epochs"],
            "save_best_after": 10**9,  # FitnessObserver keeps the best-by-fitness checkpoint
            "save_frequency": 0,
            "grad_norm": cfg["grad_norm"],
            "entropy_coef": cfg["entropy_coef"],
            "truncate_grads": True,
            "e_clip": cfg["e_clip"],
            "horizon_length": cfg["horizon_length"],
            "minibatch_size": min(cfg["minibatch_size"], num_envs * cfg["horizon_length"]),
            "mini_epochs": cfg["mini_epochs"],
            "critic_coef": cfg["critic_coef"],
            "clip_value": True,
            "bounds_loss_coef": cfg["bounds_loss_coef"],
            "torch_compile": cfg["torch_compile"],
        },
    }


def train(
    task_name: str,
    reward: RewardProgram,
    cfg: dict[str, Any],
    seed: int,
    device: str,
    out_dir: Path,
    checkpoint: str | None = None,
    on_epoch: EpochCallback | None = None,
    sim: str = "default",
    rungs: tuple[int, ...] = (),
    on_rung: RungCallback | None = None,
    salt: str = "",
) -> dict[str, Any]:
    """Train PPO on ``task_name`` with ``reward``; return Eureka's training statistics.

    ``seed`` never seeds a generator itself: the envs' stream and the policy's are derived from it, the task
    and the run's ``salt`` (``sim.seeding``), so the reward cannot tell its seed from the states it is given.
    At each epoch in ``rungs`` the policy is saved (``rung_file``) and ``on_rung`` told; training goes on."""
    started = time.perf_counter()
    env_seed, policy_seed = (
        derive_seed(seed, task_name, purpose, salt) for purpose in (TRAIN_ENV, TRAIN_POLICY)
    )
    task = make_task(task_name, num_envs=cfg["num_envs"], device=device, seed=env_seed, sim=sim)
    torch.manual_seed(
        policy_seed
    )  # after the task (IsaacGymEnvs' make seeds torch); rl_games seeds it again, unless 0
    stats = TrainingStats(window=max(100, task.num_envs), min_episodes=task.num_envs)
    env = RewardedVecEnv(task, reward, stats)
    nn_dir = out_dir / NN_DIR
    nn_dir.mkdir(parents=True, exist_ok=True)
    observer = FitnessObserver(stats, nn_dir, on_epoch, rungs, on_rung)
    runner = Runner(algo_observer=observer)
    runner.load_config(rl_games_params(cfg, env, policy_seed, device, out_dir))
    agent = runner.algo_factory.create(runner.algo_name, base_name="run", params=runner.params)
    warm_start_digest = None
    if checkpoint:
        check_fits(checkpoint, agent.model, task_name)
        # Warm start: weights and optimiser, fresh epoch count (not agent.restore: it unpickles code).
        agent.set_full_state_weights(load_checkpoint(checkpoint), set_epoch=False)
        warm_start_digest = weights_digest(agent.model.state_dict())  # what the first epoch starts from
    try:
        agent.train()
    except RuntimeError:
        check_finite(agent.model.state_dict())  # PPO blew up: name that cause, not rl_games' symptom of it
        raise
    if agent.writer is not None:
        agent.writer.close()  # flushes the TensorBoard events (rl_games leaves the writer open)
    last = nn_dir / LAST_FILE
    agent.save(str(last.with_suffix("")))
    wall = time.perf_counter() - started
    fitness = [f for f in stats.fitness if f is not None]
    return {
        "status": "trained",
        "fitness_max": max(fitness) if fitness else None,
        "fitness": stats.fitness,
        "components": stats.components,
        "episode_length": stats.episode_length,
        "env_steps": env.env_steps,
        "epochs": len(stats.fitness),
        "wall_s": wall,
        "steps_per_s": env.env_steps / wall,
        "checkpoint": str(observer.best_path or last),
        "warm_start_digest": warm_start_digest,
        "error": None,
    }
