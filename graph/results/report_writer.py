"""The run report: ``report.html`` (self-contained: plots and video embedded) and ``report.md`` beside it.

Built from what the run wrote (summary.json, with the best program as it trained; each candidate's
result.json; an optional clip of the best policy), so it can be rebuilt at any time:
``python -m graph.report RUN_DIR``. The plots are PNGs in ``report_files/``, which report.md links.
"""

from __future__ import annotations

import base64
import html
import io
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import structlog
from matplotlib.figure import Figure as Canvas  # the object API: no pyplot state, no display

from graph.results.run_dir import (
    COMPONENTS_PLOT,
    EXECUTE_RATE_PLOT,
    FITNESS_PLOT,
    REPORT_FILES,
    REPORT_VIDEO,
    RunDir,
    candidate_id,
)
from tools.clean_eval import job_of
from tools.job_dir import RESULT_FILE
from tools.text import fmt, plot_label, printable, visible_bidi

log = structlog.get_logger("report")

#: The longest best program shown whole; a longer one is cut and the report says where the whole file is.
CODE_CHARS = 20_000


@dataclass
class Figure:
    name: str  # file name in report_files/
    title: str
    png: bytes


def png_of(fig: Canvas) -> bytes:
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()


def fitness_figure(stages: list[dict]) -> Figure:
    """Every candidate's clean fitness per iteration, one panel per stage run;
    programs that did not train at the bottom."""
    fig = Canvas(figsize=(5 * len(stages), 3.6))
    axes = fig.subplots(1, len(stages), squeeze=False)
    for ax, stage in zip(axes[0], stages, strict=True):
        trained = [
            (it["iteration"], s["fitness"])
            for it in stage["iterations"]
            for s in it["samples"]
            if s["status"] == "trained" and s["fitness"] is not None
        ]
        others = [
            it["iteration"] for it in stage["iterations"] for s in it["samples"] if s["status"] != "trained"
        ]
        floor = min([f for _, f in trained], default=0.0)
        if trained:
            ax.scatter(
                *zip(*trained, strict=True), color="tab:blue", label="trained (clean fitness)", zorder=3
            )
            best, line = -float("inf"), []
            for it in sorted({i for i, _ in trained}):
                best = max(best, max(f for i, f in trained if i == it))
                line.append((it, best))
            ax.step(*zip(*line, strict=True), where="post", color="tab:orange", label="best so far")
        if others:
            ax.scatter(
                others, [floor] * len(others), marker="x", color="gray", label="did not train", zorder=2
            )
        final = stage.get("final_eval")
        if final and final["mean"] is not None:
            ax.axhline(
                final["mean"], color="tab:green", linestyle="--", label=f"final eval {final['mean']:.4g}"
            )
        ax.set_title(stage["name"])
        ax.set_xlabel("iteration")
        ax.set_ylabel("fitness")
        ax.set_xticks(sorted({it["iteration"] for it in stage["iterations"]}) or [0])
        if ax.get_legend_handles_labels()[
            0
        ]:  # a stage stopped before its first iteration ended has nothing to name
            ax.legend(fontsize=7)
    return Figure(FITNESS_PLOT, "Fitness per iteration (every candidate)", png_of(fig))


def components_figure(result: dict, candidate: str) -> Figure | None:
    """The best candidate's reward components and task fitness per epoch (training-time figures)."""
    curves = {
        name: values
        for name, values in result.get("components", {}).items()
        if any(v is not None for v in values)
    }
    fitness = result.get("fitness") or []
    if not curves and not any(v is not None for v in fitness):
        return None
    fig = Canvas(figsize=(7, 3.6))
    ax = fig.subplots()
    for name, values in curves.items():
        ax.plot(
            range(1, len(values) + 1),
            [float("nan") if v is None else v for v in values],
            label=plot_label(name),
        )
    ax.set_xlabel("epoch")
    ax.set_ylabel("component (per-step mean)")
    twin = ax.twinx()
    twin.plot(
        range(1, len(fitness) + 1),
        [float("nan") if v is None else v for v in fitness],
        color="black",
        linestyle="--",
        label="task fitness",
    )
    twin.set_ylabel("task fitness")
    lines, labels = [
        sum(pair, [])
        for pair in zip(ax.get_legend_handles_labels(), twin.get_legend_handles_labels(), strict=True)
    ]
    ax.legend(lines, labels, fontsize=7)
    ax.set_title(f"{candidate}: reward components and fitness during training")
    return Figure(COMPONENTS_PLOT, f"Components of the best candidate ({candidate})", png_of(fig))


def execute_rate_figure(stages: list[dict]) -> Figure:
    """The share of each iteration's programs that trained."""
    labels, rates = [], []
    for stage in stages:
        for it in stage["iterations"]:
            samples = it["samples"]
            labels.append(f"{stage['stage']}.{stage['attempt']}/it{it['iteration']}")
            rates.append(sum(s["status"] == "trained" for s in samples) / len(samples) if samples else 0.0)
    fig = Canvas(figsize=(max(4, 0.6 * len(labels) + 2), 3.2))
    ax = fig.subplots()
    ax.bar(labels or ["none"], rates or [0.0], color="tab:blue")
    ax.set_ylim(0, 1)
    ax.set_ylabel("trained / sampled")
    ax.set_xlabel("stage.attempt / iteration")
    ax.tick_params(axis="x", labelrotation=45, labelsize=7)
    return Figure(EXECUTE_RATE_PLOT, "Execute rate per iteration", png_of(fig))


def best_candidate(run: RunDir, summary: dict) -> tuple[str, dict | None, str]:
    """The best candidate's id, its result.json (if readable) and its reward code, the source it trained with
    (summary.json holds it: a file could have changed since)."""
    stage = next((s for s in summary["stages"] if s["best"] == summary["best"]), summary["stages"][-1])
    best = summary["best"]
    candidate = candidate_id(best["iteration"], best["sample"])
    trained = best.get("checkpoint")  # its first training's job (a finalist's is its study's trial)
    job = job_of(trained) if trained else run.training(stage["name"], candidate)
    result_file = job / RESULT_FILE
    try:
        result = json.loads(result_file.read_text())
    except (OSError, ValueError):
        result = None
    code, path = best.get("code"), best["reward_path"]
    if code is None:  # summary.json of a run from before it held the program
        code = f"(summary.json does not hold the program; see {path})"
    if len(code) > CODE_CHARS:
        cut = f"# ... truncated at {CODE_CHARS} of {len(code)} characters; full file: {path}"
        code = f"{code[:CODE_CHARS]}\n{cut}\n"
    return candidate, result, code


def usd(value) -> str:
    return "unknown" if value is None else f"${value:.4f}"


def stage_rows(summary: dict) -> list[list[str]]:
    rows = []
    for s in summary["stages"]:
        samples = [x for it in s["iterations"] for x in it["samples"]]
        final = s["final_eval"]
        rows.append(
            [
                f"{s['stage']}.{s['attempt']}",
                s["task"],
                f"{s['budget']['iterations']} x {s['budget']['samples']}, "
                f"{s['budget']['ppo']['max_epochs']} epochs",
                f"{sum(x['status'] == 'trained' for x in samples)} / {len(samples)}"
                + "".join(
                    f", {n} {label}"
                    for key, label in (("duplicates", "duplicates"), ("stopped_early", "stopped early"))
                    if (n := (s.get("compute") or {}).get(key))
                ),
                fmt(s["fitness"]),
                f"{fmt(final['mean'])} ± {fmt(final['std'])}" if final else "n/a",
                f"{s['decision']['action']} ({s['decision']['by']}): {s['decision']['reason']}"
                if s["decision"]
                else "",
            ]
        )
    return rows


STAGE_HEAD = ["stage", "task", "budget", "trained", "best fitness", "final eval (mean ± std)", "decision"]
USAGE_HEAD = ["model", "calls", "prompt tokens", "completion tokens", "cost"]


def usage_rows(llm: dict) -> list[list[str]]:
    rows = [
        [model, str(u["calls"]), str(u["prompt_tokens"]), str(u["completion_tokens"]), usd(u["cost_usd"])]
        for model, u in llm.get("models", {}).items()
    ]
    rows.append(
        [
            "total",
            str(llm.get("calls", 0)),
            str(llm.get("prompt_tokens", 0)),
            str(llm.get("completion_tokens", 0)),
            usd(llm.get("cost_usd")),
        ]
    )
    return rows


def headline(summary: dict) -> list[str]:
    final = summary.get("final_eval")
    lines = [
        f"Task: {summary['task']} ({' -> '.join(s['name'] for s in summary['stages'])})",
        f"Status: {summary['status']}" + (f" ({summary['reason']})" if summary.get("reason") else ""),
    ]
    if final:
        lines.append(
            f"Final evaluation of the best reward on held-out seeds {final['seeds']}: {fmt(final['mean'])} "
            f"± {fmt(final['std'])} (clean fitness){ci_text(final)}{gap_text(final)}"
        )
    if summary.get("compute"):
        c = summary["compute"]
        lines.append(
            f"Search: {summary.get('search')}; compute: "
            f"{c['env_steps']:,} env-steps, {c['train_s']:.0f} s of "
            f"training in {c['trainings']} trainings; {c['duplicates']} duplicate programs not trained"
        )
    return lines


def ci_text(final: dict) -> str:
    return f", 95% CI [{fmt(final['ci95'][0])}, {fmt(final['ci95'][1])}]" if final.get("ci95") else ""


def gap_text(final: dict) -> str:
    """The selection gap: how much better the best looked in the search than on held-out seeds."""
    if final.get("selection_gap") is None:
        return ""
    sd = (
        f" ({final['selection_gap_sd']:.2f} held-out std)"
        if final.get("selection_gap_sd") is not None
        else ""
    )
    return f"; selection gap {fmt(final['selection_gap'])}{sd}"


def html_text(text: str) -> str:
    """Untrusted text for the page: printable, escaped, its bidi controls shown."""
    return visible_bidi(html.escape(printable(str(text))))


def md_text(text: str) -> str:
    """Untrusted text for report.md: printable, its bidi controls shown."""
    return visible_bidi(printable(str(text)))


def html_table(head: list[str], rows: list[list[str]]) -> str:
    cells = lambda tag, row: "".join(f"<{tag}>{html_text(c)}</{tag}>" for c in row)  # noqa: E731
    return (
        f"<table><tr>{cells('th', head)}</tr>"
        + "".join(f"<tr>{cells('td', r)}</tr>" for r in rows)
        + "</table>"
    )


def md_table(head: list[str], rows: list[list[str]]) -> str:
    def line(row: list[str]) -> str:
        return "| " + " | ".join(md_text(c).replace("|", "\\|").replace("\n", " ") for c in row) + " |"

    return "\n".join([line(head), line(["---"] * len(head)), *map(line, rows)])


STYLE = (
    "body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}"
    "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;font-size:13px}"
    "pre{background:#f6f6f6;padding:1em;overflow:auto}img,video{max-width:100%}"
)


def write_report(run: RunDir, summary: dict | None = None, video: Path | None = None) -> Path:
    """Write report.html and report.md (and report_files/) for the run; return the html's path.

    ``video``: a clip of the best policy, copied to report_files/ (one already there is kept).
    """
    summary = summary or json.loads(run.summary.read_text())
    stages = summary["stages"]
    figures = [fitness_figure(stages), execute_rate_figure(stages)] if stages else []
    code, candidate = None, None
    if summary.get("best"):
        candidate, result, code = best_candidate(run, summary)
        components = result and components_figure(result, candidate)
        if components:
            figures.insert(1, components)
    files = run.report_files
    files.mkdir(exist_ok=True)
    for figure in figures:
        (files / figure.name).write_bytes(figure.png)
    if video is not None and Path(video).resolve() != (files / REPORT_VIDEO).resolve():
        shutil.copyfile(video, files / REPORT_VIDEO)

    top, usage = headline(summary), usage_rows(summary.get("llm", {}))
    parts = [
        f"<h1>Eureka Graph run: {html.escape(summary['task'])}</h1>",
        *(f"<p>{html_text(line)}</p>" for line in top),
        "<h2>Stages</h2>",
        html_table(STAGE_HEAD, stage_rows(summary)),
    ]
    md = [
        f"# Eureka Graph run: {summary['task']}",
        "",
        *(f"{md_text(line)}  " for line in top),
        "",
        "## Stages",
        "",
        md_table(STAGE_HEAD, stage_rows(summary)),
        "",
    ]
    if code is not None:
        parts += [
            f"<h2>Best reward ({html.escape(candidate)})</h2>",
            f"<pre><code>{html_text(code)}</code></pre>",
        ]
        md += [f"## Best reward ({candidate})", "", "````python", md_text(code).rstrip(), "````", ""]
    for figure in figures:
        data = base64.b64encode(figure.png).decode()
        parts += [
            f"<h2>{html.escape(figure.title)}</h2>",
            f'<img class="plot" alt="{html.escape(figure.title)}" src="data:image/png;base64,{data}">',
        ]
        md += [f"## {figure.title}", "", f"![{figure.title}]({REPORT_FILES}/{figure.name})", ""]
    if (files / REPORT_VIDEO).is_file():
        data = base64.b64encode((files / REPORT_VIDEO).read_bytes()).decode()
        parts += [
            "<h2>The best policy</h2>",
            f'<video controls loop muted src="data:video/mp4;base64,{data}"></video>',
        ]
        md += ["## The best policy", "", f"[{REPORT_VIDEO}]({REPORT_FILES}/{REPORT_VIDEO})", ""]
    parts += [
        "<h2>LLM usage and cost</h2>",
        html_table(USAGE_HEAD, usage),
        "<p>Fitness figures are clean: measured by a process that never ran reward code. Component curves "
        "are training-time figures, written by the reward's own process.</p>",
    ]
    md += ["## LLM usage and cost", "", md_table(USAGE_HEAD, usage), ""]
    page = (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(summary['task'])} report</title>"
        f"<style>{STYLE}</style></head><body>{''.join(parts)}</body></html>"
    )
    run.report_html.write_text(page)
    run.report_md.write_text("\n".join(md))
    return run.report_html


def report_or_warn(run: RunDir, summary: dict, video: Path | None = None) -> Path | None:
    """``write_report``, logging instead of raising: the report is a view of summary.json, and a plotting
    failure must not cost a run its ending (or hide the error that is ending it)."""
    try:
        path = write_report(run, summary, video)
    except Exception as exc:  # noqa: BLE001 - see the docstring
        log.warning("report.failed", error=f"{type(exc).__name__}: {exc}")
        return None
    log.info("run.report", path=str(path))
    return path
