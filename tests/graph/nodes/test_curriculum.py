"""The plan node: the Curriculum agent (a FAKE scripted LLM) proposes the stages for --curriculum auto."""

from types import SimpleNamespace

from langgraph.runtime import Runtime

from agents.curriculum import Curriculum
from agents.llm.gateway import LLMGateway
from graph.nodes.curriculum import plan
from graph.results.board import LiveBoard
from graph.results.run_dir import RunDir
from graph.settings import DEFAULTS_FILE, Settings
from tests.fakes import ScriptedChatModel


def runtime(tmp_path, answer: str, **overrides) -> tuple[Runtime, ScriptedChatModel]:
    model = ScriptedChatModel(script=[answer], prompts=[])
    settings = Settings.load(DEFAULTS_FILE, overrides)
    gateway = LLMGateway({"curriculum": model}, tmp_path / "calls.jsonl", retries=0)
    curriculum = Curriculum(gateway, settings.prompt_profile, settings.tool_rounds)
    context = SimpleNamespace(
        settings=settings, curriculum=curriculum, run=RunDir(tmp_path), board=LiveBoard()
    )
    return Runtime(context=context), model


async def test_auto_plans_the_agents_chain_with_the_run_budget(tmp_path):
    rt, model = runtime(
        tmp_path,
        '{"stages": ["ShadowHand", "ShadowHandSpin"], "reason": "reorient first"}',
        task="ShadowHandSpin",
        curriculum="auto",
        samples=2,
    )
    update = await plan({}, rt)
    assert update["stage"]["name"] == "stage1-ShadowHand" and update["stage"]["samples"] == 2
    assert [s["name"] for s in update["plan"]] == ["stage2-ShadowHandSpin"]
    assert update["plan_reason"] == "reorient first (agent)"
    prompt = model.prompts[0][1].content
    assert "- ShadowHand: " in prompt and "- ShadowHandBlock: " in prompt and "Cartpole" not in prompt


async def test_auto_falls_back_to_the_task_alone_on_a_bad_proposal(tmp_path):
    rt, _ = runtime(
        tmp_path, '{"stages": ["Cartpole", "ShadowHandSpin"]}', task="ShadowHandSpin", curriculum="auto"
    )
    update = await plan({}, rt)
    assert update["stage"]["task"] == "ShadowHandSpin" and update["plan"] == []
    assert update["plan_reason"].endswith("following the config: ShadowHandSpin alone (config)")
