"""python -m tools.render: train the human reward, then render headless to mp4 (real training, real EGL)."""

import re
import subprocess

import imageio_ffmpeg
import pytest

from sim.registry import make_task
from tools.render import main


def frame_count(video) -> int:
    probe = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-i", str(video), "-map", "0:v:0", "-c", "copy", "-f", "null", "-"],
        capture_output=True,
        text=True,
    )
    return int(re.findall(r"frame=\s*(\d+)", probe.stderr)[-1])


@pytest.mark.slow
@pytest.mark.parametrize("name", ["Ant", "ShadowHand", "FrankaCabinet"])
def test_train_then_render_writes_an_mp4_of_the_requested_length(name, tmp_path):
    out = tmp_path / "videos" / f"{name}.mp4"  # a folder that does not exist yet
    assert main(["--task", name, "--train-epochs", "3", "--seconds", "1", "--out", str(out)]) == 0
    assert out.stat().st_size > 10_000
    assert frame_count(out) == round(1.0 / make_task(name, num_envs=1).dt)  # 1 s at the control rate


@pytest.mark.parametrize(
    "args, message",
    [
        (["--task", "Cartpole", "--checkpoint", "x.pth"], "Cartpole is not a MuJoCo task"),
        (["--task", "Nope"], "unknown task 'Nope'; known tasks: Ant,"),
        (["--task", "Ant", "--seconds", "0"], "--seconds must be > 0, got 0"),
        (["--task", "Ant", "--train-epochs", "0"], "--train-epochs must be >= 1, got 0"),
    ],
)
def test_bad_arguments_are_refused_in_one_line(args, message, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(args)
    assert exit_.value.code == 2
    assert f"error: {message}" in capsys.readouterr().err.splitlines()[-1]


def test_a_checkpoint_that_does_not_fit_is_one_error_line(tmp_path, capsys):
    not_a_checkpoint = tmp_path / "notes.pth"
    not_a_checkpoint.write_text("not a checkpoint")
    assert (
        main(["--task", "Ant", "--checkpoint", str(not_a_checkpoint), "--out", str(tmp_path / "a.mp4")]) == 2
    )
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: {not_a_checkpoint} is not an rl_games checkpoint") and "\n" not in err
    assert not (tmp_path / "a.mp4").exists()
