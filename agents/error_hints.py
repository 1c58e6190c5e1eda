"""A one-line fix for the errors reward programs commonly fail with, added to the execution-error feedback.

Eureka answers a failed program with its traceback alone. Small models then tend to send the
same program back; naming the fix (``torch.where`` for an ``if`` on a tensor, the inputs'
shapes for a shape mismatch) is what gets them past it. The hint is derived from the error
text and the task's state spec only: no reward code runs here. A name the program made up is never repeated
(the error, in its candidate block, shows it): the hint says "that name".
"""

from __future__ import annotations

import inspect
import re

from sim.base import BatchedTask
from sim.reward.library import HELPERS

SHAPES = "the inputs' shapes (N environments): {shapes}"
#: (pattern over the error text, the hint; ``{shapes}`` and ``{name}`` are filled in).
HINTS: list[tuple[str, str]] = [
    (
        r"Boolean value of Tensor with more than one value is ambiguous",
        "a tensor with one value per environment cannot drive Python's if/and/or/not/min/max: "
        "use torch.where(condition, a, b), &, |, ~, torch.minimum, torch.maximum",
    ),
    (
        r"only one element tensors can be converted to Python scalars|must be real number, not Tensor",
        "math.* functions, float() and int() take one number, not one per environment: "
        "use torch.exp, torch.sqrt, torch.abs, torch.clamp on tensors",
    ),
    (
        r"(The size of tensor a|shapes cannot be multiplied|1D tensors expected|too many indices for tensor"
        r"|Dimension out of range"
        r"|must match the size|cannot be broadcast|expand)",
        SHAPES + ". A vector's parts: x[:, 0]; its length: torch.norm(x, dim=-1); a per-environment dot "
        "product: (a * b).sum(dim=-1); an [N] tensor with an [N, 3] one: a.unsqueeze(-1) * b",
    ),
    (
        r"(total reward|component '.*') must have shape",
        "every value must have shape [N], one per environment: do not reduce over environments "
        "(sum or mean only over a vector's last dimension, dim=-1); " + SHAPES,
    ),
    (
        r"non-finite values",
        "guard every division (x / (y + 1e-6)), sqrt and log (torch.clamp(x, min=1e-6)) "
        "and exp of large values",
    ),
    (
        r"must be Tensor, not (float|int)",
        "torch functions take tensors: for a constant use math (math.atan2, math.acos) or a plain number",
    ),
    (
        r"'Tensor' and 'list'|'list' and 'Tensor'|not 'list'",
        "make constant vectors with torch.tensor([...], device=x.device), not Python lists",
    ),
    (
        r"expected scalar type|dtype",
        "keep everything float32: torch.tensor(..., dtype=torch.float32, device=x.device)",
    ),
    (r"import .*(numpy|scipy|quaternion|transform)", "write it with torch; {quaternions}"),
    (
        r"no dimension of size 3|cross: inputs dimension .* must have length 3",
        "torch.cross takes [N, 3] vectors, not [N, 4] quaternions; {quaternions}",
    ),
]
NAME_ERROR = re.compile(r"NameError: name '(\w+)' is not defined")
#: A torch name the reward checker rejected as missing (``torch.quat_normalize does not exist``).
MISSING_TORCH_NAME = re.compile(r"torch(?:\.\w+)*\.(\w+) does not exist")
#: Names a model invents for quaternion math (quat_diff, torch.quaternion_normalize, rotation_angle).
QUATERNION_WORDS = re.compile(r"quat|rot|angle", re.IGNORECASE)


def error_hint(error: str, task: type[BatchedTask]) -> str | None:
    """A short fix for ``error`` (a root-cause message of a failed program), or None if none applies."""
    shapes = ", ".join(
        f"{name} [{', '.join(['N', *map(str, f.shape)])}]" for name, f in task.state_spec.items()
    )
    if match := NAME_ERROR.search(error):
        return name_hint(match.group(1), task)
    if (match := MISSING_TORCH_NAME.search(error)) and QUATERNION_WORDS.search(match.group(1)):
        return f"torch has no such function; {quaternion_hint(task)}"
    for pattern, hint in HINTS:
        if re.search(pattern, error):
            return hint.format(shapes=shapes, quaternions=quaternion_hint(task))
    return None


def quaternion_hint(task: type[BatchedTask]) -> str:
    """The quaternion helpers with their arguments, how to get a rotation difference,
    and the task's angle inputs."""
    helpers = ", ".join(
        f"{name}({', '.join(inspect.signature(f).parameters)})"
        for name, f in HELPERS.items()
        if QUATERNION_WORDS.search(name) or name.startswith(("tf_", "get_euler"))
    )
    hint = (
        f"quaternions are [N, 4] xyzw; these helpers need no import: {helpers}; the rotation from b to a "
        "is quat_mul(a, quat_conjugate(b))"
    )
    angles = [
        f"{name} [N] ({f.doc})" for name, f in task.state_spec.items() if f.shape == () and f.unit == "rad"
    ]
    return hint + (f"; angles the task already gives: {', '.join(angles)}" if angles else "")


def name_hint(name: str, task: type[BatchedTask]) -> str:
    """What an undefined name should have been."""
    if name in task.state_spec:
        return f"{name} is a state tensor: add it to compute_reward's parameters"
    if name in ("pi", "e", "inf"):
        return f"write math.{name}"
    if name in ("scipy", "R", "Rotation"):
        return "scipy is not available: use torch; " + quaternion_hint(task)
    if QUATERNION_WORDS.search(name):
        return f"that name does not exist; {quaternion_hint(task)}"
    return (
        "that name does not exist: a reward program can use its parameters (the state names), torch, "
        f"math, the functions it defines and these helpers: {', '.join(HELPERS)}"
    )
