"""Headless rendering of a trained MuJoCo policy to mp4 (real training, real EGL rendering)."""

import subprocess

import imageio_ffmpeg
import pytest

from sim.mujoco.render import main


@pytest.mark.slow
def test_train_then_render_writes_an_mp4_of_the_requested_length(tmp_path):
    out = tmp_path / "ant.mp4"
    assert main(["--task", "Ant", "--train-epochs", "3", "--seconds", "1", "--out", str(out)]) == 0
    assert out.stat().st_size > 10_000
    probe = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-i", str(out), "-map", "0:v:0", "-c", "copy",
                            "-f", "null", "-"], capture_output=True, text=True)  # fmt: skip
    assert "frame=   20" in probe.stderr  # 1 s at the 20 Hz control rate


def test_rendering_a_non_mujoco_task_is_refused(capsys):
    with pytest.raises(SystemExit):
        main(["--task", "Cartpole", "--checkpoint", "x.pth"])
    assert "not a MuJoCo task" in capsys.readouterr().err
