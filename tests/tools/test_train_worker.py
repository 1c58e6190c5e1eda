"""The training worker: every failure of a reward program becomes a structured result (real rl_games)."""

from pathlib import Path

import pytest

from tools.job_dir import REWARD_FILE
from tools.train_worker import run
from tools.trainer import make_job

SMALL = {"num_envs": 64, "max_epochs": 3}


def train_in_worker(tmp_path, source: str) -> dict:
    """Write ``source`` as a reward file and run the worker's training logic on a Cartpole job."""
    reward = tmp_path / "candidate.py"
    reward.write_text(source)
    job = make_job("Cartpole", str(reward), tmp_path / "job", ppo=SMALL)
    job.write()
    return run(Path(job.out_dir))


BROKEN_REWARDS = {
    "raises": (
        "def compute_reward(cart_pos):\n    raise ValueError('reward exploded')\n",
        "ValueError: reward exploded",
    ),
    "wrong_shape": ("def compute_reward(cart_pos):\n    return cart_pos.mean(), {}\n", "shape (64,), got ()"),
    "nan": (
        "def compute_reward(cart_pos):\n    r = cart_pos * float('nan')\n    return r, {'r': r}\n",
        "non-finite",
    ),
    "unknown_state": (
        "def compute_reward(pole_angel):\n    return pole_angel, {}\n",
        "unknown state ['pole_angel']",
    ),
}


@pytest.mark.parametrize("kind", sorted(BROKEN_REWARDS))
def test_broken_rewards_fail_cleanly_with_a_traceback(kind, tmp_path):
    source, message = BROKEN_REWARDS[kind]
    result = train_in_worker(tmp_path, source)
    assert result["status"] == "failed" and result["reward_name"] == "candidate"
    assert message in result["error"]
    assert result["error"].startswith("Traceback") or "RewardProgramError" in result["error"]


def test_reward_tracebacks_start_in_the_reward_program(tmp_path):
    result = train_in_worker(
        tmp_path, "def compute_reward(cart_pos):\n    bonus = cart_pos.nonexistent\n    return bonus, {}\n"
    )
    first_frame = result["error"].splitlines()[1]
    assert REWARD_FILE in first_frame and "line 2" in first_frame
    assert "bonus = cart_pos.nonexistent" in result["error"]


def test_the_worker_trains_with_the_jobs_salt(tmp_path, monkeypatch):
    import sim.rl.ppo

    seen = {}

    def train(*args, salt="", **kwargs):
        seen["salt"] = salt
        raise RuntimeError("stop here")

    monkeypatch.setattr(sim.rl.ppo, "train", train)
    job = make_job("Cartpole", "human", tmp_path / "job", ppo=SMALL)
    job.seed_salt = "the run's"
    job.write()
    assert run(Path(job.out_dir))["status"] == "failed" and seen == {"salt": "the run's"}
