"""Every registered task honours the BatchedTask contract."""

import pytest
import torch

from sim.registry import make_task, task_names
from sim.reward.program import RewardProgram, function_source

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
