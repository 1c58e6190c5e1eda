"""PPO on the tasks (rl_games), its checkpoints and the policy's evaluation."""

from __future__ import annotations

from pathlib import Path


def rung_file(nn_dir: Path, epoch: int) -> Path:
    """The policy snapshot a training saves at a rung's epoch (tools.rungs judges it)."""
    return nn_dir / f"rung{epoch}.pth"
