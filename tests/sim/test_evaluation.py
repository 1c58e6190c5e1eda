"""A policy's fitness measured from the task and the weights alone."""

import pytest

from sim.evaluation import evaluate_policy
from sim.ppo import train
from sim.ppo_config import ppo_config
from sim.registry import task_class
from sim.reward_program import RewardProgram, function_source


@pytest.fixture(scope="module")
def cartpole_checkpoint(tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("evaluation")
    program = RewardProgram.from_source(function_source(task_class("Cartpole").human_reward), "human.py")
    return train("Cartpole", program, ppo_config("Cartpole", {"num_envs": 64, "max_epochs": 3}), seed=2,
                 device="cpu", out_dir=out)["checkpoint"]  # fmt: skip


def test_every_env_plays_one_whole_episode_and_the_metric_is_the_tasks_own(cartpole_checkpoint):
    measured = evaluate_policy("Cartpole", cartpole_checkpoint, num_envs=32, seed=5)
    assert measured["episodes"] == 32
    assert 1 <= measured["fitness"] <= 500  # Cartpole's fitness: mean episode length
    assert measured["std"] >= 0


def test_the_same_seed_measures_the_same_fitness_and_another_seed_differs(cartpole_checkpoint):
    first, again, other = (evaluate_policy("Cartpole", cartpole_checkpoint, 32, seed) for seed in (5, 5, 6))
    assert first == again
    assert other["fitness"] != first["fitness"]
