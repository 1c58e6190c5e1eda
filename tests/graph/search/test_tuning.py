"""The constant tuner: Optuna's study over a program's numbers, resumable from its SQLite file.

The objective here is a FAKE training (a known function of the constants), so the optimiser's own behaviour
can be checked in seconds; tests/graph/test_run_tuned.py trains for real."""

import asyncio
import math

import optuna
import pytest

from graph.results.run_dir import TUNING_FILE
from graph.search import search_for
from graph.search.tuning import screen, tune, tuning_note
from graph.settings import DEFAULTS_FILE, Settings
from sim.reward.constants import tunable_constants
from tests.helpers import candidate

#: The human Cartpole reward's structure with its weights off by 400 and 20 times (issue 38's goal case).
WRONG_SCALES = (
    "def compute_reward(pole_angle, pole_vel, cart_vel, cart_pos):\n"
    "    reward = 1.0 - pole_angle * pole_angle - 4.0 * torch.abs(cart_vel) - 0.1 * torch.abs(pole_vel)\n"
    "    return reward, {}\n"
)
TARGET = {"4.0": 0.01, "0.1": 0.005}  # the human reward's weights


def fake_fitness(code: str) -> float:
    """FAKE training: 500 at the human weights, less the further (in log scale) each weight is from them."""
    weights = {c.text: c.value for c in tunable_constants(code)}
    found = sorted(abs(v) for v in weights.values())
    wanted = sorted(TARGET.values())
    return 500.0 - 50.0 * sum(abs(math.log(f / w)) for f, w in zip(found, wanted, strict=False))


async def objective(code: str, trial: int):
    fitness = fake_fitness(code)
    return fitness, {
        "trial": trial,
        "fitness": fitness,
        "env_steps": 1000,
        "train_s": 1.0,
        "status": "trained",
    }


@pytest.mark.parametrize("sampler,trials", [("tpe", 40), ("gp", 12)])
async def test_the_tuner_moves_wrong_scales_toward_the_ones_that_score_and_keeps_the_structure(
    sampler, trials, tmp_path
):
    parent = fake_fitness(WRONG_SCALES)
    study = await tune(
        WRONG_SCALES, parent, trials, objective, tmp_path / TUNING_FILE, "it0-s0", seed=0, sampler=sampler
    )
    assert study.trials == trials and len(study.runs) == trials and study.fitness > parent + 100
    best = study.finalists[0]
    assert len(study.finalists) == 1 and best.entry["fitness"] == study.fitness
    moved = {m["line"] for m in best.constants}
    assert moved == {2} and all(m["original"] * m["value"] > 0 for m in best.constants)  # signs kept
    assert best.code.replace("4.0", "").count("torch.abs") == WRONG_SCALES.count("torch.abs")
    note = tuning_note(
        {
            "tuned_from": "it0-s0",
            "constants": best.constants,
            "importance": study.importance,
            "seeds": [{"fitness": study.fitness}],
        },
        [{"id": "it0-s0", "seeds": [{"fitness": parent}]}],
    )
    assert "it0-s0's with its constants tuned" in note and "line 2:" in note
    assert f"{parent:.4g} -> {study.fitness:.4g}" in note


async def test_a_fresh_study_first_tries_each_constant_alone_a_hundred_times_smaller(tmp_path):
    """The screen: before the sampler guides, each constant in turn at 1/100 of its value, the rest as written
    (up to half the trials); a resumed study does not screen again."""
    seen = []

    async def recording(code, trial):
        seen.append(code)
        return await objective(code, trial)

    await tune(WRONG_SCALES, 100.0, 4, recording, tmp_path / TUNING_FILE, "it0-s0", seed=0)
    values = [sorted(abs(c.value) for c in tunable_constants(code)) for code in seen]
    assert values[:2] == [[0.04, 0.1], [0.001, 4.0]]
    assert [0.04, 0.1] not in values[2:] and [0.001, 4.0] not in values[2:]
    seen.clear()
    await tune(WRONG_SCALES, 100.0, 6, recording, tmp_path / TUNING_FILE, "it0-s0", seed=0)
    assert len(seen) == 2 and [0.04, 0.1] not in [
        sorted(abs(c.value) for c in tunable_constants(code)) for code in seen
    ]


def test_an_integer_one_has_no_screen_point_and_the_parent_is_not_trained_again():
    code = (
        "def compute_reward(pole_angle):\n"
        "    r = torch.where(pole_angle > 0.5, -1, 0)\n"
        "    return r + 3.0 * pole_angle, {}\n"
    )
    constants = tunable_constants(code)
    assert [c.text for c in constants] == ["0.5", "1", "3.0"]
    points = screen(constants, 3)
    assert [sorted(p.values()) for p in points] == [[0.005, 1.0, 3.0], [0.03, 0.5, 1.0]]


async def test_a_resumed_study_runs_only_the_trials_it_still_owes_and_drops_a_killed_one(tmp_path):
    storage = tmp_path / TUNING_FILE
    await tune(WRONG_SCALES, 100.0, 3, objective, storage, "it0-s0", seed=0)
    study = optuna.load_study(study_name="it0-s0", storage=f"sqlite:///{storage}")
    study.ask()  # a trial the killed run had started: it never reported
    calls = []

    async def counting(code, trial):
        calls.append(trial)
        return await objective(code, trial)

    resumed = await tune(WRONG_SCALES, 100.0, 5, counting, storage, "it0-s0", seed=0)
    assert len(calls) == 2 and resumed.trials == 5  # 3 before, 2 now; the stale one failed, not counted
    states = [t.state for t in optuna.load_study(study_name="it0-s0", storage=f"sqlite:///{storage}").trials]
    assert states.count(optuna.trial.TrialState.FAIL) == 1


async def test_a_trial_that_does_not_train_fails_and_a_study_nobody_beats_gives_no_winner(tmp_path):
    async def broken(code, trial):
        return None, {"trial": trial, "fitness": None, "env_steps": 0, "train_s": 0.0, "status": "failed"}

    study = await tune(WRONG_SCALES, 100.0, 2, broken, tmp_path / "t.sqlite", "it0-s1", seed=0)
    assert not study.finalists and study.trials == 2 and all(r["status"] == "failed" for r in study.runs)
    nothing = await tune(
        "def compute_reward(x):\n    return x, {}\n", 1.0, 3, objective, tmp_path / "t.sqlite", "x", 0
    )
    assert not nothing.finalists and nothing.trials == 0  # no constant to tune


async def test_without_the_parents_figure_the_program_trains_as_written_first_and_only_the_chosen_move(
    tmp_path,
):
    """A recombined program's study: its first trial is the program as written, and only the constants
    ``select`` picks (here the 4.0) move; a budget that runs out stops the trials."""
    seen = []

    async def recording(code, trial):
        seen.append(code)
        return await objective(code, trial)

    study = await tune(
        WRONG_SCALES,
        None,
        3,
        recording,
        tmp_path / TUNING_FILE,
        "it0-s0+it0-s1",
        seed=0,
        select=lambda c: c.text == "4.0",
    )
    assert seen[0] == WRONG_SCALES and study.trials == 3
    assert all("- 0.1 * torch.abs(pole_vel)" in code for code in seen)  # the other constant never moves
    assert study.finalists and {m["original"] for m in study.finalists[0].constants} == {4.0}
    budget = iter([1, 0])  # room for one training, then none: a wave of two slots trains one
    stopped = await tune(
        WRONG_SCALES,
        None,
        3,
        objective,
        tmp_path / TUNING_FILE,
        "other",
        seed=0,
        parallel=2,
        affordable=lambda: next(budget),
    )
    assert stopped.trials == 1


async def test_the_finalists_are_the_best_distinct_trials_that_beat_the_parent_best_first(tmp_path):
    parent = fake_fitness(WRONG_SCALES)
    study = await tune(
        WRONG_SCALES, parent, 12, objective, tmp_path / TUNING_FILE, "it0-s0", seed=0, finalists=3
    )
    scores = [f.entry["fitness"] for f in study.finalists]
    better = sorted((r["fitness"] for r in study.runs if r["fitness"] > parent), reverse=True)
    assert len(study.finalists) == min(3, len(better)) >= 2 and scores == better[: len(scores)]
    assert len({f.code for f in study.finalists}) == len(scores)
    assert all(fake_fitness(f.code) == f.entry["fitness"] for f in study.finalists)  # each its own program
    strict = await tune(WRONG_SCALES, 1e9, 4, objective, tmp_path / TUNING_FILE, "b", seed=0, finalists=3)
    assert not strict.finalists  # none beat the parent: none is a finalist


def test_every_finalist_gets_more_seeds_beside_the_models_best():
    """A finalist stands out of many trials on one seed: it is never chosen on that seed alone."""
    search = search_for(Settings.load(DEFAULTS_FILE, {"search": "tuned", "seed_top_k": 1}), None)
    stage = {"extra_seeds": 2}
    model = [candidate(0, "trained", 50.0), candidate(1, "trained", 80.0)]
    finalists = [dict(candidate(k, "trained", f), author="optimiser") for k, f in ((2, 90.0), (3, 85.0))]
    plan = search.seed_plan(stage, [*model, *finalists], 0)
    assert sorted({c["id"] for c, _ in plan}) == ["it0-s1", "it0-s2", "it0-s3"]
    assert len(plan) == 6 and {seed for _, seed in plan} == {1, 2}


def test_recombination_picks_the_two_best_lines_once():
    """Two parents of different lines (a tuned program is its parent's line), each with components; a pair is
    recombined once."""
    search = search_for(Settings.load(DEFAULTS_FILE, {"search": "tuned"}), None)
    a, b, c = (
        dict(candidate(k, "trained", f), result={"components": {"r": []}}) for k, f in enumerate((9, 5, 3))
    )
    tuned_a = dict(candidate(3, "trained", 12.0), result={"components": {"r": []}}, tuned_from="it0-s0")
    bare = dict(candidate(4, "trained", 11.0), result={})  # no components reported
    plan = search.recombination_plan([a, b, c, tuned_a, bare], 0)
    assert [p["id"] for p in plan] == ["it0-s3", "it0-s1"]
    done = dict(candidate(5, "trained", 1.0), recombined_from=["it0-s3", "it0-s1"])
    assert search.recombination_plan([a, b, c, tuned_a, bare, done], 0) is None
    off = search_for(Settings.load(DEFAULTS_FILE, {"search": "tuned", "recombination_trials": 0}), None)
    assert off.recombination_plan([a, b], 0) is None


@pytest.mark.parametrize("sampler", ["tpe", "gp"])
async def test_trials_train_as_many_at_a_time_as_the_pool_has_slots_each_with_other_numbers(
    sampler, tmp_path
):
    in_flight, most, seen = [0], [0], []

    async def slow(code, trial):
        in_flight[0] += 1
        most[0] = max(most[0], in_flight[0])
        await asyncio.sleep(0.05)
        in_flight[0] -= 1
        seen.append(code)
        return await objective(code, trial)

    study = await tune(
        WRONG_SCALES, 100.0, 5, slow, tmp_path / TUNING_FILE, "it0-s0", seed=0, sampler=sampler, parallel=2
    )
    assert most[0] == 2 and study.trials == 5 and len(seen) == 5  # waves of 2, 2 and 1
    assert len(set(seen)) == 5  # no two trials of a wave (or of the study) train the same numbers
