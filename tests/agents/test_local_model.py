"""The embedded model: assembly, hash pinning and a real generation (slow: loads 1.1 GB)."""

import pytest

from agents.code_extraction import extract_code
from agents.coder import initial_messages
from agents.llm import LLMConfigError, LLMGateway, make_chat_model
from agents.local_model import MODEL_SHA256, LocalModelError, assemble
from sim.cartpole import Cartpole


def test_a_hash_mismatch_is_an_error_and_leaves_no_file(tmp_path):
    target = tmp_path / "model.gguf"
    with pytest.raises(LocalModelError, match="expected 0000"):
        assemble(target, expected_sha256="0" * 64)
    assert list(tmp_path.iterdir()) == []


def test_a_missing_gguf_path_is_a_config_error(tmp_path):
    with pytest.raises(LLMConfigError, match="no GGUF model file"):
        make_chat_model(f"local:{tmp_path}/nope.gguf", agent="coder")


@pytest.mark.slow
def test_the_assembled_model_matches_the_pinned_hash():
    path = assemble()
    assert path.stat().st_size == 1_117_320_768
    assert path.with_suffix(".sha256-ok").read_text() == MODEL_SHA256


@pytest.mark.slow
async def test_the_real_local_model_writes_a_compilable_reward(tmp_path):
    model = make_chat_model("local", agent="coder")
    model.max_tokens = 512
    gateway = LLMGateway({"coder": model}, tmp_path)
    messages = initial_messages(
        Cartpole, "to balance a pole on a cart so that the pole stays upright", "small"
    )
    reply = await gateway.complete("coder", messages, key="s0")
    code = extract_code(reply.text)
    compile(code, "reward.py", "exec")
    assert "def " in code and reply.completion_tokens > 0
    assert gateway.usage()["calls"] == 1
