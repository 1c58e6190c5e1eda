"""The graph's typed state. Everything here is msgpack-friendly (checkpointed to SQLite)."""

from __future__ import annotations

import operator
from typing import Annotated, TypedDict


class Candidate(TypedDict):
    """One sampled reward program and what became of it."""

    id: str  # stable: "it<iteration>-s<sample>"
    iteration: int
    sample: int
    status: str  # "trained" | "invalid" | "failed"
    fitness: float | None  # measured by a clean process from the policy alone: what candidates are ranked by
    train_fitness: float | None  # the training-time figure: the reward process's word, for the reflection
    overstated: bool  # the training figure exceeds the clean one beyond noise
    error: str | None
    reward_path: str | None
    code: str | None
    response: str
    attempts: int
    checkpoint: str | None
    result: dict | None  # the Trainer's statistics (fitness, components, episode_length, ...)


class IterationRecord(TypedDict):
    iteration: int
    best_sample: int | None
    reflection: str


class EvalRun(TypedDict):
    seed: int
    status: str
    fitness: float | None  # clean, as for candidates
    train_fitness: float | None
    error: str | None


class RunState(TypedDict, total=False):
    iteration: int
    messages: list[dict]  # the Coder conversation: prompt, then the best program and its reflection
    candidates: Annotated[list[Candidate], operator.add]
    iterations: Annotated[list[IterationRecord], operator.add]
    best: Candidate | None
    eval_runs: Annotated[list[EvalRun], operator.add]
    status: str


class CandidateRequest(TypedDict):
    """The payload of one Send to the candidate node: write and train one reward program."""

    iteration: int
    sample: int
    messages: list[dict]


class EvalRequest(TypedDict):
    """The payload of one Send to the evaluate node: retrain the best reward with one seed."""

    seed: int
    code: str
