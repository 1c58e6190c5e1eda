"""The GPU check, ``python -m tools.devices --check`` (``make gpu-check``): the GPU path proved here.

On each visible GPU, a probe (``tools/gpu_probe_worker.py``) tries inside the confinement what CUDA needs of
it, then a device pool with two trainers on that GPU trains a Cartpole job and a MuJoCo job (ShadowHand, on
MuJoCo Warp where the [gpu] extra is installed) at once, every process inside the full confinement. Each
result must be trained, with finite weights and a clean fitness. Env-steps/s are printed per job and per
device; any failure exits 1 and names the layer that refused what. Without a GPU it says so and exits 0.
"""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

from sim.registry import check_backend
from sim.rl.checkpoint import CheckpointError, load_checkpoint
from tools.devices import PIN_ENV, parse_devices, pin_env
from tools.files import fresh_dir, write_json_atomic
from tools.gpu_probe_worker import try_node
from tools.isolation.confinement import active_layers, nvidia_nodes
from tools.isolation.memory import mechanism
from tools.isolation.sandbox import run_for_message
from tools.job_dir import PROBE_DIR, PROBE_LOG_FILE, PROBE_SPEC_FILE
from tools.jobs import TrainJob, TrainResult, clean_fitness, failed_result
from tools.pool import DevicePool
from tools.text import error_headline, fmt
from tools.trainer import TRAIN_MEMORY_GB, make_job

#: The whole check's time: a job still running then is stopped and reported (the time cap).
BUDGET_S = 300.0
PROBE_TIMEOUT_S = 60.0
PROBE_MODULE = "tools.gpu_probe_worker"
CARTPOLE_PPO = {"num_envs": 4096, "max_epochs": 10}
HAND = "ShadowHand"
#: MuJoCo Warp's batch at IsaacGymEnvs' size; MuJoCo on the CPU, where MJWarp is not installed, at this
#: project's own.
HAND_PPO = {"mjwarp": {"num_envs": 4096, "max_epochs": 2}, "default": {"num_envs": 256, "max_epochs": 2}}
#: MuJoCo Warp's own published ShadowHand env-steps/s, printed beside the figure measured here.
PUBLISHED_HAND = "none found (docs/scaling.md)"
RUN_DIR = Path("runs") / "gpu-check"


def hand_sim() -> str:
    """MuJoCo Warp where the [gpu] extra is installed, else MuJoCo."""
    try:
        check_backend("mjwarp", HAND)
    except ValueError:
        return "default"
    return "mjwarp"


async def probe(device: str, work_dir: Path) -> list[str]:
    """What the confinement refuses CUDA on ``device``: each node the worker cannot use as this process can,
    CUDA's start (under the memory cap), and the pinning (the worker must see exactly one GPU)."""
    nodes = sorted(str(node) for node in nvidia_nodes())
    outside = {node: try_node(node) for node in nodes}
    write_json_atomic(fresh_dir(work_dir) / PROBE_SPEC_FILE, {"nodes": nodes})
    report, outcome = await run_for_message(
        PROBE_MODULE,
        work_dir,
        PROBE_LOG_FILE,
        "probe",
        timeout_s=PROBE_TIMEOUT_S,
        memory_limit_gb=TRAIN_MEMORY_GB,
        env=pin_env(device),
    )
    if report is None:
        return [f"{device}: the probe {outcome.describe(PROBE_TIMEOUT_S)}"]
    inside = report.get("nodes") if isinstance(report.get("nodes"), dict) else {}
    refused = [
        f"{device}: Landlock refused {node}: {inside.get(node)} inside the confinement, {tried} out"
        for node, tried in outside.items()
        if inside.get(node) != tried
    ]
    if report.get("error"):
        cap = f" under the memory cap ({mechanism()})" if "memory" in str(report["error"]).lower() else ""
        refused.append(f"{device}: CUDA did not start inside the confinement{cap}: {report['error']}")
    elif report.get("visible") != 1:
        refused.append(
            f"{device}: pinning: the worker sees {report.get('visible')} GPUs "
            f"({PIN_ENV}={pin_env(device)[PIN_ENV]!r}), not 1"
        )
    return refused


def blame(error: str) -> str:
    """A failed job's error, led by the layer it points at (the probe has already named nodes and CUDA)."""
    last = error_headline(error) or "no error text"
    if "timed out" in error:
        return f"the time cap stopped it: {last}"
    if "CUDA out of memory" in error:
        return f"the GPU's own memory is full (no layer): {last}"
    if re.search(r"Cannot allocate memory|MemoryError|out of memory", error):
        return f"the memory cap ({mechanism()}) refused an allocation: {last}"
    if re.search(r"Permission denied|Operation not permitted", error):
        return f"the confinement (Landlock) refused: {last}"
    return last


def verdict(result: TrainResult) -> str | None:
    """Why a check job failed (not trained, weights not finite, no clean fitness), or None."""
    where = f"{result['device']}: {result['task']}"
    if result["status"] != "trained":
        return f"{where}: {blame(result['error'] or '')}"
    try:
        load_checkpoint(result["checkpoint"])  # raises CheckpointError on a NaN or inf weight
    except CheckpointError as exc:
        return f"{where}: {exc}"
    if clean_fitness(result) is None:
        return f"{where}: no clean fitness: {(result.get('evaluation') or {}).get('error')}"
    return None


def rate(env_steps: int, seconds: float) -> str:
    """Env-steps, seconds and their ratio, as printed."""
    return f"{env_steps:,} env-steps in {seconds:.1f} s: {env_steps / max(seconds, 1e-9):,.0f} env-steps/s"


async def train_by(pool: DevicePool, job: TrainJob, deadline: float) -> TrainResult:
    """``pool.run(job)``, stopped (its worker with it) at the check's ``deadline`` (event-loop time)."""
    try:
        async with asyncio.timeout_at(deadline):
            return await pool.run(job)
    except TimeoutError:
        return failed_result(job, f"timed out: the check's {BUDGET_S:g} s ran out and the job was stopped")


async def check_device(device: str, out: Path, sim: str, deadline: float) -> list[str]:
    """Probe ``device``, then train the two jobs on it at once (under a run's memory cap); print each and the
    device's throughput."""
    refused = await probe(device, out / PROBE_DIR)
    pool = DevicePool(device, trainers_per_device=2, timeout_s=BUDGET_S, memory_limit_gb=TRAIN_MEMORY_GB)
    jobs = [
        make_job("Cartpole", "human", out / "Cartpole", ppo=CARTPOLE_PPO),
        make_job(HAND, "human", out / HAND, ppo=HAND_PPO[sim], sim=sim),
    ]
    results = await asyncio.gather(*(train_by(pool, job, deadline) for job in jobs))
    for job, result in zip(jobs, results, strict=True):
        beside = f" (MuJoCo Warp's published figure: {PUBLISHED_HAND})" if job.sim == "mjwarp" else ""
        print(
            f"{device} {job.task} on {job.sim} x {job.ppo['num_envs']} envs: {result['status']}, "
            f"clean fitness {fmt(clean_fitness(result))}, {rate(result['env_steps'], result['wall_s'])}"
            f"{beside}"
        )
    if timed := [r for r in results if "started_at" in r]:
        span = max(r["finished_at"] for r in timed) - min(r["started_at"] for r in timed)
        print(f"{device}: {len(timed)} jobs at once, {rate(sum(r['env_steps'] for r in timed), span)}")
    return refused + [why for result in results if (why := verdict(result))]


def check() -> int:
    """Run the check on every visible GPU; 0 if all passed or there is no GPU, else 1."""
    nodes, devices = nvidia_nodes(), parse_devices("auto")
    if devices == ["cpu"]:
        import torch

        build = f"torch {torch.__version__}" + ("" if torch.version.cuda else ", a build without CUDA")
        if nodes:  # a GPU machine whose torch sees none: the GPU path is broken here
            names = " ".join(str(node) for node in sorted(nodes))
            print(f"torch sees no GPU although /dev holds NVIDIA device nodes ({names}; {build})")
            return 1
        print(f"no GPU found ({build}; no NVIDIA device node in /dev): nothing to check, no GPU was tried")
        return 0
    sim = hand_sim()
    print(f"GPUs: {', '.join(devices)}; MuJoCo job on {sim}; memory cap: {TRAIN_MEMORY_GB} GB, {mechanism()}")
    layers = active_layers().items()
    print("confinement: " + "; ".join(f"{layer}: {'on' if on else 'OFF'}" for layer, on in layers))
    out = RUN_DIR / time.strftime("%Y%m%d-%H%M%S")
    failures = asyncio.run(_check_all(devices, out, sim))
    for failure in failures:
        print(f"FAILED {failure}")
    print(f"{'FAILED' if failures else 'passed'} on {', '.join(devices)}; the jobs are in {out}")
    return 1 if failures else 0


async def _check_all(devices: list[str], out: Path, sim: str) -> list[str]:
    deadline = asyncio.get_running_loop().time() + BUDGET_S
    found = await asyncio.gather(*(check_device(d, out / d.replace(":", ""), sim, deadline) for d in devices))
    return [failure for device in found for failure in device]
