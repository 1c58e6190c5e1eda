"""A policy's fitness measured from the task and the weights alone."""

import math

import pytest
import torch

from sim.registry import make_task
from sim.rl.evaluation import evaluate_policy
from sim.seeding import EVAL_ENV, derive_seed
from tests.helpers import constant_cartpole_policy, tiny_cartpole_checkpoint


@pytest.fixture(scope="module")
def cartpole_checkpoint(tmp_path_factory) -> str:
    return tiny_cartpole_checkpoint(tmp_path_factory.mktemp("evaluation"))


def test_every_env_plays_one_whole_episode_and_the_metric_is_the_tasks_own(tmp_path):
    """Against episodes played here from the evaluation's own start states (its seed's eval-env stream): each
    env's first episode, its length (Cartpole's metric), whatever the episodes after it do."""
    measured = evaluate_policy("Cartpole", constant_cartpole_policy(tmp_path / "push.pth", 0.5), 32, seed=5)
    task = make_task("Cartpole", num_envs=32, seed=derive_seed(5, "Cartpole", EVAL_ENV))
    task.reset()
    lengths = torch.full((32,), math.nan)
    while lengths.isnan().any():
        _, done, _ = task.step(torch.full((32, 1), 0.5))
        first = done & lengths.isnan()
        lengths[first] = task.progress_buf[first]
        task.reset_envs(done.nonzero(as_tuple=False).squeeze(-1))
    assert lengths.max() < 500 and lengths.std() > 0  # pushed one way the pole falls, sooner or later
    assert measured["episodes"] == 32 and measured["nonfinite_episodes"] == 0
    assert measured["fitness"] == pytest.approx(lengths.mean().item())
    assert measured["std"] == pytest.approx(lengths.std(unbiased=False).item())


@pytest.mark.slow
def test_the_same_seed_measures_the_same_fitness_and_another_seed_differs(cartpole_checkpoint):
    first, again, other = (evaluate_policy("Cartpole", cartpole_checkpoint, 32, seed) for seed in (5, 5, 6))
    assert first == again
    assert other["fitness"] != first["fitness"]


@pytest.mark.slow
def test_an_episode_whose_actions_or_state_turn_non_finite_ends_as_a_failure(cartpole_checkpoint, tmp_path):
    """Finite weights whose observation normaliser has a negative variance: its square root makes every
    action NaN, and NaN state never trips Cartpole's termination test, so these episodes would survive to the
    limit if they were not ended."""
    import torch

    saved = torch.load(cartpole_checkpoint, weights_only=True)
    saved["model"]["running_mean_std.running_var"] = -torch.ones_like(saved["model"]["running_mean_std.running_var"])
    overflowing = tmp_path / "overflowing.pth"
    torch.save(saved, overflowing)
    measured = evaluate_policy("Cartpole", str(overflowing), num_envs=16, seed=5)
    assert measured["nonfinite_episodes"] == 16 and measured["fitness"] <= 2
