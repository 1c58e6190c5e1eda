"""rl_games checkpoints: loaded as data only (never unpickled code), and checked against a network.

rl_games' own ``restore`` unpickles with ``weights_only=False``, so a checkpoint written
by a process that ran reward code could run code in whoever loads it. Everything here
loads with ``weights_only=True``: tensors, numbers, strings and containers only.
"""

from __future__ import annotations

from pathlib import Path

import torch

OBS_KEY = "running_mean_std.running_mean"  # [num_obs]: the observation normaliser
ACTIONS_KEY = "a2c_network.mu.bias"  # [num_actions]: the policy mean's output layer


class CheckpointError(ValueError):
    """A warm-start checkpoint that is unreadable or does not fit the task's network."""


def load_checkpoint(path: str | Path) -> dict:
    """An rl_games checkpoint as data (``weights_only=True``); CheckpointError if it is anything else."""
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
        if not isinstance(checkpoint, dict) or not isinstance(checkpoint.get("model"), dict):
            raise ValueError("no model weights in it")
        return checkpoint
    except Exception as exc:  # noqa: BLE001 - any unreadable file gets the same one-line answer
        reason = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
        raise CheckpointError(f"{path} is not an rl_games checkpoint ({type(exc).__name__}: {reason})") from None


def saved_weights(path: str | Path) -> dict[str, torch.Tensor]:
    """The model weights stored in an rl_games checkpoint."""
    return load_checkpoint(path)["model"]


def check_fits(path: str | Path, model: torch.nn.Module, task: str) -> None:
    """Raise CheckpointError unless every weight saved in ``path`` has the shape ``model`` expects."""
    saved, current = saved_weights(path), model.state_dict()
    shape = {k: tuple(v.shape) for k, v in saved.items()}
    wanted = {k: tuple(v.shape) for k, v in current.items()}
    if shape.get(OBS_KEY) != wanted[OBS_KEY] or shape.get(ACTIONS_KEY) != wanted[ACTIONS_KEY]:
        raise CheckpointError(
            f"{path} was trained with {shape.get(OBS_KEY, ('?',))[0]} observations and "
            f"{shape.get(ACTIONS_KEY, ('?',))[0]} actions; {task} has {wanted[OBS_KEY][0]} and "
            f"{wanted[ACTIONS_KEY][0]} (the checkpoint must come from a task with the same spaces)"
        )
    differing = [k for k in wanted if shape.get(k) != wanted[k]]
    if differing:
        k = differing[0]
        raise CheckpointError(
            f"{path} has a different network: {k} is {shape.get(k)} there and {wanted[k]} here "
            "(set ppo network_units to the checkpoint's)"
        )
