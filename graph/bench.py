"""The benchmark that proves the method: Sparse, Human and Eureka on each task,
with the same seeds and budgets.

    python -m graph.bench --tasks Cartpole,BallBalance,Quadcopter --llm openai:gpt-4o --out runs/bench \\
        [--init-reward human] [--eval-seeds 3] [--num-envs N] [--max-epochs N] [graph.run flags ...]

Per task, every method's figure is the clean fitness of its policies over the same seeds (the
seeds of a run's final evaluation, ``seed + 1000 + i``) and the same PPO budget:

- Sparse and Human: the Trainer trains the task's sparse (its success metric) and human reward once per seed;
- Eureka: ``python -m graph.run --curriculum TASK`` (one stage), its final evaluation;
- Eureka (Human Init.), with ``--init-reward human``: the same run,
  its first prompt starting from the human reward.

The baselines train on the local device pool (``--devices``, ``--trainers-per-device``); the runs take every
graph.run flag given, ``--pool ray`` included.

Flags it does not know go to graph.run (``--iterations 5 --samples 16 --coder-llm ...``). With
``--llm replay:DIR`` where DIR is an earlier benchmark's ``--out``, each run replays its own
transcript. Everything lands under ``--out``; run the same command again and it resumes (a finished
job or run is kept, an unfinished run is resumed). It writes results.json, table.md and scores.png.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from matplotlib.figure import Figure as Canvas
from rich.console import Console
from rich.table import Table

from graph.nodes.stage import EVAL_SEED_OFFSET
from graph.results.report_writer import md_table
from graph.results.run_dir import SEED_DIR, RunDir
from graph.results.summary import bootstrap_ci
from graph.settings import Settings, SettingsError
from sim.registry import UnknownTaskError, task_class, task_config
from sim.rl.ppo_config import ppo_config
from tools.job_dir import RESULT_FILE
from tools.jobs import TrainResult, clean_fitness
from tools.pool import DevicePool
from tools.text import fmt
from tools.trainer import make_job

METHODS = {
    "sparse": "Sparse",
    "human": "Human",
    "eureka": "Eureka",
    "eureka_paper": "Eureka (paper's search)",
    "eureka_tuned": "Eureka (tuned)",
    "eureka_human_init": "Eureka (Human Init.)",
}
#: The graph.run search of each Eureka method: ``eureka`` is the product's
#: (robust), ``eureka_paper`` the paper's.
SEARCH_OF = {
    "eureka": "robust",
    "eureka_paper": "eureka",
    "eureka_tuned": "tuned",
    "eureka_human_init": "robust",
}
#: The Eureka method of each search named by --search.
METHOD_OF = {search: method for method, search in SEARCH_OF.items() if method != "eureka_human_init"}
FINISHED = ("completed", "no_trained_candidate", "stopped_by_curriculum", "stopped_by_user", "budget_spent")
RESULTS_FILE, TABLE_FILE, PLOT_FILE, RUN_LOG = "results.json", "table.md", "scores.png", "run.log"


class BenchError(ValueError):
    """A bad benchmark argument; the message names it."""


@dataclass
class Bench:
    tasks: list[str]
    out: Path
    llm: str
    seeds: list[int]
    ppo: dict  # num_envs, max_epochs (only those given; they win over each task's benchmark budget)
    methods: list[str]
    run_args: list[str]  # the graph.run flags given through
    devices: str
    trainers_per_device: int


def parse_args(argv: list[str] | None) -> Bench:
    p = argparse.ArgumentParser(
        prog="python -m graph.bench",
        description=__doc__.split("\n\n")[0],
        epilog="Other flags are passed to graph.run (e.g. --iterations 5 --samples 16).",
    )
    p.add_argument("--tasks", required=True, help="comma-separated task names")
    p.add_argument("--out", required=True, type=Path, help="where everything goes (run again to resume)")
    p.add_argument(
        "--llm", default="local", help="the Eureka runs' model (replay:DIR of an earlier --out replays it)"
    )
    p.add_argument(
        "--init-reward", choices=("human",), help="also run Eureka from the human reward (Human Init.)"
    )
    p.add_argument("--eval-seeds", type=int, default=3, help="seeds per method and task (default 3)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--num-envs", type=int)
    p.add_argument("--max-epochs", type=int)
    p.add_argument(
        "--devices",
        help="pool local: auto (every visible GPU, else cpu) or e.g. cuda:0,cuda:1 "
        "(default: configs/run.yaml's, for the baselines and the runs alike)",
    )
    p.add_argument("--trainers-per-device", type=int, help="pool local (default: configs/run.yaml's)")
    p.add_argument(
        "--search",
        default="robust",
        help="the searches to compare, e.g. eureka,robust,tuned (same model, same "
        "seeds; with --llm replay:FILE the same recorded answers)",
    )
    args, run_args = p.parse_known_args(argv)
    tasks = [t.strip() for t in args.tasks.split(",") if t.strip()]
    if not tasks:
        raise BenchError("--tasks: name at least one task")
    for task in tasks:
        try:
            task_class(task)
        except UnknownTaskError as exc:
            raise BenchError(f"--tasks: {exc}") from None
    for name in ("eval_seeds", "num_envs", "max_epochs", "trainers_per_device"):
        value = getattr(args, name)
        if value is not None and value < 1:
            raise BenchError(f"--{name.replace('_', '-')} must be >= 1, got {value}")
    taken = {"--task", "--curriculum", "--run-dir", "--resume", "--init-reward", "--eval-seeds", "--seed"}
    searches = [s.strip() for s in args.search.split(",") if s.strip()]
    if not searches or set(searches) - set(METHOD_OF):
        raise BenchError(
            f"--search: any of {', '.join(sorted(METHOD_OF))} (e.g. eureka,robust,tuned), got {args.search!r}"
        )
    clash = sorted(a.split("=")[0] for a in run_args if a.split("=")[0] in taken)
    if clash:
        raise BenchError(f"{', '.join(clash)}: set by the benchmark for each run")
    seeds = [args.seed + EVAL_SEED_OFFSET + i for i in range(args.eval_seeds)]
    ppo = {k: v for k, v in (("num_envs", args.num_envs), ("max_epochs", args.max_epochs)) if v is not None}
    methods = ["sparse", "human"] + [METHOD_OF[s] for s in searches]
    methods += ["eureka_human_init"] if args.init_reward else []
    run_args += ["--seed", str(args.seed), "--eval-seeds", str(args.eval_seeds)]
    local = {"--devices": args.devices, "--trainers-per-device": args.trainers_per_device}
    run_args += [str(a) for flag, value in local.items() if value is not None for a in (flag, value)]
    defaults = Settings.load()  # the baselines train on the local pool, sized like a run's
    return Bench(
        tasks,
        args.out,
        args.llm,
        seeds,
        ppo,
        methods,
        run_args,
        args.devices or defaults.devices,
        args.trainers_per_device or defaults.trainers_per_device,
    )


def scores(fitness: list[float | None], errors: list[str]) -> dict:
    """A method's held-out figures on the benchmark's seeds: mean, std and the mean's 95% interval."""
    known = [f for f in fitness if f is not None]
    return {
        "fitness": fitness,
        "mean": statistics.fmean(known) if known else None,
        "std": statistics.pstdev(known) if known else None,
        "ci95": bootstrap_ci(known),
        "errors": errors,
    }


async def baseline(bench: Bench, pool: DevicePool, task: str, reward: str) -> dict:
    """The task's built-in ``reward`` trained once per seed; a finished job is read back, not redone."""

    async def one(seed: int) -> TrainResult:
        out = bench.out / task / reward / f"{SEED_DIR}{seed}"
        if (out / RESULT_FILE).is_file():
            return json.loads((out / RESULT_FILE).read_text())
        job = make_job(task, reward, out, seed=seed, ppo=budget(bench, task))
        job.seed_salt = RunDir(bench.out).seed_salt()  # the streams every method of the benchmark trains with
        return await pool.run(job)

    results = await asyncio.gather(*(one(seed) for seed in bench.seeds))
    fitness = [clean_fitness(r) for r in results]
    return scores(fitness, [r["error"] for r in results if r.get("error")])


def budget(bench: Bench, task: str) -> dict:
    """The task's PPO budget in the benchmark: its config's ``bench:`` block (one at which Sparse and Human
    differ, measured by bench/bench_budget.py), then the ones given on the command line."""
    return {**(task_config(task).get("bench") or {}), **bench.ppo}


def run_llm(llm: str, task: str, method: str) -> str:
    """``replay:DIR`` of an earlier benchmark replays each run's own transcript; any other spec as given."""
    if llm.startswith("replay:"):
        own = Path(llm.removeprefix("replay:")) / task / method
        if RunDir(own).llm_calls.is_file():
            return f"replay:{RunDir(own).llm_calls}"
    return llm


def run_command(bench: Bench, task: str, method: str, run_dir: Path) -> list[str]:
    """The graph.run flags of a new Eureka run of ``method`` on ``task``."""
    return [
        "--task",
        task,
        "--curriculum",
        task,
        "--run-dir",
        str(run_dir),
        "--llm",
        run_llm(bench.llm, task, method),
        *bench.run_args,
        "--search",
        SEARCH_OF[method],
        *(f"--{k.replace('_', '-')}={v}" for k, v in budget(bench, task).items()),
        *(["--init-reward", "human"] if method == "eureka_human_init" else []),
    ]


def check_run_flags(bench: Bench) -> None:
    """graph.run's own checks of every run's flags before anything trains, so a bad flag passed through is one
    line now, not a failed run after the baselines (nothing is written)."""
    from graph import run as graph_run  # its checks only: the runs themselves are subprocesses

    for task in bench.tasks:
        for method in (m for m in bench.methods if m in SEARCH_OF):
            try:
                graph_run.prepare(
                    graph_run.parse_args(run_command(bench, task, method, bench.out / ".unused"))
                )
            except SettingsError as exc:
                raise BenchError(f"{' '.join(bench.run_args)}: {exc}") from None


def eureka(bench: Bench, task: str, method: str) -> dict:
    """A graph.run of the task (resumed if it was cut short), scored by its final evaluation."""
    run_dir = bench.out / task / method
    summary_file = RunDir(run_dir).summary
    finished = summary_file.is_file() and json.loads(summary_file.read_text())["status"] in FINISHED
    if not finished:
        command = (
            ["--resume", str(run_dir)]
            if RunDir(run_dir).is_run()
            else run_command(bench, task, method, run_dir)
        )
        run_dir.mkdir(parents=True, exist_ok=True)
        if not RunDir(
            run_dir
        ).seed_salt_file.is_file():  # the benchmark's salt: same seed, same states as the baselines
            shutil.copyfile(RunDir(bench.out).seed_salt_file, RunDir(run_dir).seed_salt_file)
            RunDir(run_dir).seed_salt_file.chmod(0o600)
        with open(bench.out / task / f"{method}.{RUN_LOG}", "a") as log:
            done = subprocess.run(
                [sys.executable, "-m", "graph.run", *command], stdout=log, stderr=subprocess.STDOUT
            )
        if done.returncode != 0 or not summary_file.is_file():
            tail = (bench.out / task / f"{method}.{RUN_LOG}").read_text().strip().splitlines()[-1:]
            return scores(
                [None] * len(bench.seeds), [f"graph.run exited {done.returncode}: {' '.join(tail)}"]
            )
    summary = json.loads(summary_file.read_text())
    final = summary.get("final_eval") or {
        "seeds": bench.seeds,
        "fitness": [None] * len(bench.seeds),
        "errors": [],
    }
    by_seed = dict(zip(final["seeds"], final["fitness"], strict=True))
    errors = final["errors"] + (
        [summary["reason"]] if summary["status"] != "completed" and summary.get("reason") else []
    )
    return {
        **scores([by_seed.get(seed) for seed in bench.seeds], errors),
        "selection_gap": final.get("selection_gap"),
        "selection_gap_sd": final.get("selection_gap_sd"),
        "env_steps": (summary.get("compute") or {}).get("env_steps"),
    }


def normalised(method: dict, sparse: dict, human: dict) -> float | None:
    """The paper's human-normalised score: (Method - Sparse) / |Human - Sparse|."""
    values = (method["mean"], sparse["mean"], human["mean"])
    if None in values or human["mean"] == sparse["mean"]:
        return None
    return (method["mean"] - sparse["mean"]) / abs(human["mean"] - sparse["mean"])


def score(value: float | None) -> str:
    return fmt(value, ".2f")


def add_scores(results: dict[str, dict]) -> None:
    for per_method in results.values():
        for _method, entry in per_method.items():
            entry["normalised"] = normalised(entry, per_method["sparse"], per_method["human"])


def table_rows(bench: Bench, results: dict) -> tuple[list[str], list[list[str]], str]:
    eurekas = [m for m in bench.methods if m.startswith("eureka")]
    head = [
        "task",
        *(METHODS[m] for m in bench.methods),
        *(f"{METHODS[m]} normalised" for m in eurekas),
        *(f"{METHODS[m]} 95% CI, selection gap, env-steps" for m in eurekas),
    ]
    rows = []
    for task, per_method in results.items():
        cells = [f"{fmt(per_method[m]['mean'])} ± {fmt(per_method[m]['std'])}" for m in bench.methods]
        searches = [search_cell(per_method[m]) for m in eurekas]
        rows.append([task, *cells, *(score(per_method[m]["normalised"]) for m in eurekas), *searches])
    first = eurekas[0]
    beats = sum(
        r[first]["mean"] is not None
        and r["human"]["mean"] is not None
        and r[first]["mean"] > r["human"]["mean"]
        for r in results.values()
    )
    budgets = ", ".join(
        f"{task} {p['max_epochs']} epochs x {p['num_envs']} envs"
        for task in results
        if (p := ppo_config(task, budget(bench, task)))
    )
    return head, rows, f"{METHODS[first]} beats Human on {beats} of {len(results)} tasks; budgets: {budgets}"


def search_cell(entry: dict) -> str:
    """A search's held-out interval, its selection gap (in held-out std when known) and its compute."""
    ci = f"[{fmt(entry['ci95'][0])}, {fmt(entry['ci95'][1])}]" if entry.get("ci95") else "n/a"
    gap = fmt(entry.get("selection_gap")) + (
        f" ({entry['selection_gap_sd']:.2f} sd)" if entry.get("selection_gap_sd") is not None else ""
    )
    steps = f"{entry['env_steps']:,}" if entry.get("env_steps") is not None else "n/a"
    return f"{ci}, {gap}, {steps}"


def write_plot(bench: Bench, results: dict, path: Path) -> None:
    """Bars of the human-normalised score per task and method (Sparse is 0 and Human 1 by definition)."""
    fig = Canvas(figsize=(max(6, 1.6 * len(results) + 3.5), 3.6), layout="constrained")
    ax = fig.subplots()
    width = 0.8 / len(bench.methods)
    for i, method in enumerate(bench.methods):
        values = [results[t][method]["normalised"] for t in results]
        xs = [n + (i - (len(bench.methods) - 1) / 2) * width for n in range(len(results))]
        ax.bar(xs, [0.0 if v is None else v for v in values], width, label=METHODS[method])
    ax.axhline(1.0, color="gray", linestyle=":", linewidth=1)
    ax.set_xticks(range(len(results)), list(results))
    ax.set_ylabel("human-normalised score")
    ax.set_title("(Method - Sparse) / |Human - Sparse|, mean over seeds")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.savefig(path, dpi=100)


async def run_bench(bench: Bench, console: Console) -> dict:
    pool = DevicePool(bench.devices, bench.trainers_per_device)
    bench.out.mkdir(parents=True, exist_ok=True)
    RunDir(bench.out).seed_salt()  # one salt for every training of the benchmark (sim/seeding.py)
    results: dict[str, dict] = {}
    for task in bench.tasks:
        per_method = {}
        for method in bench.methods:
            console.print(f"{task}: {METHODS[method]} ...")
            if method in ("sparse", "human"):
                per_method[method] = await baseline(bench, pool, task, method)
            else:
                per_method[method] = await asyncio.to_thread(eureka, bench, task, method)
            entry = per_method[method]
            console.print(
                f"{task}: {METHODS[method]} {fmt(entry['mean'])} ± {fmt(entry['std'])}"
                + (f" ({entry['errors'][0][:200]})" if entry["errors"] else "")
            )
        results[task] = per_method
    add_scores(results)
    return results


def main(argv: list[str] | None = None) -> int:
    try:
        bench = parse_args(argv)
        check_run_flags(bench)
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    bench.out.mkdir(parents=True, exist_ok=True)
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 160)
    try:
        results = asyncio.run(run_bench(bench, console))
    except KeyboardInterrupt:
        print(
            f"interrupted; the finished jobs and runs are kept, run the same command to resume ({bench.out})",
            file=sys.stderr,
        )
        return 130
    head, rows, verdict = table_rows(bench, results)
    table = Table(*head, title=f"Clean fitness, mean ± std over seeds {bench.seeds}", caption=verdict)
    for row in rows:
        table.add_row(*row)
    console.print(table)
    (bench.out / RESULTS_FILE).write_text(
        json.dumps(
            {"seeds": bench.seeds, "methods": bench.methods, "results": results, "verdict": verdict}, indent=1
        )
    )
    (bench.out / TABLE_FILE).write_text(f"{md_table(head, rows)}\n\n{verdict}\n")
    write_plot(bench, results, bench.out / PLOT_FILE)
    console.print(f"-> {bench.out / RESULTS_FILE}, {bench.out / TABLE_FILE}, {bench.out / PLOT_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
