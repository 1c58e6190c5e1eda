"""The Trainer on Ray: a real local Ray instance with 2 logical GPUs, real training,
no shared disk assumed."""

import asyncio
import io
import tarfile
import time
from pathlib import Path

import pytest
import ray  # the [ray] extra: make test installs it

from tests.helpers import processes_mentioning
from tools.job_dir import (
    BEST_FILE,
    CLEAN_EVAL_DIR,
    EVAL_SPEC_FILE,
    NN_DIR,
    RESULT_FILE,
    TRAIN_LOG_FILE,
    JobDir,
)
from tools.ray_pool import RayPool, pack, unpack
from tools.trainer import make_job

PPO = {"num_envs": 32, "max_epochs": 3}


def test_the_archive_brings_back_files_only_and_never_the_job_or_result_files(tmp_path):
    job = tmp_path / "node"
    (job / NN_DIR).mkdir(parents=True)
    (job / NN_DIR / BEST_FILE).write_bytes(b"weights")
    (job / TRAIN_LOG_FILE).write_text("log")
    (job / RESULT_FILE).write_text('{"status": "trained", "fitness_max": 1e9}')  # written in the node's dir
    for cache in ("torchinductor_root", ".cache/warp"):
        (job / cache).mkdir(parents=True)
        (job / cache / "kernel.so").write_text("x")
    (job / "elsewhere").symlink_to("/etc/passwd")
    out = tmp_path / "back"
    unpack(pack(job), out)
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*")) == [
        NN_DIR,
        f"{NN_DIR}/{BEST_FILE}",
        TRAIN_LOG_FILE,
    ]

    hostile = io.BytesIO()  # an archive that tries to leave out_dir
    with tarfile.open(fileobj=hostile, mode="w:gz") as tar:
        info = tarfile.TarInfo("../escaped.txt")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"bad"))
    with pytest.raises(tarfile.OutsideDestinationError):
        unpack(hostile.getvalue(), out)
    assert not (tmp_path / "escaped.txt").exists()


@pytest.fixture(scope="module")
def pool():
    made = RayPool(gpus_per_trainer=0.5, cpus_per_trainer=0.5, local_gpus=2)
    yield made
    ray.shutdown()


@pytest.mark.slow
async def test_fractional_trainers_share_the_logical_gpus_and_their_files_come_back(pool, tmp_path):
    assert ray.cluster_resources()["GPU"] == 2.0
    seen: dict[int, list] = {}
    jobs = [make_job("Cartpole", "human", tmp_path / f"job{i}", seed=i, ppo=PPO) for i in range(4)]
    results = await asyncio.gather(
        *(pool.run(job, on_progress=seen.setdefault(i, []).append) for i, job in enumerate(jobs))
    )
    assert [r["status"] for r in results] == ["trained"] * 4, [r["error"] for r in results]
    assert all([p["epoch"] for p in seen[i]] == [1, 2, 3] for i in range(4))  # progress streamed back
    gpus = [r["where"]["gpu_ids"] for r in results]
    assert all(len(ids) == 1 for ids in gpus) and {ids[0] for ids in gpus} == {"0", "1"}
    for gpu in ("0", "1"):  # half a GPU each: two trainings ran at once on each GPU
        on_it = [
            (r["started_at"], r["finished_at"]) for r, ids in zip(results, gpus, strict=True) if ids == [gpu]
        ]
        assert len(on_it) == 2 and max(start for start, _ in on_it) < min(end for _, end in on_it)
    for job, result in zip(jobs, results, strict=True):
        out = tmp_path / job.out_dir.rsplit("/", 1)[-1]
        assert result["out_dir"] == str(out) and Path(result["checkpoint"]).parent == out / NN_DIR
        assert Path(result["checkpoint"]).is_file() and (out / TRAIN_LOG_FILE).is_file()
        assert (out / CLEAN_EVAL_DIR / EVAL_SPEC_FILE).is_file() and result["evaluation"][
            "fitness"
        ] is not None
        assert (
            result["where"]["node_dir"] != str(out) and not (tmp_path / result["where"]["node_dir"]).exists()
        )
        # Logical GPUs: the trainer ran on the GPU Ray pinned it to where one is behind that id,
        # else on the CPU.
        assert f"training on {result['where']['device']}" in (out / TRAIN_LOG_FILE).read_text()


@pytest.mark.slow
async def test_a_cancelled_job_leaves_no_process_behind(pool, tmp_path):
    started = asyncio.Event()
    job = make_job("Cartpole", "human", tmp_path / "long", ppo={"num_envs": 32, "max_epochs": 100_000})
    task = asyncio.create_task(pool.run(job, on_progress=lambda _: started.set()))
    await asyncio.wait_for(started.wait(), 120)
    assert processes_mentioning("eureka-job-")  # the worker, in the actor's private directory
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    deadline = time.time() + 30
    while processes_mentioning("eureka-job-") and time.time() < deadline:
        await asyncio.sleep(0.2)
    assert processes_mentioning("eureka-job-") == []


@pytest.mark.slow
async def test_the_driver_judges_each_rung_and_a_stopped_job_comes_back_with_its_snapshot(pool, tmp_path):
    asked = []

    async def judge(epoch, fitness):  # the driver's board: it alone knows the other candidates
        asked.append((epoch, fitness))
        return {"stop": epoch == 20, "epoch": epoch, "fitness": fitness, "peers": 2, "better": 1, "kept": 1}

    job = make_job("Cartpole", "human", tmp_path / "job", ppo={"num_envs": 32, "max_epochs": 100_000})
    job.rungs = [10, 20]
    result = await asyncio.wait_for(pool.run(job, judge=judge), 180)
    assert [epoch for epoch, _ in asked] == [10, 20] and all(f is not None for _, f in asked)
    assert result["status"] == "stopped_early" and result["rung"]["epoch"] == 20
    stopped = JobDir(tmp_path / "job")
    assert stopped.rung(20).is_file() and stopped.clean_eval(20).is_dir()


@pytest.mark.slow
def test_without_gpus_per_trainer_each_training_gets_one_of_the_gpus_ray_reports(pool):
    chosen = RayPool()  # the module's Ray instance declares 2 (logical) GPUs
    assert chosen.resources["num_gpus"] == 1.0 and chosen.choice == "gpus_per_trainer 1: Ray reports 2 GPUs"
    assert pool.choice == "gpus_per_trainer 0.5 (given)"
