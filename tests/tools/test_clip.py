"""A clip of a trained candidate's policy, rendered in a confined process (real training, real EGL)."""

import pytest

from tests.tools.test_render import frame_count
from tools.clip import render_clip
from tools.job_dir import BEST_FILE, CLIP_DIR, CLIP_FILE, NN_DIR, RENDERING_FILE, TRAIN_DIR
from tools.render import train_human_reward


@pytest.mark.slow
async def test_a_trained_jobs_policy_renders_to_an_mp4_once(tmp_path):
    job_dir = tmp_path / TRAIN_DIR / "it0-s0"
    result = await __import__("asyncio").to_thread(train_human_reward, "Ant", 2, job_dir)
    assert result["status"] == "trained"
    clip, error = await render_clip("Ant", job_dir, seconds=0.5)
    assert error is None and clip == job_dir.resolve() / CLIP_DIR / CLIP_FILE
    assert frame_count(clip) > 5 and clip.stat().st_size > 5_000
    again, _ = await render_clip("Ant", job_dir, seconds=0.5)  # an existing clip is not rendered again
    assert again == clip and not (clip.parent / RENDERING_FILE).exists()


async def test_a_job_without_a_policy_says_why_there_is_no_clip(tmp_path):
    (tmp_path / NN_DIR).mkdir()
    (tmp_path / NN_DIR / BEST_FILE).symlink_to("/etc/passwd")  # never followed
    clip, error = await render_clip("Ant", tmp_path)
    assert clip is None and "holds no regular checkpoint file" in error
