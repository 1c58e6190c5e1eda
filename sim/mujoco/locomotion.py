"""Ant and Humanoid: run forward to a far target (IsaacGymEnvs names and reward terms)."""

from __future__ import annotations

from pathlib import Path

import torch

from sim.base import StateField, Tensor, base_state_spec
from sim.mujoco.task import MujocoTask, gymnasium_asset
from sim.rotations import quat_axis

TARGET = (1000.0, 0.0)


def locomotion_state_spec(num_dofs: int, num_actions: int) -> dict[str, StateField]:
    return {
        "torso_position": StateField((3,), "m", "torso centre in the world frame; z is height"),
        "torso_rotation": StateField((4,), "1", "torso orientation, xyzw quaternion"),
        "velocity": StateField((3,), "m/s", "torso linear velocity in the world frame"),
        "ang_velocity": StateField((3,), "rad/s", "torso angular velocity in the world frame"),
        "dof_pos": StateField((num_dofs,), "rad", "joint angles"),
        "dof_vel": StateField((num_dofs,), "rad/s", "joint velocities"),
        "up_proj": StateField((), "1", "world-z component of the torso's up axis (1 = upright)"),
        "heading_proj": StateField(
            (), "1", "cosine between the torso's forward axis and the direction to the target"
        ),
        "target_pos": StateField((3,), "m", "the target, 1000 m ahead along +x"),
        "potentials": StateField((), "m/s*s", "-(distance to target)/dt now"),
        "prev_potentials": StateField((), "m/s*s", "-(distance to target)/dt one step ago"),
        "episode_progress": StateField((), "m", "progress toward the target since the episode started"),
        "is_last_step": StateField((), "1", "1 on the episode's last step (fallen or out of time), else 0"),
        **base_state_spec(num_actions),
    }


class Locomotion(MujocoTask):
    """Shared body of the run-forward tasks; subclasses set the model and the limits."""

    tracked_bodies = ("torso",)
    frame_skip = 5
    max_episode_length = 500
    fitness_doc = "progress toward a target 1000 m away along +x over the episode (m)"
    #: The episode ends when the torso drops below this height (m).
    termination_height: float
    #: Noise on the initial joint positions and velocities.
    reset_noise = 0.1

    @classmethod
    def mjcf_path(cls) -> Path:
        return gymnasium_asset(cls.asset)

    def allocate_buffers(self) -> None:
        super().allocate_buffers()
        n = self.num_envs
        self.target = torch.tensor([*TARGET, 0.0], device=self.device).repeat(n, 1)
        self.potentials = torch.zeros(n, device=self.device)
        self.prev_potentials = torch.zeros(n, device=self.device)
        self.start_distance = torch.zeros(n, device=self.device)

    def distance_to_target(self) -> Tensor:
        torso = self.tensor(self.sim.sensor("torso_pos"))
        return (self.target[:, :2] - torso[:, :2]).norm(dim=1)

    def reset_envs(self, env_ids: Tensor) -> None:
        ids = self.ids(env_ids)
        model = self.sim.model
        qpos = model.qpos0 + self.np_rng.uniform(-self.reset_noise, self.reset_noise, (len(ids), model.nq))
        qpos[:, 3:7] = model.qpos0[3:7]  # keep the free joint's orientation upright
        qvel = self.np_rng.uniform(-self.reset_noise, self.reset_noise, (len(ids), model.nv))
        self.sim.reset(ids, qpos, qvel)
        distance = self.distance_to_target()[env_ids]
        self.start_distance[env_ids] = distance
        self.potentials[env_ids] = -distance / self.dt
        self.prev_potentials[env_ids] = -distance / self.dt
        self.progress_buf[env_ids] = 0

    def simulate(self, actions: Tensor) -> None:
        super().simulate(actions)
        self.prev_potentials = self.potentials.clone()
        self.potentials = -self.distance_to_target() / self.dt

    def state(self) -> dict[str, Tensor]:
        torso = self.body_frame("torso")
        to_target = self.target - torso["pos"]
        to_target[:, 2] = 0.0
        forward = quat_axis(torso["quat"], 0)
        forward[:, 2] = 0.0
        heading = torch.nn.functional.normalize(forward, dim=1) * torch.nn.functional.normalize(
            to_target, dim=1
        )
        return {
            "torso_position": torso["pos"],
            "torso_rotation": torso["quat"],
            "velocity": torso["linvel"],
            "ang_velocity": torso["angvel"],
            "dof_pos": self.tensor(self.sim.qpos[:, 7:]),
            "dof_vel": self.tensor(self.sim.qvel[:, 6:]),
            "up_proj": quat_axis(torso["quat"], 2)[:, 2],
            "heading_proj": heading.sum(dim=1),
            "target_pos": self.target,
            "potentials": self.potentials,
            "prev_potentials": self.prev_potentials,
            "episode_progress": self.start_distance + self.potentials * self.dt,
            "is_last_step": (self.fallen(torso["pos"]) | self.out_of_time()).float(),
            **self.base_state(),
        }

    def observations(self) -> Tensor:
        s = self.state()
        return torch.cat(
            [
                s["torso_position"][:, 2:],
                s["velocity"],
                s["ang_velocity"],
                s["torso_rotation"],
                s["up_proj"][:, None],
                s["heading_proj"][:, None],
                s["dof_pos"],
                0.1 * s["dof_vel"],
                self.actions,
            ],
            dim=1,
        )

    def fallen(self, torso_position: Tensor) -> Tensor:
        return torso_position[:, 2] < self.termination_height

    def terminated(self, state: dict[str, Tensor]) -> Tensor:
        return self.fallen(state["torso_position"])

    def step_fitness(self, state: dict[str, Tensor]) -> Tensor:
        return (state["potentials"] - state["prev_potentials"]) * self.dt

    def episode_fitness(self, fitness_sum: Tensor, episode_length: Tensor) -> Tensor:
        return fitness_sum

    @staticmethod
    def sparse_reward(episode_progress, is_last_step):
        # The success metric itself, paid once when it is decided: at the episode's end.
        progress = episode_progress * is_last_step
        return progress, {"episode_progress": progress}


class Ant(Locomotion):
    name = "Ant"
    asset = "ant.xml"
    num_actions = 8
    num_obs = 1 + 3 + 3 + 4 + 2 + 8 + 8 + 8
    termination_height = 0.31
    state_spec = locomotion_state_spec(8, 8)

    @staticmethod
    def human_reward(torso_position, up_proj, heading_proj, potentials, prev_potentials, actions, dof_vel):
        progress_reward = potentials - prev_potentials
        heading_reward = torch.where(heading_proj > 0.8, 0.5, 0.5 * heading_proj / 0.8)
        up_reward = torch.where(up_proj > 0.93, 0.1, 0.0)
        alive_reward = torch.full_like(up_proj, 0.5)
        action_cost = -0.005 * torch.sum(actions**2, dim=-1)
        energy_cost = -0.05 * torch.sum(torch.abs(actions * dof_vel), dim=-1) / actions.shape[-1]
        death_penalty = torch.where(torso_position[:, 2] < 0.31, -2.0, 0.0)
        total = (
            progress_reward
            + heading_reward
            + up_reward
            + alive_reward
            + action_cost
            + energy_cost
            + death_penalty
        )
        return total, {
            "progress_reward": progress_reward,
            "heading_reward": heading_reward,
            "up_reward": up_reward,
            "alive_reward": alive_reward,
            "action_cost": action_cost,
            "energy_cost": energy_cost,
            "death_penalty": death_penalty,
        }


class Humanoid(Locomotion):
    name = "Humanoid"
    asset = "humanoid.xml"
    num_actions = 17
    num_obs = 1 + 3 + 3 + 4 + 2 + 17 + 17 + 17
    termination_height = 0.8
    reset_noise = 0.01
    state_spec = locomotion_state_spec(17, 17)

    @staticmethod
    def human_reward(torso_position, up_proj, heading_proj, potentials, prev_potentials, actions, dof_vel):
        progress_reward = potentials - prev_potentials
        heading_reward = torch.where(heading_proj > 0.8, 0.5, 0.5 * heading_proj / 0.8)
        up_reward = torch.where(up_proj > 0.93, 0.1, 0.0)
        alive_reward = torch.full_like(up_proj, 2.0)
        action_cost = -0.01 * torch.sum(actions**2, dim=-1)
        energy_cost = -0.05 * torch.sum(torch.abs(actions * dof_vel), dim=-1) / actions.shape[-1]
        death_penalty = torch.where(torso_position[:, 2] < 0.8, -1.0, 0.0)
        total = (
            progress_reward
            + heading_reward
            + up_reward
            + alive_reward
            + action_cost
            + energy_cost
            + death_penalty
        )
        return total, {
            "progress_reward": progress_reward,
            "heading_reward": heading_reward,
            "up_reward": up_reward,
            "alive_reward": alive_reward,
            "action_cost": action_cost,
            "energy_cost": energy_cost,
            "death_penalty": death_penalty,
        }
