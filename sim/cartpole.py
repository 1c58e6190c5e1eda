"""Cartpole: push a cart so that the hinged pole stays upright (IsaacGymEnvs names)."""

from __future__ import annotations

import math

import torch

from sim.base import BatchedTask, StateField, Tensor, base_state_spec


class Cartpole(BatchedTask):
    name = "Cartpole"
    num_obs = 4
    num_actions = 1
    max_episode_length = 500
    dt = 1.0 / 60.0
    fitness_doc = "mean episode length at reset (max 500)"
    state_spec = {
        "cart_pos": StateField((), "m", "cart position along the rail, 0 at the centre"),
        "cart_vel": StateField((), "m/s", "cart velocity"),
        "pole_angle": StateField((), "rad", "pole angle from upright, positive clockwise"),
        "pole_vel": StateField((), "rad/s", "pole angular velocity"),
        **base_state_spec(num_actions),
    }

    gravity = 9.81
    cart_mass = 1.0
    pole_mass = 0.1
    pole_half_length = 0.5
    max_push_force = 20.0
    reset_dist = 3.0
    substeps = 2

    def allocate_buffers(self) -> None:
        self.dof = torch.zeros(self.num_envs, 4, device=self.device)

    def reset_envs(self, env_ids: Tensor) -> None:
        self.dof[env_ids] = self.uniform(-0.1, 0.1, len(env_ids), 4)
        self.progress_buf[env_ids] = 0

    def simulate(self, actions: Tensor) -> None:
        force = actions[:, 0] * self.max_push_force
        total_mass = self.cart_mass + self.pole_mass
        pole_ml = self.pole_mass * self.pole_half_length
        h = self.dt / self.substeps
        for _ in range(self.substeps):
            x, x_dot, theta, theta_dot = self.dof.unbind(1)
            sin, cos = torch.sin(theta), torch.cos(theta)
            temp = (force + pole_ml * theta_dot**2 * sin) / total_mass
            theta_acc = (self.gravity * sin - cos * temp) / (
                self.pole_half_length * (4.0 / 3.0 - self.pole_mass * cos**2 / total_mass)
            )
            x_acc = temp - pole_ml * theta_acc * cos / total_mass
            x_dot = x_dot + h * x_acc
            theta_dot = theta_dot + h * theta_acc
            self.dof = torch.stack([x + h * x_dot, x_dot, theta + h * theta_dot, theta_dot], dim=1)

    def state(self) -> dict[str, Tensor]:
        cart_pos, cart_vel, pole_angle, pole_vel = self.dof.unbind(1)
        return {
            "cart_pos": cart_pos,
            "cart_vel": cart_vel,
            "pole_angle": pole_angle,
            "pole_vel": pole_vel,
            **self.base_state(),
        }

    def observations(self) -> Tensor:
        return self.dof.clone()

    def terminated(self, state: dict[str, Tensor]) -> Tensor:
        return (state["cart_pos"].abs() > self.reset_dist) | (state["pole_angle"].abs() > math.pi / 2)

    def step_fitness(self, state: dict[str, Tensor]) -> Tensor:
        return torch.ones_like(state["cart_pos"])

    def episode_fitness(self, fitness_sum: Tensor, episode_length: Tensor) -> Tensor:
        return episode_length

    @staticmethod
    def human_reward(cart_pos, cart_vel, pole_angle, pole_vel):
        upright = 1.0 - pole_angle * pole_angle
        cart_speed_penalty = -0.01 * torch.abs(cart_vel)
        pole_speed_penalty = -0.005 * torch.abs(pole_vel)
        failed = (torch.abs(cart_pos) > 3.0) | (torch.abs(pole_angle) > math.pi / 2)
        failure_penalty = torch.where(failed, -2.0, 0.0)
        total = upright + cart_speed_penalty + pole_speed_penalty + failure_penalty
        return total, {
            "upright": upright,
            "cart_speed_penalty": cart_speed_penalty,
            "pole_speed_penalty": pole_speed_penalty,
            "failure_penalty": failure_penalty,
        }

    @staticmethod
    def sparse_reward(progress_buf):
        alive = torch.ones_like(progress_buf)
        return alive, {"alive": alive}
