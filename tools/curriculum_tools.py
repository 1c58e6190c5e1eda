"""The Curriculum agent's tools: the registry's tasks (and which share spaces),
and finished stages' summaries.

They read the registry and the stage summaries (summary.json's ``stages`` entries); they run nothing.
The tool loop (``agents.llm.tool_loop``) bounds every result before it reaches a prompt.
"""

from __future__ import annotations

import json

from langchain_core.tools import BaseTool, tool

from sim.registry import task_class, task_config, task_names
from sim.rl.ppo_config import compatible_tasks


def curriculum_tools(stages: list[dict]) -> list[BaseTool]:
    """``list_tasks`` and ``stage_summary`` over the finished stages ``stages``."""

    @tool
    def list_tasks() -> str:
        """Every registered task: its description, observation and action sizes, and the tasks whose
        policies it can warm-start from (same observations, actions and network)."""
        tasks = {
            name: {
                "description": task_config(name)["description"],
                "observations": task_class(name).num_obs,
                "actions": task_class(name).num_actions,
                "shares_spaces_with": compatible_tasks(name),
            }
            for name in task_names()
        }
        return json.dumps(tasks)

    @tool
    def stage_summary(stage: int) -> str:
        """A finished stage in full: budget, every iteration's candidates with status and fitness, the
        final evaluation, and the decision that ended it. stage: its number (1-based, in run order)."""
        if not 1 <= stage <= len(stages):
            finished = f"stages 1 to {len(stages)} have" if stages else "no stage has"
            return f"error: stage {stage} has not finished; {finished} finished"
        entry = {k: v for k, v in stages[stage - 1].items() if k != "best_code"}
        return json.dumps(entry, default=str)

    return [list_tasks, stage_summary]
