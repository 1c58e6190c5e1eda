"""Wiring only: start -> candidates (Send fan-out) -> reflect -> ... -> evaluate -> report."""

from __future__ import annotations

from langgraph.graph import END, START, StateGraph

from graph import nodes
from graph.context import RunContext
from graph.state import RunState


def build_graph(checkpointer=None):
    g = StateGraph(RunState, context_schema=RunContext)
    g.add_node("start", nodes.start)
    g.add_node("candidate", nodes.candidate)
    g.add_node("reflect", nodes.reflect)
    g.add_node("evaluate", nodes.evaluate)
    g.add_node("report", nodes.report)
    g.add_edge(START, "start")
    g.add_conditional_edges("start", nodes.fan_out_candidates, ["candidate"])
    g.add_edge("candidate", "reflect")
    g.add_conditional_edges("reflect", nodes.after_reflect, ["candidate", "evaluate", "report"])
    g.add_edge("evaluate", "report")
    g.add_edge("report", END)
    return g.compile(checkpointer=checkpointer)
