"""The rl_games vec-env adapter: a task plus a reward program, with Eureka's training statistics."""

from __future__ import annotations

from collections import deque

import gymnasium
import numpy as np
import torch
from rl_games.common.ivecenv import IVecEnv

from sim.base import BatchedTask, Tensor
from sim.isaac_names import check_reward_names, reward_inputs
from sim.reward.program import RewardProgram


class TrainingStats:
    """Per-epoch statistics Eureka's reflection needs.

    Fitness and episode length are rolling means over the last ``window`` finished
    episodes (like rl_games' reward meter); components are per-step means over the epoch.
    Both stay None until ``min_episodes`` episodes have finished: the first episodes to
    finish are the short ones, which would bias the mean (toward early successes on tasks
    that end an episode on success, toward early failures on the others).
    """

    def __init__(self, window: int, min_episodes: int = 1):
        self.min_episodes = min_episodes
        self.episodes_finished = 0
        self.finished_fitness: deque[float] = deque(maxlen=window)
        self.finished_lengths: deque[float] = deque(maxlen=window)
        self.component_sums: dict[str, float] = {}
        self.steps_in_epoch = 0
        self.fitness: list[float | None] = []
        self.episode_length: list[float | None] = []
        self.components: dict[str, list[float | None]] = {}

    def record_step(self, components: dict[str, Tensor]) -> None:
        for name, value in components.items():
            self.component_sums[name] = self.component_sums.get(name, 0.0) + value.mean().item()
        self.steps_in_epoch += 1

    def record_episodes(self, fitness: Tensor, lengths: Tensor) -> None:
        self.episodes_finished += len(fitness)
        self.finished_fitness.extend(fitness.tolist())
        self.finished_lengths.extend(lengths.tolist())

    def close_epoch(self) -> None:
        """Append this epoch's means and start a new epoch."""
        enough = self.episodes_finished >= self.min_episodes

        def mean(xs: list[float]) -> float | None:
            return float(np.mean(xs)) if enough else None

        self.fitness.append(mean(self.finished_fitness))
        self.episode_length.append(mean(self.finished_lengths))
        epoch = len(self.fitness)
        for name in self.component_sums.keys() | self.components.keys():
            series = self.components.setdefault(name, [None] * (epoch - 1))
            total = self.component_sums.get(name)
            series.append(None if total is None else total / max(self.steps_in_epoch, 1))
        self.component_sums = {}
        self.steps_in_epoch = 0


class RewardedVecEnv(IVecEnv):
    """Steps a BatchedTask, scores it with a reward program and tracks the success metric."""

    def __init__(self, task: BatchedTask, reward: RewardProgram, stats: TrainingStats):
        check_reward_names(reward, type(task))
        self.task, self.reward, self.stats = task, reward, stats
        n, dev = task.num_envs, task.device
        self.fitness_sum = torch.zeros(n, device=dev)
        self.env_steps = 0

    def get_env_info(self) -> dict:
        return {
            "action_space": gymnasium.spaces.Box(-1.0, 1.0, (self.task.num_actions,), np.float32),
            "observation_space": gymnasium.spaces.Box(-np.inf, np.inf, (self.task.num_obs,), np.float32),
            "agents": 1,
            "value_size": 1,
        }

    def reset(self) -> Tensor:
        self.fitness_sum.zero_()
        return self.task.reset()

    def step(self, actions: Tensor):
        task = self.task
        state, done, timeout = task.step(actions)
        reward, components = self.reward(reward_inputs(task, state, self.reward.params), task.num_envs)
        self.stats.record_step(components)
        self.fitness_sum += task.step_fitness(state)
        done_ids = done.nonzero(as_tuple=False).squeeze(-1)
        if len(done_ids):
            lengths = task.progress_buf[done_ids]
            score = task.episode_fitness(self.fitness_sum[done_ids], lengths)
            self.stats.record_episodes(score, lengths)
            self.fitness_sum[done_ids] = 0.0
            task.reset_envs(done_ids)
        self.env_steps += task.num_envs
        return task.observations(), reward, done.to(torch.uint8), {"time_outs": timeout}
