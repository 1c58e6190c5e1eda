import pytest

from agents.coder.prompt import answer_start, initial_messages, program_message, reward_signature
from agents.coder.text import write_candidate
from agents.feedback import error_feedback, reflection
from agents.llm.gateway import LLMCallError, LLMGateway
from agents.llm.replay import read_calls
from sim.cartpole import Cartpole
from tests.fakes import APIConnectionError, HttpError, ScriptedChatModel, cut_off
from tests.helpers import (
    FORGED_FIGURE,
    HOSTILE_ERROR,
    HOSTILE_PROGRAM,
    HOSTILE_RESULT,
    INSTRUCTION,
    ORDER,
    RULE,
    assert_quoted,
    candidate_blocks,
)
from tools.job_dir import ATTEMPT_PROGRAM, CHECK_DIR_PREFIX, REWARDS_DIR, program_file

GOOD = (
    "```python\n"
    "def compute_reward(pole_angle):\n"
    "    r = 1.0 - pole_angle ** 2\n"
    "    return r, {'upright': r}\n```"
)

SCALAR = "```python\ndef compute_reward(pole_angle):\n    return pole_angle.mean(), {}\n```"


def coder_gateway(tmp_path, script):
    model = ScriptedChatModel(script=script, prompts=[])
    return LLMGateway({"coder": model}, tmp_path / "calls.jsonl"), model


async def test_a_failing_program_goes_back_with_its_error_and_is_repaired(tmp_path):
    gw, model = coder_gateway(tmp_path, [SCALAR, GOOD])
    kwargs = dict(profile="paper", repair_attempts=1, check_timeout_s=60)
    draft = await write_candidate(
        gw,
        initial_messages(Cartpole, "balance", "paper"),
        Cartpole,
        "it0-s0",
        tmp_path / REWARDS_DIR,
        **kwargs,
    )
    assert draft.status == "valid" and draft.attempts == 2 and draft.error is None
    repair_prompt = model.prompts[1]
    assert candidate_blocks(repair_prompt[-2].content) == ([SCALAR], "")
    assert "shape (16,), got ()" in repair_prompt[-1].content
    assert program_file(tmp_path / REWARDS_DIR, ATTEMPT_PROGRAM, 0).exists()
    assert draft.reward_path == str(program_file(tmp_path / REWARDS_DIR, ATTEMPT_PROGRAM, 1))


async def test_without_repairs_an_invalid_program_stays_invalid(tmp_path):
    gw, model = coder_gateway(tmp_path, ["no code here"])
    draft = await write_candidate(
        gw,
        initial_messages(Cartpole, "balance", "paper"),
        Cartpole,
        "it0-s1",
        tmp_path / REWARDS_DIR,
        profile="paper",
        repair_attempts=0,
        check_timeout_s=60,
    )
    assert draft.status == "invalid" and "no Python code block" in draft.error and draft.reward_path is None


async def test_module_level_code_is_refused_before_anything_runs(tmp_path):
    hang = (
        "```python\nwhile True:\n    pass\n\ndef compute_reward(pole_angle):\n    return pole_angle, {}\n```"
    )
    gw, _ = coder_gateway(tmp_path, [hang])
    draft = await write_candidate(
        gw,
        initial_messages(Cartpole, "balance", "paper"),
        Cartpole,
        "it0-s2",
        tmp_path / REWARDS_DIR,
        profile="paper",
        repair_attempts=0,
        check_timeout_s=8,
    )
    assert draft.status == "invalid"
    assert draft.error.startswith("line 1: a module-level while statement is not allowed in reward code")
    assert not list((tmp_path / REWARDS_DIR).glob(f"{CHECK_DIR_PREFIX}*"))  # no dry run was started


def draft_for(gw, key, tmp_path, repair_attempts=1):
    return write_candidate(
        gw,
        initial_messages(Cartpole, "balance", "paper"),
        Cartpole,
        key,
        tmp_path / REWARDS_DIR,
        profile="paper",
        repair_attempts=repair_attempts,
        check_timeout_s=60,
    )


async def test_an_llm_that_becomes_unreachable_fails_only_this_sample(tmp_path):
    model = ScriptedChatModel(script=[GOOD] + [APIConnectionError("refused")] * 2, prompts=[])
    gw = LLMGateway({"coder": model}, tmp_path / "calls.jsonl", retries=1, backoff_s=0.001)
    assert (await draft_for(gw, "it0-s0", tmp_path)).status == "valid"
    draft = await draft_for(gw, "it0-s1", tmp_path)
    assert draft.status == "llm_failed" and draft.code is None and draft.llm_error == "unavailable"
    assert "coder LLM unavailable after 2 tries (APIConnectionError: refused)" in draft.error


async def test_a_server_never_reached_stops_the_run(tmp_path):
    model = ScriptedChatModel(script=[APIConnectionError("refused")] * 2, prompts=[])
    gw = LLMGateway({"coder": model}, tmp_path / "calls.jsonl", retries=1, backoff_s=0.001)
    with pytest.raises(LLMCallError, match="cannot reach the model's server") as info:
        await draft_for(gw, "it0-s0", tmp_path)
    assert info.value.kind == "fatal"


async def test_a_rejected_request_fails_only_this_sample(tmp_path):
    gw, _ = coder_gateway(tmp_path, [HttpError(400), GOOD])
    draft = await draft_for(gw, "it0-s0", tmp_path)
    assert draft.status == "llm_failed" and draft.llm_error == "rejected" and "HTTP 400" in draft.error
    assert (await draft_for(gw, "it0-s1", tmp_path)).status == "valid"


async def test_a_failed_repair_call_leaves_the_sample_invalid_with_both_reasons(tmp_path):
    gw, _ = coder_gateway(tmp_path, [SCALAR, HttpError(400)])
    draft = await draft_for(gw, "it0-s0", tmp_path)
    assert draft.status == "invalid" and "shape (16,), got ()" in draft.error
    assert "the repair request failed" in draft.error and "HTTP 400" in draft.error


async def test_a_truncated_answer_is_never_validated_and_is_asked_again_shorter(tmp_path):
    complete_looking = GOOD + "\n\nThis reward works because"  # the code is whole; the answer is not
    gw, model = coder_gateway(tmp_path, [cut_off(complete_looking, 1024), GOOD])
    draft = await draft_for(gw, "it0-s0", tmp_path)
    assert draft.status == "valid" and draft.attempts == 2
    rewards = tmp_path / REWARDS_DIR
    assert not program_file(rewards, ATTEMPT_PROGRAM, 0).exists()  # the cut-off answer never ran
    repair = model.prompts[1]
    assert repair[-2].content == "(no reward function)" and "cut off after 1024 tokens" in repair[-1].content
    assert complete_looking not in str(repair)  # the rambling answer does not travel into the next round


async def test_a_truncated_answer_without_repairs_is_invalid_and_says_so(tmp_path):
    gw, _ = coder_gateway(tmp_path, [cut_off(GOOD, 1024)])
    draft = await draft_for(gw, "it0-s0", tmp_path, repair_attempts=0)
    assert draft.status == "invalid" and "cut off at the answer budget of 1024 tokens" in draft.error


async def test_the_repair_prompt_names_the_fix(tmp_path):
    gw, model = coder_gateway(tmp_path, [SCALAR, GOOD])
    assert (await draft_for(gw, "it0-s0", tmp_path)).status == "valid"
    assert "Hint: every value must have shape [N], one per environment" in model.prompts[1][-1].content


async def test_a_repair_that_fails_the_same_way_starts_the_sample_over(tmp_path):
    same_error = SCALAR.replace("pole_angle.mean()", "pole_angle.sum()")  # another program, the same error
    gw, model = coder_gateway(tmp_path, [SCALAR, same_error, GOOD])
    draft = await draft_for(gw, "it0-s0", tmp_path, repair_attempts=2)
    assert draft.status == "valid" and draft.attempts == 3
    assert len(model.prompts[1]) == 4  # the first failure was repaired in the conversation
    assert [m.content for m in model.prompts[2]] == [
        m.content for m in model.prompts[0]
    ]  # then a fresh start


async def test_a_repair_that_fails_differently_stays_in_the_conversation(tmp_path):
    undefined = GOOD.replace("1.0 - pole_angle ** 2", "1.0 - pole_angle ** 2 + missing")
    gw, model = coder_gateway(tmp_path, [SCALAR, undefined, GOOD])
    draft = await draft_for(gw, "it0-s0", tmp_path, repair_attempts=2)
    assert draft.status == "valid" and draft.attempts == 3 and len(model.prompts[2]) == 6
    assert "NameError: name 'missing' is not defined" in model.prompts[2][-1].content


async def test_under_the_small_profile_a_failed_program_is_answered_with_a_fresh_sample(tmp_path):
    gw, model = coder_gateway(tmp_path, [SCALAR, GOOD])
    messages = initial_messages(Cartpole, "balance", "small")
    draft = await write_candidate(
        gw,
        messages,
        Cartpole,
        "it0-s0",
        tmp_path / REWARDS_DIR,
        profile="small",
        repair_attempts=1,
        check_timeout_s=60,
    )
    assert draft.status == "valid" and draft.attempts == 2
    assert [m.content for m in model.prompts[1]] == [
        m.content for m in model.prompts[0]
    ]  # neither program nor error
    rewards = tmp_path / REWARDS_DIR
    assert program_file(rewards, ATTEMPT_PROGRAM, 0).exists()
    assert draft.reward_path == str(program_file(rewards, ATTEMPT_PROGRAM, 1))


def known(*programs):
    """The stage's trained programs: it0-s<i> for the i-th of ``programs``, by normal form."""
    from agents.code_extraction import extract_code
    from graph.search.novelty import KnownPrograms
    from sim.reward.normal_form import program_digest

    trained = {program_digest(extract_code(p)): (f"it0-s{i}", 100.0) for i, p in enumerate(programs)}
    return KnownPrograms(trained, {}, "it1-s0")


async def test_under_the_small_profile_a_sample_that_repeats_the_same_known_program_twice_ends_duplicate(
    tmp_path,
):
    gw, model = coder_gateway(tmp_path, [GOOD, GOOD, GOOD, GOOD])  # FAKE LLM: the elite again, every time
    draft = await write_candidate(
        gw,
        initial_messages(Cartpole, "balance", "small"),
        Cartpole,
        "it1-s0",
        tmp_path / REWARDS_DIR,
        profile="small",
        repair_attempts=3,
        check_timeout_s=60,
        programs=known(GOOD),
    )
    assert draft.status == "invalid" and draft.duplicate_of == "it0-s0" and draft.attempts == 2
    assert len(model.prompts) == 2


async def test_a_copy_of_another_known_program_or_a_paper_model_keeps_its_attempts(tmp_path):
    other = GOOD.replace("1.0 - pole_angle ** 2", "2.0 - pole_angle ** 2")
    new = GOOD.replace("1.0 - pole_angle ** 2", "1.0 - pole_angle ** 4")
    gw, _ = coder_gateway(tmp_path, [GOOD, other, GOOD, new])  # FAKE LLM
    draft = await write_candidate(
        gw,
        initial_messages(Cartpole, "balance", "small"),
        Cartpole,
        "it1-s0",
        tmp_path / REWARDS_DIR,
        profile="small",
        repair_attempts=3,
        check_timeout_s=60,
        programs=known(GOOD, other),
    )
    assert draft.status == "valid" and draft.attempts == 4
    gw, _ = coder_gateway(
        tmp_path, [GOOD, GOOD, new]
    )  # FAKE LLM: a paper-profile model is told, and may change
    draft = await write_candidate(
        gw,
        initial_messages(Cartpole, "balance", "paper"),
        Cartpole,
        "it1-s1",
        tmp_path / REWARDS_DIR,
        profile="paper",
        repair_attempts=3,
        check_timeout_s=60,
        programs=known(GOOD),
    )
    assert draft.status == "valid" and draft.attempts == 3


async def test_a_model_that_continues_answers_is_given_the_signature_to_start_from(tmp_path):
    body = "    r = 1.0 - pole_angle ** 2\n    return r, {'upright': r}\n```"
    model = ScriptedChatModel(
        script=[body], prompts=[], continues_assistant_turn=True
    )  # returns the rest only
    gw = LLMGateway({"coder": model}, tmp_path / "calls.jsonl")
    draft = await draft_for(gw, "it0-s0", tmp_path, repair_attempts=0)
    assert model.prompts[0][-1].type == "ai" and model.prompts[0][-1].content == answer_start(Cartpole)
    assert draft.status == "valid" and draft.code.startswith(reward_signature(Cartpole, "small"))
    assert read_calls(tmp_path / "calls.jsonl")[0]["response"].startswith(
        answer_start(Cartpole)
    )  # recorded whole, replayable


async def test_a_model_that_does_not_continue_answers_gets_no_answer_start(tmp_path):
    gw, model = coder_gateway(tmp_path, [GOOD])
    assert (await draft_for(gw, "it0-s0", tmp_path)).status == "valid"
    assert model.prompts[0][-1].type == "human"


@pytest.mark.parametrize("feedback", ["reflection", "error"])
async def test_the_coder_reads_what_the_elite_wrote_only_as_its_text(tmp_path, feedback):
    """The next iteration's prompt as the graph builds it: the elite's program and reflection (or error)."""
    said = (
        reflection(HOSTILE_RESULT, "paper", analysis="Scale the first component down.")
        if feedback == "reflection"
        else error_feedback(HOSTILE_ERROR, "paper", Cartpole)
    )
    messages = [
        *initial_messages(Cartpole, "balance", "paper"),
        program_message(HOSTILE_PROGRAM),
        {"role": "user", "content": said},
    ]
    gw, model = coder_gateway(tmp_path, ["no code here"])
    await write_candidate(
        gw,
        messages,
        Cartpole,
        "it1-s0",
        tmp_path / REWARDS_DIR,
        profile="paper",
        repair_attempts=0,
        check_timeout_s=60,
    )
    (prompt,) = model.prompts
    assert prompt[0].type == "system" and prompt[0].content.count(RULE) == 1
    assert_quoted("\n".join(m.content for m in prompt), INSTRUCTION, ORDER, "Keeps the pole up.")
    if feedback == "reflection":
        assert_quoted(prompt[-1].content, FORGED_FIGURE)
        assert "task_score of the trained policy, measured without the reward: 2.00" in prompt[-1].content
    else:
        assert "Hint: that name does not exist" in prompt[-1].content
