"""The steer node: the messages of an iteration boundary change the Coder's next prompt, the settings and
the next iteration's candidates. A real RunContext (inbox, pool, gateway) with FAKE replayed LLMs; the
waits (/pause, human feedback) are interrupts, exercised through the CLI in test_run_steering.py."""

import asyncio
import json

import yaml
from langgraph.runtime import Runtime

from graph.nodes.boundary import steer
from graph.nodes.stage_plan import stage_spec
from graph.results.run_dir import CONFIG_FILE, SUMMARY_FILE
from graph.steering.service import SteeringService
from tests.helpers import count_parses, run_context

PROMPT = [
    {"role": "system", "content": "You write reward functions."},
    {"role": "user", "content": "The task."},
]
REFLECTED = PROMPT + [
    {"role": "assistant", "content": "```python\nold\n```"},
    {"role": "user", "content": "We trained ... task_score: [1, 2] ... write a new one"},
]
PROGRAM = "def compute_reward(pole_angle):\n    r = 1.0 - pole_angle ** 2\n    return r, {'r': r}"


def boundary(
    tmp_path, *messages: str, iteration: int = 1, iterations: int = 3, **state
) -> tuple[dict, Runtime]:
    """A stage after ``iteration`` iterations, with ``messages`` in its inbox."""
    ctx = run_context(tmp_path, iterations=iterations)
    for n, text in enumerate(messages):
        ctx.inbox.post(text, f"test:{n}")
    spec = stage_spec(1, {"task": "Cartpole"}, ctx.settings)
    base = {
        "stage": spec,
        "stages": [],
        "iteration": iteration,
        "messages": REFLECTED,
        "candidates": [],
        "iterations": [],
        "best": None,
        "eval_runs": [],
        "elite": None,
    }
    return {**base, **state}, Runtime(context=ctx)


async def test_feedback_joins_the_reflection_and_replace_swaps_it(tmp_path):
    state, rt = boundary(tmp_path / "a", "the cart drifts right", "and it shakes")
    update = await steer(state, rt)
    last = update["messages"][-1]["content"]
    assert "task_score" in last and "the cart drifts right\nand it shakes" in last
    assert update["messages"][:-1] == REFLECTED[:-1] and update["steer_cursor"] == 2
    state, rt = boundary(tmp_path / "b", "/mode replace", "the cart drifts right")
    update = await steer(state, rt)
    last = update["messages"][-1]["content"]
    assert "task_score" not in last and "the cart drifts right" in last and "```python" in last
    assert update["overrides"] == {"feedback_mode": "replace"}
    assert [r["kind"] for r in update["steering"]] == ["mode", "feedback"]


async def test_settings_change_for_the_rest_of_the_stage_and_questions_are_left_to_the_service(tmp_path):
    state, rt = boundary(
        tmp_path,
        "/status",
        "/samples 2",
        "/iterations 5",
        "/bogus",
        "@critic why?",
        f"/edit\n{PROGRAM}\n/end",
        "@curriculum go on once it balances",
    )
    update = await steer(state, rt)
    assert update["stage"]["samples"] == 2 and update["stage"]["iterations"] == 5
    assert update["overrides"] == {"samples": 2, "iterations": 5} and update["steer_cursor"] == 7
    assert [e.strip() for e in update["edits"]] == [PROGRAM] and update["curriculum_notes"] == [
        "go on once it balances"
    ]
    assert [r["kind"] for r in update["steering"]] == ["samples", "iterations", "edit", "curriculum"]
    assert update["messages"] == REFLECTED and not update["stopped"]
    applied = {r.message_id: r.text for r in rt.context.inbox.replies()}
    assert set(applied) == {2, 3, 6, 7}  # /status, /bogus and @critic are answered by the service
    assert (
        json.loads((tmp_path / SUMMARY_FILE).read_text())["status"] == "running"
    )  # rewritten at the boundary


async def test_stop_ends_the_stage_and_an_edit_with_no_iteration_left_is_refused(tmp_path):
    state, rt = boundary(
        tmp_path / "a", f"/edit\n{PROGRAM}\n/end", "late feedback", iteration=3, iterations=3
    )
    update = await steer(state, rt)
    assert update["edits"] == [] and update["messages"] == REFLECTED
    texts = [r.text for r in rt.context.inbox.replies()]
    assert texts[0].startswith("error: this stage has no iteration left") and "no iteration left" in texts[1]
    state, rt = boundary(tmp_path / "b", "/stop", "ignored after the stop")
    update = await steer(state, rt)
    assert update["stopped"] and update["steer_cursor"] == 1
    assert rt.context.steering.stop_pending(0) and not rt.context.steering.stop_pending(1)


async def test_model_switches_an_agent_for_the_rest_of_the_run_or_says_why_not(tmp_path):
    other = tmp_path / "other.jsonl"
    other.write_text(json.dumps({"agent": "critic", "response": "hello"}) + "\n")
    state, rt = boundary(tmp_path, "/model critic=nosuchprovider:model", f"/model critic=replay:{other}")
    before = rt.context.gateway.models["critic"]
    update = await steer(state, rt)
    first, second = (r.text for r in rt.context.inbox.replies())
    assert first.startswith("error: model unchanged:") and second == f"the critic now uses replay:{other}"
    assert rt.context.gateway.models["critic"] is not before
    assert update["overrides"]["models"] == {
        "critic": f"replay:{other}"
    }  # kept in the state: a resume makes it again
    assert (
        yaml.safe_load((tmp_path / CONFIG_FILE).read_text())["critic_llm"] != f"replay:{other}"
    )  # no node writes it
    assert len(update["steering"]) == 2


async def no_state():
    return {}, None


async def test_a_command_acknowledged_before_a_kill_is_applied_once_after_resume(tmp_path, monkeypatch):
    state, rt = boundary(tmp_path, "more torque", "/samples 2", "/status")
    first = SteeringService(rt.context, no_state)
    first.ctx.steering.read()  # answered and acknowledged; the run is killed before the boundary
    await asyncio.gather(*first.questions)
    parsed = count_parses(monkeypatch)
    resumed = run_context(tmp_path)  # a new process: its reader reads the inbox again, once
    assert await SteeringService(resumed, no_state).wait("feedback", after=0) == 1  # it ends a wait
    update = await steer(state, Runtime(context=resumed))
    assert [r["kind"] for r in update["steering"]] == ["feedback", "samples"] and update["steer_cursor"] == 2
    assert not resumed.steering.stop_pending(update["steer_cursor"])
    assert sorted(parsed) == sorted(["more torque", "/samples 2", "/status"])  # each parsed once
    replies = [(r.message_id, r.key.split("/")[1]) for r in resumed.inbox.replies()]
    assert sorted(replies) == [(1, "ack"), (1, "applied"), (2, "ack"), (2, "applied"), (3, "answer")]
    again = await steer({**state, **update}, Runtime(context=run_context(tmp_path)))
    assert again["steering"] == [] and again["steer_cursor"] == 2  # applied once, not after a second resume
