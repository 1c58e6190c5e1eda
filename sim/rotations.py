"""Batched quaternion helpers; quaternions are xyzw, as in IsaacGymEnvs."""

from __future__ import annotations

import torch

Tensor = torch.Tensor


def quat_mul(a: Tensor, b: Tensor) -> Tensor:
    """Hamilton product a * b of [..., 4] xyzw quaternions."""
    ax, ay, az, aw = a.unbind(-1)
    bx, by, bz, bw = b.unbind(-1)
    return torch.stack(
        [
            aw * bx + ax * bw + ay * bz - az * by,
            aw * by - ax * bz + ay * bw + az * bx,
            aw * bz + ax * by - ay * bx + az * bw,
            aw * bw - ax * bx - ay * by - az * bz,
        ],
        dim=-1,
    )


def quat_conjugate(q: Tensor) -> Tensor:
    """The inverse of unit xyzw quaternions."""
    return torch.cat([-q[..., :3], q[..., 3:]], dim=-1)


def quat_rotate(q: Tensor, v: Tensor) -> Tensor:
    """Rotate [..., 3] vectors v by [..., 4] xyzw quaternions q."""
    xyz, w = q[..., :3], q[..., 3:]
    t = 2.0 * torch.cross(xyz, v, dim=-1)
    return v + w * t + torch.cross(xyz, t, dim=-1)


def quat_rotate_inverse(q: Tensor, v: Tensor) -> Tensor:
    """Rotate [..., 3] vectors v by the inverse of unit xyzw quaternions q (world frame to body frame)."""
    return quat_rotate(quat_conjugate(q), v)


def normalize(x: Tensor, eps: float = 1e-9) -> Tensor:
    """``x`` scaled to unit length along its last dimension (zero vectors stay near zero)."""
    return x / x.norm(p=2, dim=-1, keepdim=True).clamp(min=eps)


def get_euler_xyz(q: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """Roll, pitch and yaw (radians, in [-pi, pi]) of xyzw quaternions, x-y-z convention."""
    x, y, z, w = q.unbind(-1)
    roll = torch.atan2(2.0 * (w * x + y * z), 1.0 - 2.0 * (x * x + y * y))
    pitch = torch.asin(torch.clamp(2.0 * (w * y - z * x), -1.0, 1.0))
    yaw = torch.atan2(2.0 * (w * z + x * y), 1.0 - 2.0 * (y * y + z * z))
    return roll, pitch, yaw


def quat_axis(q: Tensor, axis: int) -> Tensor:
    """The body's local axis (0=x, 1=y, 2=z) expressed in the world frame."""
    basis = torch.zeros(*q.shape[:-1], 3, device=q.device, dtype=q.dtype)
    basis[..., axis] = 1.0
    return quat_rotate(q, basis)


def quat_from_angle_axis(angle: Tensor, axis: Tensor) -> Tensor:
    """xyzw quaternion rotating by ``angle`` [...] radians about unit ``axis`` [..., 3]."""
    half = 0.5 * angle.unsqueeze(-1)
    return torch.cat([axis * torch.sin(half), torch.cos(half)], dim=-1)


def wxyz_to_xyzw(q: Tensor) -> Tensor:
    """Reorder MuJoCo's wxyz quaternions to xyzw."""
    return torch.cat([q[..., 1:], q[..., :1]], dim=-1)


def xyzw_to_wxyz(q: Tensor) -> Tensor:
    """Reorder xyzw quaternions to MuJoCo's wxyz."""
    return torch.cat([q[..., 3:], q[..., :3]], dim=-1)
