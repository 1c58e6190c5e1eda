"""Human-feedback mode's notice: the elite's statistics and, for a MuJoCo task, a clip of its policy
(real training of the human reward, real confined rendering)."""

import asyncio

import pytest

from graph.nodes.human_feedback import human_notice
from graph.results.run_dir import RunDir
from tests.helpers import run_context
from tools.job_dir import CLIP_DIR, CLIP_FILE, JobDir
from tools.render import train_human_reward

STATS = {"fitness": [0.5, 1.5], "components": {"forward": [0.1, 0.4]}, "episode_length": [50.0, 60.0]}


def stage_state(task: str, elite: str | None, checkpoint: str | None = None) -> dict:
    spec = {"name": f"stage1-{task}", "task": task, "iterations": 3}
    candidates = [{"id": "it0-s1", "result": STATS, "checkpoint": checkpoint}]
    chosen = elite and {
        "candidate": elite,
        "code": "...",
        "feedback": "...",
        "reason": "the best clean fitness",
    }
    return {"stage": spec, "iteration": 1, "elite": chosen, "candidates": candidates}


@pytest.mark.slow
async def test_a_mujoco_elite_comes_with_its_statistics_and_a_clip(tmp_path):
    ctx = run_context(tmp_path / "run", task="Ant", feedback="human")
    job_dir = RunDir(tmp_path / "run").training("stage1-Ant", "it0-s1")
    trained = await asyncio.to_thread(train_human_reward, "Ant", 2, job_dir)
    assert trained["status"] == "trained"
    await human_notice(stage_state("Ant", "it0-s1", trained["checkpoint"]), ctx)
    await human_notice(stage_state("Ant", "it0-s1", trained["checkpoint"]), ctx)  # posted once
    (notice,) = ctx.inbox.replies()
    assert notice.key == "stage1-Ant/it0/human" and "it0-s1 (the best clean fitness)" in notice.text
    assert "forward:" in notice.text and "task_score:" in notice.text
    assert f"Watch its policy: {JobDir(job_dir.resolve()).clip}" in notice.text
    assert (job_dir / CLIP_DIR / CLIP_FILE).stat().st_size > 5_000


async def test_an_iteration_without_an_elite_still_asks_for_feedback(tmp_path):
    ctx = run_context(tmp_path / "run", feedback="human")
    await human_notice(stage_state("Cartpole", None), ctx)
    (notice,) = ctx.inbox.replies()
    assert "No candidate trained in this iteration." in notice.text and "python -m graph.chat" in notice.text
