"""Which agents get tools under each agent_mode, against FAKE and real model classes."""

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from agents.llm.local_llm import LocalChatModel
from agents.llm.modes import AgentModeError, tool_agents
from tests.fakes import ScriptedChatModel

SPECS = {"coder": "a", "critic": "b", "curriculum": "c"}


def models(critic) -> dict:
    return {"coder": ScriptedChatModel(script=[]), "critic": critic, "curriculum": ScriptedChatModel(script=[])}


def test_auto_gives_tools_to_models_that_can_call_them():
    no_tools = FakeListChatModel(responses=["x"])  # a langchain model without bind_tools
    assert tool_agents("auto", models(no_tools), SPECS) == {"coder", "curriculum"}
    assert tool_agents("text", models(no_tools), SPECS) == frozenset()


def test_tools_mode_refuses_a_model_that_cannot_call_tools():
    with pytest.raises(AgentModeError, match=r"cannot call tools: critic \(b\)"):
        tool_agents("tools", models(FakeListChatModel(responses=["x"])), SPECS)
    assert tool_agents("tools", models(ScriptedChatModel(script=[])), SPECS) == set(SPECS)


def test_the_embedded_model_declares_its_own_choice():
    local = LocalChatModel(model_path="unused.gguf", max_tokens=64)
    # Measured (bench/tool_calls.py): 0 of 20 well-formed tool calls, so auto keeps it on text.
    assert tool_agents("auto", models(local), SPECS) == {"coder", "curriculum"}
    assert tool_agents("tools", models(local), SPECS) == set(SPECS)  # it can be told to
