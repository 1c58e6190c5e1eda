"""The state's reducer of candidates: one record per candidate, every training of its program in it."""

from graph.search.ranking import scored
from graph.state import merge_candidates
from tests.helpers import candidate


def training(seed: int, fitness: float) -> dict:
    return {"seed": seed, "fitness": fitness, "env_steps": 10, "train_s": 1.0, "status": "trained"}


def test_more_seeds_join_their_candidates_record_first_training_first_and_nothing_doubles():
    first = {**candidate(0, "trained", 500.0), "seeds": [training(5, 500.0)]}
    other = {**candidate(1, "trained", 300.0), "seeds": [training(5, 300.0)]}
    merged = merge_candidates([first, other], [{"id": "it0-s0", "seeds": [training(7, 7.0)]}])
    merged = merge_candidates(merged, [{"id": "it0-s0", "seeds": [training(6, 2.0)]}])
    assert [c["id"] for c in merged] == ["it0-s0", "it0-s1"] and merged[1] == other
    assert [s["seed"] for s in merged[0]["seeds"]] == [5, 6, 7]  # its first training first, then by seed
    again = merge_candidates(merged, scored(merged, "median"))  # reflect writes the figures back
    assert [s["seed"] for s in again[0]["seeds"]] == [5, 6, 7] and again[0]["fitness"] == 7.0  # 500, 2, 7
    assert again[1]["fitness"] == 300.0  # one training: its own figure


def test_a_new_candidate_joins_the_list_and_a_known_one_takes_the_updates_fields():
    known = [candidate(0, "trained", 1.0)]
    merged = merge_candidates(
        known, [candidate(1, "invalid", None), {**candidate(0, "trained", 1.0), "error": "x"}]
    )
    assert [c["id"] for c in merged] == ["it0-s0", "it0-s1"] and merged[0]["error"] == "x"
