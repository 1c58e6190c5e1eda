"""Programs recombined by their components: on the repository's real rewards (IsaacGymEnvs-style and human),
run on a task's states; what each parent computes is measured by running the parent alone."""

import pytest
import torch

from sim.isaac_names import reward_inputs
from sim.registry import make_task, task_class
from sim.reward.constants import tunable_constants
from sim.reward.program import ENTRY_POINT, RewardProgram, function_source
from sim.reward.recombine import Parent, RecombineError, recombine
from tests.sim.reward.test_constants import FIXTURES

#: An LLM-style program that defines, at module level, names the other parent also defines.
CLASHING = """import torch

SCALE = 2.0


def helper(x):
    return torch.exp(-SCALE * x ** 2)


def compute_reward(pole_angle, pole_vel):
    SCALE = 0.5  # a local of the same name stays local
    upright = helper(pole_angle)
    calm = -SCALE * 0.02 * torch.abs(pole_vel)
    return upright + calm, {"upright": upright, "calm": calm}
"""
HELPER_TOO = """import torch

SCALE = 7.0


def helper(x):
    return SCALE * x


def compute_reward(cart_pos):
    return -helper(torch.abs(cart_pos)), {}
"""


def run(source: str, task) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    program = RewardProgram.from_source(source)
    state = task.step(torch.rand(task.num_envs, task.num_actions) * 2 - 1)[0]
    return program(reward_inputs(task, state, program.params), task.num_envs)


@pytest.mark.parametrize("task_name", ["Cartpole", "BallBalance", "Quadcopter"])
def test_the_weights_start_where_the_reward_is_the_mean_of_the_parents(task_name):
    """Every parent's components and remainder are terms; weights of 1/n give the mean of the parents' rewards
    (each parent run alone, on the same states), and the weights are the new entry's only constants."""
    parents = [(FIXTURES / "isaac_style" / f"{task_name}.py").read_text()]
    parents.append(function_source(task_class(task_name).human_reward))
    if task_name == "Cartpole":
        parents.append(CLASHING)
    task = make_task(task_name, num_envs=16, seed=3)
    task.reset()
    alone = []
    for source in parents:
        torch.manual_seed(0)
        alone.append(run(source, make_task(task_name, num_envs=16, seed=3)))
    combined = recombine(
        [Parent(source, tuple(parts)) for source, (_, parts) in zip(parents, alone, strict=True)]
    )
    torch.manual_seed(0)
    total, terms = run(combined, make_task(task_name, num_envs=16, seed=3))
    expected = torch.stack([t for t, _ in alone]).mean(0)
    assert torch.allclose(total, expected, rtol=1e-4, atol=1e-5)
    for k, (_, parts) in enumerate(alone):
        assert {f"p{k}_{name}" for name in parts} | {f"p{k}_remainder"} <= set(terms)
        for name, value in parts.items():
            assert torch.equal(terms[f"p{k}_{name}"], value)
    weights = [c for c in tunable_constants(combined) if c.function == ENTRY_POINT]
    assert len(weights) == len(terms) and {c.value for c in weights} == {round(1 / len(parents), 6)}


def test_names_defined_by_two_parents_are_kept_apart():
    task = make_task("Cartpole", num_envs=8, seed=1)
    task.reset()
    combined = recombine([Parent(CLASHING, ("upright", "calm")), Parent(HELPER_TOO, ())])
    state = task.step(torch.zeros(8, 1))[0]
    program = RewardProgram.from_source(combined)
    total, terms = program(reward_inputs(task, state, program.params), 8)
    assert torch.allclose(terms["p1_remainder"], -7.0 * torch.abs(state["cart_pos"]))
    assert torch.allclose(terms["p0_upright"], torch.exp(-2.0 * state["pole_angle"] ** 2))
    assert torch.allclose(terms["p0_calm"], -0.01 * torch.abs(state["pole_vel"]))


def test_what_cannot_be_one_program_is_refused_in_one_line():
    with pytest.raises(RecombineError, match="at least two"):
        recombine([Parent(CLASHING, ("upright",))])
    with pytest.raises(RecombineError, match="not a plain identifier"):
        recombine([Parent(CLASHING, ("up right",)), Parent(HELPER_TOO, ())])
    torch_sqrt = (
        "from torch import sqrt\n\ndef compute_reward(cart_pos):\n    return sqrt(cart_pos.abs()), {}\n"
    )
    math_sqrt = (
        "from math import sqrt\n\ndef compute_reward(cart_pos):\n    return cart_pos * sqrt(2.0), {}\n"
    )
    with pytest.raises(RecombineError, match="'sqrt' to different things"):
        recombine([Parent(torch_sqrt, ()), Parent(math_sqrt, ())])
