"""The pool's side of rungs: where they sit, and the line a stopped training gets."""

import pytest

from tools.rungs import MIN_RUNG_EPOCH, describe, parse_fractions, rung_epochs


def test_rungs_sit_from_the_minimum_epoch_and_before_the_last():
    assert rung_epochs([0.25, 0.5], 100) == [25, 50]
    assert rung_epochs([0.25], 4 * (MIN_RUNG_EPOCH - 1)) == []  # too early to tell rewards apart
    assert rung_epochs([0.99], 100) == [99] and rung_epochs([0.999], 100) == []


@pytest.mark.parametrize(
    "text, message", [("0.5,x", "'x' is not a number"), ("1.5", "between 0 and 1"), ("0", "between 0 and 1")]
)
def test_bad_fractions_are_named(text, message):
    with pytest.raises(ValueError, match=message):
        parse_fractions(text)
    assert parse_fractions("none") == [] and parse_fractions("0.5, 0.25,0.5") == [0.25, 0.5]


def test_a_verdict_reads_as_one_line():
    verdict = {"stop": True, "epoch": 25, "fitness": 21.98, "peers": 4, "better": 3, "kept": 2}
    assert describe(verdict, 100) == (
        "stopped early at epoch 25 of 100: clean fitness 21.98, with 3 of the 3 other "
        "candidates at that rung ahead of it (the rung keeps the best 2)"
    )
