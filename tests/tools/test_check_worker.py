"""The dry-run worker's own logic, run in-process on benign programs."""

from tools.check_worker import DRY_RUN_ENVS, dry_run
from tools.files import write_json_atomic
from tools.reward_check import CHECK_FILE


def dry_run_source(tmp_path, task: str, source: str) -> str | None:
    return dry_run_with_ranges(tmp_path, task, source)[0]


def dry_run_with_ranges(tmp_path, task: str, source: str) -> tuple[str | None, dict]:
    write_json_atomic(tmp_path / CHECK_FILE, {"task": task, "source": source})
    return dry_run(tmp_path)[:2]


def test_a_good_program_passes_on_every_step_and_reports_its_value_ranges(tmp_path):
    source = "def compute_reward(object_pos, goal_pos):\n    d = (object_pos - goal_pos).norm(dim=-1)\n    return -d, {'d': d}\n"
    error, ranges = dry_run_with_ranges(tmp_path, "ShadowHand", source)
    assert error is None and (tmp_path / "reward.py").read_text() == source
    assert set(ranges) == {"reward", "d"}
    low, mean, high = ranges["d"]
    assert 0 <= low <= mean <= high and ranges["reward"] == [-high, -mean, -low]


def test_a_wrong_shape_is_named_with_the_dry_run_batch(tmp_path):
    source = "def compute_reward(fingertip_pos):\n    return fingertip_pos.sum(dim=-1), {}\n"
    error = dry_run_source(tmp_path, "ShadowHand", source)
    assert error == f"RewardProgramError: the total reward must have shape ({DRY_RUN_ENVS},), got ({DRY_RUN_ENVS}, 5)"


def test_a_program_that_fails_only_on_synthetic_states_passes_without_a_behaviour_digest(tmp_path):
    source = ("def compute_reward(pole_angle):\n    if (pole_angle.abs() > 0.5).any():\n        raise ValueError('far')\n"
              "    return -pole_angle.abs(), {}\n")  # fmt: skip
    write_json_atomic(tmp_path / CHECK_FILE, {"task": "Cartpole", "source": source})
    error, ranges, behaviour = dry_run(tmp_path)
    assert error is None and set(ranges) == {"reward"} and behaviour is None
