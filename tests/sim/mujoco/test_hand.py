"""Shadow Hand tasks: goals, successes, spinning, falls (real MuJoCo); the baselines' gap:
test_calibration.py."""

import math
from pathlib import Path

import numpy as np
import pytest
import torch

from sim.registry import make_task
from sim.rl.checkpoint import saved_weights
from sim.rotations import quat_axis, quat_conjugate, quat_from_angle_axis, quat_mul
from tools.job_dir import WARM_START_FILE
from tools.pool import DevicePool
from tools.trainer import make_job

HAND_TASKS = ["ShadowHand", "ShadowHandSpin", "ShadowHandBlock"]


def still(task):
    return torch.zeros(task.num_envs, task.num_actions)


@pytest.mark.parametrize("name", HAND_TASKS)
def test_reaching_the_goal_counts_a_success_and_draws_the_next_goal(name):
    task = make_task(name, num_envs=2, seed=0)
    task.goal_rot[0] = task.object_rotation(torch.tensor([0]))[0]  # env 0's goal: where the object is
    state, done, _ = task.step(still(task))
    assert state["goal_reached"].tolist() == [1.0, 0.0]
    assert state["successes"].tolist() == [1.0, 0.0]
    assert task.step_fitness(state).tolist() == [1.0, 0.0]
    reached_goal = task.goal_rot[0].clone()
    state, _, _ = task.step(still(task))
    assert not torch.allclose(task.goal_rot[0], reached_goal)  # a new goal replaced the reached one
    assert state["rot_dist"][0] > task.success_tolerance
    assert state["successes"][0] == 1.0


def test_spin_goals_advance_by_the_spin_step_about_the_vertical():
    task = make_task("ShadowHandSpin", num_envs=3, seed=1)
    before = task.goal_rot.clone()
    after = task.next_goal(torch.arange(3), reached=True)
    turn = quat_mul(after, quat_conjugate(before))
    expected = torch.tensor([0.0, 0.0, math.sin(task.spin_step / 2), math.cos(task.spin_step / 2)])
    assert torch.allclose(turn, expected.expand(3, 4), atol=1e-5)


def test_spin_starts_one_step_ahead_of_the_pen():
    task = make_task("ShadowHandSpin", num_envs=4, seed=2)
    assert torch.allclose(task.rot_dist, torch.full((4,), task.spin_step), atol=0.05)


def test_the_pen_is_symmetric_about_its_axis_and_the_cube_is_not():
    axis_z = torch.tensor([[0.0, 0.0, 1.0]])
    pen, cube = make_task("ShadowHand", num_envs=1), make_task("ShadowHandBlock", num_envs=1)
    q = quat_from_angle_axis(torch.tensor([0.7]), torch.tensor([[1.0, 0.0, 0.0]]))
    rolled = quat_mul(q, quat_from_angle_axis(torch.tensor([1.0]), axis_z))  # turned about its own z
    assert pen.orientation_error(q, rolled).item() == pytest.approx(0.0, abs=1e-3)
    assert cube.orientation_error(q, rolled).item() == pytest.approx(1.0, abs=1e-3)


def test_cube_starts_and_aims_face_up_at_random_headings():
    task = make_task("ShadowHandBlock", num_envs=256, seed=0)
    up = torch.tensor([0.0, 0.0, 1.0]).expand(256, 3)
    for rot in (task.goal_rot, task.object_rotation(torch.arange(256))):
        assert torch.allclose(quat_axis(rot, 2), up, atol=0.05)
        x = quat_axis(rot, 0)
        heading = torch.atan2(x[:, 1], x[:, 0])
        assert heading.min() < -3.0 and heading.max() > 3.0  # every heading, not a fixed one


@pytest.mark.parametrize("name", HAND_TASKS)
def test_an_object_that_falls_out_of_the_hand_ends_the_episode(name):
    task = make_task(name, num_envs=2, seed=0)
    qpos = task.sim.qpos[:1].copy()
    qpos[0, task.object_qpos + 2] -= 0.3  # env 1's object 30 cm below the palm
    task.sim.reset(np.array([1]), qpos, np.zeros((1, task.sim.model.nv)))
    _, done, timeout = task.step(still(task))
    assert done.tolist() == [False, True] and not timeout.any()


def test_the_object_rests_in_the_palm_when_the_hand_holds_still():
    task = make_task("ShadowHand", num_envs=4, seed=0)
    for _ in range(60):  # about one second
        state, done, _ = task.step(still(task))
    assert not done.any()
    assert (state["object_pos"] - state["goal_pos"]).norm(dim=1).max() < task.fall_distance


@pytest.mark.slow
async def test_a_pen_policy_warm_starts_pen_spinning(tmp_path):
    pool = DevicePool("cpu")
    budget = {"num_envs": 64, "max_epochs": 3}
    pen = await pool.run(make_job("ShadowHand", "human", tmp_path / "pen", ppo=budget))
    assert pen["status"] == "trained", pen["error"]
    spin = await pool.run(
        make_job("ShadowHandSpin", "human", tmp_path / "spin", ppo=budget, checkpoint=pen["checkpoint"])
    )
    assert spin["status"] == "trained", spin["error"]
    assert (tmp_path / "spin" / WARM_START_FILE).read_bytes() == Path(pen["checkpoint"]).read_bytes()
    # Three epochs move the weights a little from the pen policy; a cold start would be far from it.
    pen_w, spin_w = (
        saved_weights(p)["a2c_network.actor_mlp.0.weight"] for p in (pen["checkpoint"], spin["checkpoint"])
    )
    assert (spin_w - pen_w).norm() < 0.2 * pen_w.norm()
