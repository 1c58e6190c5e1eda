"""The extra-seed fan-out: the trainings the run's search plans for the iteration's best."""

from types import SimpleNamespace

from langgraph.runtime import Runtime

from agents.llm.gateway import LLMGateway
from graph.nodes.seeds import fan_out_seeds
from graph.nodes.stage import EVAL_SEED_OFFSET
from graph.nodes.stage_plan import stage_spec
from graph.results.board import LiveBoard
from graph.search import search_for
from graph.settings import DEFAULTS_FILE, Settings
from tests.graph.search.test_ranking import seeded
from tests.helpers import candidate

#: An env-steps budget of about three trainings: one is 10 epochs x 64 envs x 16 steps = 10,240 env-steps.
BUDGET = {"env_steps_budget": 30_000, "max_epochs": 10, "num_envs": 64}


def context(settings: Settings, tmp_path) -> SimpleNamespace:
    """What the seed fan-out reads of a run: its search, settings, board and LLM gateway (for the budgets)."""
    gateway = LLMGateway({}, tmp_path / "calls.jsonl")
    return SimpleNamespace(
        search=search_for(settings, None), settings=settings, board=LiveBoard(), gateway=gateway
    )


def test_the_best_trained_candidates_get_more_seeds_distinct_from_the_held_out_ones(tmp_path):
    settings = Settings.load(DEFAULTS_FILE, {"seed_top_k": 2, "extra_seeds": 2, "seed": 7})
    state = {
        "stage": stage_spec(1, {"task": "Cartpole"}, settings),
        "iteration": 0,
        "candidates": [seeded(0, 10.0), seeded(1, 30.0), seeded(2, 20.0), candidate(3, "invalid", None)],
    }
    runtime = Runtime(context=context(settings, tmp_path))
    sends = fan_out_seeds(state, runtime)
    assert sorted((s.arg["candidate"], s.arg["seed"]) for s in sends) == [
        ("it0-s1", 8),
        ("it0-s1", 9),
        ("it0-s2", 8),
        ("it0-s2", 9),
    ]
    assert all(s.arg["seed"] < settings.seed + EVAL_SEED_OFFSET for s in sends)
    eureka = Runtime(context=context(Settings.load(DEFAULTS_FILE, {"search": "eureka"}), tmp_path))
    assert fan_out_seeds(state, eureka) == "reflect"


def test_a_stage_sets_its_own_extra_seeds_and_a_spent_budget_trains_none(tmp_path):
    settings = Settings.load(DEFAULTS_FILE, {"seed_top_k": 2, "extra_seeds": 2, **BUDGET})
    stage = stage_spec(1, {"task": "Cartpole", "extra_seeds": 1}, settings)
    state = {"stage": stage, "iteration": 0, "candidates": [seeded(0, 10.0), seeded(1, 30.0)]}
    runtime = Runtime(context=context(settings, tmp_path))
    assert sorted(s.arg["candidate"] for s in fan_out_seeds(state, runtime)) == ["it0-s0", "it0-s1"]
    runtime.context.board.clock.env_steps = 25_000  # room for one more training: the better candidate's
    assert [s.arg["candidate"] for s in fan_out_seeds(state, runtime)] == ["it0-s1"]
    runtime.context.board.clock.env_steps = 30_000  # the run's trainings took the whole budget
    assert fan_out_seeds(state, runtime) == "reflect"


def test_the_budget_gives_whole_candidates_their_seeds_or_none(tmp_path):
    """Room for three trainings and two extra seeds each: the better candidate gets both, the other none (one
    seed of two would rank it by its seed count)."""
    settings = Settings.load(DEFAULTS_FILE, {"seed_top_k": 2, "extra_seeds": 2, **BUDGET})
    state = {
        "stage": stage_spec(1, {"task": "Cartpole"}, settings),
        "iteration": 0,
        "candidates": [seeded(0, 10.0), seeded(1, 30.0)],
    }
    sends = fan_out_seeds(state, Runtime(context=context(settings, tmp_path)))
    assert [s.arg["candidate"] for s in sends] == ["it0-s1", "it0-s1"]
