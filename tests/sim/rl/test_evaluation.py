"""A policy's fitness measured from the task and the weights alone."""

import pytest

from sim.rl.evaluation import evaluate_policy
from tests.helpers import tiny_cartpole_checkpoint


@pytest.fixture(scope="module")
def cartpole_checkpoint(tmp_path_factory) -> str:
    return tiny_cartpole_checkpoint(tmp_path_factory.mktemp("evaluation"))


def test_every_env_plays_one_whole_episode_and_the_metric_is_the_tasks_own(cartpole_checkpoint):
    measured = evaluate_policy("Cartpole", cartpole_checkpoint, num_envs=32, seed=5)
    assert measured["episodes"] == 32
    assert 1 <= measured["fitness"] <= 500  # Cartpole's fitness: mean episode length
    assert measured["std"] >= 0


def test_the_same_seed_measures_the_same_fitness_and_another_seed_differs(cartpole_checkpoint):
    first, again, other = (evaluate_policy("Cartpole", cartpole_checkpoint, 32, seed) for seed in (5, 5, 6))
    assert first == again
    assert other["fitness"] != first["fitness"]


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
