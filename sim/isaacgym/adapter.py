"""IsaacGymEnvs tasks through the task contract, when ``isaacgym`` and ``isaacgymenvs`` are importable.

NVIDIA Isaac Gym (Preview 4) is not on PyPI: on a Linux machine with an NVIDIA GPU, install it from
NVIDIA's archive (``pip install -e isaacgym/python``) and IsaacGymEnvs from its repository, in this
project's environment. ``--sim isaacgym --task ShadowHand`` then trains on IsaacGymEnvs' own
ShadowHand. The adapter drives the task's ``VecTask`` (physics, resets, observations; the reward
it computes is ignored) and exposes as named state the VecTask tensors that
``configs/tasks/<Task>.yaml`` maps under ``isaacgym: {state: {name: attribute}, success: attribute}``
(``success``: a tensor counting each env's successes in its episode; the step fitness is its increase).
IsaacGymEnvs resets finished envs itself, at the start of the next step.
"""

from __future__ import annotations

from typing import Any

import torch

from sim.base import BatchedTask, Tensor, base_state_spec
from sim.registry import task_class, task_config


class IsaacGymUnavailableError(ImportError):
    """isaacgym or isaacgymenvs is missing; the message says how to get them."""


def require_isaacgym() -> Any:
    """The isaacgymenvs module (isaacgym is imported first, as it must be), or IsaacGymUnavailableError."""
    try:
        import isaacgym  # noqa: F401
        import isaacgymenvs
    except ImportError as exc:
        raise IsaacGymUnavailableError(
            "--sim isaacgym needs NVIDIA Isaac Gym (Preview 4; "
            "not on PyPI: https://developer.nvidia.com/isaac-gym) "
            f"and IsaacGymEnvs (https://github.com/isaac-sim/IsaacGymEnvs) installed in this environment "
            f"(missing: {exc.name})"
        ) from None
    return isaacgymenvs


def isaacgym_mapping(name: str) -> dict[str, Any]:
    """The task's ``isaacgym:`` block: which VecTask tensors are its named state and its success metric."""
    mapping = task_config(name).get("isaacgym")
    if (
        not isinstance(mapping, dict)
        or not isinstance(mapping.get("state"), dict)
        or "success" not in mapping
    ):
        raise ValueError(
            f"configs/tasks/{name}.yaml has no isaacgym: {{state: ..., success: ...}} block: "
            f"{name} cannot run with --sim isaacgym"
        )
    return mapping


def isaacgym_state_spec(name: str) -> dict:
    """The named state the VecTask provides: the mapped tensors, and the state every task shares."""
    native = task_class(name)
    return {k: native.state_spec[k] for k in isaacgym_mapping(name)["state"]} | base_state_spec(
        native.num_actions
    )


class IsaacGymTask(BatchedTask):
    """One IsaacGymEnvs task; ``make_isaacgym_task`` gives it the registered task's rewards,
    state docs and metric."""

    native: type[BatchedTask]
    mapping: dict[str, Any]

    def __init__(self, isaacgymenvs: Any, num_envs: int, device: str | torch.device = "cpu", seed: int = 0):
        self.isaacgymenvs, self.seed = isaacgymenvs, seed
        super().__init__(num_envs, device, seed)

    def allocate_buffers(self) -> None:
        device = str(self.device)
        self.env = self.isaacgymenvs.make(
            seed=self.seed,
            task=self.name,
            num_envs=self.num_envs,
            sim_device=device,
            rl_device=device,
            graphics_device_id=-1,
            headless=True,
        )
        self.num_obs, self.num_actions = self.env.num_obs, self.env.num_actions
        self.max_episode_length, self.dt = int(self.env.max_episode_length), float(self.env.dt)
        self.actions = torch.zeros(self.num_envs, self.num_actions, device=self.device)
        self.last_count = torch.zeros(self.num_envs, device=self.device)

    def reset_envs(self, env_ids: Tensor) -> None:
        self.env.reset_buf[env_ids] = 1  # the VecTask resets them at the start of its next step
        self.progress_buf[env_ids] = 0

    def simulate(self, actions: Tensor) -> None:
        self.env.step(actions)

    def state(self) -> dict[str, Tensor]:
        return {
            name: getattr(self.env, attr) for name, attr in self.mapping["state"].items()
        } | self.base_state()

    def observations(self) -> Tensor:
        return self.env.obs_buf

    def terminated(self, state: dict[str, Tensor]) -> Tensor:
        return self.env.reset_buf.bool()

    def step_fitness(self, state: dict[str, Tensor]) -> Tensor:
        """The step's increase of the VecTask's success count (which it zeroes when it resets an env)."""
        count = getattr(self.env, self.mapping["success"]).float()
        gained = (count - self.last_count).clamp(min=0.0)
        self.last_count = count.clone()
        return gained

    def episode_fitness(self, fitness_sum: Tensor, episode_length: Tensor) -> Tensor:
        return self.native.episode_fitness(self, fitness_sum, episode_length)


def make_isaacgym_task(name: str, num_envs: int, device: str = "cpu", seed: int = 0) -> IsaacGymTask:
    """The IsaacGymEnvs task ``name`` under the contract of the registered task of that name."""
    isaacgymenvs = require_isaacgym()
    native, mapping = task_class(name), isaacgym_mapping(name)
    cls = type(
        f"IsaacGym{name}",
        (IsaacGymTask,),
        {
            "name": name,
            "native": native,
            "mapping": mapping,
            "fitness_doc": native.fitness_doc,
            "num_obs": native.num_obs,
            "num_actions": native.num_actions,  # until the VecTask says its own
            "state_spec": isaacgym_state_spec(name),
            "human_reward": staticmethod(native.human_reward),
            "sparse_reward": staticmethod(native.sparse_reward),
        },
    )
    return cls(isaacgymenvs, num_envs, device, seed)
