"""The extra-seed fan-out: the trainings the run's search plans for the iteration's best."""

from types import SimpleNamespace

from langgraph.runtime import Runtime

from graph.nodes.seeds import fan_out_seeds
from graph.nodes.stage import EVAL_SEED_OFFSET
from graph.nodes.stage_plan import stage_spec
from graph.search import search_for
from graph.settings import DEFAULTS_FILE, Settings
from tests.graph.search.test_ranking import seeded
from tests.helpers import candidate


def test_the_best_trained_candidates_get_more_seeds_distinct_from_the_held_out_ones():
    settings = Settings.load(DEFAULTS_FILE, {"seed_top_k": 2, "extra_seeds": 2, "seed": 7})
    state = {
        "stage": stage_spec(1, {"task": "Cartpole"}, settings),
        "iteration": 0,
        "candidates": [seeded(0, 10.0), seeded(1, 30.0), seeded(2, 20.0), candidate(3, "invalid", None)],
    }
    runtime = Runtime(context=SimpleNamespace(search=search_for(settings, None)))
    sends = fan_out_seeds(state, runtime)
    assert sorted((s.arg["candidate"], s.arg["seed"]) for s in sends) == [
        ("it0-s1", 8),
        ("it0-s1", 9),
        ("it0-s2", 8),
        ("it0-s2", 9),
    ]
    assert all(s.arg["seed"] < settings.seed + EVAL_SEED_OFFSET for s in sends)
    eureka = Runtime(
        context=SimpleNamespace(search=search_for(Settings.load(DEFAULTS_FILE, {"search": "eureka"}), None))
    )
    assert fan_out_seeds(state, eureka) == "reflect"
