"""The helpers a reward program calls without importing them (IsaacGymEnvs' torch_utils names)."""

import torch

from sim.reward.program import RewardProgram
from sim.rotations import quat_conjugate, quat_mul

ORIENTATION_ERROR = """
def compute_reward(object_rot, goal_rot):
    diff = quat_mul(object_rot, quat_conjugate(goal_rot))
    angle = 2.0 * torch.asin(torch.clamp(torch.norm(normalize(diff)[:, 0:3], dim=-1), max=1.0))
    roll, pitch, yaw = get_euler_xyz(object_rot)
    up = quat_axis(object_rot, 2)[:, 2] + \
quat_rotate_inverse(object_rot, quat_apply(goal_rot, up_vec(angle)))[:, 0]
    return -angle, {"angle": angle, "roll": roll, "up": up}

def up_vec(angle):
    return torch.stack([torch.zeros_like(angle), torch.zeros_like(angle), torch.ones_like(angle)], dim=-1)
"""


def random_quats(n: int) -> torch.Tensor:
    q = torch.randn(n, 4, generator=torch.Generator().manual_seed(0))
    return q / q.norm(dim=-1, keepdim=True)


def test_a_reward_calls_the_helpers_without_importing_them():
    object_rot, goal_rot = random_quats(8), random_quats(8).flip(0)
    reward, parts = RewardProgram.from_source(ORIENTATION_ERROR)(
        {"object_rot": object_rot, "goal_rot": goal_rot}, 8
    )
    expected = 2.0 * torch.asin(
        quat_mul(object_rot, quat_conjugate(goal_rot))[:, :3].norm(dim=-1).clamp(max=1.0)
    )
    assert torch.allclose(reward, -expected, atol=1e-5) and set(parts) == {"angle", "roll", "up"}
    same = RewardProgram.from_source(ORIENTATION_ERROR)(
        {"object_rot": object_rot, "goal_rot": object_rot}, 8
    )[0]
    assert same.abs().max() < 1e-2  # no rotation between equal orientations


def test_a_program_that_defines_a_helper_uses_its_own():
    own = (
        "def quat_mul(a, b):\n    return a * 0.0\n\ndef compute_reward(object_rot):\n"
        "    r = quat_mul(object_rot, object_rot).sum(dim=-1)\n    return r, {}\n"
    )
    reward, _ = RewardProgram.from_source(own)({"object_rot": random_quats(4)}, 4)
    assert torch.equal(reward, torch.zeros(4))


def test_the_helpers_keep_isaacgymenvs_conventions():
    from sim.reward.library import HELPERS, NUMPY_CONSTANTS

    q = random_quats(64)
    roll, pitch, yaw = HELPERS["get_euler_xyz"](q)
    assert all(((a >= 0) & (a < 2 * torch.pi)).all() for a in (roll, pitch, yaw))  # IsaacGymEnvs: [0, 2 pi)
    rebuilt = HELPERS["quat_from_euler_xyz"](roll, pitch, yaw)
    assert torch.allclose(
        (rebuilt * q).sum(-1).abs(), torch.ones(64), atol=1e-5
    )  # the same rotation (q or -q)
    x_axis = torch.tensor([1.0, 0.0, 0.0])
    assert torch.allclose(
        HELPERS["quat_axis"](q), HELPERS["tf_vector"](q, x_axis), atol=1e-6
    )  # axis 0 by default
    angles = torch.tensor([3 * torch.pi / 2, -3 * torch.pi / 2, 0.5])
    assert torch.allclose(
        HELPERS["normalize_angle"](angles), torch.tensor([-torch.pi / 2, torch.pi / 2, 0.5])
    )
    low, high, x = torch.tensor([-2.0, 0.0]), torch.tensor([2.0, 1.0]), torch.tensor([0.5, -1.0])
    assert torch.allclose(HELPERS["unscale"](HELPERS["scale"](x, low, high), low, high), x)
    assert torch.equal(
        HELPERS["copysign"](2.0, torch.tensor([-3.0, 0.0, 4.0])), torch.tensor([-2.0, 2.0, 2.0])
    )
    assert HELPERS["to_torch"]([1, 2]).dtype == torch.float32 and NUMPY_CONSTANTS.pi == torch.pi


def test_an_eureka_reward_only_file_runs_with_its_unimported_names():
    rewardonly = (
        "def compute_reward(pole_angle: Tensor) -> Tuple[Tensor, Dict[str, Tensor]]:\n"
        "    r = 1.0 - torch.abs(pole_angle) / np.pi\n    return r, {'r': r}\n"
    )
    reward, _ = RewardProgram.from_source(rewardonly)({"pole_angle": torch.tensor([0.0, torch.pi / 2])}, 2)
    assert torch.allclose(reward, torch.tensor([1.0, 0.5]))
    imported = "import numpy as np\n\n" + rewardonly
    assert torch.allclose(
        RewardProgram.from_source(imported)({"pole_angle": torch.zeros(2)}, 2)[0], torch.ones(2)
    )
