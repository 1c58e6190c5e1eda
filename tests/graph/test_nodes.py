"""Stage nodes on plain state; the LLM is a FAKE scripted model where one is needed."""

from types import SimpleNamespace

import pytest
from langgraph.runtime import Runtime

from agents.gateway import LLMCallError, LLMGateway
from graph.curriculum import stage_spec
from graph.nodes import after_reflect, await_llm, rank_key, reflect
from graph.settings import DEFAULTS_FILE, Settings
from tests.fakes import APIConnectionError, ScriptedChatModel
from tests.helpers import candidate

TASK_PROMPT = [{"role": "system", "content": "write rewards"}, {"role": "user", "content": "Cartpole"}]


def test_ranking_prefers_trained_then_fitness_then_stable_ids():
    cands = [candidate(0, "failed", None), candidate(1, "trained", 5.0), candidate(2, "trained", 9.0),
             candidate(3, "trained", 9.0), candidate(4, "invalid", None)]  # fmt: skip
    assert [c["sample"] for c in sorted(cands, key=rank_key)] == [2, 3, 1, 0, 4]


def test_a_program_with_an_error_outranks_an_llm_failure_for_the_feedback():
    cands = [candidate(0, "llm_failed", None), candidate(1, "invalid", None)]
    assert sorted(cands, key=rank_key)[0]["sample"] == 1


def llm_failed(sample: int, kind: str) -> dict:
    return {**candidate(sample, "llm_failed", None), "error": f"coder LLM {kind}: HTTP 503", "llm_error": kind}


def stage_state(tmp_path, candidates: list[dict], iteration: int = 0, iterations: int = 3) -> tuple[dict, Runtime]:
    settings = Settings.load(DEFAULTS_FILE, {"iterations": iterations})
    model = ScriptedChatModel(script=[], prompts=[])
    gateway = LLMGateway({"coder": model}, tmp_path, retries=1, backoff_s=0.001)
    spec = stage_spec(1, {"task": "Cartpole"}, settings)
    state = {"stage": spec, "stages": [], "iteration": iteration, "messages": TASK_PROMPT,
             "candidates": candidates, "iterations": [], "best": None, "eval_runs": []}  # fmt: skip
    return state, Runtime(context=SimpleNamespace(settings=settings, gateway=gateway, run_dir=tmp_path))


async def test_an_iteration_lost_to_the_llm_says_so_and_keeps_the_conversation(tmp_path):
    state, rt = stage_state(tmp_path, [llm_failed(0, "unavailable"), llm_failed(1, "rejected")])
    update = await reflect(state, rt)
    assert update["messages"] == TASK_PROMPT and update["best"] is None
    (record,) = update["iterations"]
    assert record["note"].startswith("every sample failed on the LLM: coder LLM") and record["best_sample"] is None


async def test_the_reflection_carries_the_extracted_program_not_the_whole_answer(tmp_path):
    invalid = {**candidate(0, "invalid", None), "code": "def compute_reward(x):\n    return x, {}\n",
               "response": "Sure! Here is a long explanation...\n```python\ndef compute_reward(x): ...```"}  # fmt: skip
    state, rt = stage_state(tmp_path, [invalid])
    update = await reflect(state, rt)
    program, feedback = update["messages"][2:]
    assert program["content"] == "```python\ndef compute_reward(x):\n    return x, {}\n```"
    assert "Executing the reward function" in feedback["content"] and "boom" in feedback["content"]


async def test_after_an_outage_the_graph_waits_for_the_llm_and_otherwise_goes_on(tmp_path):
    lost = [llm_failed(0, "unavailable"), llm_failed(1, "unavailable")]
    state, rt = stage_state(tmp_path, lost, iteration=1)
    assert after_reflect(state, rt) == "await_llm"
    rejected, _ = stage_state(tmp_path, [llm_failed(0, "unavailable"), llm_failed(1, "rejected")], iteration=1)
    assert [send.node for send in after_reflect(rejected, rt)] == ["candidate"] * rejected["stage"]["samples"]
    last, _ = stage_state(tmp_path, lost, iteration=3)  # no iteration left: nothing to wait for
    assert after_reflect(last, rt) == "close_stage"


async def test_await_llm_goes_on_when_the_model_answers_and_stops_resumably_when_it_does_not(tmp_path):
    state, rt = stage_state(tmp_path, [], iteration=1)
    model = rt.context.gateway.models["coder"]
    model.script.extend([APIConnectionError("refused"), "OK"])
    assert await await_llm(state, rt) == {}
    model.script.extend([APIConnectionError("refused")] * 2)
    with pytest.raises(LLMCallError, match="the coder's LLM is unavailable") as info:
        await await_llm(state, rt)
    assert info.value.kind == "unavailable" and not model.script
