"""The rung rule: who stops at a rung, where rungs sit, and a board that survives a resume."""

import json

import pytest

from tools.rungs import MIN_RUNG_EPOCH, RungBoard, describe, parse_fractions, rung_epochs


def test_a_candidate_in_the_bottom_half_of_those_at_the_rung_stops_and_the_first_arrivals_never_do(tmp_path):
    board = RungBoard(tmp_path / "rungs.json", keep=0.5, min_peers=3)
    assert not board.judge(25, "a", 10.0)["stop"]  # alone at the rung
    assert not board.judge(25, "b", 5.0)["stop"]  # 2 < min_peers: nobody stops yet
    third = board.judge(25, "c", 1.0)  # 2 of 2 others ahead, the rung keeps ceil(3 / 2) = 2
    assert third["stop"] and (third["peers"], third["better"], third["kept"]) == (3, 2, 2)
    assert not board.judge(25, "d", 7.0)["stop"]  # 1 ahead, 4 peers keep 2
    assert board.judge(25, "e", None)["stop"]  # no clean figure counts as the worst


def test_ties_train_on_and_rungs_are_judged_separately(tmp_path):
    board = RungBoard(tmp_path / "rungs.json", keep=0.5, min_peers=2)
    board.judge(10, "a", 500.0)
    assert not board.judge(10, "b", 500.0)["stop"]  # a tie is not "strictly ahead"
    assert not board.judge(20, "c", 1.0)["stop"]  # alone at another rung


def test_the_board_is_read_back_after_a_resume(tmp_path):
    path = tmp_path / "rungs.json"
    RungBoard(path, keep=0.5, min_peers=2).judge(10, "it0-s0", 100.0)
    assert json.loads(path.read_text()) == {"10": {"it0-s0": 100.0}}
    assert RungBoard(path, keep=0.5, min_peers=2).judge(10, "it1-s0", 3.0)["stop"]


def test_rungs_sit_from_the_minimum_epoch_and_before_the_last():
    assert rung_epochs([0.25, 0.5], 100) == [25, 50]
    assert rung_epochs([0.25], 4 * (MIN_RUNG_EPOCH - 1)) == []  # too early to tell rewards apart
    assert rung_epochs([0.99], 100) == [99] and rung_epochs([0.999], 100) == []


@pytest.mark.parametrize("text, message", [("0.5,x", "'x' is not a number"), ("1.5", "between 0 and 1"),
                                           ("0", "between 0 and 1")])  # fmt: skip
def test_bad_fractions_are_named(text, message):
    with pytest.raises(ValueError, match=message):
        parse_fractions(text)
    assert parse_fractions("none") == [] and parse_fractions("0.5, 0.25,0.5") == [0.25, 0.5]


def test_a_verdict_reads_as_one_line():
    verdict = {"stop": True, "epoch": 25, "fitness": 21.98, "peers": 4, "better": 3, "kept": 2}
    assert describe(verdict, 100) == ("stopped early at epoch 25 of 100: clean fitness 21.98, with 3 of the 3 other "
                                      "candidates at that rung ahead of it (the rung keeps the best 2)")
