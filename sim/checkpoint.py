"""Warm-start checks: does an rl_games checkpoint fit the network built for this task?"""

from __future__ import annotations

from pathlib import Path

import torch

OBS_KEY = "running_mean_std.running_mean"  # [num_obs]: the observation normaliser
ACTIONS_KEY = "a2c_network.mu.bias"  # [num_actions]: the policy mean's output layer


class CheckpointError(ValueError):
    """A warm-start checkpoint that is unreadable or does not fit the task's network."""


def saved_weights(path: str | Path) -> dict[str, torch.Tensor]:
    """The model weights stored in an rl_games checkpoint."""
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=False)
        return checkpoint["model"]
    except Exception as exc:  # noqa: BLE001 - any unreadable file gets the same one-line answer
        raise CheckpointError(f"{path} is not an rl_games checkpoint ({type(exc).__name__}: {exc})") from None


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
