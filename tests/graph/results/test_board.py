"""The live board: what only the running process knows, for /status."""

from graph.results.board import LiveBoard

SPEC = {"name": "stage1-Cartpole", "task": "Cartpole", "iterations": 3}


def test_trainings_in_flight_and_the_stages_finished_candidates():
    board = LiveBoard()
    board.at_iteration(SPEC, 1)
    board.progress("it1-s0", {"epoch": 5, "max_epochs": 20, "fitness": 123.456})
    [line] = board.describe()
    assert line.startswith("it1-s0: epoch 5/20, fitness 123.5, ") and "ETA" in line
    board.done({"id": "it1-s0", "fitness": 130.0, "status": "trained", "author": "coder"})
    board.done({"id": "it1-s1", "fitness": None, "status": "duplicate", "author": "coder"})
    board.done({"id": "it1-s2", "fitness": 140.0, "status": "trained", "author": "optimiser"})
    assert board.describe() == [] and [c["id"] for c in board.stage_candidates()] == [
        "it1-s0",
        "it1-s1",
        "it1-s2",
    ]
    # The run's ETA learns which samples trained (a tuned winner is not a sample) once their iteration ends:
    # those that do not train end first.
    assert board.clock.pace.samples == {} and board.clock.stage_trained
    board.at_iteration({**SPEC, "name": "stage2-ShadowHand"}, 0)
    assert board.clock.pace.samples == {"Cartpole": [True, False]} and not board.clock.stage_trained
    assert board.stage_candidates() == []  # another stage's candidates are not this stage's


def test_the_stages_compute_is_shown_and_a_new_stage_starts_from_nothing():
    board = LiveBoard()
    board.at_iteration(SPEC, 2)
    board.compute = {
        "env_steps": 1_234_567,
        "train_s": 61.2,
        "trainings": 7,
        "stopped_early": 2,
        "duplicates": 1,
    }
    assert board.spent() == (
        "compute to iteration 2: 1,234,567 env-steps, 61 s of training, 7 trainings "
        "(2 stopped early, 1 duplicates not trained)"
    )
    board.at_iteration({**SPEC, "name": "stage2-ShadowHand"}, 0)
    assert board.spent() == "compute: nothing trained yet in this stage"
