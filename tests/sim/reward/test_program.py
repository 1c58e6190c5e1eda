import pytest
import torch

from sim.reward.program import RewardProgram, RewardProgramError

STATE = {"x": torch.arange(4.0), "v": torch.ones(4)}


def load(src):
    return RewardProgram.from_source(src, "reward_under_test.py")


def test_compute_reward_is_the_entry_and_helpers_are_kept():
    program = load(
        "def compute_reward(x, v):\n    return shaped(x), {'s': shaped(x)}\n\n"
        "def shaped(x):\n    return -x * x\n"
    )
    reward, parts = program(STATE, 4)
    assert program.entry == "compute_reward" and program.params == ["x", "v"]
    assert reward.tolist() == [0.0, -1.0, -4.0, -9.0]
    assert parts["s"].tolist() == reward.tolist()


def test_entry_is_the_function_nobody_calls_when_not_named_compute_reward():
    # The reward comes first and its helper last: the "last def" heuristic would pick the helper.
    program = load("def my_reward(x):\n    return helper(x), {}\n\ndef helper(x):\n    return x\n")
    assert program.entry == "my_reward"


def test_ambiguous_entry_is_an_error():
    with pytest.raises(RewardProgramError, match="compute_reward"):
        load("def a(x):\n    return x, {}\n\ndef b(x):\n    return x, {}\n")


def test_parameters_with_defaults_are_not_state():
    program = load("def compute_reward(x, scale=2.0):\n    return scale * x, {}\n")
    assert program.params == ["x"]
    assert program(STATE, 4)[0].tolist() == [0.0, 2.0, 4.0, 6.0]


def test_scalar_components_are_broadcast():
    _, parts = load("def compute_reward(x):\n    return x, {'bonus': torch.tensor(1.0)}\n")(STATE, 4)
    assert parts["bonus"].tolist() == [1.0] * 4


def test_one_value_per_env_in_a_column_is_accepted():
    reward, parts = load("def compute_reward(x):\n    return x[:, None], {'col': 2 * x.unsqueeze(-1)}\n")(
        STATE, 4
    )
    assert reward.shape == (4,) and torch.equal(parts["col"], 2 * reward)


@pytest.mark.parametrize(
    "src, message",
    [
        ("def compute_reward(x):\n    return x.sum(), {}\n", r"shape \(4,\), got \(\)"),
        ("def compute_reward(x):\n    return x\n", "must return"),
        ("def compute_reward(x):\n    return x / 0 * 0, {}\n", "non-finite"),
        ("def compute_reward(x):\n    return x, {'bad': x[:2]}\n", "component 'bad'"),
        ("def compute_reward(x)\n    return x\n", "syntax error at line 1"),
        ("x = 1\n", "defines no function"),
    ],
)
def test_bad_programs_get_clear_messages(src, message):
    with pytest.raises(RewardProgramError, match=message):
        load(src)(STATE, 4)


def test_unknown_state_names_are_listed():
    program = load("def compute_reward(x, pole_angel):\n    return x, {}\n")
    with pytest.raises(RewardProgramError, match=r"unknown state \['pole_angel'\]; available: x, v"):
        program.check_names(list(STATE))


def test_tracebacks_show_the_program_lines():
    import traceback

    program = load("def compute_reward(x):\n    y = x.nope\n    return y, {}\n")
    with pytest.raises(AttributeError) as info:
        program(STATE, 4)
    text = "".join(traceback.format_exception(info.value))
    assert "reward_under_test.py" in text and "y = x.nope" in text


def test_the_reward_gets_copies_and_an_in_place_edit_is_named():
    program = load("def compute_reward(x, v):\n    x *= 2.0\n    return x, {}\n")
    state = {"x": torch.arange(4.0), "v": torch.ones(4)}
    with pytest.raises(RewardProgramError, match=r"modified its input 'x' in place; inputs are read-only"):
        program(state, 4)
    assert state["x"].tolist() == [0.0, 1.0, 2.0, 3.0]  # the caller's tensor is untouched


@pytest.mark.parametrize(
    "body",
    [
        "    bonus = v\n    bonus *= 250\n",
        "    v[:] = 0\n",
        "    torch.mul(v, 3, out=v)\n",
        "    v.clamp_(0, 0.5)\n",
    ],
)
def test_aliases_slices_and_out_arguments_count_as_in_place_edits(body):
    program = load(f"def compute_reward(x, v):\n{body}    return x + 0.0, {{}}\n")
    with pytest.raises(RewardProgramError, match="modified its input 'v' in place"):
        program(dict(STATE), 4)


def test_the_policy_is_applied_before_any_module_code_runs():
    with pytest.raises(RewardProgramError, match="import os is not allowed"):
        load("import os\nos.system('touch /tmp/pwned')\n\ndef compute_reward(x):\n    return x, {}\n")


def test_at_most_32_components_each_named_by_a_short_identifier_other_than_the_totals():
    many = load("def compute_reward(x):\n    return x, {f'c{i}': x for i in range(33)}\n")
    with pytest.raises(RewardProgramError, match="returned 33 components; return at most 32"):
        many(STATE, 4)
    _, parts = load("def compute_reward(x):\n    return x, {'n' * 64: x, '_shaped': x}\n")(STATE, 4)
    assert list(parts) == ["n" * 64, "_shaped"]
    # Each of these reaches a prompt, the console or a plot: a forged statistics line, markup, mathtext.
    for bad in (
        "'n' * 65",
        "'task_score'",
        "'reward'",
        "'a\\ntask_score: 500'",
        "'$\\\\frac{$'",
        "'[/]'",
        "'\\u202e'",
        "3",
    ):
        program = load(f"def compute_reward(x):\n    return x, {{{bad}: x}}\n")
        with pytest.raises(
            RewardProgramError, match="component names must be Python identifiers of at most 64"
        ):
            program(STATE, 4)


def test_eurekas_torchscript_decorators_are_accepted_and_change_nothing():
    """Every reward of IsaacGymEnvs and Eureka carries @torch.jit.script, on helpers too;
    it runs as plain Python."""
    source = (
        "from typing import Dict, Tuple\n\n@torch.jit.script\ndef helper(x: torch.Tensor) -> torch.Tensor:\n"
        "    return x * 2.0\n\n@torch.jit.script\ndef compute_reward(x: torch.Tensor) -> Tuple[torch.Tensor, "
        "Dict[str, torch.Tensor]]:\n    r = helper(x)\n    return r, {'doubled': r}\n"
    )
    reward, parts = load(source)(STATE, 4)
    assert torch.equal(reward, STATE["x"] * 2.0) and list(parts) == ["doubled"]
    with pytest.raises(
        RewardProgramError, match="decorators are not allowed in reward code: remove @torch.jit.trace"
    ):
        load("@torch.jit.trace\ndef compute_reward(x):\n    return x, {}\n")
