from graph.nodes import rank_key
from tests.helpers import candidate


def test_ranking_prefers_trained_then_fitness_then_stable_ids():
    cands = [candidate(0, "failed", None), candidate(1, "trained", 5.0), candidate(2, "trained", 9.0),
             candidate(3, "trained", 9.0), candidate(4, "invalid", None)]  # fmt: skip
    assert [c["sample"] for c in sorted(cands, key=rank_key)] == [2, 3, 1, 0, 4]
