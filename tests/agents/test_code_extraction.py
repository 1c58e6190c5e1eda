import contextlib
import timeit

import pytest

from agents.code_extraction import NoCodeError, extract_code


def test_first_python_block_is_taken_whole_with_its_helpers():
    response = (
        "Sure!\n```python\nimport torch\n\ndef compute_reward(x):\n    return helper(x), {}\n\n"
        "def helper(x):\n    return x\n```\n"
        "And an alternative:\n```python\ndef other(x):\n    return x, {}\n```"
    )
    code = extract_code(response)
    assert "def compute_reward" in code and "def helper" in code and "def other" not in code


def test_blocks_without_a_function_are_skipped():
    response = "```python\npip install torch\n```\n```python\ndef compute_reward(x):\n    return x, {}\n```"
    assert extract_code(response).startswith("def compute_reward")


def test_untagged_fence_and_bare_code_are_accepted():
    assert "def r(x)" in extract_code("```\ndef r(x):\n    return x, {}\n```")
    assert "def r(x)" in extract_code("def r(x):\n    return x, {}\n")


def test_unterminated_fence_is_still_extracted():
    assert "def r(x)" in extract_code("```python\ndef r(x):\n    return x, {}\n")


def test_the_program_is_extracted_as_written_torchscript_decorator_included():
    code = extract_code("```python\n@torch.jit.script\ndef compute_reward(x):\n    return x, {}\n```")
    assert code == "@torch.jit.script\ndef compute_reward(x):\n    return x, {}\n"  # the policy accepts it


@pytest.mark.parametrize("response", ["I cannot write that.", "```text\nno code\n```", ""])
def test_responses_without_code_are_rejected(response):
    with pytest.raises(NoCodeError):
        extract_code(response)


def seconds_per_call(response: str, number: int | None = None) -> tuple[float, int]:
    """The best of five timings of extract_code on ``response``, per call, and the calls per timing."""

    def call():
        with contextlib.suppress(NoCodeError):
            extract_code(response)

    timer = timeit.Timer(call)
    if number is None:  # enough calls for a timing of 10 ms or more
        number = 1
        while timer.timeit(number) < 0.01:
            number *= 2
    return min(timer.repeat(5, number)) / number, number


@pytest.mark.parametrize(
    "adversarial",
    [
        lambda n: "```" + "a" * n,  # an opening fence and no newline (quadratic for a backtracking regex)
        lambda n: "```python\n" * (n // 10),  # fences and nothing else
        lambda n: "`" * n,
    ],
    ids=["unclosed_fence", "fences_only", "backticks"],
)
def test_adversarial_responses_are_handled_in_one_pass(adversarial):
    """Linear: 4 times the input takes about 4 times as long (measured 3 to 4.2 here), never the 16 times of a
    quadratic pass. Both sizes are timed in this run, on this machine, so its speed cancels out."""
    small, number = seconds_per_call(adversarial(5_000))
    large, _ = seconds_per_call(adversarial(20_000), number)
    assert large / small < 8, f"5,000 characters: {small * 1e3:.3f} ms, 20,000: {large * 1e3:.3f} ms"
    with pytest.raises(NoCodeError):  # and at full size (timed after: a quadratic pass fails before it)
        extract_code(adversarial(150_000))


def test_a_runaway_response_is_refused_by_size():
    with pytest.raises(NoCodeError, match="characters long"):
        extract_code("```python\ndef r(x):\n    return x, {}\n```" + "x" * 300_000)


def test_a_line_separator_stays_inside_its_line_so_the_policy_refuses_it():
    """U+2028 ends a line for str.splitlines (and some renderers), not for Python or the reader of a comment:
    a line hidden behind it must not become code (issue 36)."""
    from sim.reward.allow_list import RewardPolicyError, check_text

    hidden = "def compute_reward(x):\n    r = x  # keep r\u2028    r = -r\n    return r, {}\n"
    code = extract_code(f"```python\n{hidden}```")
    assert code.rstrip("\n") == hidden.rstrip("\n") and "\n    r = -r" not in code
    with pytest.raises(RewardPolicyError, match="U\\+2028"):
        check_text(code)
