"""The graph's wiring: the run's and a stage's nodes and where each may go."""

from graph.build import build_graph


def test_the_run_and_its_stages_are_wired_as_documented():
    run = build_graph().get_graph(xray=1)
    nodes = set(run.nodes)
    assert {"plan", "decide", "report"} <= nodes
    stage = {n.split(":", 1)[-1] for n in nodes if n.startswith("stage:")}
    assert stage == {
        "start",
        "candidate",
        "search",
        "tune",
        "seed",
        "reflect",
        "steer",
        "await_llm",
        "evaluate",
        "close_stage",
    }
    exits = {(e.source.split(":")[-1], e.target.split(":")[-1]) for e in run.edges}
    assert {("steer", t) for t in ("candidate", "await_llm", "evaluate", "close_stage")} <= exits
    assert ("decide", "report") in exits and ("reflect", "steer") in exits
    assert {
        ("candidate", "search"),
        ("search", "tune"),
        ("tune", "seed"),
        ("tune", "reflect"),
        ("seed", "reflect"),
    } <= exits
