"""Every test that does not test the GPU (marker ``gpu``) trains on the CPU, on any machine: ``auto`` means
``cpu`` in the test process and in every process it starts, so a GPU machine runs them as a CPU one does."""

import pytest

from tools import devices


@pytest.fixture(autouse=True)
def pinned_to_the_cpu(request, monkeypatch):
    """The CPU pin of a worker (``pin_env("cpu")``: ``CUDA_VISIBLE_DEVICES=''``) for the test and its children
    (a ``graph.run`` subprocess among them); in this process ``auto`` finds no GPU even where CUDA started
    before the variable was set. The ``gpu`` tests see every GPU."""
    if request.node.get_closest_marker("gpu"):
        return
    for name, value in devices.pin_env("cpu").items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(devices, "visible_gpus", lambda: 0)
