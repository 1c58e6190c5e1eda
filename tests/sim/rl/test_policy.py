"""The plain-torch policy matches rl_games' own player on the same checkpoint."""

import math
from pathlib import Path

import pytest
import torch
from rl_games.torch_runner import Runner

from sim.registry import make_task, task_class
from sim.reward.program import RewardProgram, function_source
from sim.rl.checkpoint import CheckpointError
from sim.rl.policy import Policy
from sim.rl.ppo import rl_games_params
from sim.rl.ppo_config import ppo_config
from sim.rl.vec_env import RewardedVecEnv, TrainingStats
from tests.helpers import tiny_cartpole_checkpoint

pytestmark = pytest.mark.slow  # every test here trains its checkpoint first


@pytest.fixture(scope="module")
def cartpole_checkpoint(tmp_path_factory) -> str:
    return tiny_cartpole_checkpoint(tmp_path_factory.mktemp("policy"))


def test_mean_actions_equal_rl_games_players_bit_for_bit(cartpole_checkpoint, tmp_path):
    task = make_task("Cartpole", num_envs=64, seed=1)
    env = RewardedVecEnv(
        task,
        RewardProgram.from_source(function_source(task_class("Cartpole").sparse_reward)),
        TrainingStats(window=1),
    )
    runner = Runner()
    runner.load_config(rl_games_params(ppo_config("Cartpole"), env, 0, "cpu", Path(tmp_path)))
    player = runner.create_player()
    player.restore(cartpole_checkpoint)  # rl_games' own loader: fine here, on a checkpoint this test wrote
    player.has_batch_dimension = True
    obs = task.reset() * 3  # past the normaliser's clip for some envs
    assert torch.equal(Policy(task, cartpole_checkpoint)(obs), player.get_action(obs, is_deterministic=True))


def test_sampled_actions_follow_the_saved_standard_deviation(cartpole_checkpoint, tmp_path):
    """The checkpoint's sigma is set far from the default exp(0) = 1 (and small enough for the [-1, 1] clamp
    to leave the noise alone): a policy that never loaded it would sample with a standard deviation near 1."""
    saved = torch.load(cartpole_checkpoint, weights_only=True)
    saved["model"]["a2c_network.sigma"] = torch.full_like(saved["model"]["a2c_network.sigma"], math.log(0.2))
    narrow = tmp_path / "narrow.pth"
    torch.save(saved, narrow)
    task = make_task("Cartpole", num_envs=4096, seed=1)
    mean_policy, sampling = Policy(task, narrow), Policy(task, narrow, deterministic=False)
    obs = task.reset()
    assert mean_policy(obs).abs().max() < 0.2  # three epochs leave the mean near 0: 4 sigmas from the clamp
    torch.manual_seed(0)
    noise = sampling(obs) - mean_policy(obs)
    assert noise.std().item() == pytest.approx(0.2, rel=0.05)


def test_a_checkpoint_from_another_task_is_refused(cartpole_checkpoint):
    with pytest.raises(CheckpointError, match="trained with 4 observations and 1 actions; ShadowHand has"):
        Policy(make_task("ShadowHand", num_envs=1), cartpole_checkpoint)
