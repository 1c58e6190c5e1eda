"""The dry-run worker's own logic, run in-process on benign programs."""

from tools.check_worker import DRY_RUN_ENVS, dry_run
from tools.files import write_json_atomic
from tools.job_dir import CHECK_FILE, REWARD_FILE


def dry_run_source(tmp_path, task: str, source: str) -> str | None:
    return dry_run_with_ranges(tmp_path, task, source)[0]


def dry_run_with_ranges(tmp_path, task: str, source: str) -> tuple[str | None, dict]:
    write_json_atomic(tmp_path / CHECK_FILE, {"task": task, "source": source})
    return dry_run(tmp_path)[:2]


def test_a_good_program_passes_on_every_step_and_reports_its_value_ranges(tmp_path):
    source = (
        "def compute_reward(object_pos, goal_pos):\n"
        "    d = (object_pos - goal_pos).norm(dim=-1)\n    return -d, {'d': d}\n"
    )
    error, ranges = dry_run_with_ranges(tmp_path, "ShadowHand", source)
    assert error is None and (tmp_path / REWARD_FILE).read_text() == source
    assert set(ranges) == {"reward", "d"}
    low, mean, high = ranges["d"]
    assert 0 <= low <= mean <= high and ranges["reward"] == [-high, -mean, -low]


def test_a_wrong_shape_is_named_with_the_dry_run_batch(tmp_path):
    source = "def compute_reward(fingertip_pos):\n    return fingertip_pos.sum(dim=-1), {}\n"
    error = dry_run_source(tmp_path, "ShadowHand", source)
    assert (
        error
        == f"RewardProgramError: the total reward must have shape ({DRY_RUN_ENVS},), got ({DRY_RUN_ENVS}, 5)"
    )


def digest(tmp_path, name: str, task: str, source: str) -> tuple[str | None, str | None]:
    (tmp_path / name).mkdir()
    write_json_atomic(tmp_path / name / CHECK_FILE, {"task": task, "source": source})
    error, _, behaviour = dry_run(tmp_path / name)
    return error, behaviour


HUMANLIKE = "    r = 1.0 - pole_angle * pole_angle - 0.01 * cart_pos.abs()\n"
SIGNATURE = "def compute_reward(cart_pos, pole_angle, progress_buf):\n"


def test_programs_that_differ_late_in_the_episode_or_near_a_termination_bound_get_different_digests(tmp_path):
    """Issue 36: the dry run recorded progress_buf by reference (4 to 4) and its synthetic states stayed near
    a reset, so a program that flips sign after step 20, or differs at |cart_pos| > 2 m,
    shared the human's digest."""
    variants = {
        "plain": "    return r, {}\n",
        "flips_after_step_20": "    return torch.where(progress_buf > 20, -r, r), {}\n",
        "flips_after_step_100": "    return torch.where(progress_buf > 100, -r, r), {}\n",
        "differs_far_out": "    return torch.where(cart_pos.abs() > 2.0, r - 1.0, r), {}\n",
    }
    digests = {}
    for name, tail in variants.items():
        error, digests[name] = digest(tmp_path, name, "Cartpole", SIGNATURE + HUMANLIKE + tail)
        assert error is None and digests[name] is not None, (name, error)
    assert len(set(digests.values())) == len(variants), digests
    again = digest(
        tmp_path, "again", "Cartpole", SIGNATURE + "    # a comment\n" + HUMANLIKE + variants["plain"]
    )
    assert again == (None, digests["plain"])  # the same reward: the same digest


def test_a_value_that_is_not_finite_on_a_reachable_state_is_refused_naming_that_state(tmp_path):
    late_log = SIGNATURE + "    return torch.log(300.0 - progress_buf), {}\n"  # -inf from step 300 of 500
    error, behaviour = digest(tmp_path, "late", "Cartpole", late_log)
    assert "non-finite values" in error and "episode steps 0 to 500" in error and behaviour is None


def test_a_program_that_fails_only_on_synthetic_states_passes_and_that_failure_is_its_digest(tmp_path):
    far = (
        "def compute_reward(pole_angle):\n"
        "    if (pole_angle.abs() > 20.0).any():\n        raise ValueError('far')\n"
        "    return -pole_angle.abs(), {}\n"
    )
    near = "def compute_reward(pole_angle):\n    return -pole_angle.abs(), {}\n"
    (far_error, far_digest), (_, near_digest) = (
        digest(tmp_path, "far", "Cartpole", far),
        digest(tmp_path, "near", "Cartpole", near),
    )
    assert far_error is None and far_digest is not None and far_digest != near_digest
