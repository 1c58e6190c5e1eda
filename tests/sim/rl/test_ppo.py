"""rl_games glue in-process: PPO settings and a real (tiny) training with per-epoch progress."""

import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from sim.registry import task_class
from sim.reward.program import RewardProgram, function_source
from sim.rl.checkpoint import CheckpointError
from sim.rl.files import LAST_FILE, NN_DIR, RL_GAMES_DIR
from sim.rl.ppo import train
from sim.rl.ppo_config import ppo_config


def test_ppo_settings_layer_defaults_task_and_overrides():
    cfg = ppo_config("ShadowHand", {"max_epochs": 7, "num_envs": None})
    assert cfg["max_epochs"] == 7  # the override
    assert cfg["network_units"] == [256, 128, 64]  # the task's ppo: block
    assert cfg["torch_compile"] is False  # configs/train/ppo.yaml
    with pytest.raises(ValueError, match=r"unknown PPO settings \['max_epoch'\]"):
        ppo_config("Cartpole", {"max_epoch": 3})


@pytest.mark.slow
def test_training_reports_every_epoch_through_the_callback(tmp_path):
    program = RewardProgram.from_source(function_source(task_class("Cartpole").human_reward), "human.py")
    seen = []
    result = train(
        "Cartpole",
        program,
        ppo_config("Cartpole", {"num_envs": 64, "max_epochs": 4}),
        seed=1,
        device="cpu",
        out_dir=tmp_path,
        on_epoch=seen.append,
    )
    assert [p["epoch"] for p in seen] == [1, 2, 3, 4] and all(p["max_epochs"] == 4 for p in seen)
    assert [p["fitness"] for p in seen] == result["fitness"]
    assert result["env_steps"] == 64 * 16 * 4
    assert (tmp_path / NN_DIR / LAST_FILE).exists()

    # TensorBoard: the task fitness and every reward component per epoch, beside rl_games' own scalars.
    events = EventAccumulator(str(tmp_path / RL_GAMES_DIR / "summaries"))
    events.Reload()
    tags = events.Tags()["scalars"]
    assert {"eureka/fitness", "eureka/episode_length", "losses/a_loss"} <= set(tags)
    assert {f"reward_components/{name}" for name in result["components"]} <= set(tags)
    logged = {e.step: e.value for e in events.Scalars("eureka/fitness")}
    expected = {epoch: f for epoch, f in enumerate(result["fitness"], 1) if f is not None}
    assert logged.keys() == expected.keys() and all(logged[k] == pytest.approx(expected[k]) for k in expected)


@pytest.mark.slow
def test_a_reward_so_large_that_ppo_blows_up_fails_with_that_cause(tmp_path):
    """Finite but huge: no NaN check on the reward trips, the weights go NaN, and rl_games then fails on a
    negative std. The error names the cause and the fix (it reaches the report and the next prompt)."""
    source = "def compute_reward(pole_angle):\n    r = 1e30 * pole_angle\n    return r, {'tilt': r}\n"
    program = RewardProgram.from_source(source, "huge.py")
    with pytest.raises(
        CheckpointError, match=r"weights are not finite.*PPO blew up.*keep every term bounded"
    ):
        train(
            "Cartpole",
            program,
            ppo_config("Cartpole", {"num_envs": 64, "max_epochs": 6}),
            seed=0,
            device="cpu",
            out_dir=tmp_path,
        )
