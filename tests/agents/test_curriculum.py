"""The Curriculum agent against a FAKE scripted LLM: decisions, proposals and falling back to the config."""

import pytest

from agents.curriculum import decide, first_json_object, propose_chain
from agents.llm.gateway import LLMGateway
from tests.fakes import HttpError, ScriptedChatModel, calls_tool
from tests.helpers import HOSTILE_ERROR, HOSTILE_PROGRAM, INSTRUCTION, ORDER, RULE, assert_quoted

DEFAULT = {"action": "advance", "reason": "the next stage of the plan", "by": "config"}
STAGE = {
    "stage": 1,
    "attempt": 1,
    "task": "ShadowHand",
    "fitness": 0.3,
    "final_eval": None,
    "best": None,
    "budget": {
        "iterations": 1,
        "samples": 2,
        "eval_seeds": 1,
        "ppo": {"max_epochs": 5},
        "success_to_advance": 0.5,
    },
    "iterations": [{"samples": [{"status": "trained"}, {"status": "invalid"}]}],
}


def gateway(tmp_path, *answers, agent_mode="text") -> tuple[LLMGateway, ScriptedChatModel]:
    model = ScriptedChatModel(script=list(answers), prompts=[])
    tmp_path.mkdir(exist_ok=True)
    return LLMGateway(
        {"curriculum": model}, tmp_path / "calls.jsonl", retries=0, agent_mode=agent_mode
    ), model


async def run_decide(gw, choices=("advance", "repeat", "stop")):
    return await decide(
        gw,
        target="ShadowHandSpin",
        plan=["ShadowHand", "ShadowHandSpin"],
        stages=[STAGE],
        choices=list(choices),
        default=DEFAULT,
        profile="paper",
        key="stage1/decision",
    )


async def test_the_models_choice_and_reason_are_taken(tmp_path):
    gw, model = gateway(tmp_path, 'Sure.\n```json\n{"decision": "repeat", "reason": "0.3 is below 0.5"}\n```')
    assert await run_decide(gw) == {"action": "repeat", "reason": "0.3 is below 0.5", "by": "agent"}
    prompt = model.prompts[0][1].content
    assert "Stage 1 (ShadowHand, attempt 1)" in prompt and "trained candidates: 1 of 2" in prompt
    assert "one of: advance, repeat, stop" in prompt


@pytest.mark.parametrize(
    "answer, why",
    [
        ("I think we should go on.", "held no JSON object"),
        ('{"decision": "celebrate"}', "chose 'celebrate', not one of"),
        (HttpError(400), "the model gave no answer"),
    ],
)
async def test_without_a_usable_answer_it_follows_the_config_and_says_so(tmp_path, answer, why):
    gw, _ = gateway(tmp_path, answer)
    decision = await run_decide(gw)
    assert decision["action"] == "advance" and decision["by"] == "config"
    assert why in decision["reason"] and decision["reason"].endswith(
        "following the config: the next stage of the plan"
    )


async def test_a_single_choice_asks_no_model(tmp_path):
    gw, model = gateway(tmp_path)
    assert await run_decide(gw, choices=["finish"]) == DEFAULT and model.prompts == []


async def test_a_proposed_chain_must_end_at_the_target_and_use_compatible_tasks(tmp_path):
    compatible = {"ShadowHand": "reorient the pen"}
    kwargs = dict(
        target="ShadowHandSpin", description="spin", compatible=compatible, profile="paper", key="plan"
    )
    gw, _ = gateway(tmp_path, '{"stages": ["ShadowHand", "ShadowHandSpin"], "reason": "easier first"}')
    assert await propose_chain(gw, **kwargs) == (["ShadowHand", "ShadowHandSpin"], "easier first", "agent")
    gw, _ = gateway(tmp_path / "b", '{"stages": ["Cartpole", "ShadowHandSpin"]}')
    chain, reason, by = await propose_chain(gw, **kwargs)
    assert chain == ["ShadowHandSpin"] and by == "config" and "not a chain of the compatible tasks" in reason
    gw, model = gateway(tmp_path / "c")
    assert (await propose_chain(gw, **{**kwargs, "compatible": {}}))[0] == [
        "ShadowHandSpin"
    ] and not model.prompts


def test_the_first_json_object_is_found_in_prose():
    assert first_json_object('x {bad} y {"a": {"b": 1}} z') == {"a": {"b": 1}}
    assert first_json_object("no braces") is None


async def test_with_tools_it_looks_things_up_before_it_decides(tmp_path):
    gw, model = gateway(
        tmp_path,
        calls_tool("stage_summary", "c0", stage=1),
        '{"decision": "repeat", "reason": "half the samples failed"}',
        agent_mode="tools",
    )
    decision = await decide(
        gw,
        target="ShadowHandSpin",
        plan=["ShadowHand", "ShadowHandSpin"],
        stages=[STAGE],
        choices=["advance", "repeat", "stop"],
        default=DEFAULT,
        profile="paper",
        key="stage1/decision",
        tool_rounds=3,
    )
    assert decision == {"action": "repeat", "reason": "half the samples failed", "by": "agent"}
    assert "list_tasks()" in model.prompts[0][0].content  # the system prompt names the tools
    summary = model.prompts[1][-1]
    assert summary.type == "tool" and '"task": "ShadowHand"' in summary.content


async def test_what_the_best_program_and_the_stages_programs_wrote_reaches_it_only_as_their_text(tmp_path):
    samples = [{"status": "trained"}, {"status": "invalid", "error": HOSTILE_ERROR}]
    stage = {
        **STAGE,
        "best": {"sample": 0},
        "best_code": HOSTILE_PROGRAM,
        "iterations": [{"samples": samples}],
    }
    gw, model = gateway(
        tmp_path,
        calls_tool("stage_summary", "c0", stage=1),
        '{"decision": "advance", "reason": "r"}',
        agent_mode="tools",
    )
    await decide(
        gw,
        target="ShadowHandSpin",
        plan=["ShadowHand", "ShadowHandSpin"],
        stages=[stage],
        choices=["advance", "stop"],
        default=DEFAULT,
        profile="paper",
        key="stage1/decision",
        tool_rounds=3,
    )
    system, prompt, *_, summary = model.prompts[1]
    assert system.content.count(RULE) == 1
    assert_quoted(prompt.content, INSTRUCTION, ORDER)  # the best reward, in the decision prompt
    assert_quoted(summary.content, INSTRUCTION, ORDER)  # the stage's errors, from stage_summary
