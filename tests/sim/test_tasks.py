"""Every registered task honours the BatchedTask contract."""

import math

import pytest
import torch

from sim.registry import UnknownTaskError, make_task, task_class, task_config, task_names
from tools.reward_program import RewardProgram, function_source

TASKS = task_names()
NUM_ENVS = 8


@pytest.fixture(params=TASKS)
def task(request):
    return make_task(request.param, num_envs=NUM_ENVS, seed=3)


def test_state_matches_its_spec(task):
    state, done, timeout = task.step(torch.zeros(NUM_ENVS, task.num_actions))
    assert set(state) == set(task.state_spec)
    for name, field in task.state_spec.items():
        assert state[name].shape == (NUM_ENVS, *field.shape), name
        assert state[name].dtype == torch.float32, name
        assert torch.isfinite(state[name]).all(), name
    assert done.dtype == torch.bool and done.shape == (NUM_ENVS,)
    assert timeout.dtype == torch.bool and not timeout.any()


def test_observations_have_the_declared_size(task):
    obs = task.reset()
    assert obs.shape == (NUM_ENVS, task.num_obs)
    assert torch.isfinite(obs).all()


def test_same_seed_same_trajectory(task):
    twin = make_task(task.name, num_envs=NUM_ENVS, seed=3)
    actions = torch.linspace(-1, 1, NUM_ENVS * task.num_actions).reshape(NUM_ENVS, -1)
    for _ in range(5):
        a, _, _ = task.step(actions)
        b, _, _ = twin.step(actions)
    for name in a:
        assert torch.equal(a[name], b[name]), name


def test_episodes_time_out_at_max_length(task):
    task.progress_buf.fill_(task.max_episode_length - 1)
    _, done, timeout = task.step(torch.zeros(NUM_ENVS, task.num_actions))
    assert done.all()
    assert torch.equal(timeout, done & ~task.terminated(task.state()))


@pytest.mark.parametrize("kind", ["human_reward", "sparse_reward"])
def test_builtin_rewards_run_as_reward_programs(task, kind):
    program = RewardProgram.from_source(function_source(getattr(type(task), kind)), f"{kind}.py")
    program.check_names(list(task.state_spec))
    state, _, _ = task.step(torch.zeros(NUM_ENVS, task.num_actions))
    reward, components = program(state, NUM_ENVS)
    assert reward.shape == (NUM_ENVS,)
    assert components and all(v.shape == (NUM_ENVS,) for v in components.values())


def test_every_task_has_a_config_with_description():
    for name in TASKS:
        cfg = task_config(name)
        assert cfg["name"] == name
        assert cfg["description"] and cfg["success_metric"]


def test_unknown_task_names_the_known_ones():
    with pytest.raises(UnknownTaskError, match="Cartpole"):
        task_class("NoSuchTask")


def test_cartpole_falls_without_control_and_reports_it():
    task = make_task("Cartpole", num_envs=4, seed=0)
    task.dof[:, 2] = 0.3  # pole tilted: gravity pulls it down
    for _ in range(200):
        state, done, timeout = task.step(torch.zeros(4, 1))
        if done.all():
            break
    assert done.all() and not timeout.any()
    assert (state["pole_angle"].abs() > math.pi / 2).all()


def test_quadcopter_falls_with_rotors_off_and_hovers_near_hover_thrust():
    task = make_task("Quadcopter", num_envs=4, seed=0)
    z0 = task.pos[:, 2].clone()
    for _ in range(20):
        task.step(-torch.ones(4, 4))
    assert (task.pos[:, 2] < z0 - 0.1).all()
    hover = make_task("Quadcopter", num_envs=4, seed=0)
    hover.quat[:] = torch.tensor([0.0, 0.0, 0.0, 1.0])
    hover.angvel.zero_()
    hover.linvel.zero_()
    thrust_fraction = hover.mass * hover.gravity / (4 * hover.max_rotor_thrust)
    for _ in range(20):
        hover.step(torch.full((4, 4), 2 * thrust_fraction - 1))
    assert hover.linvel.abs().max() < 1e-3


def test_ball_rolls_downhill():
    task = make_task("BallBalance", num_envs=2, seed=0)
    task.ball_xy.zero_()
    task.ball_xy_vel.zero_()
    task.tilt[:] = torch.tensor([0.0, 0.2])  # pitch: +x side lower
    for _ in range(10):
        task.step(torch.zeros(2, 2))
    assert (task.ball_xy[:, 0] > 0.01).all()
