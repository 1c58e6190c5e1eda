"""rl_games checkpoints: loaded as data only (never unpickled code), and checked against a network.

rl_games' own ``restore`` unpickles with ``weights_only=False``, so a checkpoint written
by a process that ran reward code could run code in whoever loads it. Everything here
loads with ``weights_only=True``: tensors, numbers, strings and containers only.
"""

from __future__ import annotations

import hashlib
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
    except Exception as exc:  # noqa: BLE001 - any unreadable file gets the same one-line answer
        reason = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
        raise CheckpointError(
            f"{path} is not an rl_games checkpoint ({type(exc).__name__}: {reason})"
        ) from None
    check_finite(checkpoint["model"])
    return checkpoint


def check_finite(weights: dict) -> None:
    """CheckpointError unless every floating-point weight is finite: a NaN policy is never evaluated, ranked,
    handed to a later stage or warm-started from."""
    floats = {k: v for k, v in weights.items() if isinstance(v, torch.Tensor) and v.is_floating_point()}
    bad = {k: int((~torch.isfinite(v)).sum()) for k, v in floats.items()}
    broken = {k: n for k, n in bad.items() if n}
    if broken:
        total = sum(v.numel() for v in floats.values())
        raise CheckpointError(
            f"the policy's weights are not finite: NaN or inf in {sum(broken.values())} of {total} values "
            f"(first in {next(iter(broken))}). PPO blew up, usually because the reward reached huge or "
            "non-finite values: keep every term bounded (torch.clamp, torch.tanh) and finite"
        )


def saved_weights(path: str | Path) -> dict[str, torch.Tensor]:
    """The model weights stored in an rl_games checkpoint."""
    return load_checkpoint(path)["model"]


def check_spaces(path: str | Path, num_obs: int, num_actions: int, task: str) -> dict[str, tuple]:
    """The saved weights' shapes; CheckpointError unless they were trained on ``task``'s spaces."""
    shape = {k: tuple(v.shape) for k, v in saved_weights(path).items()}
    if shape.get(OBS_KEY) != (num_obs,) or shape.get(ACTIONS_KEY) != (num_actions,):
        raise CheckpointError(
            f"{path} was trained with {shape.get(OBS_KEY, ('?',))[0]} observations and "
            f"{shape.get(ACTIONS_KEY, ('?',))[0]} actions; {task} has {num_obs} and "
            f"{num_actions} (the checkpoint must come from a task with the same spaces)"
        )
    return shape


def check_fits(path: str | Path, model: torch.nn.Module, task: str) -> None:
    """Raise CheckpointError unless every weight saved in ``path`` has the shape ``model`` expects."""
    wanted = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    shape = check_spaces(path, wanted[OBS_KEY][0], wanted[ACTIONS_KEY][0], task)
    differing = [k for k in wanted if shape.get(k) != wanted[k]]
    if differing:
        k = differing[0]
        raise CheckpointError(
            f"{path} has a different network: {k} is {shape.get(k)} there and {wanted[k]} here "
            "(set ppo network_units to the checkpoint's)"
        )


def weights_digest(weights: dict[str, torch.Tensor]) -> str:
    """A sha256 over the weights' names, shapes and values: equal digests, equal networks."""
    digest = hashlib.sha256()
    for name in sorted(weights):
        tensor = weights[name].detach().to("cpu").contiguous()
        digest.update(f"{name}:{tuple(tensor.shape)}:{tensor.dtype}".encode())
        digest.update(tensor.numpy().tobytes())
    return digest.hexdigest()
