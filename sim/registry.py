"""Task registry: task names map to an implementation and a YAML config in configs/tasks/."""

from __future__ import annotations

import functools
import importlib
import importlib.util
from typing import Any

from configs import CONFIG_DIR, load_yaml
from sim.base import BatchedTask

#: Task name -> "module:Class". Imported lazily so optional backends cost nothing until used.
TASKS: dict[str, str] = {
    "Cartpole": "sim.cartpole:Cartpole",
    "BallBalance": "sim.ball_balance:BallBalance",
    "Quadcopter": "sim.quadcopter:Quadcopter",
    "Ant": "sim.mujoco.locomotion:Ant",
    "Humanoid": "sim.mujoco.locomotion:Humanoid",
    "ShadowHand": "sim.mujoco.hand:ShadowHand",
    "ShadowHandSpin": "sim.mujoco.hand:ShadowHandSpin",
    "ShadowHandBlock": "sim.mujoco.hand:ShadowHandBlock",
    "FrankaCabinet": "sim.mujoco.cabinet:FrankaCabinet",
}


#: Physics backends a run may choose (``--sim``): the task's own, MuJoCo Warp (MuJoCo tasks), IsaacGymEnvs.
SIMS = ("default", "mjwarp", "isaacgym")


class UnknownTaskError(ValueError):
    """Raised for a task name that is not registered."""


def task_names() -> list[str]:
    return sorted(TASKS)


def task_class(name: str) -> type[BatchedTask]:
    """The BatchedTask subclass registered under ``name``."""
    if name not in TASKS:
        raise UnknownTaskError(f"unknown task {name!r}; known tasks: {', '.join(task_names())}")
    module, cls = TASKS[name].split(":")
    return getattr(importlib.import_module(module), cls)


@functools.cache
def backend_task(name: str, sim: str = "default") -> type[BatchedTask]:
    """The task as the backend ``sim`` will train it: under ``isaacgym`` only the named state its VecTask
    provides (what the Coder is shown and its programs are checked against);
    the registered class otherwise."""
    cls = task_class(name)
    if sim != "isaacgym":
        return cls
    from sim.isaacgym.adapter import isaacgym_state_spec

    return type(f"{cls.__name__}OnIsaacGym", (cls,), {"state_spec": isaacgym_state_spec(name)})


def check_backend(sim: str, task: str) -> None:
    """ValueError, in one line, unless ``task`` can run on the physics backend ``sim`` on this machine
    (checked before anything is sampled or written; nothing is imported: Isaac Gym must be imported before
    torch)."""
    if sim == "isaacgym":
        missing = [m for m in ("isaacgym", "isaacgymenvs") if importlib.util.find_spec(m) is None]
        if missing:
            raise ValueError(
                "--sim isaacgym needs NVIDIA Isaac Gym (Preview 4; not on PyPI) and IsaacGymEnvs installed "
                f"in this environment (missing: {', '.join(missing)})"
            )
        from sim.isaacgym.adapter import isaacgym_mapping

        isaacgym_mapping(task)  # ValueError for a task IsaacGymEnvs does not have
    elif sim == "mjwarp":
        if importlib.util.find_spec("mujoco_warp") is None or importlib.util.find_spec("warp") is None:
            raise ValueError("--sim mjwarp needs the [gpu] extra: pip install -e '.[gpu]' (mujoco-warp)")
        from sim.mujoco.task import MujocoTask

        if not issubclass(task_class(task), MujocoTask):
            raise ValueError(
                f"--sim mjwarp runs the MuJoCo tasks; {task} is simulated in plain torch (use --sim default)"
            )


def make_task(
    name: str, num_envs: int, device: str = "cpu", seed: int = 0, sim: str = "default"
) -> BatchedTask:
    """Instantiate a registered task on a physics backend (``SIMS``; ``default``: the task's own)."""
    cls = task_class(name)
    if sim == "isaacgym":
        from sim.isaacgym.adapter import make_isaacgym_task

        return make_isaacgym_task(name, num_envs, device, seed)
    if sim == "default":
        return cls(num_envs=num_envs, device=device, seed=seed)
    if sim != "mjwarp":
        raise ValueError(f"unknown simulator {sim!r}: use one of {', '.join(SIMS)}")
    from sim.mujoco.task import MujocoTask

    if not issubclass(cls, MujocoTask):
        raise ValueError(
            f"--sim mjwarp runs the MuJoCo tasks; {name} is simulated in plain torch (use --sim default)"
        )
    return cls(num_envs=num_envs, device=device, seed=seed, sim="mjwarp")


def task_config(name: str) -> dict[str, Any]:
    """The task's YAML config (description, success metric, PPO overrides)."""
    task_class(name)
    return load_yaml(CONFIG_DIR / "tasks" / f"{name}.yaml")
