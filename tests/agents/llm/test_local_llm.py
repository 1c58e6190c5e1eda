"""The embedded model answering through LangChain (slow: loads 1.1 GB)."""

import asyncio
import threading

import pytest
from langchain_core.messages import HumanMessage

from agents.code_extraction import extract_code
from agents.coder.prompt import answer_start, initial_messages, reward_signature
from agents.coder.tools import write_candidate_with_tools
from agents.llm.chat_models import LLMConfigError, make_chat_model
from agents.llm.gateway import LLMGateway
from agents.llm.local_llm import LocalChatModel, LocalServer, start_server, tool_calls
from agents.llm.local_model import LocalModelError, assemble
from agents.llm.replay import read_calls
from sim.cartpole import Cartpole
from tools.job_dir import REWARD_FILE, REWARDS_DIR


def test_a_missing_gguf_path_is_a_config_error(tmp_path):
    with pytest.raises(LLMConfigError, match="no GGUF model file"):
        make_chat_model(f"local:{tmp_path}/nope.gguf", agent="coder")


@pytest.mark.slow
async def test_the_real_local_model_writes_a_compilable_reward(tmp_path):
    model = make_chat_model(
        "local", agent="coder", temperature=0.0, max_tokens=512
    )  # greedy: the same answer
    gateway = LLMGateway({"coder": model}, tmp_path / "calls.jsonl", max_tokens=512)
    messages = initial_messages(
        Cartpole, "to balance a pole on a cart so that the pole stays upright", "small"
    )
    reply = await gateway.complete("coder", messages, key="s0", answer_start=answer_start(Cartpole))
    code = extract_code(reply.text)
    compile(code, REWARD_FILE, "exec")
    assert (
        code.startswith(reward_signature(Cartpole, "small")) and reply.completion_tokens > 0
    )  # it continued
    assert read_calls(tmp_path / "calls.jsonl")[0]["messages"][-1] == {
        "role": "assistant",
        "content": answer_start(Cartpole),
    }
    assert reply.finish_reason in ("stop", "length") and reply.truncated == (reply.finish_reason == "length")
    assert gateway.usage()["calls"] == 1


@pytest.mark.slow
def test_n_gram_speculation_drafts_from_the_prompt_and_an_unknown_type_is_refused():
    line = "total_reward = torch.exp(-torch.abs(pole_angle) / angle_temp) + 0.1 * upright_bonus"
    request = {
        "messages": [{"role": "user", "content": f"Repeat this line three times, nothing else:\n{line}"}],
        "temperature": 0.0,
        "max_tokens": 96,
    }
    answers = {}
    for kind in (None, "ngram_mod"):
        server = start_server(assemble(), threads=2, context_tokens=1024, speculative=kind)
        answers[kind] = server.handle_chat_completions(request)
        del server
    assert line in answers[None]["choices"][0]["message"]["content"]
    assert line in answers["ngram_mod"]["choices"][0]["message"]["content"]
    assert answers["ngram_mod"]["timings"]["draft_n_accepted"] > 0  # tokens came from the prompt's n-grams
    with pytest.raises(LocalModelError, match="no speculation type 'ngram_nope'"):
        start_server(assemble(), threads=2, context_tokens=1024, speculative="ngram_nope")


def test_the_servers_tool_calls_are_parsed_and_unreadable_ones_kept_apart():
    raw = [
        {
            "id": "a",
            "type": "function",
            "function": {"name": "check_reward", "arguments": '{"code": "x = 1"}'},
        },
        {"id": "b", "type": "function", "function": {"name": "check_reward", "arguments": '{"code": "x'}},
        "not a call",
    ]
    calls, invalid = tool_calls(raw)
    assert [(c["id"], c["name"], c["args"]) for c in calls] == [("a", "check_reward", {"code": "x = 1"})]
    assert [(c["id"], c["name"]) for c in invalid] == [("b", "check_reward"), (None, "None")]
    assert "not valid JSON" in invalid[0]["error"]


@pytest.mark.slow
async def test_the_real_local_model_takes_tools_through_llama_cpps_template(tmp_path):
    model = make_chat_model("local", agent="coder", temperature=0.0, max_tokens=512)
    gateway = LLMGateway({"coder": model}, tmp_path / "calls.jsonl", max_tokens=512)
    draft = await write_candidate_with_tools(
        gateway,
        initial_messages(Cartpole, "balance the pole", "small"),
        Cartpole,
        "s0",
        tmp_path / REWARDS_DIR,
        profile="small",
        tool_rounds=2,
        check_timeout_s=60,
    )
    assert draft.status in ("valid", "invalid")  # the server took the tools (a refusal would be llm_failed)
    calls = [r for r in read_calls(tmp_path / "calls.jsonl") if "tool" not in r]
    assert calls and all(r["tools"] == ["check_reward", "task_state", "task_source"] for r in calls)
    # They reached the model's prompt on the way through the Coder and the gateway: the same messages without
    # them cost fewer prompt tokens (a path that dropped them would cost the same).
    plain = model.invoke(calls[0]["messages"], max_tokens=1).usage_metadata["input_tokens"]
    assert calls[0]["prompt_tokens"] > plain + 20, (calls[0]["prompt_tokens"], plain)
    # Whether the model calls them: bench/tool_calls.py.


@pytest.mark.slow
def test_the_tools_reach_the_models_chat_template():
    """The tools are rendered into the model's prompt (llama.cpp's jinja template), so the same question costs
    more prompt tokens with them: dropped on the way, the counts would be equal. (Whether the embedded model
    then calls them is measured by bench/tool_calls.py; parsing the server's calls is the test above.)"""
    from langchain_core.tools import tool

    @tool
    def check_reward(code: str) -> str:
        """Dry-run a reward program on real simulator states; pass the whole program."""
        return "ok"

    model = make_chat_model("local", agent="coder", temperature=0.0, max_tokens=8)
    question = [
        {"role": "user", "content": "Check this reward program: def compute_reward(x):\n    return x, {}"}
    ]
    plain = model.invoke(question).usage_metadata["input_tokens"]
    with_tools = model.bind_tools([check_reward]).invoke(question).usage_metadata["input_tokens"]
    assert plain > 0 and with_tools > plain + 20  # the tool's name, description and schema are in the prompt


class BlockedServer:
    """FAKE llama.cpp server (failure injection): a generation that runs until the test releases it."""

    def __init__(self):
        self.started, self.release = threading.Event(), threading.Event()

    def handle_chat_completions(self, request: dict) -> dict:
        self.started.set()
        self.release.wait()
        return {"choices": [{"message": {"content": "late"}, "finish_reason": "stop"}], "usage": {}}


@pytest.fixture
def blocked(monkeypatch, tmp_path) -> tuple[LocalServer, BlockedServer, str]:
    """A shared LocalServer over BlockedServer, registered for the path a LocalChatModel names."""
    fake, server = BlockedServer(), LocalServer.__new__(LocalServer)
    server.server, server.lock, server.closing = fake, threading.Lock(), False
    path = tmp_path / "model.gguf"
    # the only server of the process for these tests: close_all must not close a real one other tests load
    monkeypatch.setattr(LocalServer, "_instances", {str(path.resolve()): server})
    yield server, fake, str(path)
    fake.release.set()


def test_a_caller_stopped_mid_answer_does_not_wait_for_the_generation(blocked):
    _, fake, path = blocked
    model = LocalChatModel(model_path=path, max_tokens=16)

    async def stopped_mid_answer():
        call = asyncio.create_task(model.ainvoke([HumanMessage("hi")]))
        while not fake.started.is_set():
            await asyncio.sleep(0.01)
        call.cancel()  # Ctrl-C cancels the run's tasks; llama.cpp cannot stop the generation itself
        with pytest.raises(asyncio.CancelledError):
            await call

    runner = threading.Thread(target=asyncio.run, args=(stopped_mid_answer(),))
    runner.start()
    runner.join(timeout=30)  # asyncio.run waiting for its executor's thread would wait for the release
    assert not runner.is_alive() and not fake.release.is_set() and LocalServer.generating()


def test_at_exit_the_answer_being_written_is_waited_for_and_no_queued_one_starts(blocked):
    server, fake, _ = blocked
    writing = threading.Thread(target=server.complete, args=({"messages": []},), daemon=True)
    writing.start()
    assert fake.started.wait(10)
    fake.started.clear()
    queued_error: list[Exception] = []

    def queued():
        try:
            server.complete({"messages": []})
        except RuntimeError as exc:
            queued_error.append(exc)

    waiting = threading.Thread(target=queued, daemon=True)
    waiting.start()
    closing = threading.Thread(target=LocalServer.close_all, daemon=True)
    closing.start()
    closing.join(timeout=0.5)
    assert closing.is_alive()  # the model is not freed while it writes
    fake.release.set()
    closing.join(timeout=30)
    assert not closing.is_alive() and server.closing
    server.lock.release()  # close_all keeps it; hand it to the queued request, which must not generate
    waiting.join(timeout=30)
    assert not fake.started.is_set() and "exiting" in str(queued_error[0])
