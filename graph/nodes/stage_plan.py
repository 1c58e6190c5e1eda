"""Stages as data: the curriculum from the command line or the task's config, and each stage's budget.

A task config may list ``curriculum:`` entries (``task`` plus any of ``STAGE_KEYS``); a task
without one is a one-stage curriculum. Settings given on the command line win over a stage's
own budget, which wins over configs/run.yaml.
"""

from __future__ import annotations

from graph.search.ranking import best_attempt
from graph.settings import Settings, SettingsError
from graph.state import Decision, PriorReward, StageRecord, StageSpec
from sim.registry import UnknownTaskError, task_config
from sim.rl.ppo_config import policy_shape, ppo_config
from tools.rungs import DEFAULT_KEEP, MIN_RUNG_EPOCH, parse_fractions, rung_epochs

#: What a curriculum entry may set, with the type it must have.
STAGE_KEYS = {
    "task": str,
    "iterations": int,
    "samples": int,
    "eval_seeds": int,
    "num_envs": int,
    "max_epochs": int,
    "success_to_advance": (int, float),
    "repeats": int,
    "extra_seeds": int,
}
#: A repeated stage trains this many times longer.
REPEAT_EPOCH_FACTOR = 2


def configured_entries(settings: Settings) -> list[dict]:
    """The stages before planning: ``--curriculum A,B``, else the task's config, else the task alone."""
    if settings.curriculum and settings.curriculum != "auto":
        entries = [{"task": name.strip()} for name in settings.curriculum.split(",")]
        where = "--curriculum"
    else:
        entries = task_config(settings.task).get("curriculum") or [{"task": settings.task}]
        where = f"configs/tasks/{settings.task}.yaml curriculum"
    check_entries(entries, where)
    return entries


def check_entries(entries: list, where: str) -> None:
    """Raise SettingsError naming the first bad stage: unknown keys or tasks, wrong types, unequal spaces."""
    if not isinstance(entries, list) or not entries:
        raise SettingsError(f"{where}: expected a list of stages")
    for number, entry in enumerate(entries, 1):
        if not isinstance(entry, dict) or not isinstance(entry.get("task"), str):
            raise SettingsError(f"{where}: stage {number} needs a task name")
        unknown = sorted(set(entry) - set(STAGE_KEYS))
        if unknown:
            raise SettingsError(
                f"{where}: stage {number} has unknown keys {unknown}; known: {sorted(STAGE_KEYS)}"
            )
        for key, value in entry.items():
            if isinstance(value, bool) or not isinstance(value, STAGE_KEYS[key]):
                raise SettingsError(f"{where}: stage {number} {key}={value!r} has the wrong type")
            if (
                key != "success_to_advance"
                and isinstance(value, int)
                and value < (0 if key in ("repeats", "extra_seeds") else 1)
            ):
                raise SettingsError(f"{where}: stage {number} {key} must be positive, got {value}")
        try:
            task_config(entry["task"])
        except UnknownTaskError as exc:
            raise SettingsError(f"{where}: stage {number}: {exc}") from None
    for before, after in zip(entries, entries[1:], strict=False):
        if policy_shape(before["task"]) != policy_shape(after["task"]):
            raise SettingsError(
                f"{where}: {before['task']} cannot warm-start {after['task']}: their policies differ "
                f"(observations, actions, network) {policy_shape(before['task'])} "
                f"vs {policy_shape(after['task'])}"
            )


def stage_plan(settings: Settings, entries: list[dict]) -> list[StageSpec]:
    """Every stage's spec with its budget resolved; ``settings.stage`` keeps only that stage."""
    specs = [stage_spec(number, entry, settings) for number, entry in enumerate(entries, 1)]
    if settings.stage is not None:
        if not 1 <= settings.stage <= len(specs):
            raise SettingsError(f"--stage {settings.stage}: the curriculum has stages 1 to {len(specs)}")
        specs = [specs[settings.stage - 1]]
    return specs


def stage_spec(number: int, entry: dict, settings: Settings) -> StageSpec:
    pinned = set((settings.command_line or "").split(","))

    def pick(key: str):
        return getattr(settings, key) if key in pinned or key not in entry else entry[key]

    ppo = ppo_config(entry["task"], {"num_envs": pick("num_envs"), "max_epochs": pick("max_epochs")})
    rungs = task_rungs(settings, entry["task"])
    if settings.rungs and rungs and not rung_epochs(rungs, ppo["max_epochs"]):
        raise SettingsError(
            f"--rungs {settings.rungs}: with {ppo['max_epochs']} epochs ({entry['task']}) no rung "
            f"falls between epoch {MIN_RUNG_EPOCH} and the last one"
        )
    return StageSpec(
        number=number,
        attempt=1,
        task=entry["task"],
        name=f"stage{number}-{entry['task']}",
        iterations=pick("iterations"),
        samples=pick("samples"),
        eval_seeds=pick("eval_seeds"),
        ppo={"num_envs": ppo["num_envs"], "max_epochs": ppo["max_epochs"]},
        success_to_advance=entry.get("success_to_advance"),
        repeats=entry.get("repeats", 0),
        init_checkpoint=None,
        prior_reward=None,
        search=settings.search,
        rank_by=settings.rank_by,
        rungs=rungs,
        rung_keep=settings.rung_keep or task_config(entry["task"]).get("rung_keep", DEFAULT_KEEP),
        extra_seeds=pick("extra_seeds"),
    )


def task_rungs(settings: Settings, task: str) -> list[float]:
    """The stage's rungs (fractions of max_epochs): none under ``search: eureka``; the settings' if given,
    else the task config's."""
    if settings.search == "eureka":
        return []
    if settings.rungs is not None:
        return parse_fractions(settings.rungs)
    configured = task_config(task).get("rungs") or []
    try:
        return parse_fractions(",".join(str(f) for f in configured))
    except ValueError as exc:
        raise SettingsError(f"configs/tasks/{task}.yaml rungs: {exc}") from None


def prior_reward(record: StageRecord) -> PriorReward | None:
    best = record["best"]
    return best and PriorReward(task=record["spec"]["task"], code=best["code"], fitness=record["fitness"])


def repeated(record: StageRecord) -> StageSpec:
    """The same stage again with a longer training, the Coder starting from its best reward so far."""
    spec = record["spec"]
    attempt = spec["attempt"] + 1
    return {
        **spec,
        "attempt": attempt,
        "name": f"stage{spec['number']}-{spec['task']}-attempt{attempt}",
        "repeats": spec["repeats"] - 1,
        "ppo": {**spec["ppo"], "max_epochs": spec["ppo"]["max_epochs"] * REPEAT_EPOCH_FACTOR},
        "prior_reward": prior_reward(record) or spec["prior_reward"],
    }


def following(spec: StageSpec, record: StageRecord) -> StageSpec:
    """The next stage, from the finished stage's best policy and reward
    (or, if it trained none, what it started from)."""
    before = record["spec"]
    return {
        **spec,
        "init_checkpoint": record["checkpoint"] or before["init_checkpoint"],
        "prior_reward": prior_reward(record) or before["prior_reward"],
    }


def best_of_stage(spec: StageSpec, attempts: list[StageRecord]) -> StageRecord:
    """Of a stage's attempts, the one whose policy has the highest clean fitness (the latest on ties)."""
    return best_attempt([r for r in attempts if r["spec"]["number"] == spec["number"]])


def options(record: StageRecord, has_next: bool) -> list[str]:
    """What may follow a finished stage."""
    choices = ["advance"] if has_next else ["finish"] if record["best"] else []
    if record["spec"]["repeats"] > 0:
        choices.append("repeat")
    if has_next or not choices:
        choices.append("stop")
    return choices


def config_decision(record: StageRecord, has_next: bool) -> Decision:
    """What the config says: repeat below ``success_to_advance`` or without a trained candidate,
    else go on."""
    spec, fitness = record["spec"], record["fitness"]
    can_repeat = spec["repeats"] > 0
    if record["best"] is None:
        action = "repeat" if can_repeat else "advance" if has_next else "stop"
        then = " (the next stage starts from what this one started from)" if action == "advance" else ""
        return Decision(action=action, reason=f"no candidate of the stage trained{then}", by="config")
    threshold = spec["success_to_advance"]
    if threshold is not None and can_repeat and (fitness is None or fitness < threshold):
        return Decision(
            action="repeat", reason=f"fitness {fitness} is below success_to_advance {threshold}", by="config"
        )
    action = "advance" if has_next else "finish"
    return Decision(
        action=action,
        reason="the next stage of the plan" if has_next else "the last stage of the plan",
        by="config",
    )
