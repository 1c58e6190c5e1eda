"""The batched-task contract every simulator backend implements.

A task owns ``num_envs`` copies of one environment on one torch device. It never
computes the training reward itself: the reward is a separate program over the
task's *named state* (see ``state_spec``), which is the seam between LLM-written
code and the simulator. The task does compute its own success metric (fitness),
independently of any reward program.

One environment step, as driven by ``sim.rl.ppo.RewardedVecEnv``::

    state, done, timeout = task.step(actions)   # physics + termination, pre-reset
    reward, components = reward_fn(**state)     # the reward program
    task.reset_envs(done.nonzero())             # respawn finished envs
    obs = task.observations()
"""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from dataclasses import dataclass

import torch

Tensor = torch.Tensor


@dataclass(frozen=True)
class StateField:
    """Documentation of one named state tensor: shape after the env dimension, unit, meaning."""

    shape: tuple[int, ...]
    unit: str
    doc: str

    def describe(self, name: str, num_envs: str = "num_envs") -> str:
        dims = ", ".join([num_envs, *map(str, self.shape)])
        return f"{name}: float32[{dims}] ({self.unit}) {self.doc}"


class BatchedTask(ABC):
    """A vectorised environment with named state, a success metric and a human reward.

    Subclasses set the class attributes and implement the abstract methods. All
    tensors live on ``self.device`` and have ``num_envs`` as their first dimension.
    Quaternions are xyzw, positions are metres in the world frame.
    """

    #: Registry name, e.g. ``"Cartpole"``.
    name: str
    #: Size of the observation vector the policy sees.
    num_obs: int
    #: Size of the action vector; actions are clipped to [-1, 1].
    num_actions: int
    #: Steps after which an episode times out.
    max_episode_length: int
    #: Control period in seconds.
    dt: float
    #: Named state tensors exposed to reward programs.
    state_spec: dict[str, StateField]
    #: One-line description of how ``episode_fitness`` is computed.
    fitness_doc: str

    def __init__(self, num_envs: int, device: str | torch.device = "cpu", seed: int = 0):
        if num_envs < 1:
            raise ValueError(f"num_envs must be >= 1, got {num_envs}")
        self.num_envs = num_envs
        self.device = torch.device(device)
        self.generator = torch.Generator(device=self.device).manual_seed(seed)
        self.progress_buf = torch.zeros(num_envs, dtype=torch.float32, device=self.device)
        self.actions = torch.zeros(num_envs, self.num_actions, device=self.device)
        self.allocate_buffers()
        self.reset_envs(torch.arange(num_envs, device=self.device))

    # ----------------------------------------------------------------- contract
    @abstractmethod
    def allocate_buffers(self) -> None:
        """Create the simulator's state tensors (called once, before the first reset)."""

    @abstractmethod
    def reset_envs(self, env_ids: Tensor) -> None:
        """Respawn the given envs (a 1-D long tensor of indices) and zero their progress."""

    @abstractmethod
    def simulate(self, actions: Tensor) -> None:
        """Advance physics by one control period with actions already clipped to [-1, 1]."""

    @abstractmethod
    def state(self) -> dict[str, Tensor]:
        """Current named state; keys and shapes match ``state_spec``."""

    @abstractmethod
    def observations(self) -> Tensor:
        """Policy observations, ``float32[num_envs, num_obs]``."""

    @abstractmethod
    def terminated(self, state: dict[str, Tensor]) -> Tensor:
        """Bool[num_envs]: envs that failed or finished (timeouts are handled by the base)."""

    @abstractmethod
    def step_fitness(self, state: dict[str, Tensor]) -> Tensor:
        """Float[num_envs]: the per-step contribution to the success metric."""

    @abstractmethod
    def episode_fitness(self, fitness_sum: Tensor, episode_length: Tensor) -> Tensor:
        """Reduce the per-step fitness accumulated over an episode to its final score."""

    @staticmethod
    @abstractmethod
    def human_reward(*args, **kwargs) -> tuple[Tensor, dict[str, Tensor]]:
        """The hand-written reward (the "Human" baseline), a plain function over named state."""

    @staticmethod
    @abstractmethod
    def sparse_reward(*args, **kwargs) -> tuple[Tensor, dict[str, Tensor]]:
        """The success metric as a per-step reward (the "Sparse" baseline)."""

    # ---------------------------------------------------------------- provided
    def reset(self) -> Tensor:
        """Respawn every env and return the first observations."""
        self.reset_envs(torch.arange(self.num_envs, device=self.device))
        return self.observations()

    def step(self, actions: Tensor) -> tuple[dict[str, Tensor], Tensor, Tensor]:
        """Apply actions; return (pre-reset named state, done, timeout) bool masks."""
        self.actions = actions.to(self.device, torch.float32).clamp(-1.0, 1.0)
        self.simulate(self.actions)
        self.progress_buf += 1
        state = self.state()
        failed = self.terminated(state)
        timeout = self.out_of_time() & ~failed
        return state, failed | timeout, timeout

    def out_of_time(self) -> Tensor:
        """Bool[num_envs]: envs whose episode has reached ``max_episode_length`` steps."""
        return self.progress_buf >= self.max_episode_length

    def base_state(self) -> dict[str, Tensor]:
        """State every task shares: the last actions and the step counter."""
        return {"actions": self.actions, "progress_buf": self.progress_buf}

    @classmethod
    def describe_state(cls) -> str:
        """Human/LLM-readable list of the named state tensors."""
        return "\n".join(field.describe(name) for name, field in cls.state_spec.items())

    @classmethod
    def observation_source(cls) -> str:
        """Source code of the observation and state methods: the LLM's view of the env."""
        return "\n".join(inspect.getsource(getattr(cls, m)) for m in ("state", "observations"))

    def uniform(self, low: float, high: float, *shape: int) -> Tensor:
        """Seeded uniform samples on the task's device."""
        u = torch.rand(*shape, generator=self.generator, device=self.device)
        return low + (high - low) * u


def base_state_spec(num_actions: int) -> dict[str, StateField]:
    """Spec of the state every task shares (see ``BatchedTask.base_state``)."""
    return {
        "actions": StateField((num_actions,), "1", "last actions, clipped to [-1, 1]"),
        "progress_buf": StateField((), "steps", "steps since the episode started"),
    }
