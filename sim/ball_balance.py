"""BallBalance: tilt a round tray so that a rolling ball stays on it, near the centre."""

from __future__ import annotations

import torch

from sim.base import BatchedTask, StateField, Tensor, base_state_spec


class BallBalance(BatchedTask):
    name = "BallBalance"
    num_obs = 10
    num_actions = 2
    max_episode_length = 500
    dt = 1.0 / 50.0
    fitness_doc = "mean episode length at reset (max 500); an episode ends when the ball leaves the tray"
    state_spec = {
        "ball_positions": StateField((3,), "m", "ball centre in the world frame"),
        "ball_velocities": StateField((3,), "m/s", "ball linear velocity in the world frame"),
        "tray_positions": StateField((3,), "m", "tray centre in the world frame (fixed at z=0.5)"),
        "tray_tilt": StateField((2,), "rad", "tray roll (about x) and pitch (about y)"),
        "tray_normal": StateField((3,), "1", "unit normal of the tray surface"),
        **base_state_spec(num_actions),
    }

    gravity = 9.81
    tray_radius = 0.5
    tray_height = 0.5
    ball_radius = 0.05
    max_tilt = 0.3
    max_tilt_rate = 1.5
    rolling_friction = 0.2

    def allocate_buffers(self) -> None:
        self.ball_xy = torch.zeros(self.num_envs, 2, device=self.device)
        self.ball_xy_vel = torch.zeros(self.num_envs, 2, device=self.device)
        self.tilt = torch.zeros(self.num_envs, 2, device=self.device)
        self.tray_pos = torch.tensor([0.0, 0.0, self.tray_height], device=self.device).repeat(
            self.num_envs, 1
        )

    def reset_envs(self, env_ids: Tensor) -> None:
        n = len(env_ids)
        radius = self.uniform(0.0, 0.3, n) * self.tray_radius
        angle = self.uniform(-torch.pi, torch.pi, n)
        self.ball_xy[env_ids] = torch.stack([radius * torch.cos(angle), radius * torch.sin(angle)], dim=1)
        self.ball_xy_vel[env_ids] = self.uniform(-0.2, 0.2, n, 2)
        self.tilt[env_ids] = self.uniform(-0.05, 0.05, n, 2)
        self.progress_buf[env_ids] = 0

    def simulate(self, actions: Tensor) -> None:
        self.tilt = (self.tilt + actions * self.max_tilt_rate * self.dt).clamp(-self.max_tilt, self.max_tilt)
        roll, pitch = self.tilt.unbind(1)
        # A solid ball rolling without slipping accelerates at 5/7 g sin(slope).
        acc = (5.0 / 7.0) * self.gravity * torch.stack([torch.sin(pitch), -torch.sin(roll)], dim=1)
        acc = acc - self.rolling_friction * self.ball_xy_vel
        self.ball_xy_vel = self.ball_xy_vel + self.dt * acc
        self.ball_xy = self.ball_xy + self.dt * self.ball_xy_vel

    def tray_surface_normal(self) -> Tensor:
        roll, pitch = self.tilt.unbind(1)
        normal = torch.stack([-torch.sin(pitch), torch.sin(roll), torch.cos(roll) * torch.cos(pitch)], dim=1)
        return normal / normal.norm(dim=1, keepdim=True)

    def state(self) -> dict[str, Tensor]:
        normal = self.tray_surface_normal()
        roll, pitch = self.tilt.unbind(1)
        x, y = self.ball_xy.unbind(1)
        # Ball on the tilted plane z = x tan(pitch) - y tan(roll), lifted by its radius along the normal.
        surface_z = -x * torch.tan(pitch) + y * torch.tan(roll)
        on_plane = torch.stack([x, y, surface_z], dim=1)
        ball_pos = self.tray_pos + on_plane + self.ball_radius * normal
        vx, vy = self.ball_xy_vel.unbind(1)
        ball_vel = torch.stack([vx, vy, -vx * torch.tan(pitch) + vy * torch.tan(roll)], dim=1)
        return {
            "ball_positions": ball_pos,
            "ball_velocities": ball_vel,
            "tray_positions": self.tray_pos,
            "tray_tilt": self.tilt,
            "tray_normal": normal,
            **self.base_state(),
        }

    def observations(self) -> Tensor:
        return torch.cat(
            [
                self.ball_xy,
                self.ball_xy_vel,
                self.tilt,
                self.tray_surface_normal(),
                self.progress_buf[:, None] / self.max_episode_length,
            ],
            dim=1,
        )

    def terminated(self, state: dict[str, Tensor]) -> Tensor:
        return self.ball_xy.norm(dim=1) > self.tray_radius

    def step_fitness(self, state: dict[str, Tensor]) -> Tensor:
        return torch.ones_like(state["progress_buf"])

    def episode_fitness(self, fitness_sum: Tensor, episode_length: Tensor) -> Tensor:
        return episode_length

    @staticmethod
    def human_reward(ball_positions, ball_velocities, tray_positions):
        offset = ball_positions - tray_positions
        dist = torch.sqrt(offset[:, 0] ** 2 + offset[:, 1] ** 2)
        speed = torch.norm(ball_velocities, dim=1)
        pos_reward = 1.0 / (1.0 + dist)
        speed_reward = 1.0 / (1.0 + speed)
        total = pos_reward * speed_reward
        return total, {"pos_reward": pos_reward, "speed_reward": speed_reward}

    @staticmethod
    def sparse_reward(progress_buf):
        alive = torch.ones_like(progress_buf)
        return alive, {"alive": alive}
