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


def configure_logging(log_file: Path) -> None:
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.TimeStamper(fmt="iso"),
            JsonlTee(log_file),
            printable_values,
            structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty()),
        ],
        logger_factory=lambda *_: structlog.PrintLogger(sys.stderr),  # the stderr of the moment, not of setup
        cache_logger_on_first_use=False,
    )
