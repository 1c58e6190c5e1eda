"""The task registry: names, classes and configs."""

import pytest

from sim.registry import UnknownTaskError, task_class, task_config, task_names

TASKS = task_names()


def test_every_task_has_a_config_with_description():
    for name in TASKS:
        cfg = task_config(name)
        assert cfg["name"] == name
        assert cfg["description"] and cfg["success_metric"]


def test_unknown_task_names_the_known_ones():
    with pytest.raises(UnknownTaskError, match="Cartpole"):
        task_class("NoSuchTask")
