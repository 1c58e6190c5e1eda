"""The MuJoCo batch: rollout stepping, resets and sensor-named state (real MuJoCo)."""

import numpy as np
import pytest
import torch

from sim.registry import make_task
from sim.rotations import quat_axis

MUJOCO_TASKS = ["Ant", "Humanoid"]


@pytest.mark.parametrize("name", MUJOCO_TASKS)
def test_reset_places_envs_and_sensors_follow(name):
    task = make_task(name, num_envs=3, seed=0)
    sim = task.sim
    still = np.zeros((2, sim.model.nv))
    qpos = np.tile(sim.model.qpos0, (2, 1))
    qpos[1, 0] += 5.0  # env 2's free joint 5 m further along x than env 0's
    sim.reset(np.array([0, 2]), qpos, still)
    assert sim.qpos[2, 0] - sim.qpos[0, 0] == pytest.approx(5.0)
    assert sim.sensor("torso_pos")[2, 0] - sim.sensor("torso_pos")[0, 0] == pytest.approx(5.0)


def test_a_control_step_advances_time_by_the_control_period():
    task = make_task("Ant", num_envs=2, seed=0)
    before = task.sim.state[:, 0].copy()  # FULLPHYSICS starts with time
    task.step(torch.zeros(2, task.num_actions))
    assert task.sim.state[:, 0] - before == pytest.approx([task.dt, task.dt])
    assert task.dt == pytest.approx(0.05)


def test_orientation_is_xyzw_and_upright_at_reset():
    task = make_task("Ant", num_envs=4, seed=1)
    state = task.state()
    assert torch.allclose(state["torso_rotation"][:, 3], torch.ones(4), atol=1e-4)  # w last
    assert torch.allclose(quat_axis(state["torso_rotation"], 2)[:, 2], state["up_proj"])
    assert (state["up_proj"] > 0.99).all()
    assert (state["heading_proj"] > 0.99).all()  # facing +x, towards the target


def test_walking_towards_the_target_raises_the_potential():
    task = make_task("Ant", num_envs=2, seed=0)
    qpos = np.tile(task.sim.model.qpos0, (2, 1))
    qvel = np.zeros((2, task.sim.model.nv))
    qvel[0, 0] = 2.0  # env 0 slides towards +x, env 1 away from it
    qvel[1, 0] = -2.0
    task.sim.reset(np.array([0, 1]), qpos, qvel)
    state, _, _ = task.step(torch.zeros(2, task.num_actions))
    progress = task.step_fitness(state)
    assert progress[0] > 0 > progress[1]


def test_mujoco_state_is_float32_torch_owned_by_the_task_not_views_of_the_simulator():
    # MuJoCo works in float64 numpy; the task converts once. A view would let state edits reach physics.
    task = make_task("Ant", num_envs=2, device="cpu", seed=0)
    state, _, _ = task.step(torch.zeros(2, task.num_actions))
    for name, value in state.items():
        assert value.device == task.device and value.dtype == torch.float32, name
        for buffer in (task.sim.state, task.sim.sensordata):
            assert not np.shares_memory(value.numpy(), buffer), name
