"""Ant and Humanoid: progress and the episode-end sparse reward (real MuJoCo); the baselines' gap:
test_calibration.py."""

import numpy as np
import pytest
import torch

from sim.registry import make_task
from sim.reward.program import RewardProgram, function_source


@pytest.mark.parametrize("name", ["Ant", "Humanoid"])
def test_sparse_reward_pays_the_episode_progress_only_on_the_last_step(name):
    task = make_task(name, num_envs=2, seed=0)
    qpos = task.sim.qpos[1:].copy()
    qpos[0, 0] += 0.5  # env 1 jumps 0.5 m toward the target
    task.sim.reset(np.array([1]), qpos, task.sim.qvel[1:].copy())
    sparse = RewardProgram.from_source(function_source(type(task).sparse_reward))
    state, _, _ = task.step(torch.zeros(2, task.num_actions))
    assert state["episode_progress"][1] == pytest.approx(0.5, abs=0.05)
    assert sparse(state, 2)[0].tolist() == [0.0, 0.0]
    task.progress_buf.fill_(task.max_episode_length - 1)
    state, done, _ = task.step(torch.zeros(2, task.num_actions))
    assert done.all() and state["is_last_step"].tolist() == [1.0, 1.0]
    assert torch.equal(sparse(state, 2)[0], state["episode_progress"])
