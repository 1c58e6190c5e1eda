"""summary.json: the run's results, rewritten after every iteration and at the end."""

from __future__ import annotations

import statistics
from pathlib import Path

from graph.state import RunState
from tools.files import write_json_atomic

SUMMARY_FILE = "summary.json"


def final_eval(state: RunState) -> dict | None:
    runs = sorted(state.get("eval_runs", []), key=lambda r: r["seed"])
    if not runs:
        return None
    scores = [r["fitness"] for r in runs if r["fitness"] is not None]
    return {
        "seeds": [r["seed"] for r in runs],
        "fitness": [r["fitness"] for r in runs],
        "mean": statistics.fmean(scores) if scores else None,
        "std": statistics.pstdev(scores) if scores else None,
        "errors": [r["error"] for r in runs if r["error"]],
    }


def build_summary(state: RunState, task: str, status: str, llm_usage: dict) -> dict:
    by_iteration: dict[int, list] = {}
    for c in state.get("candidates", []):
        by_iteration.setdefault(c["iteration"], []).append(c)
    best_of = {r["iteration"]: r["best_sample"] for r in state.get("iterations", [])}
    iterations = [
        {
            "iteration": it,
            "samples": [
                {k: c.get(k) for k in ("sample", "status", "fitness", "train_fitness", "overstated", "error",
                                       "reward_path")}  # fmt: skip
                for c in sorted(cands, key=lambda c: c["sample"])
            ],
            "best_sample": best_of.get(it),
        }
        for it, cands in sorted(by_iteration.items())
    ]
    best = state.get("best")
    return {
        "task": task,
        "status": status,
        "iterations": iterations,
        "best": best
        and {k: best.get(k) for k in ("iteration", "sample", "fitness", "train_fitness", "reward_path", "checkpoint")},
        "final_eval": final_eval(state),
        "llm": llm_usage,
    }


def write_summary(run_dir: Path, state: RunState, task: str, status: str, llm_usage: dict) -> dict:
    summary = build_summary(state, task, status, llm_usage)
    write_json_atomic(run_dir / SUMMARY_FILE, summary)
    return summary
