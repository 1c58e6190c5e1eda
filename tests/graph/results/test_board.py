"""The live board: what only the running process knows, for /status."""

from graph.results.board import LiveBoard

SPEC = {"name": "stage1-Cartpole", "task": "Cartpole", "iterations": 3}


def test_trainings_in_flight_and_the_stages_finished_candidates():
    board = LiveBoard()
    board.at_iteration(SPEC, 1)
    board.progress("it1-s0", {"epoch": 5, "max_epochs": 20, "fitness": 123.456})
    [line] = board.describe()
    assert line.startswith("it1-s0: epoch 5/20, fitness 123.5, ") and "ETA" in line
    board.done({"id": "it1-s0", "fitness": 130.0})
    assert board.describe() == [] and [c["id"] for c in board.stage_candidates()] == ["it1-s0"]
    board.at_iteration({**SPEC, "name": "stage2-ShadowHand"}, 0)
    assert board.stage_candidates() == []  # another stage's candidates are not this stage's
