import json

import pytest

from agents.llm.conversation import ContextWindow, estimate_tokens
from agents.llm.gateway import BUDGET, LLMCallError, LLMGateway
from agents.llm.pricing import Price, PriceTable
from tests.fakes import APIConnectionError, HttpError, ScriptedChatModel, calls_tool, cut_off

PROMPT = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "reward?"}]


def gateway(tmp_path, script, **kw):
    model = ScriptedChatModel(script=script, prompts=[])
    kw.setdefault("backoff_s", 0.001)
    return LLMGateway({"coder": model, "critic": model}, tmp_path / "calls.jsonl", **kw), model


async def test_calls_are_recorded_with_agent_messages_response_and_usage(tmp_path):
    gw, _ = gateway(tmp_path, ["def r(): pass"])
    reply = await gw.complete("coder", PROMPT, key="it0-s0")
    assert reply.text == "def r(): pass" and not reply.cached
    record = json.loads((tmp_path / "calls.jsonl").read_text())
    assert (
        record["agent"] == "coder" and record["messages"] == PROMPT and record["response"] == "def r(): pass"
    )
    totals = {
        "calls": 1,
        "prompt_tokens": 10,
        "completion_tokens": 5,
        "cost_usd": None,
    }  # no price table: unknown
    assert gw.usage() == {**totals, "models": {"unknown": totals}}


async def test_cost_per_model_comes_from_the_price_table(tmp_path):
    prices = PriceTable((("fake:priced", Price(input=1000.0, output=2000.0)), ("fake:*", Price(0.0, 0.0))))
    gw, _ = gateway(
        tmp_path, ["a", "b", "c"], specs={"coder": "fake:priced", "critic": "fake:free"}, prices=prices
    )
    for agent in ("coder", "coder", "critic"):
        await gw.complete(agent, PROMPT)
    usage = gw.usage()  # FAKE model: 10 prompt and 5 completion tokens per call
    assert usage["models"]["fake:priced"] == {
        "calls": 2,
        "prompt_tokens": 20,
        "completion_tokens": 10,
        "cost_usd": pytest.approx(0.04),
    }
    assert usage["models"]["fake:free"]["cost_usd"] == 0.0
    assert usage["calls"] == 3 and usage["cost_usd"] == pytest.approx(0.04) == gw.spent_usd()


async def test_no_call_is_sent_once_the_budget_is_spent(tmp_path):
    prices = PriceTable((("fake:priced", Price(input=1000.0, output=2000.0)),))  # 0.02 USD per FAKE call
    gw, model = gateway(
        tmp_path, ["a", "b", "c"], specs={"coder": "fake:priced"}, prices=prices, budget_usd=0.03
    )
    await gw.complete("coder", PROMPT)
    assert not gw.budget_spent()
    await gw.complete("coder", PROMPT)  # 0.04 >= 0.03
    with pytest.raises(LLMCallError, match=r"budget of \$0.03 is spent \(\$0.0400\)") as caught:
        await gw.complete("coder", PROMPT)
    assert caught.value.kind == BUDGET and len(model.prompts) == 2 and gw.budget_spent()


async def test_429_and_5xx_are_retried_then_succeed(tmp_path):
    gw, model = gateway(tmp_path, [HttpError(429), HttpError(503), "ok"], retries=3)
    assert (await gw.complete("coder", PROMPT)).text == "ok"
    assert len(model.prompts) == 3


async def test_client_errors_are_not_retried(tmp_path):
    gw, model = gateway(tmp_path, [HttpError(400), "never"], retries=3)
    with pytest.raises(LLMCallError, match="HTTP 400"):
        await gw.complete("coder", PROMPT)
    assert len(model.prompts) == 1


async def test_retries_give_up_after_the_limit(tmp_path):
    gw, model = gateway(tmp_path, [HttpError(500)] * 3, retries=2)
    with pytest.raises(LLMCallError, match="coder LLM unavailable after 3 tries"):
        await gw.complete("coder", PROMPT)
    assert len(model.prompts) == 3


async def test_a_resumed_run_answers_known_keys_from_its_log(tmp_path):
    gw, _ = gateway(tmp_path, ["first"])
    await gw.complete("coder", PROMPT, key="it0-s0/attempt0")
    resumed, model = gateway(tmp_path, [])  # a fresh gateway over the same run directory
    reply = await resumed.complete("coder", PROMPT, key="it0-s0/attempt0")
    assert reply.text == "first" and reply.cached and model.prompts == []


async def test_connection_errors_are_retried_by_type_then_unavailable_once_the_server_answered(tmp_path):
    gw, model = gateway(tmp_path, ["hello"] + [APIConnectionError("connection reset")] * 3, retries=2)
    await gw.complete("coder", PROMPT)
    with pytest.raises(
        LLMCallError, match="after 3 tries \\(APIConnectionError: connection reset\\)"
    ) as info:
        await gw.complete("coder", PROMPT)
    assert info.value.kind == "unavailable" and len(model.prompts) == 4


async def test_a_server_that_never_answered_is_fatal(tmp_path):
    gw, _ = gateway(tmp_path, [APIConnectionError("connection refused")] * 2, retries=1)
    with pytest.raises(LLMCallError, match="cannot reach the model's server") as info:
        await gw.complete("coder", PROMPT)
    assert info.value.kind == "fatal"


@pytest.mark.parametrize(
    ("status", "kind", "words"),
    [
        (401, "fatal", "authentication failed"),
        (403, "fatal", "permission denied"),
        (404, "fatal", "unknown model"),
        (400, "rejected", "rejected the request"),
        (413, "rejected", "rejected the request"),
        (422, "rejected", "rejected the request"),
    ],
)
async def test_http_errors_are_classified_by_who_they_concern(tmp_path, status, kind, words):
    gw, model = gateway(tmp_path, [HttpError(status)], retries=3)
    with pytest.raises(LLMCallError, match=words) as info:
        await gw.complete("coder", PROMPT)
    assert info.value.kind == kind and len(model.prompts) == 1  # none of them is retried


async def test_a_wrapped_timeout_is_retryable_and_a_malformed_answer_is_rejected(tmp_path):
    wrapped = RuntimeError("provider gave up")
    wrapped.__cause__ = TimeoutError("read timed out")
    gw, model = gateway(
        tmp_path, ["hi", wrapped, wrapped, ValueError("no choices in the response")], retries=1
    )
    await gw.complete("coder", PROMPT)
    with pytest.raises(LLMCallError) as first:
        await gw.complete("coder", PROMPT)
    with pytest.raises(LLMCallError) as second:
        await gw.complete("coder", PROMPT)
    assert (first.value.kind, second.value.kind) == ("unavailable", "rejected") and len(model.prompts) == 4


async def test_an_answer_cut_off_by_the_budget_is_marked_and_recorded_truncated(tmp_path):
    gw, _ = gateway(tmp_path, [cut_off("def compute_reward(", 1024)])
    reply = await gw.complete("coder", PROMPT, key="it0-s0/attempt0")
    record = json.loads((tmp_path / "calls.jsonl").read_text())
    assert reply.truncated and record["truncated"] and record["finish_reason"] == "length"
    assert record["max_tokens"] == 1024
    resumed, _ = gateway(tmp_path, [])
    assert (await resumed.complete("coder", PROMPT, key="it0-s0/attempt0")).truncated  # and from the log


async def test_a_conversation_is_fitted_to_the_context_before_it_is_sent(tmp_path):
    model = ScriptedChatModel(script=["ok"], prompts=[])
    window = ContextWindow(600, estimate_tokens, "config")
    gw = LLMGateway({"coder": model}, tmp_path / "calls.jsonl", windows={"coder": window}, max_tokens=512)
    long = PROMPT + [{"role": "assistant", "content": "x" * 400}, {"role": "user", "content": "y" * 400}]
    await gw.complete("coder", long)
    sent = model.prompts[0]
    assert len(sent) == 3 and sent[-1].content == "y" * 400  # the program went, its feedback stayed
    assert model.options[0]["max_tokens"] < 512  # and the answer budget shrank to what is left
    record = json.loads((tmp_path / "calls.jsonl").read_text())
    assert (
        record["trimmed"][0] == "dropped the latest program"
        and record["max_tokens"] == model.options[0]["max_tokens"]
    )


async def test_a_conversation_that_cannot_fit_is_never_sent(tmp_path):
    model = ScriptedChatModel(script=["never"], prompts=[])
    gw = LLMGateway(
        {"coder": model}, tmp_path / "calls.jsonl", windows={"coder": ContextWindow(300)}, max_tokens=512
    )
    with pytest.raises(LLMCallError, match="does not fit the model's context of 300 tokens") as info:
        await gw.complete(
            "coder", [{"role": "system", "content": "s" * 2000}, {"role": "user", "content": "u"}]
        )
    assert info.value.kind == "rejected" and model.prompts == []


async def test_reachable_asks_again_with_backoff_before_it_gives_up(tmp_path):
    gw, model = gateway(
        tmp_path, [APIConnectionError("down"), "OK", APIConnectionError("down")] * 1, retries=1
    )
    assert await gw.reachable("coder") and len(model.prompts) == 2
    model.script.extend([APIConnectionError("down")])
    assert not await gw.reachable("coder") and len(model.prompts) == 4


async def test_a_call_log_torn_by_a_kill_is_repaired_on_resume(tmp_path):
    gw, _ = gateway(tmp_path, ["first"])
    await gw.complete("coder", PROMPT, key="it0-s0/attempt0")
    with open(tmp_path / "calls.jsonl", "a") as f:
        f.write('{"agent": "coder", "key": "it0-s1/attempt0", "resp')  # killed mid-append
    resumed, model = gateway(tmp_path, ["second"])
    assert (await resumed.complete("coder", PROMPT, key="it0-s0/attempt0")).cached
    assert (await resumed.complete("coder", PROMPT, key="it0-s1/attempt0")).text == "second"
    lines = (tmp_path / "calls.jsonl").read_text().splitlines()
    assert [json.loads(line)["key"] for line in lines] == ["it0-s0/attempt0", "it0-s1/attempt0"]


async def test_tool_calls_are_recorded_and_a_resumed_run_gets_them_back(tmp_path):
    from langchain_core.tools import tool

    @tool
    def task_state() -> str:
        """The state."""
        return "pole_angle"

    gw, model = gateway(tmp_path, [calls_tool("task_state", "c7")])
    reply = await gw.complete("coder", PROMPT, key="s0/round0", tools=[task_state])
    assert reply.tool_calls == [{"id": "c7", "name": "task_state", "args": {}}]
    assert model.options[0]["tools"][0]["function"]["name"] == "task_state"
    gw.record_tool("coder", "s0/round0", "task_state", {}, "pole_angle", 0.01)
    call, ran = [json.loads(line) for line in (tmp_path / "calls.jsonl").read_text().splitlines()]
    assert call["tools"] == ["task_state"] and call["tool_calls"] == reply.tool_calls
    assert ran["tool"] == "task_state" and ran["result"] == "pole_angle"
    assert gw.usage()["calls"] == 1  # a tool that ran is not an LLM call
    resumed, _ = gateway(tmp_path, [])
    again = await resumed.complete("coder", PROMPT, key="s0/round0", tools=[task_state])
    assert again.cached and again.tool_calls == reply.tool_calls


async def test_a_tool_conversation_is_trimmed_by_whole_exchanges(tmp_path):
    call = {
        "role": "assistant",
        "content": "",
        "tool_calls": [{"id": "c0", "name": "check_reward", "args": {"code": "x" * 3000}}],
    }
    result = {"role": "tool", "content": "error: " + "y" * 3000, "tool_call_id": "c0"}
    latest = [
        {"role": "assistant", "content": "", "tool_calls": [{"id": "c1", "name": "task_state", "args": {}}]},
        {"role": "tool", "content": "pole_angle", "tool_call_id": "c1"},
    ]
    messages = PROMPT + [call, result] + latest
    window = ContextWindow(await estimate_tokens(PROMPT + latest) + 1100)
    gw, model = gateway(tmp_path, ["ok"], windows={"coder": window}, max_tokens=1024)
    await gw.complete("coder", messages)
    sent = model.prompts[0]
    assert [m.type for m in sent] == [
        "system",
        "human",
        "ai",
        "tool",
    ]  # the earlier call and its result went together
    assert sent[-1].tool_call_id == "c1"


async def test_a_server_that_cannot_count_the_prompt_is_unavailable_not_a_prompt_too_large(tmp_path):
    """Its /tokenize unreachable, the prompt is neither estimated (pessimistically, as too large) nor sent:
    the count is retried like a call and fails as the call would."""
    import httpx

    counted = []

    async def unreachable(messages):
        counted.append(len(messages))
        raise httpx.ConnectError("connection refused")

    window = ContextWindow(2048, unreachable, "server")
    gw, model = gateway(tmp_path, ["hello"], retries=1, windows={"coder": window})
    gw.reached.add("coder")  # it answered earlier in the run
    with pytest.raises(LLMCallError, match=r"coder LLM unavailable after 2 tries \(ConnectError") as info:
        await gw.complete("coder", PROMPT)
    assert info.value.kind == "unavailable" and len(counted) == 2 and model.prompts == []
