"""Validation before training: static checks in the caller, the dry run in a worker process."""

from pathlib import Path

import pytest

from sim.cartpole import Cartpole
from sim.registry import task_class
from tools.job_dir import CHECK_LOG_FILE, REWARD_FILE, REWARDS_DIR, check_dir
from tools.reward_check import (
    DRY_RUN_BUDGET_S,
    DRY_RUN_MEMORY_GB,
    RewardCheckError,
    check_reward,
    sanitize_ranges,
    static_check,
)

NAMES = list(Cartpole.state_spec)


@pytest.mark.parametrize(
    "source, message",
    [
        ("def compute_reward(pole_angel):\n    return pole_angel, {}\n", r"unknown state \['pole_angel'\]"),
        ("def compute_reward(x)\n", "syntax error at line 1"),
        ("x = 1\n", "defines no function"),
    ],
)
def test_static_errors_are_found_without_running_anything(source, message):
    with pytest.raises(RewardCheckError, match=message):
        static_check(source, NAMES)


async def test_a_program_that_runs_on_real_state_passes(tmp_path):
    good = "def compute_reward(pole_angle):\n    r = 1.0 - pole_angle ** 2\n    return r, {'upright': r}\n"
    ranges = (await check_reward("Cartpole", good, NAMES, tmp_path)).ranges
    assert (tmp_path / REWARD_FILE).read_text() == good and (tmp_path / CHECK_LOG_FILE).exists()
    assert set(ranges) == {"reward", "upright"}
    low, mean, high = ranges["reward"]
    assert low <= mean <= high <= 1.0 and ranges["upright"] == ranges["reward"]


BASE = """def compute_reward(pole_angle, cart_vel):
    angle_reward = torch.exp(-pole_angle ** 2 / 2)
    velocity_reward = torch.exp(-cart_vel ** 2 / 2)
    return angle_reward + velocity_reward, {"angle": angle_reward, "velocity": velocity_reward}
"""
# What the embedded model writes when it "changes" a program: unused constants and inputs, a scale of 1.0,
# other names.
SAME = """def compute_reward(cart_vel, pole_angle, actions):
    tolerance = 0.05  # never used
    scale = 1.0
    upright = torch.exp(-(pole_angle * pole_angle) / 2) * scale
    still = torch.exp(-cart_vel ** 2 / 2)
    return still + upright, {"upright": upright}
"""
# A term that never fires near a reset (the dry run's states), only at large angles.
FAR = BASE.replace(
    "    return angle_reward",
    "    angle_reward = angle_reward - 1.0 * (pole_angle.abs() > 0.8)\n    return angle_reward",
)


async def test_programs_that_give_the_same_reward_share_a_behaviour_digest_and_a_far_term_tells_them_apart(
    tmp_path,
):
    digests = [
        (await check_reward("Cartpole", source, NAMES, tmp_path / name)).behaviour
        for name, source in (("base", BASE), ("same", SAME), ("far", FAR))
    ]
    assert None not in digests and digests[0] == digests[1] and digests[2] != digests[0]


def test_value_ranges_from_the_worker_are_checked_before_use():
    raw = {
        "reward": [0.0, float("nan"), "x"],
        "n" * 500: [1, 2, 3],
        "short": [1, 2],
        "ok": [1, 2, 3],
        "a\ntask_score": [1, 2, 3],
    }
    ranges = sanitize_ranges(raw)
    assert ranges == {"reward": [0.0, None, None], "ok": [1.0, 2.0, 3.0]}  # names a worker forged are dropped
    assert sanitize_ranges(["not", "a", "dict"]) == {}


async def test_a_runtime_error_comes_back_with_the_program_line(tmp_path):
    bad = "def compute_reward(pole_angle):\n    r = pole_angle.nope()\n    return r, {}\n"
    with pytest.raises(RewardCheckError) as info:
        await check_reward("Cartpole", bad, NAMES, tmp_path)
    assert "line 2" in str(info.value) and "r = pole_angle.nope()" in str(info.value)


async def test_a_dry_run_that_hangs_is_stopped_at_its_program_budget_whatever_the_whole_cap(tmp_path):
    import time

    hang = "def compute_reward(pole_angle):\n    while True:\n        pass\n"
    started = time.perf_counter()
    with pytest.raises(RewardCheckError, match=f"the program ran over its budget of {DRY_RUN_BUDGET_S:g} s"):
        await check_reward("Cartpole", hang, NAMES, tmp_path, timeout_s=600)
    assert time.perf_counter() - started < 120  # the slot is free long before the whole cap
    with pytest.raises(RewardCheckError, match="the dry run timed out after 2 s"):  # before set-up is done
        await check_reward("Cartpole", hang, NAMES, tmp_path / "cap", timeout_s=2)


@pytest.mark.parametrize("task", ["Cartpole", "ShadowHandSpin", "Humanoid", "FrankaCabinet"])
async def test_a_dry_run_fits_its_memory_cap_and_a_hoard_of_that_size_does_not(tmp_path, task):
    names = list(task_class(task).state_spec)
    name = names[0]
    fits = (
        f"def compute_reward({name}):\n    r = {name}.reshape({name}.shape[0], -1)[:, 0] * 0\n"
        "    return r, {'zero': r}\n"
    )
    assert set((await check_reward(task, fits, names, tmp_path / "fits")).ranges) == {"reward", "zero"}
    words = DRY_RUN_MEMORY_GB * 2**30 // 4  # float32 words: one tensor as large as the whole cap
    hoard = fits.replace("    r =", f"    hoard = torch.ones({words})\n    r =")
    # RLIMIT_DATA refuses the allocation in the program; a cgroup's memory.max has the kernel kill the worker.
    with pytest.raises(RewardCheckError, match="Cannot allocate memory|out of memory, over its memory cap"):
        await check_reward(task, hoard, names, tmp_path / "hoard")


async def test_a_relative_work_dir_is_checked_like_an_absolute_one(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    good = "def compute_reward(pole_angle):\n    return -pole_angle.abs(), {}\n"
    work_dir = check_dir(Path("runs/rel", REWARDS_DIR, "s0.py"))
    await check_reward("Cartpole", good, NAMES, work_dir)
    assert (tmp_path / work_dir / CHECK_LOG_FILE).exists()
