"""Devices and pinning: as far as a machine without a GPU allows (device strings, each worker's environment)."""

import pytest

from tools import devices
from tools.devices import parse_devices, pin_env, worker_device
from tools.jobs import LOG_FILE
from tools.pool import DevicePool
from tools.trainer import make_job


def test_auto_is_every_visible_gpu_else_the_cpu(monkeypatch):
    assert devices.visible_gpus() == 0 and parse_devices("auto") == ["cpu"]  # this machine
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
    assert on_gpu["device"] == "cuda:1" and on_gpu["status"] == "failed"
    assert "slot cuda:1, CUDA_VISIBLE_DEVICES='1': training on cuda:0" in (tmp_path / "b" / LOG_FILE).read_text()
    assert "CUDA" in on_gpu["error"] or "NVIDIA" in on_gpu["error"]  # torch's own words: no GPU behind cuda:0
