"""Benchmark: what integrity costs, against the pre-integrity training path, measured in the same run.

    python bench/integrity_cost.py [--tasks Cartpole ShadowHand] [--repeats 2]

Three costs per task:
- input copies: PPO env-steps/s when the reward gets copies of the state (now) against
  views of the simulator's own tensors (before), in-process, alternating runs;
- the clean evaluation: the wall time of the confined evaluation process, against the
  PPO loop and the whole training job (worker start-up included) at the task's default
  budget (configs/tasks/<Task>.yaml);
- the checks of a finished job: the finite-weights check of its policy and the scan of its job
  directory for planted symlinks, against the whole training job.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from sim.registry import task_class
from sim.reward.program import RewardProgram, check_reward_output, function_source
from sim.rl.checkpoint import check_finite, saved_weights
from sim.rl.ppo import train
from sim.rl.ppo_config import ppo_config
from tools.clean_eval import evaluate_job, trained_checkpoint
from tools.files import planted_path
from tools.pool import DevicePool
from tools.trainer import make_job

#: Epochs per timed training: enough to amortise rl_games' start-up, short enough for a bench.
BENCH_EPOCHS = {"Cartpole": 40, "ShadowHand": 8}


class ViewsRewardProgram(RewardProgram):
    """The pre-integrity call: the reward reads the simulator's own tensors (bench only)."""

    def __call__(self, state, num_envs):
        return check_reward_output(self.fn(**{name: state[name] for name in self.params}), num_envs)


def steps_per_second(task: str, program: RewardProgram, out_dir: Path) -> float:
    cfg = ppo_config(task, {"max_epochs": BENCH_EPOCHS.get(task, 10)})
    result = train(task, program, cfg, seed=0, device="cpu", out_dir=out_dir)
    return result["steps_per_s"]


def measure(task: str, repeats: int, root: Path) -> dict:
    source = function_source(task_class(task).human_reward)
    rates = {"views": [], "copies": []}
    for i in range(repeats):
        for mode, cls in (("views", ViewsRewardProgram), ("copies", RewardProgram)):
            rates[mode].append(
                steps_per_second(task, cls.from_source(source, "human.py"), root / f"{mode}{i}")
            )
    views, copies = statistics.median(rates["views"]), statistics.median(rates["copies"])
    # One Trainer job as the product runs it (worker start-up, training, then the clean evaluation).
    epochs = BENCH_EPOCHS.get(task, 10)
    job = make_job(task, "human", root / "job", ppo={"max_epochs": epochs})
    result = asyncio.run(DevicePool("cpu").run(job))
    assert result["status"] == "trained", result["error"]
    started = time.perf_counter()
    evaluation = asyncio.run(evaluate_job(job, None, timeout_s=600, memory_limit_gb=8))
    eval_s = time.perf_counter() - started
    assert evaluation["error"] is None, evaluation["error"]
    weights = saved_weights(trained_checkpoint(Path(job.out_dir)))
    started = time.perf_counter()
    for _ in range(10):
        check_finite(weights)
    finite_ms = (time.perf_counter() - started) * 100
    started = time.perf_counter()
    for _ in range(10):
        assert planted_path(Path(job.out_dir)) is None
    scan_ms = (time.perf_counter() - started) * 100
    cfg = ppo_config(task)
    steps_per_epoch = cfg["num_envs"] * cfg["horizon_length"]
    start_up_s = result["finished_at"] - result["started_at"] - eval_s - steps_per_epoch * epochs / copies
    train_s = steps_per_epoch * cfg["max_epochs"] / copies
    return {
        "task": task,
        "views": views,
        "copies": copies,
        "eval_s": eval_s,
        "train_s": train_s,
        "job_s": start_up_s + train_s,
        "epochs": cfg["max_epochs"],
        "finite_ms": finite_ms,
        "scan_ms": scan_ms,
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tasks", nargs="+", default=["Cartpole", "ShadowHand"])
    p.add_argument("--repeats", type=int, default=2)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rows = [measure(task, args.repeats, Path(tmp) / task) for task in args.tasks]
    print(
        f"{'task':<12}{'views steps/s':>15}{'copies steps/s':>16}{'copies/views':>14}{'clean eval s':>14}"
        f"{'PPO loop s':>12}{'training job s':>16}{'eval/loop':>11}{'eval/job':>10}{'finite ms':>11}"
        f"{'scan ms':>9}{'checks/job':>12}"
    )
    for r in rows:
        print(
            f"{r['task']:<12}{r['views']:>15,.0f}{r['copies']:>16,.0f}{r['copies'] / r['views']:>14.3f}"
            f"{r['eval_s']:>14.1f}{r['train_s']:>12.0f}{r['job_s']:>16.0f}{r['eval_s'] / r['train_s']:>11.1%}"
            f"{r['eval_s'] / r['job_s']:>10.1%}{r['finite_ms']:>11.2f}{r['scan_ms']:>9.2f}"
            f"{(r['finite_ms'] + r['scan_ms']) / 1000 / r['job_s']:>12.4%}"
        )
    print("(PPO loop and training job at each task's default budget; a job adds the worker's start-up)")


if __name__ == "__main__":
    main()
