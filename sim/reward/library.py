"""The helpers a reward program may call without importing them, as IsaacGymEnvs' torch_utils gave Eureka's.

Eureka's rewards ran inside the environment's module, where IsaacGymEnvs' quaternion helpers
were in scope, so models write ``quat_mul(object_rot, quat_conjugate(goal_rot))`` without
defining it; the observation code they are shown calls the same names. These are our own
implementations (``sim/rotations.py``), xyzw quaternions, batched over any leading dimensions.
A program that defines a function of the same name uses its own. The Coder's prompt does not
list them (a list of ten signatures made the embedded model invent inputs); a program that
calls a name that does not exist is told about them.
"""

from __future__ import annotations

import math
import typing
from types import SimpleNamespace

import torch

from sim import rotations
from sim.rotations import (
    normalize,
    quat_conjugate,
    quat_from_angle_axis,
    quat_mul,
    quat_rotate,
    quat_rotate_inverse,
)

Tensor = torch.Tensor


def get_euler_xyz(q: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """Roll, pitch and yaw of xyzw quaternions, each in [0, 2*pi) as IsaacGymEnvs returns them."""
    return tuple(angle % (2 * math.pi) for angle in rotations.get_euler_xyz(q))


def quat_axis(q: Tensor, axis: int = 0) -> Tensor:
    """The body's local axis (0=x, 1=y, 2=z; x by default, as in IsaacGymEnvs) in the world frame."""
    return rotations.quat_axis(q, axis)


def tf_vector(q: Tensor, v: Tensor) -> Tensor:
    """``v`` rotated by ``q`` (IsaacGymEnvs' tf_vector); ``v`` may be one vector for every quaternion."""
    return quat_rotate(q, v.expand(*q.shape[:-1], 3))


def tf_combine(q1: Tensor, t1: Tensor, q2: Tensor, t2: Tensor) -> tuple[Tensor, Tensor]:
    """The transform (q1, t1) applied after (q2, t2): (q1 * q2, q1 applied to t2 plus t1)."""
    return quat_mul(q1, q2), quat_rotate(q1, t2) + t1


def to_torch(x, dtype: torch.dtype = torch.float, device="cpu", requires_grad: bool = False) -> Tensor:
    """A tensor from a number or a list (IsaacGymEnvs' to_torch)."""
    return torch.tensor(x, dtype=dtype, device=device, requires_grad=requires_grad)


def normalize_angle(x: Tensor) -> Tensor:
    """Angles wrapped to [-pi, pi]."""
    return torch.atan2(torch.sin(x), torch.cos(x))


def scale(x: Tensor, lower: Tensor, upper: Tensor) -> Tensor:
    """[-1, 1] mapped onto [lower, upper]."""
    return 0.5 * (x + 1.0) * (upper - lower) + lower


def unscale(x: Tensor, lower: Tensor, upper: Tensor) -> Tensor:
    """[lower, upper] mapped onto [-1, 1]."""
    return (2.0 * x - upper - lower) / (upper - lower)


def tensor_clamp(t: Tensor, min_t: Tensor, max_t: Tensor) -> Tensor:
    """``t`` clamped element-wise between two tensors."""
    return torch.max(torch.min(t, max_t), min_t)


def copysign(a: float, b: Tensor) -> Tensor:
    """|a| with the sign of each element of ``b``."""
    return abs(a) * torch.where(b < 0, -1.0, 1.0).to(b.dtype)


def quat_from_euler_xyz(roll: Tensor, pitch: Tensor, yaw: Tensor) -> Tensor:
    """xyzw quaternions from roll, pitch and yaw (x-y-z convention)."""
    cr, sr, cp, sp = torch.cos(roll / 2), torch.sin(roll / 2), torch.cos(pitch / 2), torch.sin(pitch / 2)
    cy, sy = torch.cos(yaw / 2), torch.sin(yaw / 2)
    return torch.stack(
        [
            sr * cp * cy - cr * sp * sy,
            cr * sp * cy + sr * cp * sy,
            cr * cp * sy - sr * sp * cy,
            cr * cp * cy + sr * sp * sy,
        ],
        dim=-1,
    )


#: Name in the reward's namespace -> function (IsaacGymEnvs' names and signatures; ``quat_apply``,
#: ``my_quat_rotate`` and ``quat_unit`` are aliases).
HELPERS = {
    "quat_mul": quat_mul,
    "quat_conjugate": quat_conjugate,
    "quat_rotate": quat_rotate,
    "quat_apply": quat_rotate,
    "my_quat_rotate": quat_rotate,
    "quat_rotate_inverse": quat_rotate_inverse,
    "quat_axis": quat_axis,
    "quat_from_angle_axis": quat_from_angle_axis,
    "quat_from_euler_xyz": quat_from_euler_xyz,
    "quat_unit": normalize,
    "normalize": normalize,
    "get_euler_xyz": get_euler_xyz,
    "tf_vector": tf_vector,
    "tf_combine": tf_combine,
    "to_torch": to_torch,
    "normalize_angle": normalize_angle,
    "scale": scale,
    "unscale": unscale,
    "tensor_clamp": tensor_clamp,
    "copysign": copysign,
}
#: ``np``: the constants Eureka's rewards read from numpy (its environment modules imported numpy as np).
NUMPY_CONSTANTS = SimpleNamespace(pi=math.pi, e=math.e, inf=math.inf)


#: Names Eureka's environment module had imported, which its rewards use unimported in annotations.
ANNOTATION_NAMES = {
    "Tensor": torch.Tensor,
    "Tuple": tuple,
    "Dict": dict,
    "List": list,
    "Optional": typing.Optional,
}


def helper_namespace() -> dict:
    """The helpers by name, ``np``'s constants and the annotation names, for the reward program's globals."""
    return {**HELPERS, "np": NUMPY_CONSTANTS, **ANNOTATION_NAMES}
