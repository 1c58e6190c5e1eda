"""The graph's typed state. Everything here is msgpack-friendly (checkpointed to SQLite)."""

from __future__ import annotations

import operator
from typing import Annotated, NotRequired, TypedDict

OPTIMISER = "optimiser"  # the author of a program search tuned's optimiser wrote (graph/nodes/tune.py)


class Candidate(TypedDict):
    """One sampled reward program and what became of it."""

    id: str  # stable: "it<iteration>-s<sample>"
    iteration: int
    sample: int
    # "trained" | "invalid" (never trained) | "duplicate" (a program already tried) | "failed" (in training) |
    # "stopped_early" (a rung stopped its training: tools/rungs.py) | "llm_failed"
    status: str
    # Measured by a clean process from the policy alone: what candidates are ranked by (over its seeds, once
    # the search gave it more: graph/search/ranking.py).
    fitness: float | None
    train_fitness: float | None  # the training-time figure: the reward process's word, for the reflection
    overstated: bool  # the training figure exceeds the clean one beyond noise
    error: str | None
    reward_path: str | None
    code: str | None
    response: str
    attempts: int
    checkpoint: str | None
    result: dict | None  # the Trainer's statistics (fitness, components, episode_length, ...)
    llm_error: str | None  # for llm_failed: "unavailable" (the server may come back) or "rejected"
    tool_calls: int  # tools the Coder ran while writing it (tools mode)
    # "coder"; "user" (a program pasted with /edit); "human" (--init-reward human); "optimiser" (search tuned)
    author: str
    program: NotRequired[str | None]  # the digest of its normal form (sim/reward/normal_form.py), once valid
    behaviour: NotRequired[str | None]  # the digest of its reward on the dry run's states (check_worker.py)
    duplicate_of: NotRequired[str | None]  # the candidate whose program it repeats (it was not trained)
    # One entry per training of its program: {seed, fitness, env_steps, train_s, status}.
    seeds: NotRequired[list[dict]]
    tuned_from: NotRequired[
        str | None
    ]  # search tuned: the candidate whose constants were tuned into this one
    # Search tuned: the candidates whose terms this program sums, with weights an optimiser set.
    recombined_from: NotRequired[list[str] | None]
    # Search tuned: {line, original, value} of each constant the optimiser moved.
    constants: NotRequired[list[dict]]
    importance: NotRequired[dict[str, float]]  # search tuned: each constant's share of the fitness's variance


class MoreSeeds(TypedDict):
    """An update of a known candidate's record: its program's trainings on more seeds (nodes/seeds.py)."""

    id: str
    seeds: list[dict]


def merge_candidates(known: list[Candidate], update: list[Candidate | MoreSeeds]) -> list[Candidate]:
    """The state's reducer of ``candidates``, one record per candidate: a new id joins the list; a known one
    takes the update's fields, and its ``seeds`` gain the update's trainings (one entry per seed: its first
    training first, then the others by seed)."""
    merged = {c["id"]: c for c in known}
    for c in update:
        old = merged.get(c["id"])
        if old is None:
            merged[c["id"]] = c
            continue
        trainings = [*(old.get("seeds") or []), *(c.get("seeds") or [])]
        by_seed = {t["seed"]: t for t in trainings}
        first = trainings[0]["seed"] if trainings else None
        seeds = [by_seed[seed] for seed in sorted(by_seed, key=lambda seed: (seed != first, seed))]
        merged[c["id"]] = {**old, **c, "seeds": seeds}
    return list(merged.values())


class Elite(TypedDict):
    """The reward the Coder's next programs build on, and its reflection."""

    candidate: str | None  # its candidate id; None for the stage before's best reward
    code: str
    feedback: str  # the reflection on it, as the Coder sees it
    reason: str  # why it is the elite


class IterationRecord(TypedDict):
    iteration: int
    best_sample: int | None
    reflection: str
    note: str | None  # what went wrong in the iteration: every sample failed on the LLM, or none trained
    elite: str | None  # the candidate the next iteration builds on
    elite_reason: str | None  # why (the Critic's words, or the clean-fitness rule)


class SteerRecord(TypedDict):
    """A steering message the graph applied at an iteration boundary, and what it did."""

    message: int  # its id in the run's steering inbox
    iteration: int  # the iteration that had just ended
    kind: str  # "feedback", "curriculum", "edit", or a command name
    text: str
    effect: str


class EvalRun(TypedDict):
    seed: int
    status: str
    fitness: float | None  # clean, as for candidates
    train_fitness: float | None
    error: str | None
    checkpoint: str | None


class PriorReward(TypedDict):
    """The Coder's starting point (Eureka's reward initialisation): the best reward of the stage before,
    or the task's human reward (``--init-reward human``, the paper's "Human Init.")."""

    task: str
    code: str
    fitness: float | None
    origin: NotRequired[str]  # "stage" (default) | "human"


class StageSpec(TypedDict):
    """One run of the Eureka loop on one task: its budget and what it starts from."""

    number: int  # 1-based position in the curriculum
    attempt: int  # 1, then 2 after the Curriculum agent repeated the stage, ...
    task: str
    name: str  # its directory in the run and the prefix of its LLM call keys: "stage1-ShadowHand"
    iterations: int
    samples: int
    eval_seeds: int
    ppo: dict  # num_envs, max_epochs
    success_to_advance: float | None  # stop iterating once a candidate's fitness reaches it
    repeats: int  # how many more times the Curriculum agent may run this stage
    init_checkpoint: str | None  # every candidate and final-evaluation run warm-starts from it
    prior_reward: PriorReward | None
    search: NotRequired[str]  # "robust" | "eureka" | "tuned" (graph/search)
    rank_by: NotRequired[
        str
    ]  # a candidate's figure over its seeds: "median" | "mean" | "mean-sem" (search.py)
    rungs: NotRequired[list[float]]  # early stopping at these fractions of max_epochs (tools/rungs.py)
    rung_keep: NotRequired[float]  # the fraction of the candidates at a rung that train on
    extra_seeds: NotRequired[
        int
    ]  # the seeds each of the iteration's best gets beyond its first (search robust)


class Decision(TypedDict):
    """What the Curriculum agent decided at a stage boundary, and why."""

    action: str  # "advance" | "repeat" | "stop" | "finish"
    reason: str
    by: str  # "agent"; "config" (no usable answer, or no choice); "user" (/stop); "budget" (budget_usd spent)


class StageRecord(TypedDict):
    """A finished stage run: everything the summary and the next stage need."""

    spec: StageSpec
    candidates: list[Candidate]
    iterations: list[IterationRecord]
    best: Candidate | None
    eval_runs: list[EvalRun]
    tuning_runs: NotRequired[list[dict]]
    checkpoint: str | None  # the stage's best policy: the next stage starts from it
    fitness: float | None  # the clean fitness of that policy
    decision: Decision | None
    stopped: bool  # the user sent /stop: no stage follows
    curriculum_notes: list[str]  # what the user said to the Curriculum agent (@curriculum) during the stage
    steering: list[SteerRecord]


class StageState(TypedDict, total=False):
    """The Eureka loop of one stage (the subgraph). ``stage`` comes in, ``stage_result`` goes out."""

    stage: StageSpec
    stages: list[StageRecord]  # the finished stages before this one (read only, for the summary)
    iteration: int
    messages: list[dict]  # the Coder conversation: prompt, then the elite program and its reflection
    elite: Elite | None
    candidates: Annotated[list[Candidate], merge_candidates]
    iterations: Annotated[list[IterationRecord], operator.add]
    best: Candidate | None
    eval_runs: Annotated[list[EvalRun], operator.add]
    tuning_runs: Annotated[
        list[dict], operator.add
    ]  # search tuned's trials: {parent, trial, seed, fitness, ...}
    stage_result: StageRecord
    # Steering (graph/nodes/boundary.py), applied at iteration boundaries:
    steer_cursor: int  # the last inbox message applied (shared with RunState)
    # samples, iterations, feedback_mode, models ({agent: spec}) set by the user (shared with RunState)
    overrides: dict
    edits: list[str]  # programs pasted with /edit, trained in the next iteration
    stopped: bool
    curriculum_notes: list[str]
    steering: Annotated[list[SteerRecord], operator.add]


class RunState(TypedDict, total=False):
    """The curriculum: the planned stages, the one running, and the finished ones."""

    plan: list[StageSpec]  # the stages still to run after the current one
    plan_reason: str
    stage: StageSpec
    stages: list[StageRecord]
    stage_result: StageRecord
    status: str
    steer_cursor: int
    overrides: dict


class CandidateRequest(TypedDict):
    """The payload of one Send to the candidate node: write and train one reward program."""

    stage: StageSpec
    iteration: int
    sample: int
    messages: list[dict]
    code: str | None  # a program pasted with /edit: validated and trained without the Coder
    known: dict  # the stage's programs that went to training: {digest: [candidate, fitness]}
    author: NotRequired[
        str
    ]  # "coder", "user" (/edit) or "human" (the task's human reward, --init-reward human)


class SeedRequest(TypedDict):
    """The payload of one Send to the seed node: train a candidate's program with one more seed."""

    stage: StageSpec
    candidate: str
    seed: int
    code: str


class EvalRequest(TypedDict):
    """The payload of one Send to the evaluate node: retrain the best reward with one seed."""

    stage: StageSpec
    seed: int
    code: str
