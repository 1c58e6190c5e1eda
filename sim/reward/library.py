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

#: Name in the reward's namespace -> function (IsaacGymEnvs' names; ``quat_apply`` and ``quat_unit`` are aliases).
HELPERS = {
    "quat_mul": quat_mul,
    "quat_conjugate": quat_conjugate,
    "quat_rotate": quat_rotate,
    "quat_apply": quat_rotate,
    "quat_rotate_inverse": quat_rotate_inverse,
    "quat_axis": quat_axis,
    "quat_from_angle_axis": quat_from_angle_axis,
    "quat_unit": normalize,
    "normalize": normalize,
    "get_euler_xyz": get_euler_xyz,
}


def helper_namespace() -> dict:
    """The helpers by name, for the reward program's globals."""
    return dict(HELPERS)
