import math

import torch

from sim.rotations import (
    get_euler_xyz,
    normalize,
    quat_axis,
    quat_from_angle_axis,
    quat_mul,
    quat_rotate,
    quat_rotate_inverse,
    wxyz_to_xyzw,
)


def test_quarter_turn_about_z_maps_x_to_y():
    q = quat_from_angle_axis(torch.tensor([math.pi / 2]), torch.tensor([[0.0, 0.0, 1.0]]))
    assert torch.allclose(
        quat_rotate(q, torch.tensor([[1.0, 0.0, 0.0]])), torch.tensor([[0.0, 1.0, 0.0]]), atol=1e-6
    )
    assert torch.allclose(quat_axis(q, 0), torch.tensor([[0.0, 1.0, 0.0]]), atol=1e-6)


def test_composition_matches_sequential_rotation():
    a = quat_from_angle_axis(torch.tensor([0.7]), torch.tensor([[1.0, 0.0, 0.0]]))
    b = quat_from_angle_axis(torch.tensor([-1.1]), torch.tensor([[0.0, 0.6, 0.8]]))
    v = torch.tensor([[0.3, -0.2, 0.9]])
    assert torch.allclose(quat_rotate(quat_mul(a, b), v), quat_rotate(a, quat_rotate(b, v)), atol=1e-6)


def test_wxyz_to_xyzw():
    assert wxyz_to_xyzw(torch.tensor([1.0, 2.0, 3.0, 4.0])).tolist() == [2.0, 3.0, 4.0, 1.0]


def test_rotate_inverse_undoes_rotate():
    q = normalize(torch.tensor([[0.2, -0.5, 0.4, 0.7], [0.0, 0.0, 0.0, 1.0]]))
    v = torch.tensor([[0.3, -0.2, 0.9], [1.0, 2.0, 3.0]])
    assert torch.allclose(quat_rotate_inverse(q, quat_rotate(q, v)), v, atol=1e-6)
    assert torch.allclose(q.norm(dim=-1), torch.ones(2))


def test_euler_angles_of_single_axis_rotations():
    angle = torch.tensor([0.4, -1.2, 1.5])  # pitch stays within (-pi/2, pi/2)
    for axis in range(3):
        unit = torch.zeros(3, 3)
        unit[:, axis] = 1.0
        angles = get_euler_xyz(quat_from_angle_axis(angle, unit))
        for k in range(3):
            assert torch.allclose(angles[k], angle if k == axis else torch.zeros(3), atol=1e-5), (axis, k)
