"""The embedded model answering through LangChain (slow: loads 1.1 GB)."""

import pytest

from agents.code_extraction import extract_code
from agents.coder.prompt import answer_start, initial_messages, reward_signature
from agents.coder.tools import write_candidate_with_tools
from agents.llm.chat_models import LLMConfigError, make_chat_model
from agents.llm.gateway import LLMGateway
from agents.llm.local_llm import tool_calls
from agents.llm.replay import read_calls
from sim.cartpole import Cartpole


def test_a_missing_gguf_path_is_a_config_error(tmp_path):
    with pytest.raises(LLMConfigError, match="no GGUF model file"):
        make_chat_model(f"local:{tmp_path}/nope.gguf", agent="coder")


@pytest.mark.slow
async def test_the_real_local_model_writes_a_compilable_reward(tmp_path):
    model = make_chat_model("local", agent="coder", temperature=0.0, max_tokens=512)  # greedy: the same answer
    gateway = LLMGateway({"coder": model}, tmp_path / "calls.jsonl", max_tokens=512)
    messages = initial_messages(
        Cartpole, "to balance a pole on a cart so that the pole stays upright", "small"
    )
    reply = await gateway.complete("coder", messages, key="s0", answer_start=answer_start(Cartpole))
    code = extract_code(reply.text)
    compile(code, "reward.py", "exec")
    assert code.startswith(reward_signature(Cartpole, "small")) and reply.completion_tokens > 0  # it continued
    assert read_calls(tmp_path / "calls.jsonl")[0]["messages"][-1] == {"role": "assistant", "content": answer_start(Cartpole)}
    assert reply.finish_reason in ("stop", "length") and reply.truncated == (reply.finish_reason == "length")
    assert gateway.usage()["calls"] == 1


def test_the_servers_tool_calls_are_parsed_and_unreadable_ones_kept_apart():
    raw = [{"id": "a", "type": "function", "function": {"name": "check_reward", "arguments": '{"code": "x = 1"}'}},
           {"id": "b", "type": "function", "function": {"name": "check_reward", "arguments": '{"code": "x'}},
           "not a call"]  # fmt: skip
    calls, invalid = tool_calls(raw)
    assert [(c["id"], c["name"], c["args"]) for c in calls] == [("a", "check_reward", {"code": "x = 1"})]
    assert [(c["id"], c["name"]) for c in invalid] == [("b", "check_reward"), (None, "None")]
    assert "not valid JSON" in invalid[0]["error"]


@pytest.mark.slow
async def test_the_real_local_model_takes_tools_through_llama_cpps_template(tmp_path):
    model = make_chat_model("local", agent="coder", temperature=0.0, max_tokens=512)
    gateway = LLMGateway({"coder": model}, tmp_path / "calls.jsonl", max_tokens=512)
    draft = await write_candidate_with_tools(gateway, initial_messages(Cartpole, "balance the pole", "small"),
                                             Cartpole, "s0", tmp_path / "rewards", profile="small", tool_rounds=2,
                                             check_timeout_s=60)  # fmt: skip
    assert draft.status in ("valid", "invalid")  # the server took the tools (a refusal would be llm_failed)
    calls = [r for r in read_calls(tmp_path / "calls.jsonl") if "tool" not in r]
    assert calls and all(r["tools"] == ["check_reward", "task_state", "task_source"] for r in calls)
    # Whether the tools reach the template: the next test; whether the model calls them: bench/tool_calls.py.


@pytest.mark.slow
def test_the_tools_reach_the_models_chat_template():
    """The tools are rendered into the model's prompt (llama.cpp's jinja template), so the same question costs more
    prompt tokens with them: dropped on the way, the counts would be equal. (Whether the embedded model then calls
    them is measured by bench/tool_calls.py; parsing the server's calls is the test above.)"""
    from langchain_core.tools import tool

    @tool
    def check_reward(code: str) -> str:
        """Dry-run a reward program on real simulator states; pass the whole program."""
        return "ok"

    model = make_chat_model("local", agent="coder", temperature=0.0, max_tokens=8)
    question = [{"role": "user", "content": "Check this reward program: def compute_reward(x):\n    return x, {}"}]
    plain = model.invoke(question).usage_metadata["input_tokens"]
    with_tools = model.bind_tools([check_reward]).invoke(question).usage_metadata["input_tokens"]
    assert plain > 0 and with_tools > plain + 20  # the tool's name, description and schema are in the prompt
