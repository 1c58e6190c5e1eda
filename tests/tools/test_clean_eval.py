"""The clean evaluation's caller side: which checkpoint it trusts,
and when a training figure is overstated."""

import pytest

from tools.clean_eval import overstated, trained_checkpoint
from tools.job_dir import BEST_FILE, LAST_FILE, NN_DIR


def test_the_best_checkpoint_is_taken_then_the_last(tmp_path):
    (tmp_path / NN_DIR).mkdir()
    (tmp_path / NN_DIR / LAST_FILE).write_bytes(b"last")
    assert trained_checkpoint(tmp_path).name == LAST_FILE
    (tmp_path / NN_DIR / BEST_FILE).write_bytes(b"best")
    assert trained_checkpoint(tmp_path).name == BEST_FILE


def test_a_planted_symlink_to_another_policy_is_refused(tmp_path):
    other = tmp_path / "other" / NN_DIR
    other.mkdir(parents=True)
    (other / BEST_FILE).write_bytes(b"a better policy")
    job = tmp_path / "job"
    (job / NN_DIR).mkdir(parents=True)
    (job / NN_DIR / BEST_FILE).symlink_to(other / BEST_FILE)
    with pytest.raises(FileNotFoundError, match="holds no regular checkpoint"):
        trained_checkpoint(job)
    (job / NN_DIR / BEST_FILE).unlink()
    (job / NN_DIR).rmdir()
    (job / NN_DIR).symlink_to(other)  # the whole folder
    with pytest.raises(FileNotFoundError):
        trained_checkpoint(job)


@pytest.mark.parametrize(
    "train, clean, std, episodes, expected",
    [
        (500.0, 498.0, 5.0, 128, False),  # agreement
        (40.0, 95.0, 17.0, 128, False),  # a lagging rolling mean under the real policy: normal
        (1e9, 20.0, 5.0, 128, True),  # forged or corrupted training figure
        (0.30, 0.10, 0.3, 128, True),  # a hand task claiming three times its successes
        (0.12, 0.10, 0.3, 128, False),  # within noise
        (None, 10.0, 1.0, 128, False),
    ],
)
def test_only_a_training_figure_above_the_clean_one_beyond_noise_is_overstated(
    train, clean, std, episodes, expected
):
    assert overstated(train, clean, std, episodes) is expected


@pytest.mark.slow
async def test_a_nan_policy_is_a_failed_evaluation_with_a_reason_the_coder_can_act_on(tmp_path):
    """The clean process refuses the weights before it plays a single step (real worker, real checkpoint)."""
    import torch

    from tests.helpers import tiny_cartpole_checkpoint
    from tools.clean_eval import evaluate_job
    from tools.trainer import make_job

    job = make_job("Cartpole", "human", tmp_path / "job", ppo={"num_envs": 64})
    saved = torch.load(tiny_cartpole_checkpoint(tmp_path / "trained"), weights_only=True)
    saved["model"] = {k: v * float("nan") if v.is_floating_point() else v for k, v in saved["model"].items()}
    (tmp_path / "job" / NN_DIR).mkdir(parents=True)
    torch.save(saved, tmp_path / "job" / NN_DIR / LAST_FILE)
    evaluation = await evaluate_job(job, 500.0, timeout_s=120, memory_limit_gb=4)
    assert evaluation["fitness"] is None and "the policy's weights are not finite" in evaluation["error"]
    assert "keep every term bounded" in evaluation["error"]
