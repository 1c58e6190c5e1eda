"""Devices and pinning, on a machine with GPUs and on one without (GPU-only checks are marked ``gpu`` and run
where a GPU exists)."""

import pytest
import torch

from tests.tools.isolation.direct_probe import landlock_refuses
from tools import devices, gpu_check
from tools.devices import main, parse_devices, pin_env, worker_device
from tools.isolation.confinement import active_layers
from tools.job_dir import TRAIN_LOG_FILE
from tools.pool import DevicePool
from tools.trainer import make_job


def test_auto_is_every_visible_gpu_else_the_cpu(monkeypatch):
    assert parse_devices("auto") == ["cpu"]  # no GPU for a test that does not test one (tests/conftest.py)
    monkeypatch.setattr(devices, "visible_gpus", lambda: 2)  # FAKE: a machine with two GPUs
    assert parse_devices("auto") == ["cuda:0", "cuda:1"]
    assert parse_devices("cpu") == ["cpu"] and parse_devices("cuda:0, cuda:1") == ["cuda:0", "cuda:1"]
    with pytest.raises(ValueError, match="bad device 'gpu1'"):
        parse_devices("cpu,gpu1")


def test_a_worker_sees_only_its_own_gpu(monkeypatch):
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    assert pin_env("cuda:1") == {"CUDA_VISIBLE_DEVICES": "1"} and pin_env("cpu") == {
        "CUDA_VISIBLE_DEVICES": ""
    }
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "4,6")  # this process was itself given GPUs 4 and 6
    assert pin_env("cuda:1") == {"CUDA_VISIBLE_DEVICES": "6"}
    with pytest.raises(ValueError, match="sees only 2 GPUs"):
        pin_env("cuda:2")
    assert worker_device("cuda:1") == "cuda:0" and worker_device("cpu") == "cpu"


@pytest.mark.slow
async def test_each_worker_is_pinned_through_its_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    pool = DevicePool("cpu,cuda:1")  # the GPU slot is real down to the worker, which finds no GPU here
    ppo = {"num_envs": 16, "max_epochs": 1}
    on_cpu, on_gpu = [
        await pool.run(make_job("Cartpole", "human", tmp_path / name, ppo=ppo)) for name in ("a", "b")
    ]
    assert on_cpu["device"] == "cpu" and on_cpu["status"] == "trained"
    assert (
        "slot cpu, CUDA_VISIBLE_DEVICES='': training on cpu" in (tmp_path / "a" / TRAIN_LOG_FILE).read_text()
    )
    assert on_gpu["device"] == "cuda:1"
    assert (
        "slot cuda:1, CUDA_VISIBLE_DEVICES='1': training on cuda:0"
        in (tmp_path / "b" / TRAIN_LOG_FILE).read_text()
    )
    if torch.cuda.device_count() >= 2:  # the second GPU is the worker's only one, as cuda:0
        assert on_gpu["status"] == "trained"
    else:  # torch's own words: no GPU behind the worker's cuda:0
        assert on_gpu["status"] == "failed" and ("CUDA" in on_gpu["error"] or "NVIDIA" in on_gpu["error"])


@pytest.mark.slow
@pytest.mark.gpu
@pytest.mark.skipif(torch.cuda.device_count() < 1, reason="needs a GPU: runs where one exists")
async def test_a_job_on_a_gpu_slot_trains_on_that_gpu(tmp_path, monkeypatch):
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    result = await DevicePool("cuda:0").run(
        make_job("Cartpole", "human", tmp_path / "g", ppo={"num_envs": 64, "max_epochs": 2})
    )
    assert result["status"] == "trained" and result["device"] == "cuda:0"
    assert (
        "slot cuda:0, CUDA_VISIBLE_DEVICES='0': training on cuda:0"
        in (tmp_path / "g" / TRAIN_LOG_FILE).read_text()
    )


def test_without_a_gpu_the_check_says_so_and_passes(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(gpu_check, "nvidia_nodes", set)  # FAKE: no NVIDIA driver either (none here anyway)
    assert main(["--check"]) == 0
    assert "no GPU found" in capsys.readouterr().out
    monkeypatch.setattr(gpu_check, "nvidia_nodes", lambda: {tmp_path / "nvidia0"})  # FAKE: a driver node
    assert main(["--check"]) == 1  # a GPU machine whose torch sees no GPU: its GPU path is broken
    assert "torch sees no GPU although /dev holds NVIDIA device nodes" in capsys.readouterr().out


def test_the_check_names_the_layer_that_refused_on_a_fake_gpu(monkeypatch, tmp_path, capsys):
    """FAKE: one visible GPU (device count 1), GPU 99 to this process, which no machine has, and driver nodes
    that are plain files outside any job: the probe and both jobs run for real, confined, and fail."""
    monkeypatch.setattr(devices, "visible_gpus", lambda: 1)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "99")
    nodes = {tmp_path / "dev" / name for name in ("nvidia0", "nvidiactl", "nvidia-uvm")}
    (tmp_path / "dev").mkdir()
    for node in nodes:
        node.touch()
    monkeypatch.setattr(gpu_check, "nvidia_nodes", lambda: nodes)
    monkeypatch.setattr(gpu_check, "RUN_DIR", tmp_path / "runs")
    tiny = {"num_envs": 8, "max_epochs": 1}  # the jobs fail at CUDA's start; tiny in case one did not
    monkeypatch.setattr(gpu_check, "CARTPOLE_PPO", tiny)
    monkeypatch.setattr(gpu_check, "HAND_PPO", {"default": tiny, "mjwarp": tiny})
    assert main(["--check"]) == 1
    out = capsys.readouterr().out
    landlock = active_layers()["landlock: file reads/writes confined to the job"]
    assert landlock == landlock_refuses("files")  # the report is the kernel's
    for node in nodes:  # this process opens them; the worker may not (they are no GPU's nodes in /dev)
        refused = f"Landlock refused {node}: open read-write: EACCES inside the confinement, ok out"
        assert (f"FAILED cuda:0: {refused}" in out) == landlock
    assert "FAILED cuda:0: pinning: the worker sees 0 GPUs (CUDA_VISIBLE_DEVICES='99'), not 1" in out
    assert "FAILED cuda:0: Cartpole: " in out and "FAILED cuda:0: ShadowHand: " in out
    assert "cuda:0 Cartpole on default x 8 envs: failed" in out


@pytest.mark.parametrize(
    "error, layer",
    [
        ("training timed out after 300 s and was stopped", "the time cap stopped it"),
        (
            "RuntimeError: DefaultCPUAllocator: can't allocate memory. "
            "Error code 12 (Cannot allocate memory)",
            "the memory cap (RLIMIT_DATA: ",
        ),
        (
            "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2 GiB",
            "the GPU's own memory is full",
        ),
        (
            "PermissionError: [Errno 13] Permission denied: '/dev/nvidia1'",
            "the confinement (Landlock) refused",
        ),
    ],
)
def test_a_failed_jobs_error_is_led_by_the_layer_it_points_at(monkeypatch, error, layer):
    monkeypatch.setattr(gpu_check, "mechanism", lambda: "RLIMIT_DATA: FAKE")
    assert gpu_check.blame(f"Traceback ...\n{error}").startswith(layer)
