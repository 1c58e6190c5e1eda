"""Headless rendering of a saved policy to mp4 (real training in-process, real EGL rendering)."""

import re
import subprocess

import imageio_ffmpeg
import pytest

from sim.mujoco.render import render_checkpoint
from sim.registry import make_task, task_class
from sim.reward.program import RewardProgram, function_source
from sim.rl.checkpoint import CheckpointError
from sim.rl.ppo import train
from sim.rl.ppo_config import ppo_config


def frame_count(video) -> int:
    probe = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-i", str(video), "-map", "0:v:0", "-c", "copy", "-f", "null", "-"],
        capture_output=True,
        text=True,
    )
    return int(re.findall(r"frame=\s*(\d+)", probe.stderr)[-1])


@pytest.mark.slow
def test_a_saved_policy_renders_the_requested_seconds(tmp_path):
    program = RewardProgram.from_source(function_source(task_class("Ant").human_reward), "human.py")
    result = train(
        "Ant",
        program,
        ppo_config("Ant", {"num_envs": 16, "max_epochs": 2}),
        seed=0,
        device="cpu",
        out_dir=tmp_path,
    )
    task = make_task("Ant", num_envs=1)
    frames = render_checkpoint(task, result["checkpoint"], tmp_path / "ant.mp4", seconds=0.5)
    assert frames == round(0.5 / task.dt) == frame_count(tmp_path / "ant.mp4")


def test_a_checkpoint_that_does_not_fit_raises_before_any_file_is_written(tmp_path):
    not_a_checkpoint = tmp_path / "notes.pth"
    not_a_checkpoint.write_text("not a checkpoint")
    with pytest.raises(CheckpointError, match="is not an rl_games checkpoint"):
        render_checkpoint(make_task("Ant", num_envs=1), not_a_checkpoint, tmp_path / "a.mp4", seconds=1)
    assert not (tmp_path / "a.mp4").exists()
