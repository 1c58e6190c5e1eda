"""Logging: every event is one JSON line in the run's log.jsonl, and a readable line on the console."""

import json

import structlog

from graph.results.logs import configure_logging
from graph.results.run_dir import LOG_FILE


def test_an_event_goes_to_the_jsonl_file_and_the_console(tmp_path, capsys):
    configure_logging(tmp_path / LOG_FILE)
    structlog.get_logger("test").info("train.done", candidate="it0-s1", fitness=float("nan"))
    record = json.loads((tmp_path / LOG_FILE).read_text().splitlines()[-1])
    assert record["event"] == "train.done" and record["level"] == "info" and record["candidate"] == "it0-s1"
    assert "timestamp" in record
    assert "train.done" in capsys.readouterr().err


def test_a_terminal_shows_the_milestones_and_warnings_and_verbose_shows_everything():
    import pytest

    from graph.results.logs import TerminalFilter

    on_terminal = TerminalFilter(is_terminal=lambda: True)
    with pytest.raises(structlog.DropEvent):
        on_terminal(None, "info", {"event": "train.progress", "epoch": "3/100"})
    assert on_terminal(None, "info", {"event": "train.done"})["event"] == "train.done"
    assert on_terminal(None, "warning", {"event": "train.progress"})["event"] == "train.progress"
    assert TerminalFilter(verbose=True, is_terminal=lambda: True)(None, "info", {"event": "llm.call"})
    assert TerminalFilter(is_terminal=lambda: False)(
        None, "info", {"event": "llm.call"}
    )  # a pipe or a file: all
