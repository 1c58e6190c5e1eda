"""Task registry: task names map to an implementation and a YAML config in configs/tasks/."""

from __future__ import annotations

import importlib
from typing import Any

from configs import CONFIG_DIR, load_yaml
from sim.base import BatchedTask

#: Task name -> "module:Class". Imported lazily so optional backends cost nothing until used.
TASKS: dict[str, str] = {
    "Cartpole": "sim.cartpole:Cartpole",
    "BallBalance": "sim.ball_balance:BallBalance",
    "Quadcopter": "sim.quadcopter:Quadcopter",
    "Ant": "sim.mujoco.locomotion:Ant",
    "Humanoid": "sim.mujoco.locomotion:Humanoid",
    "ShadowHand": "sim.mujoco.hand:ShadowHand",
    "ShadowHandSpin": "sim.mujoco.hand:ShadowHandSpin",
    "ShadowHandBlock": "sim.mujoco.hand:ShadowHandBlock",
    "FrankaCabinet": "sim.mujoco.cabinet:FrankaCabinet",
}


class UnknownTaskError(ValueError):
    """Raised for a task name that is not registered."""


def task_names() -> list[str]:
    return sorted(TASKS)


def task_class(name: str) -> type[BatchedTask]:
    """The BatchedTask subclass registered under ``name``."""
    if name not in TASKS:
        raise UnknownTaskError(f"unknown task {name!r}; known tasks: {', '.join(task_names())}")
    module, cls = TASKS[name].split(":")
    return getattr(importlib.import_module(module), cls)


def make_task(name: str, num_envs: int, device: str = "cpu", seed: int = 0) -> BatchedTask:
    """Instantiate a registered task."""
    return task_class(name)(num_envs=num_envs, device=device, seed=seed)


def task_config(name: str) -> dict[str, Any]:
    """The task's YAML config (description, success metric, PPO overrides)."""
    task_class(name)
    return load_yaml(CONFIG_DIR / "tasks" / f"{name}.yaml")
