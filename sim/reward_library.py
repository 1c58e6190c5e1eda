"""The helpers a reward program may call without importing them, as IsaacGymEnvs' torch_utils gave Eureka's.

Eureka's rewards ran inside the environment's module, where IsaacGymEnvs' quaternion helpers
were in scope, so models write ``quat_mul(object_rot, quat_conjugate(goal_rot))`` without
defining it; the observation code they are shown calls the same names. These are our own
implementations (``sim/rotations.py``), xyzw quaternions, batched over any leading dimensions.
A program that defines a function of the same name uses its own.
"""

from __future__ import annotations

from sim.rotations import (
    get_euler_xyz,
    normalize,
    quat_axis,
    quat_conjugate,
    quat_from_angle_axis,
    quat_mul,
    quat_rotate,
    quat_rotate_inverse,
)

#: Name in the reward's namespace -> (function, how the prompt shows it).
HELPERS = {
    "quat_mul": (quat_mul, "quat_mul(a, b) -> [N, 4] Hamilton product"),
    "quat_conjugate": (quat_conjugate, "quat_conjugate(q) -> [N, 4] inverse rotation"),
    "quat_rotate": (quat_rotate, "quat_rotate(q, v) -> [N, 3] v rotated by q"),
    "quat_apply": (quat_rotate, "quat_apply(q, v): the same as quat_rotate"),
    "quat_rotate_inverse": (quat_rotate_inverse, "quat_rotate_inverse(q, v) -> [N, 3] v in q's frame"),
    "quat_axis": (quat_axis, "quat_axis(q, axis) -> [N, 3] body axis 0=x, 1=y, 2=z in the world"),
    "quat_from_angle_axis": (quat_from_angle_axis, "quat_from_angle_axis(angle, axis) -> [N, 4]"),
    "quat_unit": (normalize, "quat_unit(q) -> [N, 4] unit quaternion"),
    "normalize": (normalize, "normalize(x) -> x scaled to unit length along its last dimension"),
    "get_euler_xyz": (get_euler_xyz, "get_euler_xyz(q) -> (roll, pitch, yaw), each [N]"),
}


def helper_namespace() -> dict:
    """The helpers by name, for the reward program's globals."""
    return {name: fn for name, (fn, _) in HELPERS.items()}


def helpers_description() -> str:
    """One line per helper for the Coder's prompt."""
    return "\n".join(f"- {usage}" for _, usage in HELPERS.values())
