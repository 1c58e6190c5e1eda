"""Checkpoints are data: a planted pickle payload is refused and never runs."""

import os

import pytest
import torch

from sim.rl.checkpoint import CheckpointError, load_checkpoint
from sim.rl.files import BEST_FILE


class Payload:
    """FAILURE INJECTION: an object whose unpickling would run a command."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def test_a_checkpoint_with_a_code_payload_is_refused_and_the_payload_never_runs(tmp_path):
    marker = tmp_path / "payload-ran"
    planted = tmp_path / BEST_FILE
    torch.save({"model": {"w": torch.zeros(2)}, "epoch": 1, "extra": Payload(marker)}, planted)
    with pytest.raises(CheckpointError, match="is not an rl_games checkpoint"):
        load_checkpoint(planted)
    assert not marker.exists()


def test_a_plain_checkpoint_loads_as_data(tmp_path):
    path = tmp_path / "ok.pth"
    torch.save({"model": {"w": torch.ones(3)}, "epoch": 4, "optimizer": {"state": {}}}, path)
    assert load_checkpoint(path)["model"]["w"].tolist() == [1.0, 1.0, 1.0]


def test_a_policy_with_non_finite_weights_is_never_believed(tmp_path):
    path = tmp_path / "nan.pth"
    torch.save(
        {"model": {"w": torch.tensor([1.0, float("nan"), float("inf")]), "steps": torch.tensor(3)}}, path
    )
    with pytest.raises(CheckpointError, match=r"not finite: NaN or inf in 2 of 3 values \(first in w\)"):
        load_checkpoint(path)
