"""Live progress: the per-iteration table, the usage line, the toolbar's trainings with their ETA."""

import time

from rich.console import Console

from graph.results.board import LiveBoard
from graph.results.progress import iteration_table, print_iteration, toolbar, usage_line
from tests.helpers import candidate

USAGE = {"calls": 3, "prompt_tokens": 1200, "completion_tokens": 300, "cost_usd": 0.0125}


def test_the_iteration_table_has_a_row_per_candidate_and_the_llm_usage():
    trained = {**candidate(0, "trained", 412.5), "result": {"epochs": 20, "wall_s": 12.3}, "overstated": True}
    failed = {**candidate(1, "failed", None), "error": "Traceback ...\nValueError: reward is NaN at step 3"}
    console = Console(record=True, width=150)
    console.print(iteration_table("stage1-Cartpole", 0, [failed, trained], USAGE))
    text = console.export_text()
    assert "stage1-Cartpole, iteration 0" in text
    rows = [line for line in text.splitlines() if "it0-s" in line]
    assert (
        "it0-s0" in rows[0] and "trained (overstated)" in rows[0] and "412.5" in rows[0] and "12 s" in rows[0]
    )
    assert "it0-s1" in rows[1] and "failed" in rows[1] and "ValueError: reward is NaN at step 3" in rows[1]
    assert "LLM: 3 calls, 1200 prompt + 300 completion tokens, $0.0125" in text


def test_an_unpriced_model_makes_the_cost_unknown():
    assert usage_line({**USAGE, "cost_usd": None}).endswith("cost unknown")


def test_the_toolbar_shows_each_training_in_flight_with_its_eta():
    board = LiveBoard()
    board.at_iteration({"name": "stage1-Cartpole", "task": "Cartpole", "iterations": 3}, 1)
    training = board.progress("it1-s0", {"epoch": 5, "max_epochs": 20, "fitness": 88.0})
    training.started = time.monotonic() - 10  # 10 s for 5 epochs: 30 s to go
    text = toolbar(board, lambda: USAGE)
    lines = text.splitlines()
    assert lines[0] == "stage1-Cartpole iteration 2/3"
    assert lines[1].startswith("  it1-s0: epoch 5/20, fitness 88, 10 s, ETA 30 s")
    assert lines[-1] == usage_line(USAGE)


def test_an_error_with_markup_escapes_and_a_lone_surrogate_prints_as_text(capsys):
    hostile = {
        **candidate(0, "invalid", None),
        "error": "Traceback\nValueError: [/] [link=http://x]y[/link] \x1b[2J \ud800",
    }
    print_iteration("stage1-Cartpole", 0, [hostile], {"calls": 1})
    out = capsys.readouterr().out
    assert "[/] [link=http://x]y" in out and "\x1b" not in out
