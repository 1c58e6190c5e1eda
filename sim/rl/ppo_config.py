"""PPO settings: configs/train/ppo.yaml, then the task's ``ppo:`` block, then explicit overrides."""

from __future__ import annotations

from typing import Any

from configs import CONFIG_DIR, load_yaml
from sim.registry import task_class, task_config, task_names

DEFAULTS_FILE = CONFIG_DIR / "train" / "ppo.yaml"


def ppo_config(task: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """PPO settings: configs/train/ppo.yaml, then the task's `ppo:` block, then overrides."""
    cfg = load_yaml(DEFAULTS_FILE)
    cfg.update(task_config(task).get("ppo") or {})
    unknown = sorted(set(overrides or {}) - set(cfg))
    if unknown:
        raise ValueError(f"unknown PPO settings {unknown}; known: {', '.join(sorted(cfg))}")
    cfg.update({k: v for k, v in (overrides or {}).items() if v is not None})
    return cfg


def env_steps(cfg: dict[str, Any], epochs: int) -> int:
    """The env-steps ``epochs`` PPO epochs of ``cfg`` take: each collects a horizon in every env."""
    return epochs * cfg["num_envs"] * cfg["horizon_length"]


def policy_shape(task: str) -> tuple[int, int, tuple[int, ...]]:
    """Observations, actions and hidden layers of the task's policy: equal shapes can share weights."""
    cls = task_class(task)
    return cls.num_obs, cls.num_actions, tuple(ppo_config(task)["network_units"])


def compatible_tasks(task: str) -> list[str]:
    """Registered tasks whose policy has ``task``'s observations, actions and network."""
    shape = policy_shape(task)
    return [t for t in task_names() if t != task and policy_shape(t) == shape]
