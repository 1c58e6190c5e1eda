"""Live progress on the console: each training's epoch, fitness so far and ETA; a table after every
iteration; LLM calls, tokens and cost.

On a terminal, graph.run's steering prompt shows the trainings in flight in its bottom toolbar,
refreshed every second. Without one (stdout is a file or a pipe) the same figures are plain
``train.progress`` / ``eval.progress`` log lines at every 10% of the epochs. The iteration table is
printed in both cases (plain text without a terminal).
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import structlog
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from graph.results.board import LiveBoard
from tools.text import error_headline, fmt, one_line

log = structlog.get_logger("graph")
ERROR_CHARS = 60


def usage_line(usage: dict) -> str:
    """``LLM: 12 calls, 15321 prompt + 3410 completion tokens, $0.0000``."""
    cost = usage.get("cost_usd")
    return (
        f"LLM: {usage.get('calls', 0)} calls, {usage.get('prompt_tokens', 0)} prompt + "
        f"{usage.get('completion_tokens', 0)} completion tokens, "
        f"{'cost unknown' if cost is None else f'${cost:.4f}'}"
    )


def progress_logger(board: LiveBoard, name: str, event: str, **fields) -> Callable[[dict], None]:
    """Per-epoch progress of the training ``name``: onto the board,
    and a log line at every 10% of the epochs."""

    def on_progress(p: dict) -> None:
        training = board.progress(name, p)
        if p["epoch"] % max(p["max_epochs"] // 10, 1) == 0:
            log.info(
                event,
                epoch=f"{p['epoch']}/{p['max_epochs']}",
                fitness=p["fitness"],
                eta_s=round(training.eta_s()),
                **fields,
            )

    return on_progress


def iteration_table(stage: str, iteration: int, candidates: list[dict], usage: dict) -> Table:
    """One row per candidate of the iteration: status, clean and training fitness, epochs, time, error."""
    table = Table(title=f"{stage}, iteration {iteration}", caption=usage_line(usage), box=box.SIMPLE_HEAD)
    for column in ("candidate", "status", "fitness", "train fitness", "epochs", "time", "error"):
        table.add_column(
            column, justify="right" if column in ("fitness", "train fitness", "epochs", "time") else "left"
        )
    for c in sorted(candidates, key=lambda c: c["sample"]):
        result = c.get("result") or {}
        error = error_headline(c["error"]) if c.get("error") else ""
        cells = (
            c["id"],
            c["status"] + (" (overstated)" if c.get("overstated") else ""),
            fmt(c["fitness"]),
            fmt(c["train_fitness"]),
            str(result.get("epochs", "")),
            f"{result['wall_s']:.0f} s" if result.get("wall_s") is not None else "",
            error[:ERROR_CHARS] + ("..." if len(error) > ERROR_CHARS else ""),
        )
        table.add_row(*(Text(one_line(cell)) for cell in cells))  # Text: no markup is read from a cell
    return table


def print_iteration(stage: str, iteration: int, candidates: list[dict], usage: dict) -> None:
    """Print the iteration's table; a failure to print is a warning, never the end of the run."""
    terminal = sys.stdout.isatty()
    console = Console(
        file=sys.stdout, width=None if terminal else 120, no_color=not terminal, highlight=False
    )
    try:
        console.print(iteration_table(stage, iteration, candidates, usage))
    except Exception as exc:  # noqa: BLE001 - see the docstring
        log.warning("progress.table_failed", error=one_line(f"{type(exc).__name__}: {exc}"))


def toolbar(board: LiveBoard, usage: Callable[[], dict]) -> str:
    """The terminal's bottom toolbar: where the run is, each training in flight, the run's time and ETA, LLM
    usage."""
    where = f"{board.stage} iteration {board.iteration + 1}/{board.iterations}" if board.stage else "starting"
    return "\n".join(
        [
            where,
            *(f"  {line}" for line in board.describe()),
            board.spent(),
            board.clock.line(),
            usage_line(usage()),
        ]
    )
