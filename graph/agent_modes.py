"""Which agents work with tool calls: ``agent_mode`` (tools, text or auto) against what each model supports."""

from __future__ import annotations

from langchain_core.language_models.chat_models import BaseChatModel

from agents.chat_models import supports_tools, tools_by_default
from graph.settings import SettingsError


def tool_agents(mode: str, models: dict[str, BaseChatModel], specs: dict[str, str]) -> frozenset[str]:
    """The agents that get tools; ``tools`` with a model that cannot call them is a SettingsError."""
    if mode == "text":
        return frozenset()
    if mode == "tools":
        unable = [f"{agent} ({specs[agent]})" for agent, model in models.items() if not supports_tools(model)]
        if unable:
            raise SettingsError(f"agent_mode tools: these models cannot call tools: {', '.join(unable)}; "
                                "use agent_mode auto or text")  # fmt: skip
        return frozenset(models)
    return frozenset(agent for agent, model in models.items() if tools_by_default(model))
