"""Quadcopter: fly a four-rotor drone to a target point 1 m above the origin and hover there."""

from __future__ import annotations

import torch

from sim.base import BatchedTask, StateField, Tensor, base_state_spec
from sim.rotations import quat_conjugate, quat_from_angle_axis, quat_mul, quat_rotate


class Quadcopter(BatchedTask):
    name = "Quadcopter"
    num_obs = 13
    num_actions = 4
    max_episode_length = 500
    dt = 0.01
    fitness_doc = "minus the mean distance to the target over the episode (m), higher is better"
    state_spec = {
        "root_positions": StateField((3,), "m", "body position in the world frame"),
        "root_quats": StateField((4,), "1", "body orientation, xyzw quaternion"),
        "root_linvels": StateField((3,), "m/s", "linear velocity in the world frame"),
        "root_angvels": StateField((3,), "rad/s", "angular velocity in the world frame"),
        "target_root_positions": StateField((3,), "m", "hover target (0, 0, 1)"),
        **base_state_spec(num_actions),
    }

    gravity = 9.81
    mass = 0.5
    arm_length = 0.12
    inertia = (2.5e-3, 2.5e-3, 4.5e-3)
    max_rotor_thrust = 2.5  # N per rotor: total thrust-to-weight about 2
    yaw_torque_coeff = 0.02
    max_target_dist = 3.0
    min_height = 0.2

    def allocate_buffers(self) -> None:
        def zeros3() -> Tensor:
            return torch.zeros(self.num_envs, 3, device=self.device)

        self.pos, self.linvel, self.angvel = zeros3(), zeros3(), zeros3()
        self.quat = torch.zeros(self.num_envs, 4, device=self.device)
        self.target = torch.tensor([0.0, 0.0, 1.0], device=self.device).repeat(self.num_envs, 1)
        self.inertia_t = torch.tensor(self.inertia, device=self.device)
        # Rotor layout (X configuration): position in the body frame and spin direction.
        a = self.arm_length / 2**0.5
        self.rotor_xy = torch.tensor([[a, a], [-a, a], [-a, -a], [a, -a]], device=self.device)
        self.rotor_spin = torch.tensor([1.0, -1.0, 1.0, -1.0], device=self.device)

    def reset_envs(self, env_ids: Tensor) -> None:
        n = len(env_ids)
        self.pos[env_ids] = self.target[env_ids] + self.uniform(-0.5, 0.5, n, 3)
        axis = torch.nn.functional.normalize(self.uniform(-1.0, 1.0, n, 3), dim=1)
        self.quat[env_ids] = quat_from_angle_axis(self.uniform(-0.2, 0.2, n), axis)
        self.linvel[env_ids] = self.uniform(-0.2, 0.2, n, 3)
        self.angvel[env_ids] = self.uniform(-0.2, 0.2, n, 3)
        self.progress_buf[env_ids] = 0

    def simulate(self, actions: Tensor) -> None:
        thrust = (actions + 1.0) * 0.5 * self.max_rotor_thrust  # [N, 4] in newtons
        body_torque = torch.stack(
            [
                (thrust * self.rotor_xy[:, 1]).sum(1),
                -(thrust * self.rotor_xy[:, 0]).sum(1),
                self.yaw_torque_coeff * (thrust * self.rotor_spin).sum(1),
            ],
            dim=1,
        )
        up = torch.zeros_like(self.pos)
        up[:, 2] = thrust.sum(1)
        force = quat_rotate(self.quat, up)
        force[:, 2] -= self.mass * self.gravity
        self.linvel = self.linvel + self.dt * force / self.mass
        self.pos = self.pos + self.dt * self.linvel
        # Angular dynamics in the body frame: I w' = tau - w x I w.
        inv = quat_conjugate(self.quat)
        w_body = quat_rotate(inv, self.angvel)
        iw = self.inertia_t * w_body
        w_body = w_body + self.dt * (body_torque - torch.cross(w_body, iw, dim=1)) / self.inertia_t
        self.angvel = quat_rotate(self.quat, w_body)
        omega = torch.cat([self.angvel, torch.zeros_like(self.angvel[:, :1])], dim=1)
        self.quat = torch.nn.functional.normalize(
            self.quat + 0.5 * self.dt * quat_mul(omega, self.quat), dim=1
        )

    def state(self) -> dict[str, Tensor]:
        return {
            "root_positions": self.pos,
            "root_quats": self.quat,
            "root_linvels": self.linvel,
            "root_angvels": self.angvel,
            "target_root_positions": self.target,
            **self.base_state(),
        }

    def observations(self) -> Tensor:
        return torch.cat([self.target - self.pos, self.quat, self.linvel, self.angvel], dim=1)

    def terminated(self, state: dict[str, Tensor]) -> Tensor:
        dist = (self.target - self.pos).norm(dim=1)
        return (dist > self.max_target_dist) | (self.pos[:, 2] < self.min_height)

    def step_fitness(self, state: dict[str, Tensor]) -> Tensor:
        return -(state["target_root_positions"] - state["root_positions"]).norm(dim=1)

    def episode_fitness(self, fitness_sum: Tensor, episode_length: Tensor) -> Tensor:
        # Steps the drone did not fly (it crashed early) count at the crash limit distance.
        missing = self.max_episode_length - episode_length
        return (fitness_sum - missing * self.max_target_dist) / self.max_episode_length

    @staticmethod
    def human_reward(root_positions, root_quats, root_linvels, root_angvels, target_root_positions):
        target_dist = torch.norm(target_root_positions - root_positions, dim=1)
        pos_reward = 1.0 / (1.0 + target_dist * target_dist)
        # Body z axis in the world frame, from the xyzw quaternion.
        x, y = root_quats[:, 0], root_quats[:, 1]
        up_z = 1.0 - 2.0 * (x * x + y * y)
        tilt = torch.abs(1.0 - up_z)
        up_reward = 1.0 / (1.0 + tilt * tilt)
        spin = torch.abs(root_angvels[:, 2])
        spin_reward = 1.0 / (1.0 + spin * spin)
        total = pos_reward + pos_reward * (up_reward + spin_reward)
        return total, {"pos_reward": pos_reward, "up_reward": up_reward, "spin_reward": spin_reward}

    @staticmethod
    def sparse_reward(root_positions, target_root_positions):
        neg_distance = -torch.norm(target_root_positions - root_positions, dim=1)
        return neg_distance, {"neg_distance": neg_distance}
