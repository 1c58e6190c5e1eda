"""Human-feedback mode (``--feedback human``, Eureka's RLHF): what the person sees at each iteration boundary.

The run shows the elite's training statistics and, for a MuJoCo task, a clip of its policy, then
waits for the person's feedback, which replaces the automatic reflection (graph/nodes/boundary.py).
"""

from __future__ import annotations

import structlog

from agents.feedback import statistics_block
from graph.context import RunContext
from graph.state import StageState
from tools.clean_eval import job_of
from tools.clip import render_clip, renders

log = structlog.get_logger("steer")
CLIP_SECONDS = 5.0


async def human_notice(state: StageState, ctx: RunContext) -> None:
    """Post (once) the elite's statistics and clip, and ask for feedback."""
    stage, it = state["stage"], state["iteration"] - 1
    key = f"{stage['name']}/it{it}/human"
    if ctx.inbox.replied(key):
        return
    elite = state.get("elite")
    lines = [f"Iteration {it} of {stage['name']} is done."]
    if elite and elite["candidate"]:
        lines.append(f"The next programs build on {elite['candidate']} ({elite['reason']}). Its training:")
        candidate = next(c for c in state["candidates"] if c["id"] == elite["candidate"])
        lines.append(statistics_block(candidate["result"])[0])
        if renders(stage["task"]):
            # Its first training's job (a finalist's is its study's trial).
            job = job_of(candidate["checkpoint"]) if candidate["checkpoint"] else None
            clip, error = (
                await render_clip(stage["task"], job, CLIP_SECONDS) if job else (None, "it has no policy")
            )
            lines.append(f"Watch its policy: {clip}" if clip else f"(no clip: {error})")
            log.info(
                "steer.clip", candidate=elite["candidate"], clip=str(clip) if clip else None, error=error
            )
    else:
        lines.append("No candidate trained in this iteration.")
    lines.append(
        "Type your feedback for the Coder (it replaces the reflection) or a command (/help), here or "
        f"from another terminal: python -m graph.chat {ctx.run.root}"
    )
    ctx.inbox.reply(key, "\n".join(lines))
