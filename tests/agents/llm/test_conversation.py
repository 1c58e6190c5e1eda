import pytest

from agents.feedback import error_feedback
from agents.llm.conversation import (
    MIN_ANSWER_TOKENS,
    ContextOverflowError,
    ContextWindow,
    cut_middle,
    estimate_tokens,
    fit,
)
from tests.helpers import HOSTILE_ERROR, ORDER, candidate_blocks

TASK = [{"role": "system", "content": "s" * 500}, {"role": "user", "content": "t" * 500}]


def exchange(n: int, program: int = 200, feedback: int = 200) -> list[dict]:
    return [
        {"role": "assistant", "content": f"program{n} " + "p" * program},
        {"role": "user", "content": f"feedback{n} " + "f" * feedback},
    ]


async def test_an_unknown_window_leaves_the_conversation_alone():
    messages = TASK + exchange(0) + exchange(1)
    fitted = await fit(messages, 1024, ContextWindow(None))
    assert fitted.messages == messages and fitted.max_tokens == 1024 and fitted.trimmed == []


async def test_earlier_exchanges_go_first_and_the_latest_stays():
    messages = TASK + exchange(0) + exchange(1) + exchange(2)
    needed = await estimate_tokens(TASK + exchange(2)) + 256
    fitted = await fit(messages, 256, ContextWindow(needed))
    assert [m["content"].split()[0] for m in fitted.messages[2:]] == ["program2", "feedback2"]
    assert fitted.trimmed == ["dropped an earlier exchange"] * 2 and fitted.max_tokens == 256
    assert fitted.messages[:2] == TASK and fitted.prompt_tokens + 256 <= needed


async def test_then_the_feedback_keeps_its_head_and_tail_then_the_program_goes_then_the_answer_shrinks():
    messages = TASK + exchange(0, feedback=6000)
    window = ContextWindow(await estimate_tokens(TASK + exchange(0, feedback=1000)) + 512)
    fitted = await fit(messages, 512, window)
    feedback = fitted.messages[-1]["content"]
    assert fitted.trimmed == ["cut the latest feedback"] and len(feedback) < 2000
    assert feedback.startswith("feedback0 ") and "characters cut to fit the context" in feedback
    assert fitted.messages[2]["content"].startswith("program0")  # the program survived: the cut sufficed

    tight = ContextWindow(await estimate_tokens(TASK) + 600)
    fitted = await fit(TASK + exchange(0, feedback=6000), 512, tight)
    assert [step.split(" to ")[0] for step in fitted.trimmed][-2:] == [
        "dropped the latest program",
        "answer budget shrunk",
    ]
    assert MIN_ANSWER_TOKENS <= fitted.max_tokens < 512
    assert fitted.prompt_tokens + fitted.max_tokens <= tight.tokens


async def test_a_task_prompt_that_leaves_no_room_for_an_answer_is_refused():
    window = ContextWindow(await estimate_tokens(TASK) + MIN_ANSWER_TOKENS - 1, source="server")
    with pytest.raises(
        ContextOverflowError, match=r"does not fit the model's context of \d+ tokens \(server\)"
    ):
        await fit(TASK, 1024, window)


def test_cut_middle_keeps_head_and_tail_and_says_how_much_went():
    text = "HEAD" + "x" * 1000 + "TAIL"
    cut = cut_middle(text, 300)
    assert cut.startswith("HEAD") and cut.endswith("TAIL") and "[... 708 characters cut" in cut
    assert cut_middle("short", 300) == "short"


async def test_a_cut_through_the_programs_text_leaves_it_in_candidate_blocks_on_each_side():
    error = error_feedback(HOSTILE_ERROR + f"\n{ORDER}" * 200, "paper")
    messages = TASK + [{"role": "assistant", "content": "program0"}, {"role": "user", "content": error}]
    window = ContextWindow(await estimate_tokens(messages) + 256 - 1000)
    fitted = await fit(messages, 256, window)
    cut = fitted.messages[-1]["content"]
    assert fitted.trimmed == ["cut the latest feedback"] and "characters cut to fit the context" in cut
    bodies, outside = candidate_blocks(cut)
    assert len(bodies) == 2 and ORDER not in outside and "characters cut to fit the context" in outside


async def test_the_conversation_is_counted_again_only_when_it_changes():
    counted = []

    async def counting(messages):
        counted.append(len(messages))
        return await estimate_tokens(messages)

    fits = ContextWindow(10_000, counting)
    assert (await fit(TASK + exchange(0), 512, fits)).trimmed == [] and counted == [4]
    counted.clear()
    tight = ContextWindow(await estimate_tokens(TASK + exchange(1)) + 512, counting)
    fitted = await fit(TASK + exchange(0) + exchange(1), 512, tight)
    assert fitted.trimmed == ["dropped an earlier exchange"] and counted == [6, 4]
