"""FrankaCabinet: joint-target control, the drawer and its success test (real MuJoCo); the baselines:
test_calibration.py."""

import inspect
from pathlib import Path

import numpy as np
import pytest
import torch

from sim.isaac_names import reward_inputs
from sim.registry import make_task
from sim.reward.program import RewardProgram

ISAAC_STYLE = Path(__file__).resolve().parents[2] / "fixtures" / "isaac_style"


@pytest.fixture
def task():
    return make_task("FrankaCabinet", num_envs=2, seed=0)


def test_actions_move_joint_targets_by_a_bounded_step(task):
    start = task.targets.copy()
    task.step(torch.ones(2, task.num_actions))
    moved = task.targets - start
    assert (moved > 0).any() and (moved <= task.max_target_step + 1e-9).all()


def test_holding_still_keeps_the_gripper_in_front_of_the_handle(task):
    for _ in range(60):
        state, done, _ = task.step(torch.zeros(2, task.num_actions))
    assert not done.any()
    assert (state["drawer_opening"].abs() < 0.01).all()
    gap = state["handle_pos"] - state["hand_pos"]
    assert (gap[:, 0] < 0).all() and (gap.norm(dim=1) < 0.25).all()  # the handle is ahead (-x), within reach


def test_the_handle_moves_with_the_drawer_and_opening_it_succeeds(task):
    closed = task.state()["handle_pos"].clone()
    qpos = task.sim.qpos[1:2].copy()
    qpos[0, task.drawer_qpos] = 0.25
    task.sim.reset(np.array([1]), qpos, np.zeros((1, task.sim.model.nv)))
    state, done, timeout = task.step(torch.zeros(2, task.num_actions))
    assert state["handle_pos"][1, 0] == pytest.approx(
        closed[1, 0].item() + 0.25, abs=0.01
    )  # toward the robot
    assert done.tolist() == [False, True] and not timeout.any()
    assert task.step_fitness(state).tolist() == [0.0, 1.0]


def test_isaacgymenvs_reward_reads_this_scene_as_isaacgymenvs_lays_it_out():
    # Four arms in the start pose: the drawer closed; 0.03 m open; 0.15 m open, so that the handle has come
    # past the fingers (toward the robot, +x); the gripper rolled half a turn (its left finger below the
    # handle, as this scene had it before it followed IsaacGymEnvs).
    task = make_task("FrankaCabinet", num_envs=4, seed=0)
    task.pose_noise = 0.0
    task.reset()
    qpos = task.sim.qpos.copy()
    qpos[1, task.drawer_qpos], qpos[2, task.drawer_qpos] = 0.03, 0.15
    qpos[3, 6] += np.pi
    task.sim.reset(np.arange(4), qpos, np.zeros((4, task.sim.model.nv)))
    task.targets = qpos[:, :9].copy()
    state, done, _ = task.step(torch.zeros(4, task.num_actions))
    assert not done.any()
    program = RewardProgram.from_source((ISAAC_STYLE / "FrankaCabinet.py").read_text())
    reward, parts = program(reward_inputs(task, state, program.params), 4)
    closed, ajar, past, rolled = reward.tolist()
    assert closed > 0  # no "bad style" -1 at reset: the fingers are on the robot's side of the handle
    assert (
        parts["aligned"][0] > 0.9 and parts["around"][0] == 0.5
    )  # pointing in, up axis up, straddling the bar
    assert ajar > closed + 0.5  # IsaacGymEnvs' bonus for a drawer open more than 1 cm, and its open reward
    assert past == -1.0  # the handle beyond the fingers: IsaacGymEnvs' "bad style"
    assert parts["aligned"][3] < 0.1 and parts["around"][3] == 0.0 and rolled < closed - 0.4
    ours, _ = task.human_reward(*(state[k] for k in inspect.signature(task.human_reward).parameters))
    assert ours[1] > ours[0]
