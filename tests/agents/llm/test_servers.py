"""Against a real OpenAI-compatible server: the embedded model served by llama.cpp on loopback, 2k context."""

import pytest

from agents.coder.prompt import initial_messages
from agents.coder.text import write_candidate
from agents.llm.chat_models import make_models
from agents.llm.gateway import LLMCallError, LLMGateway
from agents.llm.servers import ServerError, probe
from sim.ball_balance import BallBalance
from sim.registry import task_config
from tests.helpers import embedded_model_server
from tools.job_dir import REWARDS_DIR

pytestmark = pytest.mark.slow


async def test_the_server_reports_its_model_and_context_and_counts_tokens_like_it(tmp_path):
    with embedded_model_server(context_tokens=2048) as url:
        info = probe(url, "qwen-coder", None)
        assert "qwen-coder" in info.models and info.context_tokens == 2048
        with pytest.raises(ServerError, match="does not serve 'qwen-coder-7b'; it serves: qwen-coder"):
            probe(url, "qwen-coder-7b", None)
        built = make_models(
            {"coder": "openai:qwen-coder"}, tmp_path / "calls.jsonl", base_url=url, max_tokens=16
        )
        assert built.windows["coder"].tokens == 2048 and built.windows["coder"].source == "server"
        gateway = LLMGateway(built.models, tmp_path / "calls.jsonl", windows=built.windows, max_tokens=16)
        messages = initial_messages(BallBalance, task_config("BallBalance")["description"], "small")
        reply = await gateway.complete("coder", messages)
        counted = await built.windows["coder"].count(messages)
        # Our count is the server's tokenizer plus a generous allowance per message for the chat template.
        assert reply.prompt_tokens <= counted <= reply.prompt_tokens + 8 * len(messages)
        assert reply.truncated and reply.finish_reason == "length" and reply.completion_tokens == 16


async def test_an_overflowing_request_is_rejected_by_the_server_and_fails_only_that_sample(tmp_path):
    with embedded_model_server(context_tokens=2048) as url:
        built = make_models({"coder": "openai:qwen-coder"}, tmp_path / "calls.jsonl", base_url=url)
        unknown = LLMGateway(
            built.models, tmp_path / "calls.jsonl", retries=0
        )  # no window: the request goes out whole
        huge = [{"role": "user", "content": "hello " * 2500}]
        with pytest.raises(LLMCallError, match="exceeds the available context size") as info:
            await unknown.complete("coder", huge)
        assert info.value.kind == "rejected"
        fitted = LLMGateway(built.models, tmp_path / "calls.jsonl", windows=built.windows, retries=0)
        with pytest.raises(
            LLMCallError, match="does not fit the model's context of 2048 tokens \\(server\\)"
        ):
            await fitted.complete("coder", huge)  # with the window known it is not even sent
        messages = initial_messages(BallBalance, "balance the ball", "small") + [
            {"role": "assistant", "content": "```python\n" + "x = 1\n" * 400 + "```"},
            {"role": "user", "content": "hello " * 2500},
        ]
        draft = await write_candidate(
            unknown,
            messages,
            BallBalance,
            "it0-s0",
            tmp_path / REWARDS_DIR,
            profile="small",
            repair_attempts=0,
            check_timeout_s=30,
        )
        assert (
            draft.status == "llm_failed" and draft.llm_error == "rejected" and "context size" in draft.error
        )
