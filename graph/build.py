"""Wiring only. The run: plan -> stage -> decide -> (stage | report). A stage is the Eureka loop,
a subgraph: start -> candidates (Send fan-out) -> reflect -> steer -> ... -> evaluate -> close_stage; after
an iteration lost to an unavailable LLM, steer -> await_llm -> candidates. ``steer`` applies the person's
messages at each iteration boundary (graph/steering.py)."""

from __future__ import annotations

from langgraph.graph import END, START, StateGraph

from graph import curriculum_nodes, nodes, steering
from graph.context import RunContext
from graph.state import RunState, StageState


def build_stage_graph():
    g = StateGraph(StageState, context_schema=RunContext)
    g.add_node("start", nodes.start)
    g.add_node("candidate", nodes.candidate)
    g.add_node("reflect", nodes.reflect)
    g.add_node("steer", steering.steer)
    g.add_node("await_llm", nodes.await_llm)
    g.add_node("evaluate", nodes.evaluate)
    g.add_node("close_stage", nodes.close_stage)
    g.add_edge(START, "start")
    g.add_conditional_edges("start", nodes.fan_out_candidates, ["candidate"])
    g.add_edge("candidate", "reflect")
    g.add_edge("reflect", "steer")
    g.add_conditional_edges("steer", nodes.after_steer, ["candidate", "await_llm", "evaluate", "close_stage"])
    g.add_conditional_edges("await_llm", nodes.fan_out_candidates, ["candidate"])
    g.add_edge("evaluate", "close_stage")
    g.add_edge("close_stage", END)
    return g.compile()


def build_graph(checkpointer=None):
    g = StateGraph(RunState, context_schema=RunContext)
    g.add_node("plan", curriculum_nodes.plan)
    g.add_node("stage", build_stage_graph())
    g.add_node("decide", curriculum_nodes.decide)
    g.add_node("report", curriculum_nodes.report)
    g.add_edge(START, "plan")
    g.add_edge("plan", "stage")
    g.add_edge("stage", "decide")
    g.add_conditional_edges("decide", curriculum_nodes.after_decide, ["stage", "report"])
    g.add_edge("report", END)
    return g.compile(checkpointer=checkpointer)
