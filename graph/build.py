"""Wiring only. The run: plan -> stage -> decide -> (stage | report). A stage is the Eureka loop,
a subgraph: start -> candidates (Send fan-out) -> search -> tune -> [more seeds of the best (Send fan-out)] ->
reflect -> steer -> ... -> evaluate -> close_stage; after
an iteration lost to an unavailable LLM, steer -> await_llm -> candidates. ``steer`` applies the person's
messages at each iteration boundary (graph/nodes/boundary.py)."""

from __future__ import annotations

import inspect
from functools import partial

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime

from graph.context import RunContext
from graph.nodes import boundary, curriculum, finish, seeds, stage, tune
from graph.state import RunState, StageState


def bound(fn, context: RunContext | None):
    """``fn`` with ``context`` as its runtime context, for a host that cannot pass one
    (the LangGraph server)."""
    if context is None or "runtime" not in inspect.signature(fn).parameters:
        return fn
    if inspect.iscoroutinefunction(fn):

        async def node(state):
            return await fn(state, Runtime(context=context))
    else:

        def node(state):
            return fn(state, Runtime(context=context))

    node.__name__ = fn.__name__
    return node


def build_stage_graph(context: RunContext | None = None):
    b = partial(bound, context=context)
    g = StateGraph(StageState, context_schema=None if context else RunContext)
    g.add_node("start", b(stage.start))
    g.add_node("candidate", b(stage.candidate))
    g.add_node("search", lambda state: {})  # the iteration's barrier: every candidate has trained
    g.add_node("tune", b(tune.tune))  # search tuned: the iteration's best program's constants
    g.add_node("seed", b(seeds.seed))
    g.add_node("reflect", b(stage.reflect))
    g.add_node("steer", b(boundary.steer))
    g.add_node("await_llm", b(stage.await_llm))
    g.add_node("evaluate", b(stage.evaluate))
    g.add_node("close_stage", stage.close_stage)
    g.add_edge(START, "start")
    g.add_conditional_edges("start", stage.fan_out_candidates, ["candidate"])
    g.add_edge("candidate", "search")
    g.add_edge("search", "tune")
    g.add_conditional_edges("tune", b(seeds.fan_out_seeds), ["seed", "reflect"])
    g.add_edge("seed", "reflect")
    g.add_edge("reflect", "steer")
    g.add_conditional_edges(
        "steer", b(stage.after_steer), ["candidate", "await_llm", "evaluate", "close_stage"]
    )
    g.add_conditional_edges("await_llm", stage.fan_out_candidates, ["candidate"])
    g.add_edge("evaluate", "close_stage")
    g.add_edge("close_stage", END)
    return g.compile()


def build_graph(checkpointer=None, context: RunContext | None = None):
    """The run's graph. ``context``: bind it into the nodes (graph/server.py);
    graph.run passes it per call."""
    b = partial(bound, context=context)
    g = StateGraph(
        RunState, context_schema=None if context else RunContext
    )  # bound: the host's context unused
    g.add_node("plan", b(curriculum.plan))
    g.add_node("stage", build_stage_graph(context))
    g.add_node("decide", b(curriculum.decide))
    g.add_node("report", b(finish.report))
    g.add_edge(START, "plan")
    g.add_edge("plan", "stage")
    g.add_edge("stage", "decide")
    g.add_conditional_edges("decide", curriculum.after_decide, ["stage", "report"])
    g.add_edge("report", END)
    return g.compile(checkpointer=checkpointer)
