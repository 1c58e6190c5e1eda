"""The embedded model answering through LangChain (slow: loads 1.1 GB)."""

import pytest

from agents.chat_models import LLMConfigError, make_chat_model
from agents.code_extraction import extract_code
from agents.coder import initial_messages
from agents.gateway import LLMGateway
from sim.cartpole import Cartpole


def test_a_missing_gguf_path_is_a_config_error(tmp_path):
    with pytest.raises(LLMConfigError, match="no GGUF model file"):
        make_chat_model(f"local:{tmp_path}/nope.gguf", agent="coder")


@pytest.mark.slow
async def test_the_real_local_model_writes_a_compilable_reward(tmp_path):
    model = make_chat_model("local", agent="coder", temperature=0.0, max_tokens=512)  # greedy: the same answer
    gateway = LLMGateway({"coder": model}, tmp_path, max_tokens=512)
    messages = initial_messages(
        Cartpole, "to balance a pole on a cart so that the pole stays upright", "small"
    )
    reply = await gateway.complete("coder", messages, key="s0")
    code = extract_code(reply.text)
    compile(code, "reward.py", "exec")
    assert "def " in code and reply.completion_tokens > 0
    assert reply.finish_reason in ("stop", "length") and reply.truncated == (reply.finish_reason == "length")
    assert gateway.usage()["calls"] == 1
