"""The Coder as a tool-calling agent; the model is a FAKE scripted one,
the checks are the real sandboxed dry runs."""

import json

from langchain_core.messages import AIMessage

from agents.coder.prompt import initial_messages
from agents.coder.tools import write_candidate_with_tools
from agents.llm.gateway import LLMGateway
from agents.llm.replay import ReplayChatModel, read_calls
from sim.cartpole import Cartpole
from tests.fakes import ScriptedChatModel, calls_tool
from tests.helpers import candidate_blocks
from tools.job_dir import REWARDS_DIR, ROUND_PROGRAM, check_dir, program_file

BROKEN = "def compute_reward(pole_angle):\n    return pole_angle.mean(), {}\n"  # a scalar, not one per env
FIXED = "def compute_reward(pole_angle):\n    r = 1.0 - pole_angle ** 2\n    return r, {'upright': r}\n"


def write(tmp_path, script, tool_rounds=6):
    model = ScriptedChatModel(script=script, prompts=[])
    gateway = LLMGateway({"coder": model}, tmp_path / "calls.jsonl")
    draft = write_candidate_with_tools(
        gateway,
        initial_messages(Cartpole, "balance", "paper"),
        Cartpole,
        "stage1-Cartpole/it0-s0",
        tmp_path / REWARDS_DIR,
        profile="paper",
        tool_rounds=tool_rounds,
        check_timeout_s=60,
    )
    return draft, model


async def test_the_coder_fixes_a_failing_program_in_the_same_conversation(tmp_path):
    script = [
        calls_tool("check_reward", "c0", code=BROKEN),
        calls_tool("check_reward", "c1", code=FIXED),
        f"It passes now.\n```python\n{FIXED}```",
    ]
    coro, model = write(tmp_path, script)
    draft = await coro
    assert draft.status == "valid" and draft.code == FIXED and draft.attempts == 3 and draft.tool_calls == 2
    assert [t["function"]["name"] for t in model.options[0]["tools"]] == [
        "check_reward",
        "task_state",
        "task_source",
    ]
    second_prompt = model.prompts[1]  # the model saw its own call and the dry run's error
    assert second_prompt[-1].type == "tool" and "shape (16,), got ()" in second_prompt[-1].content
    (report,), _ = candidate_blocks(model.prompts[2][-1].content)  # what the program wrote: in a block
    assert report.startswith("ok: the program ran on 16 environments") and "upright: shape (16,)" in report
    records = read_calls(tmp_path / "calls.jsonl")
    tools = [r for r in records if "tool" in r]
    assert [(r["tool"], r["args"]["code"]) for r in tools] == [
        ("check_reward", BROKEN),
        ("check_reward", FIXED),
    ]
    assert [candidate_blocks(r["result"])[0][0].split(":")[0] for r in tools] == ["error", "ok"]
    calls = [r for r in records if "tool" not in r]
    assert [r["key"] for r in calls] == [f"stage1-Cartpole/it0-s0/round{n}" for n in range(3)]
    assert calls[0]["tool_calls"][0]["args"]["code"] == BROKEN and calls[0]["tools"][0] == "check_reward"


async def test_a_submission_that_fails_goes_back_into_the_conversation(tmp_path):
    script = [f"```python\n{BROKEN}```", f"```python\n{FIXED}```"]
    coro, model = write(tmp_path, script)
    draft = await coro
    assert draft.status == "valid" and draft.attempts == 2 and draft.tool_calls == 0
    assert "shape (16,), got ()" in model.prompts[1][-1].content  # the error, as Eureka's feedback


async def test_an_answer_without_code_submits_the_last_program_that_passed(tmp_path):
    script = [calls_tool("check_reward", code=f"```python\n{FIXED}```"), "Done: the program above passes."]
    coro, _ = write(tmp_path, script)
    draft = await coro
    assert draft.status == "valid" and draft.code == FIXED  # the fence around the tool argument is dropped
    # Not checked twice.
    assert not check_dir(program_file(tmp_path / REWARDS_DIR, ROUND_PROGRAM, 1)).exists()


async def test_the_rounds_are_bounded_and_the_last_turn_says_so(tmp_path):
    script = [calls_tool("task_state", f"c{n}") for n in range(3)]
    coro, model = write(tmp_path, script, tool_rounds=3)
    draft = await coro
    assert draft.status == "invalid" and "no final answer within 3 model calls" in draft.error
    assert len(model.prompts) == 3 and "This is your last turn" in model.prompts[2][-1].content
    assert "cart_pos: float32[num_envs]" in model.prompts[1][-1].content  # task_state's answer


async def test_bad_tool_calls_come_back_as_errors_the_model_can_act_on(tmp_path):
    script = [
        calls_tool("run_shell", "c0", cmd="ls"),
        calls_tool("check_reward", "c1", program=FIXED),
        f"```python\n{FIXED}```",
    ]
    coro, model = write(tmp_path, script)
    draft = await coro
    assert draft.status == "valid"
    assert "there is no tool 'run_shell'" in model.prompts[1][-1].content
    assert "bad arguments for check_reward" in model.prompts[2][-1].content
    tools = [r for r in read_calls(tmp_path / "calls.jsonl") if "tool" in r]
    assert json.dumps(tools[0]["args"]) == '{"cmd": "ls"}'


async def test_an_unreadable_tool_call_is_reported_and_replayed_as_it_was(tmp_path):
    unreadable = AIMessage(
        content="",
        invalid_tool_calls=[
            {"id": "c0", "name": "check_reward", "args": '{"code": "def compute_reward(', "error": "not JSON"}
        ],
    )
    coro, model = write(tmp_path, [unreadable, f"```python\n{FIXED}```"])
    draft = await coro
    assert draft.status == "valid" and draft.tool_calls == 0
    assert "could not be read, so it did not run (check_reward: not JSON)" in model.prompts[1][-1].content
    replay = ReplayChatModel.from_transcript(tmp_path / "calls.jsonl", "coder")
    assert replay.calls_tools and replay.invoke("x").invalid_tool_calls[0]["error"] == "not JSON"


async def test_resubmitting_a_rejected_program_starts_the_conversation_over(tmp_path):
    script = [f"```python\n{BROKEN}```", f"Fixed!\n```python\n{BROKEN}```", f"```python\n{FIXED}```"]
    coro, model = write(tmp_path, script)
    draft = await coro
    assert draft.status == "valid" and draft.code == FIXED and draft.attempts == 3
    assert len(model.prompts[1]) > len(model.prompts[0])  # the error went back into the conversation once
    assert [m.content for m in model.prompts[2]] == [
        m.content for m in model.prompts[0]
    ]  # then a fresh start


async def test_a_model_stuck_on_its_program_uses_up_its_rounds(tmp_path):
    coro, model = write(tmp_path, [f"```python\n{BROKEN}```"] * 3, tool_rounds=3)
    draft = await coro
    assert draft.status == "invalid" and draft.attempts == 3 and not model.script
    assert "shape (16,), got ()" in draft.error


async def test_a_submission_that_failed_check_reward_is_not_dry_run_again(tmp_path):
    script = [calls_tool("check_reward", code=BROKEN), f"```python\n{BROKEN}```", f"```python\n{FIXED}```"]
    coro, _ = write(tmp_path, script)
    draft = await coro
    assert draft.status == "valid" and draft.attempts == 3
    # The verdict came from the tool's check.
    assert not check_dir(program_file(tmp_path / REWARDS_DIR, ROUND_PROGRAM, 1)).exists()
