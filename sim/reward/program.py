"""The reward seam: load a reward program from source text and call it on a task's named state.

A reward program is plain Python defining a function over named state tensors that
returns ``(reward[num_envs], {component: tensor[num_envs]})``. Helper functions and
imports are kept, and ``sim/reward/library.py``'s quaternion helpers are in scope. The entry
point is ``compute_reward`` if it exists, otherwise the one top-level function no other
function calls.
"""

from __future__ import annotations

import ast
import inspect
import linecache
import math
import textwrap
import traceback
from collections.abc import Callable
from dataclasses import dataclass

import torch

from sim.reward.allow_list import check_text, enforce, safe_builtins
from sim.reward.library import helper_namespace
from sim.rl.checkpoint import CheckpointError

Tensor = torch.Tensor
ENTRY_POINT = "compute_reward"
#: A reward may return at most this many components, each named by an identifier of at most NAME_CHARS.
MAX_COMPONENTS = 32
NAME_CHARS = 64
#: Names the statistics block gives its own lines: a component may not take them.
RESERVED_NAMES = frozenset({"reward", "task_score", "episode_length"})


class RewardProgramError(Exception):
    """The reward program is malformed or returned something unusable."""


def function_source(fn: Callable) -> str:
    """Source of a (static) method or function as a standalone, dedented function."""
    lines = textwrap.dedent(inspect.getsource(fn)).splitlines()
    body = [line for line in lines if not line.lstrip().startswith("@")]
    return "import math\n\nimport torch\n\n\n" + "\n".join(body) + "\n"


def _entry_point(tree: ast.Module) -> ast.FunctionDef:
    defs = [node for node in tree.body if isinstance(node, ast.FunctionDef)]
    if not defs:
        raise RewardProgramError("the program defines no function")
    by_name = {d.name: d for d in defs}
    if ENTRY_POINT in by_name:
        return by_name[ENTRY_POINT]
    called = {
        node.func.id
        for d in defs
        for node in ast.walk(d)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id != d.name
    }
    roots = [d for d in defs if d.name not in called]
    if len(roots) != 1:
        raise RewardProgramError(
            f"cannot tell which function is the reward among {sorted(by_name)}; name it {ENTRY_POINT}"
        )
    return roots[0]


def _required_params(fn: ast.FunctionDef) -> list[str]:
    """Parameter names without defaults: the state tensors the reward reads."""
    args = fn.args
    positional = args.posonlyargs + args.args
    without_default = positional[: len(positional) - len(args.defaults)]
    keyword = [a for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d is None]
    return [a.arg for a in without_default + keyword]


@dataclass(frozen=True)
class ProgramShape:
    """What static analysis knows about a program without running it."""

    tree: ast.Module
    entry: str
    params: list[str]

    def check_names(self, available: list[str], hint: Callable[[str], str | None] | None = None) -> None:
        """Fail if the entry function asks for a state tensor the task does not have
        (``hint``: a fix for a name)."""
        unknown = [p for p in self.params if p not in available]
        if unknown:
            fix = hint(unknown[0]) if hint else None
            raise RewardProgramError(
                f"{self.entry}() takes unknown state {unknown}; "
                + (f"{fix}; " if fix else "")
                + f"available: {', '.join(available)}"
            )


def inspect_source(source: str, filename: str = "<reward>") -> ProgramShape:
    """Parse a program, apply the static policy and find its entry function and state parameters.

    Nothing is executed. Raises RewardProgramError (a RewardPolicyError is one) in one line.
    """
    try:
        check_text(source)
        tree = enforce(ast.parse(source, filename=filename))
    except SyntaxError as exc:
        raise RewardProgramError(f"syntax error at line {exc.lineno}: {exc.msg}") from exc
    except (RecursionError, MemoryError) as exc:
        raise RewardProgramError("the program is nested too deeply to parse; write plainer code") from exc
    except ValueError as exc:  # RewardPolicyError, or a null byte in the source
        raise RewardProgramError(str(exc)) from exc
    entry = _entry_point(tree)
    return ProgramShape(tree, entry.name, _required_params(entry))


@dataclass
class RewardProgram:
    """A compiled reward program bound to its entry function and the state names it reads."""

    source: str
    filename: str
    shape: ProgramShape
    fn: Callable

    @classmethod
    def from_source(cls, source: str, filename: str = "<reward>") -> RewardProgram:
        """Check the program against the static policy, execute its module-level code, bind the entry."""
        shape = inspect_source(source, filename)
        # Register the text so tracebacks can show the lines.
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        namespace = {
            "torch": torch,
            "math": math,
            **helper_namespace(),
            "__name__": "reward_program",
            "__builtins__": safe_builtins(),
        }
        exec(compile(shape.tree, filename, "exec"), namespace)  # noqa: S102 - only in sandboxed workers
        return cls(source=source, filename=filename, shape=shape, fn=namespace[shape.entry])

    @property
    def entry(self) -> str:
        return self.shape.entry

    @property
    def params(self) -> list[str]:
        return self.shape.params

    def check_names(self, available: list[str], hint: Callable[[str], str | None] | None = None) -> None:
        self.shape.check_names(available, hint)

    def __call__(self, state: dict[str, Tensor | float], num_envs: int) -> tuple[Tensor, dict[str, Tensor]]:
        """Call the reward on copies of named state and check it returns finite [num_envs] tensors.

        The copies keep the simulator out of the reward's reach; an input changed in place
        is still an error, named, so the model learns not to do it.
        """
        inputs = {
            name: state[name].clone() if isinstance(state[name], Tensor) else state[name]
            for name in self.params
        }
        versions = {name: tensor._version for name, tensor in inputs.items() if isinstance(tensor, Tensor)}
        out = self.fn(**inputs)
        changed = [name for name, version in versions.items() if inputs[name]._version != version]
        if changed:
            raise RewardProgramError(
                f"{self.entry}() modified its input {changed[0]!r} in place; inputs are read-only: "
                f"compute a new tensor instead (e.g. scaled = {changed[0]} * 2.0, not {changed[0]} *= 2.0)"
            )
        return check_reward_output(out, num_envs)


def one_per_env(value: object, num_envs: int) -> object:
    """A ``[num_envs, 1]`` tensor as ``[num_envs]`` (one value per env either way);
    anything else unchanged."""
    if isinstance(value, Tensor) and tuple(value.shape) == (num_envs, 1):
        return value.squeeze(1)
    return value


def check_reward_output(out, num_envs: int) -> tuple[Tensor, dict[str, Tensor]]:
    """Validate ``(reward[num_envs], {name: tensor[num_envs]})``; broadcast scalar components, squeeze
    ``[num_envs, 1]`` ones."""
    if not (isinstance(out, (tuple, list)) and len(out) == 2 and isinstance(out[1], dict)):
        raise RewardProgramError(
            f"the reward must return (reward, components_dict), got {type(out).__name__}"
        )
    reward, components = out
    if len(components) > MAX_COMPONENTS:
        raise RewardProgramError(
            f"the reward returned {len(components)} components; return at most {MAX_COMPONENTS}"
        )
    reward = one_per_env(reward, num_envs)
    if not isinstance(reward, Tensor) or tuple(reward.shape) != (num_envs,):
        shape = tuple(reward.shape) if isinstance(reward, Tensor) else type(reward).__name__
        raise RewardProgramError(f"the total reward must have shape ({num_envs},), got {shape}")
    checked = {"reward": reward}
    for name, value in components.items():
        if not valid_component_name(name):
            raise RewardProgramError(
                f"component names must be Python identifiers of at most {NAME_CHARS} characters, other than "
                f"{', '.join(sorted(RESERVED_NAMES))}; got {ascii(name)[:NAME_CHARS]}"
            )
        if not isinstance(value, Tensor):
            value = torch.as_tensor(value, dtype=torch.float32, device=reward.device)
        value = one_per_env(value, num_envs)
        if value.dim() == 0:
            value = value.expand(num_envs)
        if tuple(value.shape) != (num_envs,):
            raise RewardProgramError(
                f"component {name!r} must have shape ({num_envs},), got {tuple(value.shape)}"
            )
        checked[name] = value
    for name, value in checked.items():
        bad = (~torch.isfinite(value.float())).sum().item()
        if bad:
            raise RewardProgramError(f"{name!r} has non-finite values (NaN/inf) in {bad} of {num_envs} envs")
    reward = checked.pop("reward")
    return reward.float(), {k: v.float() for k, v in checked.items()}


def valid_component_name(name: object) -> bool:
    """Whether ``name`` may name a reward component (it reaches prompts, the console and plots)."""
    return (
        isinstance(name, str)
        and name.isidentifier()
        and name.isascii()
        and len(name) <= NAME_CHARS
        and name not in RESERVED_NAMES
    )


def root_cause(exc: BaseException, reward_file: str) -> str:
    """The traceback from the first frame inside the reward program (or the whole one if none).

    A RewardProgramError (bad output shape, NaN, unknown state name) is the program's fault
    but is raised by our checks, so it is reported as its message alone; so is a
    CheckpointError (a warm start from a checkpoint that does not fit).
    """
    if isinstance(exc, (RewardProgramError, CheckpointError)):
        return f"{type(exc).__name__}: {exc}"
    frames = traceback.extract_tb(exc.__traceback__)
    first = next((i for i, f in enumerate(frames) if f.filename == reward_file), None)
    shown = frames if first is None else frames[first:]
    head = "Traceback (most recent call last):\n" if shown else ""
    return head + "".join(traceback.format_list(shown)) + "".join(traceback.format_exception_only(exc))
