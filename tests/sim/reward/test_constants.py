"""Which numbers of a reward program are parameters (on the repository's real rewards), and the program with
others."""

import ast
import re
from pathlib import Path

import pytest

from sim.registry import task_class, task_names
from sim.reward.constants import Range, search_space, tunable_constants, with_constants
from sim.reward.normal_form import normal_form
from sim.reward.program import function_source, inspect_source

FIXTURES = Path(__file__).parents[2] / "fixtures"


def real_rewards() -> dict[str, str]:
    """The IsaacGymEnvs-style rewards, every task's human reward and the hostile programs that train."""
    isaac = {f"isaac_style/{p.stem}": p.read_text() for p in sorted((FIXTURES / "isaac_style").glob("*.py"))}
    human = {f"human/{name}": function_source(task_class(name).human_reward) for name in task_names()}
    hostile = {
        f"hostile/{p.stem}": p.read_text()
        for p in sorted((FIXTURES / "hostile").glob("*.py"))
        if "# expect: trained" in p.read_text()
    }
    return {**isaac, **human, **hostile}


REAL = real_rewards()


def tunable_on(source: str, snippet: str) -> list[float]:
    """The values of the tunable constants on the one line containing ``snippet``."""
    return [c.value for c in tunable_constants(source) if c.line == line_of(source, snippet)]


def is_number(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) in (int, float)


def numbers(source: str) -> list[ast.Constant]:
    return [n for n in ast.walk(ast.parse(source)) if is_number(n)]


def line_of(source: str, snippet: str) -> int:
    (line,) = [i for i, text in enumerate(source.splitlines(), 1) if snippet in text]
    return line


def structural_positions(source: str) -> dict[tuple[int, int], str]:
    """Numbers no rule may expose, found by a plain walk: indices, dim-like keywords, exponents, zeros."""
    tree = ast.parse(source)
    found = {}
    for node in ast.walk(tree):
        inside = []
        mask = any(isinstance(n, ast.Compare) for n in ast.walk(getattr(node, "slice", node)))
        if isinstance(node, ast.Subscript) and not mask:
            inside = [(node.slice, "index")]
        elif isinstance(node, ast.keyword) and node.arg in ("dim", "axis", "keepdim", "p"):
            inside = [(node.value, node.arg)]
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            inside = [(node.right, "exponent")]
        for part, why in inside:
            found.update({(n.lineno, n.col_offset): why for n in ast.walk(part) if is_number(n)})
    found.update({(n.lineno, n.col_offset): "zero" for n in numbers(source) if n.value == 0})
    return found


def masked(source: str) -> str:
    """The normal form with every number replaced by one mark."""
    return re.sub(r"Constant\([-+.\deE]+\)", "Constant(#)", normal_form(source))


@pytest.mark.parametrize("name", sorted(REAL))
def test_every_tunable_constant_is_a_number_literal_at_its_place(name):
    source = REAL[name]
    lines = source.splitlines()
    constants = tunable_constants(source)
    assert len({c.key for c in constants}) == len(constants)
    for c in constants:
        literal = ast.parse(lines[c.line - 1][c.col : c.end_col], mode="eval").body
        assert lines[c.line - 1][c.col : c.end_col] == c.text
        assert isinstance(literal, ast.Constant) and type(literal.value) in (int, float), c
        assert abs(c.value) == literal.value != 0 and c.kind == type(literal.value).__name__


@pytest.mark.parametrize("name", sorted(REAL))
def test_no_index_dimension_exponent_or_zero_is_tunable(name):
    source = REAL[name]
    structural = structural_positions(source)
    # columns in these files are ASCII, so ast's byte columns are character columns
    exposed = {(c.line, c.col): c for c in tunable_constants(source)}
    assert not {pos: structural[pos] for pos in exposed if pos in structural}


@pytest.mark.parametrize("name", sorted(REAL))
def test_doubled_constants_pass_the_policy_and_change_only_those_numbers(name):
    source = REAL[name]
    constants = tunable_constants(source)
    doubled = with_constants(source, {c.key: 2 * c.value for c in constants})
    inspect_source(doubled)
    assert masked(doubled) == masked(source)
    places = {(c.line, c.col) for c in constants}
    for before, after in zip(numbers(source), numbers(doubled), strict=True):
        moved = (before.lineno, before.col_offset) in places
        assert after.value == (2 * before.value if moved else before.value)
        assert type(after.value) is type(before.value)


@pytest.mark.parametrize("name", sorted(REAL))
def test_the_original_values_give_back_the_program_byte_for_byte(name):
    source = REAL[name]
    assert with_constants(source, {c.key: c.value for c in tunable_constants(source)}) == source


def test_the_human_cartpole_reward_exposes_its_weights_penalty_and_threshold_not_its_units():
    source = REAL["human/Cartpole"]
    assert tunable_on(source, "upright = 1.0 - pole_angle") == []  # the 1 of a normaliser
    assert tunable_on(source, "cart_speed_penalty =") == [-0.01]
    assert tunable_on(source, "pole_speed_penalty =") == [-0.005]
    assert tunable_on(source, "failed =") == [3.0]  # not the 2 of math.pi / 2
    assert tunable_on(source, "failure_penalty =") == [-2.0]  # not the 0.0


def test_isaac_style_rewards_keep_indices_dimensions_axes_and_normalisers():
    cartpole, ant = REAL["isaac_style/Cartpole"], REAL["isaac_style/Ant"]
    assert tunable_on(cartpole, "upright =") == []  # 1.0 -, np.pi / 2, ** 2
    assert tunable_on(cartpole, "still =") == [-0.005]  # not dof_vel[:, 1]
    assert tunable_on(ant, "to_target[:, 2] = 0.0") == []
    assert tunable_on(ant, "heading =") == [0.5]  # not dim=-1, min=0.0
    assert tunable_on(ant, "at_limit =") == [-0.1, 0.99]
    assert tunable_on(ant, "alive =") == [0.5, -2.0]
    assert tunable_on(ant, "velocity =") == []  # root_states[:, 7:10]
    shadow = REAL["isaac_style/ShadowHand"]
    assert tunable_on(shadow, "rot_dist =") == [2.0]  # not 0:3, p=2, dim=-1, max=1.0
    assert tunable_on(shadow, "rot_rew =") == [0.1]
    assert tunable_on(shadow, "action_penalty =") == []
    assert tunable_on(shadow, "reward = goal_dist") == [-10.0, 0.0002]
    franka = REAL["isaac_style/FrankaCabinet"]
    assert tunable_on(franka, "d = torch.norm") == []
    assert tunable_on(franka, "near = 1.0 / (1.0 + d ** 2)") == []
    assert tunable_on(franka, "d <= 0.02") == [0.02, 2]
    assert tunable_on(franka, "> 0.39") == [0.39, 2.0]
    # every number of these two is an index, a dimension, an axis, an exponent or a normaliser's 1
    assert tunable_constants(REAL["isaac_style/BallBalance"]) == []
    assert tunable_constants(REAL["isaac_style/Quadcopter"]) == []


def test_a_step_count_threshold_stays_an_integer():
    source = REAL["hostile/flips_after_the_dry_run"]
    (threshold,) = tunable_constants(source)
    assert (threshold.text, threshold.kind, threshold.roles) == ("20", "int", ("threshold",))
    assert "progress_buf > 40" in with_constants(source, {threshold.key: 40})
    with pytest.raises(ValueError, match="integer"):
        with_constants(source, {threshold.key: 20.5})
    assert search_space([threshold]) == {threshold.key: Range(1, 2000, log=True, integer=True)}


def test_the_human_cartpole_reward_with_wrong_scales_exposes_exactly_the_wrong_constants():
    human = REAL["human/Cartpole"]
    wrong = human
    scales = {"-0.01 *": "-4.0 *", "-0.005 *": "-0.1 *", "(failed, -2.0,": "(failed, -40.0,"}  # 400x 20x 20x
    for right, scaled in scales.items():
        assert wrong.count(right) == 1
        wrong = wrong.replace(right, scaled)
    constants = tunable_constants(wrong)
    assert [c.value for c in constants] == [-4.0, -0.1, 3.0, -40.0]
    originals = dict(zip([c.key for c in constants], [-0.01, -0.005, 3.0, -2.0], strict=True))
    assert with_constants(wrong, originals) == human  # tuning alone can bring it back
    space = search_space(constants, 0.001, 1000.0)  # a 400x error needs more than the default x0.01
    assert all(space[key].low <= value <= space[key].high for key, value in originals.items())


PROGRAM = """import torch

dist_reward_scale = 2.0
PENALTY: float = -0.5
AXIS = 2
ONE = 1.0
UNUSED = 3.0


def shaped(d, temp=0.1, dim=1):
    return torch.exp(-d.sum(dim) / temp)


@torch.jit.script
def compute_reward(d: torch.Tensor, v: torch.Tensor, scale: float = 4.0):
    n = 3
    r = d[:, AXIS] * dist_reward_scale + PENALTY * v.norm(dim=-1) + shaped(d, 0.7, dim=-1) * scale
    r = r + d.view(-1, n).pow(2).sum(-1) * 1e-3
    r = r + torch.where(v[:, 0] > 1.0, -1.0, 0.0) * ONE
    r[d[:, 0] < 0.05] = 5.0
    r = r + torch.clamp(d[:, 1], -1.0, 0.5) + torch.cos(d[:, 2] * (torch.pi / 4))
    r = r + torch.tensor([0.5, 3.0]).sum()
    return r + 1.0, {"r": r}


if __name__ == "__main__":
    print(compute_reward(torch.ones(2, 3) * 0.5, torch.ones(2, 3)))
"""


def test_names_defaults_and_helper_arguments_are_judged_by_their_use():
    def at(snippet: str, value: float, role: str) -> tuple[int, float, tuple[str, ...]]:
        return line_of(PROGRAM, snippet), value, (role,)

    assert [(c.line, c.value, c.roles) for c in tunable_constants(PROGRAM)] == [
        at("dist_reward_scale =", 2.0, "weight"),
        at("PENALTY: float", -0.5, "weight"),
        at("ONE = 1.0", 1.0, "weight"),  # a 1 used as a weight is a parameter
        at("def shaped", 0.1, "scale"),  # a default, by its use (dim=1 is not)
        at("def compute_reward", 4.0, "weight"),
        at("shaped(d, 0.7", 0.7, "scale"),  # a helper's argument, by the helper's use of it
        at("* 1e-3", 0.001, "weight"),  # not -1, n = 3 (a view), pow(2), sum(-1)
        at("torch.where(v[:, 0]", -1.0, "choice"),  # not the 1.0 threshold, the 0.0, the index
        at("r[d[:, 0] < 0.05]", 0.05, "threshold"),  # a boolean mask's threshold
        at("r[d[:, 0] < 0.05]", 5.0, "choice"),
        at("torch.clamp", 0.5, "bound"),  # not -1.0, torch.pi / 4
    ]  # AXIS (an index), UNUSED, [0.5, 3.0], the 1.0 added at the end and the test code stay structural


def test_a_new_value_keeps_the_form_and_sign_of_the_old_one():
    source = "X = -0.5\n\n\ndef compute_reward(d):\n    r = d * -2.0 + d * 1e-3 + X\n    return r, {'r': r}\n"
    keys = {c.value: c.key for c in tunable_constants(source)}
    assert with_constants(source, {keys[-0.5]: -1.25, keys[-2.0]: -0.1, keys[0.001]: 0.002}) == (
        "X = -1.25\n\n\ndef compute_reward(d):\n    r = d * -0.1 + d * 0.002 + X\n    return r, {'r': r}\n"
    )
    with pytest.raises(ValueError, match="sign"):
        with_constants(source, {keys[-2.0]: 2.0})
    with pytest.raises(KeyError):
        with_constants(source, {"L1C0": 1.0})
    # columns count characters, not ast's UTF-8 bytes
    accented = 'def compute_reward(d):\n    r = {"é": d}["é"] * 0.5\n    return r, {}\n'
    (weight,) = tunable_constants(accented)
    assert with_constants(accented, {weight.key: 0.25}) == accented.replace("0.5", "0.25")


def test_the_search_space_is_log_scale_and_keeps_the_sign():
    program = "def compute_reward(d):\n    r = -2.0 * d + 0.5\n    return r, {}\n"
    space = search_space(tunable_constants(program))
    assert sorted(space.values()) == [
        Range(-200.0, -0.02, log=True, integer=False),
        Range(0.005, 50.0, log=True, integer=False),
    ]
    assert search_space(tunable_constants("def compute_reward(d):\n    return d * 0.5, {}\n"), 0.1, 10.0) == {
        "L2C15": Range(0.05, 5.0, log=True, integer=False)
    }
