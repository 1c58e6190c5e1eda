"""Helpers shared by tests (not fakes: these drive real components)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

from sim.registry import task_class
from sim.reward.program import RewardProgram, function_source
from sim.rl.ppo import train
from sim.rl.ppo_config import ppo_config
from tools.pool import DevicePool
from tools.trainer import make_job


def processes_mentioning(text: str) -> list[int]:
    """PIDs of live processes whose command line contains ``text``."""
    pids = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if text in cmdline:
            pids.append(int(pid))
    return pids


def cartpole_reward_file(directory: Path, name: str, body: str) -> str:
    """A Cartpole reward file whose body runs ``body`` (indented code) before returning cart_pos."""
    path = directory / f"{name}.py"
    path.write_text(f"def compute_reward(cart_pos):\n{body}\n    return cart_pos, {{}}\n")
    return str(path)


async def train_side_by_side(task: str, rewards: list[str], out: Path, seeds: tuple[int, ...] = (0,), **ppo) -> dict:
    """Train each reward (a built-in name or a file) on each seed at the same budget, two at a time (each training is
    deterministic given its seed, so sharing the cores changes its time, never its figures); {(reward, seed): result}."""
    pool = DevicePool("cpu", trainers_per_device=2)
    runs = [(reward, seed) for seed in seeds for reward in rewards]
    results = await asyncio.gather(*(pool.run(make_job(task, reward, out / f"{Path(reward).stem}-{seed}", seed=seed,
                                                       ppo=ppo)) for reward, seed in runs))  # fmt: skip
    for result in results:
        assert result["status"] == "trained", result["error"]
    print(task, {f"{Path(r).stem}@{s}": round(result["fitness_max"], 3) for (r, s), result in zip(runs, results)})
    return dict(zip(runs, results))


async def human_and_sparse(task: str, out: Path, **ppo) -> tuple[dict, dict]:
    """The human reward and the sparse one, trained side by side on seed 0."""
    results = await train_side_by_side(task, ["human", "sparse"], out, **ppo)
    return results["human", 0], results["sparse", 0]


def candidate(sample, status, fitness, iteration=0) -> dict:
    """A graph Candidate record (plain data, no training)."""
    return {"id": f"it{iteration}-s{sample}", "iteration": iteration, "sample": sample, "status": status,
            "fitness": fitness, "train_fitness": fitness, "overstated": False, "error": None if status == "trained" else "boom", "reward_path": f"r{sample}.py",
            "checkpoint": None, "code": "", "response": "", "attempts": 1, "result": None, "llm_error": None,
            "tool_calls": 0}  # fmt: skip


def tiny_cartpole_checkpoint(out_dir: Path) -> str:
    """A checkpoint of Cartpole's human reward after 3 epochs of 64 envs, trained in-process."""
    program = RewardProgram.from_source(function_source(task_class("Cartpole").human_reward), "human.py")
    cfg = ppo_config("Cartpole", {"num_envs": 64, "max_epochs": 3})
    return train("Cartpole", program, cfg, seed=2, device="cpu", out_dir=out_dir)["checkpoint"]


@contextmanager
def embedded_model_server(context_tokens: int = 2048, port: int = 0):
    """The embedded model behind a real OpenAI-compatible HTTP server on loopback; yields its /v1 URL."""
    proc = subprocess.Popen([sys.executable, "-m", "agents.llm.local_server", "--port", str(port),
                             "--context", str(context_tokens)], stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        line = proc.stdout.readline()  # "serving qwen-coder at http://127.0.0.1:PORT/v1" once it answers
        assert line.startswith("serving "), f"the model server did not start (exit {proc.poll()})"
        yield line.split()[-1]
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def run_context(run_dir: Path, **settings):
    """A real RunContext (inbox, pool, gateway) in ``run_dir``, its agents a FAKE replayed LLM with one answer."""
    import json

    from graph.context import open_run
    from graph.results.run_dir import RunDir
    from graph.settings import DEFAULTS_FILE, Settings

    run_dir.mkdir(parents=True, exist_ok=True)
    transcript = run_dir / "fake.jsonl"
    transcript.write_text(json.dumps({"agent": "critic", "response": "it0-s1 is steadier."}) + "\n")
    config = Settings.load(DEFAULTS_FILE, {"llm": f"replay:{transcript}", **settings})
    return open_run(config, RunDir(run_dir), new=True)

