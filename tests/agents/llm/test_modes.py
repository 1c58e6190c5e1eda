"""Which agents get tools under each agent_mode, against FAKE and real model classes."""

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from agents.llm.local_llm import LocalChatModel
from agents.llm.modes import AgentModeError, tool_agents
from tests.fakes import ScriptedChatModel

SPECS = {"coder": "a", "critic": "b", "curriculum": "c"}


def models(critic) -> dict:
    return {
        "coder": ScriptedChatModel(script=[]),
        "critic": critic,
        "curriculum": ScriptedChatModel(script=[]),
    }


def test_auto_gives_tools_to_models_that_can_call_them():
    no_tools = FakeListChatModel(responses=["x"])  # a langchain model without bind_tools
    assert tool_agents("auto", models(no_tools), SPECS) == {"coder", "curriculum"}
    assert tool_agents("text", models(no_tools), SPECS) == frozenset()


def test_tools_mode_refuses_a_model_that_cannot_call_tools():
    with pytest.raises(AgentModeError, match=r"cannot call tools: critic \(b\)"):
        tool_agents("tools", models(FakeListChatModel(responses=["x"])), SPECS)
    assert tool_agents("tools", models(ScriptedChatModel(script=[])), SPECS) == set(SPECS)


@pytest.mark.slow
async def test_the_embedded_model_declares_its_own_choice(tmp_path):
    """auto gives the embedded model tools exactly when it makes a well-formed tool call: asked the Coder's
    tools prompt greedily (bench/tool_calls.py asks it at temperature 1: no well-formed call in 20 tries)."""
    from pydantic import ValidationError

    from agents.coder.prompt import initial_messages
    from agents.coder.tools import with_tools_prompt
    from agents.llm.chat_models import make_chat_model
    from agents.llm.gateway import LLMGateway
    from sim.cartpole import Cartpole
    from sim.registry import task_config
    from tools.coder_tools import coder_tools

    local = make_chat_model("local", agent="coder", temperature=0.0, max_tokens=96)  # a call comes first
    assert isinstance(local, LocalChatModel)
    gateway = LLMGateway({"coder": local}, tmp_path / "calls.jsonl", max_tokens=96)
    tools = {t.name: t for t in coder_tools(Cartpole, tmp_path, 60, {})}
    messages = with_tools_prompt(
        initial_messages(Cartpole, task_config("Cartpole")["description"], "small"), "small"
    )
    reply = await gateway.complete("coder", messages, key="s0", tools=list(tools.values()))
    try:
        well_formed = (
            bool(reply.tool_calls)
            and not reply.invalid_tool_calls
            and all(tools[c["name"]].args_schema.model_validate(c["args"]) for c in reply.tool_calls)
        )
    except (KeyError, ValidationError):
        well_formed = False
    assert ("critic" in tool_agents("auto", models(local), SPECS)) == well_formed, reply.text
    assert tool_agents("tools", models(local), SPECS) == set(SPECS)  # it can be told to
