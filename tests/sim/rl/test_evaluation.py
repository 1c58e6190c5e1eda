"""A policy's fitness measured from the task and the weights alone."""

import math

import pytest
import torch

from sim.registry import make_task
from sim.rl.evaluation import evaluate_policy
from sim.rl.policy import Policy
from sim.seeding import EVAL_ENV, derive_seed
from tests.helpers import cartpole_policy, tiny_cartpole_checkpoint


@pytest.fixture(scope="module")
def cartpole_checkpoint(tmp_path_factory) -> str:
    return tiny_cartpole_checkpoint(tmp_path_factory.mktemp("evaluation"))


def test_every_env_plays_one_whole_episode_and_the_metric_is_the_tasks_own(tmp_path):
    """Against episodes played here from the evaluation's own start states (its seed's eval-env stream) by a
    policy that balances some of them for long and drops others soon (so those play a second episode before
    the last first one ends): each env's first episode counts, by its length (Cartpole's metric)."""
    checkpoint = cartpole_policy(tmp_path / "weak.pth", gains=(0.0, 0.0, 0.5, 0.1))  # pushes under the pole
    measured = evaluate_policy("Cartpole", checkpoint, 32, seed=5)
    task = make_task("Cartpole", num_envs=32, seed=derive_seed(5, "Cartpole", EVAL_ENV))
    policy, obs = Policy(task, checkpoint), task.reset()
    lengths = torch.full((32,), math.nan)
    while lengths.isnan().any():
        _, done, _ = task.step(policy(obs))
        first = done & lengths.isnan()
        lengths[first] = task.progress_buf[first]
        task.reset_envs(done.nonzero(as_tuple=False).squeeze(-1))
        obs = task.observations()
    assert lengths.max() > 2 * lengths.min()  # measured: 126 to 474 steps
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
    saved["model"]["running_mean_std.running_var"] = -torch.ones_like(
        saved["model"]["running_mean_std.running_var"]
    )
    overflowing = tmp_path / "overflowing.pth"
    torch.save(saved, overflowing)
    measured = evaluate_policy("Cartpole", str(overflowing), num_envs=16, seed=5)
    assert measured["nonfinite_episodes"] == 16 and measured["fitness"] <= 2
