"""Devices and pinning, on a machine with GPUs and on one without (GPU-only checks are marked ``gpu`` and run
where a GPU exists)."""

import pytest
import torch

from tools import devices
from tools.devices import parse_devices, pin_env, worker_device
from tools.jobs import LOG_FILE
from tools.pool import DevicePool
from tools.trainer import make_job


def test_auto_is_every_visible_gpu_else_the_cpu(monkeypatch):
    here = torch.cuda.device_count()  # torch's own count, not the function under test
    assert parse_devices("auto") == ([f"cuda:{i}" for i in range(here)] or ["cpu"])  # this machine
    monkeypatch.setattr(devices, "visible_gpus", lambda: 2)  # FAKE: a machine with two GPUs
    assert parse_devices("auto") == ["cuda:0", "cuda:1"]
    assert parse_devices("cpu") == ["cpu"] and parse_devices("cuda:0, cuda:1") == ["cuda:0", "cuda:1"]
    with pytest.raises(ValueError, match="bad device 'gpu1'"):
        parse_devices("cpu,gpu1")


def test_a_worker_sees_only_its_own_gpu(monkeypatch):
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    assert pin_env("cuda:1") == {"CUDA_VISIBLE_DEVICES": "1"} and pin_env("cpu") == {"CUDA_VISIBLE_DEVICES": ""}
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "4,6")  # this process was itself given GPUs 4 and 6
    assert pin_env("cuda:1") == {"CUDA_VISIBLE_DEVICES": "6"}
    with pytest.raises(ValueError, match="sees only 2 GPUs"):
        pin_env("cuda:2")
    assert worker_device("cuda:1") == "cuda:0" and worker_device("cpu") == "cpu"


async def test_each_worker_is_pinned_through_its_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    pool = DevicePool("cpu,cuda:1")  # the GPU slot is real down to the worker, which finds no GPU here
    ppo = {"num_envs": 16, "max_epochs": 1}
    on_cpu, on_gpu = [await pool.run(make_job("Cartpole", "human", tmp_path / name, ppo=ppo)) for name in ("a", "b")]
    assert on_cpu["device"] == "cpu" and on_cpu["status"] == "trained"
    assert "slot cpu, CUDA_VISIBLE_DEVICES='': training on cpu" in (tmp_path / "a" / LOG_FILE).read_text()
    assert on_gpu["device"] == "cuda:1"
    assert "slot cuda:1, CUDA_VISIBLE_DEVICES='1': training on cuda:0" in (tmp_path / "b" / LOG_FILE).read_text()
    if torch.cuda.device_count() >= 2:  # the second GPU is the worker's only one, as cuda:0
        assert on_gpu["status"] == "trained"
    else:  # torch's own words: no GPU behind the worker's cuda:0
        assert on_gpu["status"] == "failed" and ("CUDA" in on_gpu["error"] or "NVIDIA" in on_gpu["error"])


@pytest.mark.gpu
@pytest.mark.skipif(torch.cuda.device_count() < 1, reason="needs a GPU: runs where one exists")
async def test_a_job_on_a_gpu_slot_trains_on_that_gpu(tmp_path, monkeypatch):
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    result = await DevicePool("cuda:0").run(make_job("Cartpole", "human", tmp_path / "g", ppo={"num_envs": 64,
                                                                                            "max_epochs": 2}))  # fmt: skip
    assert result["status"] == "trained" and result["device"] == "cuda:0"
    assert "slot cuda:0, CUDA_VISIBLE_DEVICES='0': training on cuda:0" in (tmp_path / "g" / LOG_FILE).read_text()
