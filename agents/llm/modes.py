"""Which agents work with tool calls: ``agent_mode`` (tools, text or auto) against what each model
supports."""

from __future__ import annotations

from langchain_core.language_models.chat_models import BaseChatModel

from agents.llm.replay import ReplayChatModel

AGENT_MODES = ("auto", "tools", "text")


class AgentModeError(ValueError):
    """``agent_mode tools`` with a model that cannot call tools."""


def supports_tools(model: BaseChatModel) -> bool:
    """Whether a model can be given tools: its provider implements ``bind_tools``.

    A replayed model can when the recorded run gave it tools.
    """
    if isinstance(model, ReplayChatModel):
        return model.calls_tools
    return type(model).bind_tools is not BaseChatModel.bind_tools


def tools_by_default(model: BaseChatModel) -> bool:
    """Whether ``agent_mode auto`` gives a model tools: when it supports them, unless it says otherwise
    (the embedded model, measured: ``LocalChatModel.tools_by_default``)."""
    return supports_tools(model) and getattr(model, "tools_by_default", True)


def tool_agents(mode: str, models: dict[str, BaseChatModel], specs: dict[str, str]) -> frozenset[str]:
    """The agents that get tools; ``tools`` with a model that cannot call them is an AgentModeError."""
    if mode == "text":
        return frozenset()
    if mode == "tools":
        unable = [f"{agent} ({specs[agent]})" for agent, model in models.items() if not supports_tools(model)]
        if unable:
            raise AgentModeError(
                f"agent_mode tools: these models cannot call tools: {', '.join(unable)}; "
                "use agent_mode auto or text"
            )
        return frozenset(models)
    return frozenset(agent for agent, model in models.items() if tools_by_default(model))
