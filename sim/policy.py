"""Load a trained rl_games checkpoint as a deterministic policy over a task's observations."""

from __future__ import annotations

from pathlib import Path

import torch
from rl_games.torch_runner import Runner

from sim.base import BatchedTask
from sim.checkpoint import check_fits, load_checkpoint
from sim.ppo import ppo_config, rl_games_params


class Policy:
    """``policy(obs) -> actions`` for the checkpoint's network, built from the task's PPO config.

    Deterministic by default (the mean action); ``deterministic=False`` samples as in training.
    """

    def __init__(
        self,
        task: BatchedTask,
        checkpoint: str | Path,
        ppo_overrides: dict | None = None,
        deterministic: bool = True,
    ):
        self.deterministic = deterministic
        cfg = ppo_config(task.name, ppo_overrides)
        runner = Runner()
        runner.load_config(
            rl_games_params(cfg, task, seed=0, device=str(task.device), out_dir=Path(checkpoint).parent)
        )
        self.player = runner.create_player()
        check_fits(checkpoint, self.player.model, task.name)
        self.player.model.load_state_dict(load_checkpoint(checkpoint)["model"])  # not restore(): it unpickles
        self.player.has_batch_dimension = True

    @torch.no_grad()
    def __call__(self, obs: torch.Tensor) -> torch.Tensor:
        return self.player.get_action(obs, is_deterministic=self.deterministic)
