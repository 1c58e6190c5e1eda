"""The names PPO writes inside a training's folder (tools/job_dir.py owns the folder's other names)."""

from __future__ import annotations

from pathlib import Path

NN_DIR = "nn"  # the policy's checkpoints
BEST_FILE = "best.pth"  # in nn/: the policy at its best training fitness
LAST_FILE = "last.pth"  # in nn/: the policy when training ended
RL_GAMES_DIR = "rl_games"  # rl_games' own output (TensorBoard events)


def rung_file(nn_dir: Path, epoch: int) -> Path:
    """The policy snapshot a training saves at a rung's epoch (tools.rungs judges it)."""
    return nn_dir / f"rung{epoch}.pth"
