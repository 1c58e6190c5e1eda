"""The Critic's tools: read the trained candidates of a stage (their curves, code and outcomes side by side).

They read candidate records (plain dicts: id, status, fitness, train_fitness, overstated, error,
code, result) and never run anything. The curves come from the training process, which ran the
candidate's reward; ``fitness`` is the clean process's measure and is labelled as such. The tool
loop (``agents.llm.tool_loop``) bounds every result before it reaches a prompt.
"""

from __future__ import annotations

import json

from langchain_core.tools import BaseTool, tool

from tools.text import error_headline

#: A per-epoch series shown to the model is thinned to at most this many evenly spaced epochs.
SERIES_POINTS = 40


def thinned(values: list[float | None]) -> dict:
    """Evenly spaced epochs of a series (always with the last one), rounded for reading."""
    step = max(1, -(-len(values) // SERIES_POINTS))
    epochs = list(range(0, len(values), step))
    if values and epochs[-1] != len(values) - 1:
        epochs.append(len(values) - 1)
    return {"epochs": epochs, "values": [None if values[e] is None else round(values[e], 4) for e in epochs]}


def outcome(candidate: dict) -> dict:
    """What became of one candidate, in a line a model can compare."""
    result = candidate.get("result") or {}
    last = {name: series[-1] for name, series in (result.get("components") or {}).items() if series}
    lengths = result.get("episode_length") or [None]
    return {
        "id": candidate["id"],
        "status": candidate["status"],
        "fitness_clean": candidate.get("fitness"),
        "fitness_during_training": candidate.get("train_fitness"),
        "overstated": candidate.get("overstated", False),
        "final_components": last,
        "final_episode_length": lengths[-1],
        "error": error_headline(candidate.get("error")) or None,
    }


def critic_tools(candidates: list[dict]) -> list[BaseTool]:
    """``candidate_stats``, ``candidate_code`` and ``compare_candidates`` over a stage's candidates."""
    by_id = {c["id"]: c for c in candidates}

    def find(candidate_id: str) -> dict:
        if candidate_id not in by_id:
            raise ValueError(f"no candidate {candidate_id!r}; known: {', '.join(by_id)}")
        return by_id[candidate_id]

    @tool
    def candidate_stats(candidate_id: str, names: list[str] | None = None) -> str:
        """Per-epoch training curves of a trained candidate: its reward components, task_score and \
episode_length.

        names: which series to return (default: all). Long runs are thinned to evenly spaced epochs.
        """
        result = find(candidate_id).get("result") or {}
        series = {
            **(result.get("components") or {}),
            "task_score": result.get("fitness") or [],
            "episode_length": result.get("episode_length") or [],
        }
        wanted = names or list(series)
        unknown = [n for n in wanted if n not in series]
        if unknown:
            return f"error: unknown series {unknown}; known: {list(series)}"
        return json.dumps({n: thinned(series[n]) for n in wanted})

    @tool
    def candidate_code(candidate_id: str) -> str:
        """The reward program of a candidate."""
        return find(candidate_id).get("code") or "(no program)"

    @tool
    def compare_candidates(candidate_ids: list[str]) -> str:
        """Candidates side by side: status, clean fitness (measured without the reward), the fitness reported
        during training, final component values and episode length, and the error of those that failed."""
        return json.dumps([outcome(find(i)) for i in candidate_ids])

    return [candidate_stats, candidate_code, compare_candidates]
