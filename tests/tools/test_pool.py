"""The device pool: slots, queueing, progress, cancellation, timeouts and crashes (real worker processes)."""

import asyncio
import json
import os
import signal

import pytest

from tests.helpers import cartpole_reward_file, processes_mentioning
from tools.job_dir import EVAL_LOG_FILE, NN_DIR, RESULT_FILE, TRAIN_LOG_FILE, JobDir
from tools.pool import DevicePool
from tools.trainer import make_job

TINY = {"num_envs": 64, "max_epochs": 30}


def max_overlap(intervals):
    events = sorted(
        [(s, 1) for s, _ in intervals] + [(e, -1) for _, e in intervals], key=lambda x: (x[0], x[1])
    )
    best = running = 0
    for _, delta in events:
        running += delta
        best = max(best, running)
    return best


@pytest.mark.slow
async def test_four_jobs_on_two_slots_run_two_at_a_time(tmp_path):
    pool = DevicePool("cpu", trainers_per_device=2)
    jobs = [make_job("Cartpole", "human", tmp_path / f"job{i}", seed=i, ppo=TINY) for i in range(4)]
    results = await asyncio.gather(*(pool.run(job) for job in jobs))
    assert all(r["status"] == "trained" for r in results), [r["error"] for r in results]
    intervals = [(r["started_at"], r["finished_at"]) for r in results]
    assert max_overlap(intervals) == 2
    first_two_end = min(end for _, end in intervals[:2])
    assert all(start >= first_two_end for start, _ in intervals[2:])  # queued until a slot freed
    assert pool.slots.qsize() == 2


@pytest.mark.slow
async def test_progress_is_reported_after_every_epoch_and_logged_to_disk(tmp_path):
    seen = []
    result = await DevicePool("cpu").run(
        make_job("Cartpole", "human", tmp_path / "job", ppo={"num_envs": 64, "max_epochs": 5}),
        on_progress=seen.append,
    )
    assert result["status"] == "trained"
    assert [p["epoch"] for p in seen] == [1, 2, 3, 4, 5]
    assert all(p["max_epochs"] == 5 for p in seen)
    assert [p["fitness"] for p in seen] == result["fitness"]
    # rl_games' own output
    assert "current training device" in (tmp_path / "job" / TRAIN_LOG_FILE).read_text()


@pytest.mark.slow
async def test_cancelling_a_waiting_caller_stops_its_worker(tmp_path):
    pool = DevicePool("cpu")
    job = make_job("Cartpole", "human", tmp_path / "long", ppo={"num_envs": 64, "max_epochs": 100000})
    task = asyncio.create_task(pool.run(job))
    for _ in range(100):
        await asyncio.sleep(0.1)
        if processes_mentioning(str(tmp_path / "long")):
            break
    assert processes_mentioning(str(tmp_path / "long")), "worker never started"
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert processes_mentioning(str(tmp_path / "long")) == []
    assert pool.slots.qsize() == 1  # the slot came back


@pytest.mark.slow
async def test_a_reward_that_loops_forever_times_out(tmp_path):
    pool = DevicePool("cpu", timeout_s=15)
    reward = cartpole_reward_file(tmp_path, "loop", "    while True:\n        pass")
    result = await pool.run(make_job("Cartpole", reward, tmp_path / "job", ppo=TINY))
    assert result["status"] == "failed"
    assert "timed out after 15 s" in result["error"]
    assert processes_mentioning(str(tmp_path / "job")) == []


@pytest.mark.slow
async def test_a_reward_that_eats_memory_fails_without_hurting_the_caller(tmp_path):
    pool = DevicePool("cpu", memory_limit_gb=3)
    reward = cartpole_reward_file(
        tmp_path, "hog", "    hoard = []\n    while True:\n        hoard.append(torch.ones(10**8))"
    )
    result = await pool.run(make_job("Cartpole", reward, tmp_path / "job", ppo=TINY))
    assert result["status"] == "failed"
    assert "can't allocate memory" in result["error"] or "MemoryError" in result["error"]


@pytest.mark.slow
async def test_a_worker_killed_mid_job_becomes_a_failed_result(tmp_path):
    # Failure injection: kill -9 of the training worker while it trains.
    job = make_job("Cartpole", "human", tmp_path / "job", ppo={"num_envs": 64, "max_epochs": 100000})
    run = asyncio.create_task(DevicePool("cpu").run(job))
    while not (tmp_path / "job" / NN_DIR).exists():  # rl_games has started
        await asyncio.sleep(0.1)
    for pid in processes_mentioning("tools.train_worker"):
        if str(tmp_path / "job") in open(f"/proc/{pid}/cmdline").read():
            os.kill(pid, signal.SIGKILL)
    result = await asyncio.wait_for(run, 60)
    assert result["status"] == "failed" and "killed by SIGKILL" in result["error"]
    assert json.loads((tmp_path / "job" / RESULT_FILE).read_text())["status"] == "failed"


def test_a_pool_needs_a_slot():
    with pytest.raises(ValueError, match="trainers_per_device must be >= 1"):
        DevicePool("cpu", trainers_per_device=0)


@pytest.mark.slow
async def test_a_job_in_a_relative_directory_trains_and_is_evaluated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # as `make run` does: runs/<task>-<time>/...
    result = await DevicePool("cpu").run(
        make_job("Cartpole", "human", "runs/rel/job", ppo={"num_envs": 64, "max_epochs": 3})
    )
    assert result["status"] == "trained", result["error"]
    assert result["evaluation"]["episodes"] == 64 and result["evaluation"]["error"] is None


@pytest.mark.slow
async def test_a_job_whose_worker_planted_symlinks_fails_and_nothing_is_written_through_them(
    tmp_path, monkeypatch
):
    """FAKE worker (tests/tools/planting_worker.py): symlinks out of its job directory, a forged result."""
    monkeypatch.setattr("tools.pool.WORKER_MODULE", "tests.tools.planting_worker")
    out = tmp_path / "runs" / "job"
    result = await DevicePool("cpu").run(make_job("Cartpole", "human", out, ppo={"max_epochs": 1}))
    assert result["status"] == "failed" and result["checkpoint"] is None
    assert "left a symlink or special file in its job directory" in result["error"]
    assert not (tmp_path / "runs" / "victim.txt").exists()  # the result was not written through the link
    assert json.loads((out / RESULT_FILE).read_text())["status"] == "failed"


@pytest.mark.slow
async def test_a_training_a_rung_stops_frees_its_slot_and_one_it_keeps_trains_on_from_where_it_was(tmp_path):
    pool = DevicePool("cpu")  # one slot: the second job waits for it
    judged = []

    async def judge(epoch, fitness):
        judged.append((epoch, fitness))
        progress_at_judgement.append(len(kept_progress))
        await asyncio.sleep(1)  # the worker is paused meanwhile
        return {
            "stop": len(judged) == 1,
            "epoch": epoch,
            "fitness": fitness,
            "peers": 3,
            "better": 2,
            "kept": 1,
        }

    kept_progress, progress_at_judgement = [], []
    stopped_job = make_job(
        "Cartpole", "human", tmp_path / "stopped", ppo={"num_envs": 64, "max_epochs": 100_000}
    )
    stopped_job.rungs = [10]
    kept_job = make_job("Cartpole", "human", tmp_path / "kept", ppo={"num_envs": 64, "max_epochs": 20})
    kept_job.rungs = [10]
    stopped, kept = await asyncio.wait_for(
        asyncio.gather(
            pool.run(stopped_job, judge=judge),
            pool.run(kept_job, on_progress=kept_progress.append, judge=judge),
        ),
        timeout=120,
    )
    assert (
        stopped["status"] == "stopped_early"
        and stopped["rung"]["epoch"] == 10
        and 10 <= stopped["epochs"] <= 12
    )
    assert (
        stopped["env_steps"] == stopped["epochs"] * 64 * 16
        and "stopped early at epoch 10 of 100000" in stopped["error"]
    )
    assert judged[0][1] is not None  # a clean process measured the snapshot
    assert (JobDir(tmp_path / "stopped").clean_eval(10) / EVAL_LOG_FILE).is_file()
    assert kept["status"] == "trained" and [p["epoch"] for p in kept_progress] == list(range(1, 21))
    assert progress_at_judgement[1] <= 12  # paused at the rung: no epoch ran on while it was judged
    assert kept["started_at"] >= stopped["finished_at"] - 0.5 and pool.slots.qsize() == 1


@pytest.mark.parametrize(
    "forgery, reason",
    [
        ("no_progress", "its progress showed no epoch of 3: a result without that evidence is not believed"),
        ("two_results", "sent 2 final messages where the protocol allows one"),
        (
            "planted_policy",
            "the checkpoint says epoch 3, 1e+06 env-steps, which no training of 3 epochs x 32 envs saves",
        ),
    ],
)
@pytest.mark.slow
async def test_a_result_the_worker_cannot_prove_is_not_believed(tmp_path, monkeypatch, forgery, reason):
    """FAKE worker (tests/tools/forging_worker.py): issue 36's forged results,
    each with the evidence it lacks."""
    monkeypatch.setattr("tools.pool.WORKER_MODULE", "tests.tools.forging_worker")
    job = make_job("Cartpole", "human", tmp_path / "job", ppo={"num_envs": 32, "max_epochs": 3})
    job.reward_source = forgery
    result = await DevicePool("cpu").run(job)
    assert result["status"] == "failed" and reason in result["error"], result["error"]
    assert (result.get("evaluation") or {}).get("fitness") is None and result["checkpoint"] is None
