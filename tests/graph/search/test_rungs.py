"""The rung judge: who stops at a rung, and a board that survives a resume."""

import json

from graph.results.run_dir import RUNG_BOARD_FILE
from graph.search.rungs import RungBoard


def test_a_candidate_in_the_bottom_half_of_those_at_the_rung_stops_and_the_first_arrivals_never_do(tmp_path):
    board = RungBoard(tmp_path / RUNG_BOARD_FILE, keep=0.5, min_peers=3)
    assert not board.judge(25, "a", 10.0)["stop"]  # alone at the rung
    assert not board.judge(25, "b", 5.0)["stop"]  # 2 < min_peers: nobody stops yet
    third = board.judge(25, "c", 1.0)  # 2 of 2 others ahead, the rung keeps ceil(3 / 2) = 2
    assert third["stop"] and (third["peers"], third["better"], third["kept"]) == (3, 2, 2)
    assert not board.judge(25, "d", 7.0)["stop"]  # 1 ahead, 4 peers keep 2
    assert board.judge(25, "e", None)["stop"]  # no clean figure counts as the worst


def test_ties_train_on_and_rungs_are_judged_separately(tmp_path):
    board = RungBoard(tmp_path / RUNG_BOARD_FILE, keep=0.5, min_peers=2)
    board.judge(10, "a", 500.0)
    assert not board.judge(10, "b", 500.0)["stop"]  # a tie is not "strictly ahead"
    assert not board.judge(20, "c", 1.0)["stop"]  # alone at another rung


def test_the_board_is_read_back_after_a_resume(tmp_path):
    path = tmp_path / RUNG_BOARD_FILE
    RungBoard(path, keep=0.5, min_peers=2).judge(10, "it0-s0", 100.0)
    assert json.loads(path.read_text()) == {"10": {"it0-s0": 100.0}}
    assert RungBoard(path, keep=0.5, min_peers=2).judge(10, "it1-s0", 3.0)["stop"]
