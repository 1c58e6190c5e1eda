"""A trained policy from an rl_games checkpoint, in plain torch: ``policy(obs) -> actions``.

It rebuilds only the actor of rl_games' continuous actor-critic (observation normaliser,
MLP, action mean and log-std), with rl_games' parameter names, and loads the checkpoint
as data. No rl_games code runs, so loading a policy is light and unpickles nothing; this
is what the clean evaluation and rendering use.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from sim.base import BatchedTask
from sim.rl.checkpoint import check_fits, load_checkpoint
from sim.rl.ppo_config import ppo_config

#: rl_games' activation names.
ACTIVATIONS = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "elu": nn.ELU,
    "selu": nn.SELU,
    "swish": nn.SiLU,
    "gelu": nn.GELU,
    "softplus": nn.Softplus,
    "None": nn.Identity,
}
NORM_EPSILON = 1e-5
NORM_CLIP = 5.0


class ObservationNormalizer(nn.Module):
    """rl_games' RunningMeanStd at inference: (obs - mean) / sqrt(var + eps), clipped to +-5."""

    def __init__(self, size: int):
        super().__init__()
        self.register_buffer("running_mean", torch.zeros(size, dtype=torch.float64))
        self.register_buffer("running_var", torch.ones(size, dtype=torch.float64))
        self.register_buffer("count", torch.ones((), dtype=torch.float64))

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        scaled = (obs - self.running_mean.float()) / torch.sqrt(self.running_var.float() + NORM_EPSILON)
        return scaled.clamp(-NORM_CLIP, NORM_CLIP)


class ActorNetwork(nn.Module):
    """The actor half of rl_games' ``actor_critic`` network (shared trunk, fixed sigma)."""

    def __init__(self, num_obs: int, units: list[int], num_actions: int, activation: str):
        super().__init__()
        layers, width = [], num_obs
        for size in units:
            layers += [nn.Linear(width, size), ACTIVATIONS[activation]()]
            width = size
        self.actor_mlp = nn.Sequential(*layers)
        self.mu = nn.Linear(width, num_actions)
        self.sigma = nn.Parameter(torch.zeros(num_actions))  # log standard deviation


class Actor(nn.Module):
    def __init__(self, num_obs: int, units: list[int], num_actions: int, activation: str):
        super().__init__()
        self.running_mean_std = ObservationNormalizer(num_obs)
        self.a2c_network = ActorNetwork(num_obs, units, num_actions, activation)


class Policy:
    """``policy(obs) -> actions`` for the checkpoint's network, built from the task's PPO config.

    Deterministic by default (the mean action); ``deterministic=False`` samples as in training,
    from torch's global generator.
    """

    def __init__(
        self,
        task: BatchedTask,
        checkpoint: str | Path,
        ppo_overrides: dict | None = None,
        deterministic: bool = True,
    ):
        cfg = ppo_config(task.name, ppo_overrides)
        self.actor = Actor(task.num_obs, list(cfg["network_units"]), task.num_actions, cfg["activation"])
        check_fits(checkpoint, self.actor, task.name)
        saved = load_checkpoint(checkpoint)["model"]
        self.actor.load_state_dict({name: saved[name] for name in self.actor.state_dict()})
        self.actor.to(task.device).eval()
        self.deterministic = deterministic

    @torch.no_grad()
    def __call__(self, obs: torch.Tensor) -> torch.Tensor:
        network = self.actor.a2c_network
        mean = network.mu(network.actor_mlp(self.actor.running_mean_std(obs)))
        if self.deterministic:
            return mean.clamp(-1.0, 1.0)
        return (mean + torch.exp(network.sigma) * torch.randn_like(mean)).clamp(-1.0, 1.0)
