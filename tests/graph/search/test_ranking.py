"""What "best" means: a candidate's figure over its seeds, and the order it gives an iteration's
candidates."""

from graph.search.ranking import rank_key, scored, stage_policy
from graph.settings import DEFAULTS_FILE, Settings
from graph.state import merge_candidates
from tests.helpers import candidate


def seeded(sample: int, first: float, program: str = "") -> dict:
    return {
        **candidate(sample, "trained", first),
        "program": program or f"p{sample}",
        "code": f"# {sample}",
        "seeds": [{"seed": 0, "fitness": first, "env_steps": 10, "train_s": 1.0, "status": "trained"}],
    }


def runs(cid: str, *figures: float) -> list[dict]:
    return [
        {"candidate": cid, "seed": 1 + i, "fitness": f, "env_steps": 10, "train_s": 1.0, "status": "trained"}
        for i, f in enumerate(figures)
    ]


def with_seeds(candidates: list[dict], more: list[dict], rank_by: str | None = None) -> list[dict]:
    """The candidates after the seed node's updates (the state's reducer), as the search ranks them."""
    updates = [
        {"id": r["candidate"], "seeds": [{k: v for k, v in r.items() if k != "candidate"}]} for r in more
    ]
    return scored(merge_candidates(candidates, updates), rank_by)


def test_a_candidate_lucky_on_one_seed_loses_to_one_good_on_every_seed():
    lucky, steady = seeded(0, 500.0), seeded(1, 450.0)
    scored = with_seeds([lucky, steady], runs("it0-s0", 100.0, 100.0) + runs("it0-s1", 440.0, 460.0))
    best = sorted(scored, key=rank_key)[0]
    assert best["id"] == "it0-s1" and best["fitness"] == 450.0 and len(best["seeds"]) == 3
    assert sorted(scored, key=rank_key)[1]["fitness"] == 700.0 / 3
    assert with_seeds([lucky], [])[0]["fitness"] == 500.0  # one seed: its own figure (search eureka)


def test_by_default_one_lucky_seed_of_three_does_not_choose_the_best():
    lucky, steady = (
        seeded(0, 500.0),
        seeded(1, 200.0),
    )  # 500, 60, 50 (mean 203.3) against 200, 190, 210 (mean 200)
    seed_runs = runs("it0-s0", 60.0, 50.0) + runs("it0-s1", 190.0, 210.0)
    assert sorted(with_seeds([lucky, steady], seed_runs, "mean"), key=rank_key)[0]["id"] == "it0-s0"
    default = Settings.load(DEFAULTS_FILE, {}).rank_by
    scored = {c["id"]: c for c in with_seeds([lucky, steady], seed_runs, default)}
    assert sorted(scored.values(), key=rank_key)[0]["id"] == "it0-s1"
    assert scored["it0-s0"]["fitness"] == 60.0 and scored["it0-s1"]["fitness"] == 200.0  # the median of three
    by_sem = {c["id"]: c["fitness"] for c in with_seeds([lucky, steady], seed_runs, "mean-sem")}
    # by hand: mean 203.33, sample std 256.97, standard error 148.36; 200 less 10 / sqrt(3)
    assert abs(by_sem["it0-s0"] - 54.97) < 0.01 and abs(by_sem["it0-s1"] - 194.23) < 0.01


def test_a_figure_over_several_seeds_outranks_one_seed_that_never_had_to_hold_up():
    top, third = (
        seeded(0, 500.0),
        seeded(2, 480.0),
    )  # the third never got more seeds: it was behind on its one
    scored = with_seeds([top, third], runs("it0-s0", 300.0, 320.0))
    assert [c["id"] for c in sorted(scored, key=rank_key)] == ["it0-s0", "it0-s2"]


def test_the_stage_policy_is_the_best_clean_fitness_among_the_candidate_and_its_reruns():
    best = {**candidate(0, "trained", 2.0), "checkpoint": "cand.pth"}
    runs = [
        {"seed": 1, "fitness": 3.0, "checkpoint": "eval1.pth"},
        {"seed": 2, "fitness": None, "checkpoint": None},
    ]
    assert stage_policy(best, runs) == ("eval1.pth", 3.0)
    assert stage_policy(best, [{**runs[0], "fitness": 2.0}]) == ("cand.pth", 2.0)  # ties keep the candidate
    assert stage_policy(None, []) == (None, None)
