"""Logging: every event is one JSON line in the run's log.jsonl, and a readable line on the console."""

import json

import structlog

from graph.results.logs import configure_logging


def test_an_event_goes_to_the_jsonl_file_and_the_console(tmp_path, capsys):
    configure_logging(tmp_path / "log.jsonl")
    structlog.get_logger("test").info("train.done", candidate="it0-s1", fitness=float("nan"))
    record = json.loads((tmp_path / "log.jsonl").read_text().splitlines()[-1])
    assert record["event"] == "train.done" and record["level"] == "info" and record["candidate"] == "it0-s1"
    assert "timestamp" in record
    assert "train.done" in capsys.readouterr().err
