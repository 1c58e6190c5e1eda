"""Measure a saved policy's task fitness from the task and the weights alone (no reward program).

Every env plays one whole episode under the policy (actions sampled as in training, from a
seeded generator); the fitness is the task's own success metric over those episodes. An episode
whose actions or state become non-finite ends there, a failure: NaN state never trips a task's
termination test, and must not count as survival. The start states and the action noise come from
the seed's ``eval-env`` and ``eval-policy`` streams (``sim.seeding``), never salted: one seed starts
every candidate of every run from the same states.
This is the number candidates are ranked by: the reward code never touches it.
"""

from __future__ import annotations

import math

import torch

from sim.registry import make_task
from sim.rl.policy import Policy
from sim.seeding import EVAL_ENV, EVAL_POLICY, derive_seed


@torch.no_grad()
def evaluate_policy(
    task_name: str,
    checkpoint: str,
    num_envs: int,
    seed: int,
    ppo_overrides: dict | None = None,
    sim: str = "default",
) -> dict:
    """{fitness, std, episodes}: the mean episode fitness of ``num_envs`` first episodes."""
    task = make_task(task_name, num_envs=num_envs, seed=derive_seed(seed, task_name, EVAL_ENV), sim=sim)
    # The policy samples from torch's global generator; seeded after the task
    # (IsaacGymEnvs' make seeds it too).
    torch.manual_seed(derive_seed(seed, task_name, EVAL_POLICY))
    policy = Policy(task, checkpoint, ppo_overrides, deterministic=False)
    fitness_sum = torch.zeros(num_envs, device=task.device)
    scores = torch.full((num_envs,), math.nan, device=task.device)
    obs = task.reset()
    broken = torch.zeros(num_envs, dtype=torch.bool, device=task.device)
    for _ in range(task.max_episode_length):
        actions = policy(obs)
        state, done, _ = task.step(actions)
        step = task.step_fitness(state)
        nonfinite = ~(
            torch.isfinite(actions).all(-1)
            & torch.isfinite(task.observations()).all(-1)
            & torch.isfinite(step)
        )
        broken |= nonfinite & scores.isnan()
        fitness_sum += torch.where(nonfinite, torch.zeros_like(step), step)
        ended = (done | nonfinite).nonzero(as_tuple=False).squeeze(-1)
        first = ended[scores[ended].isnan()]
        scores[first] = task.episode_fitness(fitness_sum[first], task.progress_buf[first]).float()
        fitness_sum[ended] = 0.0
        task.reset_envs(ended)
        obs = task.observations()
        if not scores.isnan().any():
            break
    finished = scores[~scores.isnan()]
    return {
        "fitness": finished.mean().item() if len(finished) else None,
        "std": finished.std(unbiased=False).item() if len(finished) else None,
        "episodes": len(finished),
        "nonfinite_episodes": int(broken.sum()),
    }
