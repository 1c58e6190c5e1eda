import pytest

from agents.code_extraction import NoCodeError, extract_code


def test_first_python_block_is_taken_whole_with_its_helpers():
    response = (
        "Sure!\n```python\nimport torch\n\ndef compute_reward(x):\n    return helper(x), {}\n\n"
        "def helper(x):\n    return x\n```\nAnd an alternative:\n```python\ndef other(x):\n    return x, {}\n```"
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


@pytest.mark.parametrize(
    "response",
    [
        "```" + "a" * 150_000,  # an opening fence and no newline (quadratic for a backtracking regex)
        "```python\n" * 20_000,  # fences and nothing else
        "`" * 150_000,
    ],
)
def test_adversarial_responses_are_handled_in_one_pass(response):
    with pytest.raises(NoCodeError):
        extract_code(response)


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
