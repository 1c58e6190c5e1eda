"""PPO settings: the shared defaults, then the task's own, then explicit overrides."""

import pytest

from configs import load_yaml
from sim.rl.ppo_config import DEFAULTS_FILE, compatible_tasks, policy_shape, ppo_config


def test_overrides_win_and_unknown_settings_are_named():
    base = load_yaml(DEFAULTS_FILE)
    cfg = ppo_config("Cartpole", {"max_epochs": 7, "num_envs": None})
    assert cfg["max_epochs"] == 7 and set(base) <= set(cfg)
    with pytest.raises(ValueError, match="unknown PPO settings \\['epochz'\\]"):
        ppo_config("Cartpole", {"epochz": 3})


def test_tasks_that_share_a_policy_shape_are_compatible():
    assert "ShadowHandSpin" in compatible_tasks("ShadowHand") and "Cartpole" not in compatible_tasks(
        "ShadowHand"
    )
    assert policy_shape("ShadowHand") == policy_shape("ShadowHandSpin")


def test_an_epoch_collects_a_horizon_in_every_env():
    from sim.rl.ppo_config import env_steps

    assert env_steps({"num_envs": 512, "horizon_length": 16}, 20) == 163_840  # Cartpole's benchmark budget
