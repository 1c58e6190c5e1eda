"""structlog setup: every event goes to the run's log.jsonl and, readable, to the console."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import structlog

from tools.text import printable


class JsonlTee:
    """A processor that appends each event as one JSON line, then passes it on unchanged."""

    def __init__(self, path: Path):
        self.file = open(path, "a", buffering=1)

    def __call__(self, logger, method_name, event_dict):
        self.file.write(json.dumps({"level": method_name, **event_dict}, default=str) + "\n")
        return event_dict


def printable_values(logger, method_name, event_dict):
    """Every string value made printable for the console (untrusted text carries ESC sequences)."""
    return {k: printable(v) if isinstance(v, str) else v for k, v in event_dict.items()}


#: What a terminal shows of the info-level events (the board and the iteration tables show the rest):
#: one line per finished training, the stage and run milestones, and what the person did or must do.
TERMINAL_EVENTS = frozenset(
    {
        "train.done",
        "train.stopped_early",
        "seed.done",
        "eval.done",
        "stage.start",
        "stage.done",
        "run.eta",
        "stage.success_reached",
        "run.done",
        "run.report",
        "curriculum.plan",
        "curriculum.decision",
        "steer.file",
        "steer.applied",
        "steer.waiting",
        "steer.critic_answer",
        "steer.clip",
        "budget.spent",
        "llm.back",
        "agents.mode",
        "pool.ray",
    }
)


class TerminalFilter:
    """Drops, on a terminal and unless ``verbose``, the info events not in TERMINAL_EVENTS (every epoch's
    progress, every LLM call); warnings and errors always pass, and log.jsonl
    (written before) keeps everything."""

    def __init__(self, verbose: bool = False, is_terminal=lambda: sys.stderr.isatty()):
        self.verbose, self.is_terminal = verbose, is_terminal

    def __call__(self, logger, method_name, event_dict):
        quiet = not self.verbose and method_name in ("debug", "info") and self.is_terminal()
        if quiet and event_dict.get("event") not in TERMINAL_EVENTS:
            raise structlog.DropEvent
        return event_dict


def configure_logging(log_file: Path, verbose: bool = False) -> None:
    """Every event to ``log_file``; to the console, readable, all of them off a terminal, on one the
    TerminalFilter's (``verbose``: all)."""
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.TimeStamper(fmt="iso"),
            JsonlTee(log_file),
            TerminalFilter(verbose),
            printable_values,
            structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty()),
        ],
        logger_factory=lambda *_: structlog.PrintLogger(sys.stderr),  # the stderr of the moment, not of setup
        cache_logger_on_first_use=False,
    )
