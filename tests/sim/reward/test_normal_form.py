"""Two programs that differ only in comments, docstrings, annotations, test code or layout are one program."""

from sim.reward.normal_form import program_digest

PROGRAM = "def compute_reward(pole_angle):\n    r = 1.0 - pole_angle ** 2\n    return r, {'upright': r}\n"
SAME = '''"""A reward for Cartpole."""
import torch


def compute_reward(pole_angle: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Keep the pole upright."""
    # the closer to vertical, the better
    r: torch.Tensor = 1.0 - (pole_angle ** 2)
    return (r, {"upright": r})


if __name__ == "__main__":
    print(compute_reward(torch.zeros(2)))
'''


def test_comments_docstrings_annotations_and_layout_do_not_make_a_new_program():
    assert program_digest(PROGRAM) == program_digest(SAME)


def test_a_different_computation_or_different_inputs_is_a_new_program():
    assert program_digest(PROGRAM) != program_digest(PROGRAM.replace("1.0", "2.0"))
    assert program_digest(PROGRAM) != program_digest(PROGRAM.replace("'upright'", "'up'"))
    other_inputs = (
        "def compute_reward(pole_angle, pole_vel):\n"
        "    r = 1.0 - pole_angle ** 2\n    return r, {'upright': r}\n"
    )
    assert program_digest(PROGRAM) != program_digest(other_inputs)
