"""summary.json: the run's results per stage, rewritten after every iteration and at the end.

The top-level ``iterations``, ``best`` and ``final_eval`` are the last stage's; ``stages`` holds
every stage run (a repeated stage appears once per attempt).
"""

from __future__ import annotations

import random
import statistics

from graph.results.run_dir import RunDir
from graph.search.ranking import best_attempt, scored
from graph.state import OPTIMISER, Candidate, EvalRun, StageRecord, StageState
from tools.files import write_json_atomic
from tools.text import error_headline

SAMPLE_FIELDS = (
    "sample",
    "status",
    "fitness",
    "train_fitness",
    "overstated",
    "error",
    "reward_path",
    "attempts",
    "tool_calls",
    "author",
    "duplicate_of",
    "seeds",
    "tuned_from",
    "recombined_from",
    "constants",
)
COMPUTE_FIELDS = ("env_steps", "train_s", "trainings", "stopped_early", "duplicates", "tuning_trials")
#: The best candidate's, its program as it trained (the training job's reward source) included.
BEST_FIELDS = (
    "iteration",
    "sample",
    "fitness",
    "train_fitness",
    "reward_path",
    "checkpoint",
    "seeds",
    "code",
)


def final_eval(eval_runs: list[EvalRun], best: dict | None = None) -> dict | None:
    """The best reward on held-out seeds: mean, std, a 95% bootstrap interval of the mean, and the selection
    gap (the figure it was selected by minus its held-out mean, raw and in held-out standard deviations)."""
    runs = sorted(eval_runs, key=lambda r: r["seed"])
    if not runs:
        return None
    scores = [r["fitness"] for r in runs if r["fitness"] is not None]
    mean = statistics.fmean(scores) if scores else None
    std = statistics.pstdev(scores) if scores else None
    gap = best["fitness"] - mean if best and best.get("fitness") is not None and mean is not None else None
    return {
        "seeds": [r["seed"] for r in runs],
        "fitness": [r["fitness"] for r in runs],
        "mean": mean,
        "std": std,
        "ci95": bootstrap_ci(scores),
        "selection_gap": gap,
        "selection_gap_sd": gap / std if gap is not None and std else None,
        "errors": [r["error"] for r in runs if r["error"]],
    }


def bootstrap_ci(values: list[float], resamples: int = 10_000, seed: int = 0) -> list[float] | None:
    """A 95% percentile-bootstrap interval of the mean (seeded: the same figures give the same interval)."""
    if not values:
        return None
    draw = random.Random(seed)
    means = sorted(statistics.fmean(draw.choices(values, k=len(values))) for _ in range(resamples))
    return [means[int(0.025 * resamples)], means[int(0.975 * resamples) - 1]]


def compute(candidates: list[dict], eval_runs: list[EvalRun], tuning_runs: list[dict] = ()) -> dict:
    """What a stage spent: env-steps and training seconds of every training (every seed of every candidate,
    every tuning trial, the final evaluation included), how many trainings,
    and the duplicates it did not train."""
    tuning = list(tuning_runs)
    # A finalist's first training is its study's trial, counted with the tuning runs.
    seeds = [s for c in candidates for s in (c.get("seeds") or [])[(c.get("author") == OPTIMISER) :]]
    trainings = seeds + list(eval_runs) + tuning
    return {
        "env_steps": sum(t.get("env_steps") or 0 for t in trainings),
        "train_s": round(sum(t.get("train_s") or 0.0 for t in trainings), 1),
        "trainings": len(trainings),
        "stopped_early": sum(t.get("status") == "stopped_early" for t in trainings),
        "duplicates": sum(c["status"] == "duplicate" for c in candidates),
        "tuning_trials": len(tuning),
    }


def iteration_table(candidates: list[Candidate], iterations: list[dict], steering: list[dict]) -> list[dict]:
    """One row per iteration: its samples, elite and note, and the steering messages applied after it."""
    by_iteration: dict[int, list] = {}
    for c in candidates:
        by_iteration.setdefault(c["iteration"], []).append(c)
    records = {r["iteration"]: r for r in iterations}
    return [
        {
            "iteration": it,
            "samples": [
                {k: c.get(k) for k in SAMPLE_FIELDS} for c in sorted(cands, key=lambda c: c["sample"])
            ],
            "best_sample": records.get(it, {}).get("best_sample"),
            **{k: records[it][k] for k in ("elite", "elite_reason") if records.get(it, {}).get(k)},
            **({"note": records[it]["note"]} if records.get(it, {}).get("note") else {}),
            **({"steering": applied} if (applied := [r for r in steering if r["iteration"] == it]) else {}),
        }
        for it, cands in sorted(by_iteration.items())
    ]


def stage_entry(record: StageRecord | StageState) -> dict:
    """One stage run, finished (a StageRecord) or running (the stage's graph state)."""
    spec, best = record["stage" if "stage" in record else "spec"], record.get("best")
    prior = spec["prior_reward"]
    # reflect writes each record's figure over its seeds; a run stopped between the seeds and reflect holds
    # trainings not yet figured, and the same rule gives the same figures either way.
    candidates = scored(record.get("candidates", []), spec.get("rank_by"))
    return {
        "stage": spec["number"],
        "attempt": spec["attempt"],
        "task": spec["task"],
        "name": spec["name"],
        "budget": {k: spec[k] for k in ("iterations", "samples", "eval_seeds", "ppo", "success_to_advance")},
        "init_checkpoint": spec["init_checkpoint"],
        "prior_reward_from": prior and ("human" if prior.get("origin") == "human" else prior["task"]),
        "search": spec.get("search", "eureka"),
        **(
            {"rank_by": spec["rank_by"]}
            if spec.get("search") in ("robust", "tuned") and spec.get("rank_by")
            else {}
        ),
        "iterations": iteration_table(candidates, record.get("iterations", []), record.get("steering", [])),
        "compute": compute(candidates, record.get("eval_runs", []), record.get("tuning_runs") or []),
        "best": best and {k: best.get(k) for k in BEST_FIELDS},
        "final_eval": final_eval(record.get("eval_runs", []), best),
        "checkpoint": record.get("checkpoint"),
        "fitness": record.get("fitness"),
        "decision": record.get("decision"),
    }


def build_summary(
    task: str,
    stages: list[StageRecord],
    running: StageState | None,
    status: str,
    llm_usage: dict,
    reason: str | None = None,
    timing: dict | None = None,
    budget_env_steps: int | None = None,
) -> dict:
    """summary.json; ``timing`` (the run's clock, at its end): its first whole-run ETA and its wall time;
    ``budget_env_steps``: the run's env-steps budget, beside what it spent (``compute``)."""
    entries = [stage_entry(r) for r in stages] + ([stage_entry(running)] if running else [])
    last = best_attempt([e for e in entries if e["stage"] == entries[-1]["stage"]]) if entries else None
    return {
        "task": task,
        "status": status,
        **({"reason": reason} if reason else {}),
        "stages": entries,
        "iterations": last["iterations"] if last else [],
        "best": last and last["best"],
        "final_eval": last and last["final_eval"],
        "search": entries[-1]["search"] if entries else None,
        "compute": {
            **{k: sum(e["compute"][k] for e in entries) for k in COMPUTE_FIELDS},
            "budget_env_steps": budget_env_steps,
        },
        "llm": llm_usage,
        **({"timing": timing} if timing else {}),
    }


def no_candidate_reason(candidates: list[Candidate]) -> str:
    """Why nothing trained, by outcome: ``3 samples: 2 llm_failed (first: ...), 1 invalid (...)``."""
    by_status: dict[str, list[Candidate]] = {}
    for c in candidates:
        by_status.setdefault(c["status"], []).append(c)
    parts = [
        f"{len(group)} {status} (first: {error_headline(group[0]['error'], 200) or 'no error'})"
        for status, group in sorted(by_status.items())
    ]
    return f"no candidate trained; {len(candidates)} samples: " + ", ".join(parts)


def write_summary(
    run: RunDir,
    task: str,
    stages: list[StageRecord],
    running: StageState | None,
    status: str,
    llm_usage: dict,
    reason: str | None = None,
    timing: dict | None = None,
    budget_env_steps: int | None = None,
) -> dict:
    summary = build_summary(task, stages, running, status, llm_usage, reason, timing, budget_env_steps)
    for record in [*stages, *([running] if running else [])]:
        write_candidate_records(run, record)
    write_json_atomic(run.summary, summary)
    return summary


def write_candidate_records(run: RunDir, record: StageRecord | StageState) -> None:
    """Each candidate's whole record in its folder (``candidate.json``): its program, digests and outcome,
    every training of its program (``seeds``), the trials of the study that tuned its constants and, for the
    stage's best, its final evaluation."""
    spec, best = record["stage" if "stage" in record else "spec"], record.get("best")
    trials: dict[str, list[dict]] = {}
    for trial in record.get("tuning_runs") or []:
        trials.setdefault(trial["parent"], []).append(trial)
    for c in scored(record.get("candidates", []), spec.get("rank_by")):
        evaluations = (record.get("eval_runs") or []) if best and best.get("id") == c["id"] else []
        folder = run.candidate(spec["name"], c["id"])
        folder.mkdir(parents=True, exist_ok=True)
        write_json_atomic(
            run.candidate_record(spec["name"], c["id"]),
            {**c, "trials": trials.get(c["id"], []), "evaluations": evaluations},
        )
