"""Shadow Hand in-hand reorientation (IsaacGymEnvs ShadowHand): pen, spinning pen, cube.

The hand and objects are the OpenAI Shadow Hand models shipped in gymnasium-robotics.
The palm faces up; the object starts just above it. A goal orientation is drawn at
reset; when the object is within ``success_tolerance`` of it, that counts as one
success and a new goal is drawn on the next step. The episode ends when the object
drops ``fall_distance`` away from its start position, or at the time limit. The
fitness is the number of consecutive successes in an episode.
"""

from __future__ import annotations

import math
from abc import abstractmethod
from pathlib import Path

import mujoco
import numpy as np
import torch

from sim.base import StateField, Tensor, base_state_spec
from sim.mujoco.task import MujocoTask, add_frame_sensor
from sim.rotations import (
    quat_axis,
    quat_conjugate,
    quat_from_angle_axis,
    quat_mul,
    wxyz_to_xyzw,
    xyzw_to_wxyz,
)

FINGERTIPS = ("ff", "mf", "rf", "lf", "th")
NUM_DOFS = 24
NUM_ACTUATORS = 20
#: The world vertical: the palm's normal, about which headings and pen spins turn.
VERTICAL = (0.0, 0.0, 1.0)
#: Where the goal marker is drawn, relative to the object's start position (m).
GOAL_MARKER_OFFSET = np.array([0.2, 0.0, 0.0])


def hand_asset(name: str) -> Path:
    """An MJCF file of the Shadow Hand shipped inside gymnasium-robotics (no download)."""
    import gymnasium_robotics

    return Path(gymnasium_robotics.__file__).parent / "envs" / "assets" / "hand" / name


def fingertip_site(finger: str) -> str:
    return f"robot0:S_{finger}tip"


def hand_state_spec() -> dict[str, StateField]:
    return {
        "object_pos": StateField((3,), "m", "object centre in the world frame"),
        "object_rot": StateField((4,), "1", "object orientation, xyzw quaternion"),
        "object_linvel": StateField((3,), "m/s", "object linear velocity in the world frame"),
        "object_angvel": StateField((3,), "rad/s", "object angular velocity in the world frame"),
        "goal_pos": StateField((3,), "m", "where the object should stay: its start position"),
        "goal_rot": StateField((4,), "1", "goal orientation, xyzw quaternion"),
        "rot_dist": StateField(
            (), "rad", "angle between the object's orientation and the goal (what the success test uses)"
        ),
        "fingertip_pos": StateField((5, 3), "m", "fingertips (first, middle, ring, little, thumb)"),
        "dof_pos": StateField((NUM_DOFS,), "rad", "hand joint angles (wrist first)"),
        "dof_vel": StateField((NUM_DOFS,), "rad/s", "hand joint velocities"),
        "goal_reached": StateField((), "1", "1 on a step that ends within the success tolerance, else 0"),
        "successes": StateField((), "1", "goals reached so far in this episode"),
        **base_state_spec(NUM_ACTUATORS),
    }


class ShadowHandTask(MujocoTask):
    """Shared body of the hand tasks; subclasses choose the object and how goals are drawn."""

    tracked_bodies = ("object",)
    camera_body = "robot0:palm"
    camera_distance = 0.6
    frame_skip = 8  # 0.016 s: about 60 Hz, as in IsaacGymEnvs
    max_episode_length = 300
    num_actions = NUM_ACTUATORS
    num_obs = 2 * NUM_DOFS + 4 * 3 + 3 * 4 + 5 * 3 + 1 + NUM_ACTUATORS
    state_spec = hand_state_spec()
    fitness_doc = "consecutive successes: goals reached in an episode before the object falls"
    #: Orientation error (rad) that counts as reaching the goal.
    success_tolerance = 0.1
    #: The episode ends when the object is this far (m) from its start position.
    fall_distance = 0.15
    #: Noise on the initial joint angles (rad) and object position (m).
    dof_noise = 0.1
    object_pos_noise = 0.01

    @classmethod
    def mjcf_path(cls) -> Path:
        return hand_asset(cls.asset)

    def build_spec(self) -> mujoco.MjSpec:
        spec = super().build_spec()
        target = spec.body("target")  # the goal marker: a mocap body, drawn but never simulated
        for joint in list(target.joints):
            spec.delete(joint)
        target.mocap = True
        for finger in FINGERTIPS:
            add_frame_sensor(spec, fingertip_site(finger), "pos")
        return spec

    def allocate_buffers(self) -> None:
        super().allocate_buffers()
        model, n, dev = self.sim.model, self.num_envs, self.device
        self.object_qpos = model.joint("object:joint").qposadr[0]
        self.object_qvel = model.joint("object:joint").dofadr[0]
        self.start_pos = self.tensor(model.body("object").pos).repeat(n, 1)
        self.goal_rot = torch.zeros(n, 4, device=dev)
        self.goal_rot[:, 3] = 1.0
        self.rot_dist = torch.zeros(n, device=dev)
        self.goal_reached = torch.zeros(n, device=dev)
        self.successes = torch.zeros(n, device=dev)

    # ------------------------------------------------------------------ goals
    @abstractmethod
    def random_orientation(self, n: int) -> Tensor:
        """A random orientation of the object, [n, 4] xyzw (goals and start poses)."""

    def turn_about_vertical(self, angle: Tensor) -> Tensor:
        """Turns by ``angle`` [n] (rad) about the vertical, [n, 4] xyzw."""
        up = torch.tensor(VERTICAL, device=self.device).expand(len(angle), 3)
        return quat_from_angle_axis(angle, up)

    def random_heading(self, n: int) -> Tensor:
        """A turn by a uniformly random angle about the vertical, [n, 4] xyzw."""
        return self.turn_about_vertical(self.uniform(-math.pi, math.pi, n))

    def next_goal(self, env_ids: Tensor, reached: bool) -> Tensor:
        """The goal after a reset (``reached`` False) or after the last one was reached."""
        return self.random_orientation(len(env_ids))

    def orientation_error(self, rot: Tensor, goal: Tensor) -> Tensor:
        """Angle (rad) between two orientations (the pen overrides this: its own axis is free)."""
        dot = (rot * goal).sum(dim=1).abs().clamp(max=1.0)
        return 2.0 * torch.acos(dot)

    # -------------------------------------------------------------- simulation
    def reset_envs(self, env_ids: Tensor) -> None:
        ids, n = self.ids(env_ids), len(env_ids)
        model = self.sim.model
        qpos = np.repeat(model.qpos0[None], n, axis=0)
        noise = self.np_rng.uniform(-self.dof_noise, self.dof_noise, (n, NUM_DOFS))
        qpos[:, :NUM_DOFS] = np.clip(qpos[:, :NUM_DOFS] + noise, *model.jnt_range[:NUM_DOFS].T)
        at = self.object_qpos
        qpos[:, at : at + 3] += self.np_rng.uniform(-self.object_pos_noise, self.object_pos_noise, (n, 3))
        qpos[:, at + 3 : at + 7] = xyzw_to_wxyz(self.random_orientation(n)).cpu().numpy()
        self.sim.reset(ids, qpos, np.zeros((n, model.nv)))
        self.goal_rot[env_ids] = self.next_goal(env_ids, reached=False)
        self.goal_reached[env_ids] = 0.0
        self.successes[env_ids] = 0.0
        self.progress_buf[env_ids] = 0
        self.update_goal_progress(env_ids)

    def simulate(self, actions: Tensor) -> None:
        reached = self.goal_reached.nonzero(as_tuple=False).squeeze(-1)
        if len(reached):  # a goal reached on the last step is replaced before this one
            self.goal_rot[reached] = self.next_goal(reached, reached=True)
        super().simulate(actions)
        self.update_goal_progress(torch.arange(self.num_envs, device=self.device))
        self.successes += self.goal_reached

    def object_rotation(self, env_ids: Tensor) -> Tensor:
        """Current xyzw orientation of the given envs' objects."""
        return wxyz_to_xyzw(self.tensor(self.sim.sensor("object_quat")[self.ids(env_ids)]))

    def update_goal_progress(self, env_ids: Tensor) -> None:
        rot = self.object_rotation(env_ids)
        self.rot_dist[env_ids] = self.orientation_error(rot, self.goal_rot[env_ids])
        self.goal_reached[env_ids] = (self.rot_dist[env_ids] <= self.success_tolerance).float()

    def state(self) -> dict[str, Tensor]:
        obj = self.body_frame("object")
        tips = [self.tensor(self.sim.sensor(f"{fingertip_site(f)}_pos")) for f in FINGERTIPS]
        return {
            "object_pos": obj["pos"],
            "object_rot": obj["quat"],
            "object_linvel": obj["linvel"],
            "object_angvel": obj["angvel"],
            "goal_pos": self.start_pos,
            "goal_rot": self.goal_rot,
            "rot_dist": self.rot_dist,
            "fingertip_pos": torch.stack(tips, dim=1),
            "dof_pos": self.tensor(self.sim.qpos[:, :NUM_DOFS]),
            "dof_vel": self.tensor(self.sim.qvel[:, :NUM_DOFS]),
            "goal_reached": self.goal_reached,
            "successes": self.successes,
            **self.base_state(),
        }

    def observations(self) -> Tensor:
        s = self.state()
        to_goal = quat_mul(s["object_rot"], quat_conjugate(s["goal_rot"]))
        return torch.cat(
            [
                self.scaled_joint_positions(s["dof_pos"]),
                0.2 * s["dof_vel"],
                s["object_pos"] - s["goal_pos"],
                s["object_rot"],
                s["object_linvel"],
                0.2 * s["object_angvel"],
                s["goal_pos"],
                s["goal_rot"],
                to_goal,
                (s["fingertip_pos"] - s["object_pos"][:, None]).flatten(1),
                s["rot_dist"][:, None],
                self.actions,
            ],
            dim=1,
        )

    def terminated(self, state: dict[str, Tensor]) -> Tensor:
        return (state["object_pos"] - state["goal_pos"]).norm(dim=1) > self.fall_distance

    def step_fitness(self, state: dict[str, Tensor]) -> Tensor:
        return state["goal_reached"]

    def episode_fitness(self, fitness_sum: Tensor, episode_length: Tensor) -> Tensor:
        return fitness_sum

    def show_goal(self, data: mujoco.MjData, env: int) -> None:
        """Place the goal marker beside the hand, turned like env ``env``'s goal."""
        data.mocap_pos[0] = self.start_pos[env].cpu().numpy() + GOAL_MARKER_OFFSET
        data.mocap_quat[0] = xyzw_to_wxyz(self.goal_rot[env]).cpu().numpy()

    @staticmethod
    def human_reward(object_pos, goal_pos, rot_dist, actions, goal_reached):
        # IsaacGymEnvs ShadowHand: stay put, turn toward the goal, bonus on reaching it.
        dist_reward = -10.0 * torch.norm(object_pos - goal_pos, dim=-1)
        rot_reward = 1.0 / (torch.abs(rot_dist) + 0.1)
        action_penalty = -0.0002 * torch.sum(actions**2, dim=-1)
        success_bonus = 250.0 * goal_reached
        total = dist_reward + rot_reward + action_penalty + success_bonus
        return total, {
            "dist_reward": dist_reward,
            "rot_reward": rot_reward,
            "action_penalty": action_penalty,
            "success_bonus": success_bonus,
        }

    @staticmethod
    def sparse_reward(goal_reached):
        return goal_reached, {"goal_reached": goal_reached}


class ShadowHand(ShadowHandTask):
    """Pen reorientation: turn the pen to random goal orientations, lying roughly flat."""

    name = "ShadowHand"
    asset = "manipulate_pen.xml"
    #: Largest tilt (rad) of a pen orientation out of the horizontal plane.
    max_tilt = 0.3

    def random_orientation(self, n: int) -> Tensor:
        """A pen pointing in a random horizontal direction, tilted by at most ``max_tilt``."""
        down = torch.tensor([0.0, 1.0, 0.0], device=self.device).expand(n, 3)
        tilt = quat_from_angle_axis(math.pi / 2 + self.uniform(-self.max_tilt, self.max_tilt, n), down)
        return quat_mul(self.random_heading(n), tilt)

    def orientation_error(self, rot: Tensor, goal: Tensor) -> Tensor:
        """Angle between the pen's axis and the goal's: turning about its own axis is free."""
        cos = (quat_axis(rot, 2) * quat_axis(goal, 2)).sum(dim=1)
        return torch.acos(cos.clamp(-1.0, 1.0))


class ShadowHandSpin(ShadowHand):
    """Pen spinning: each reached goal is followed by one turned ``spin_step`` further about the vertical."""

    name = "ShadowHandSpin"
    spin_step = math.pi / 4

    def next_goal(self, env_ids: Tensor, reached: bool) -> Tensor:
        base = self.goal_rot[env_ids] if reached else self.object_rotation(env_ids)
        step = torch.full((len(env_ids),), self.spin_step, device=self.device)
        return quat_mul(self.turn_about_vertical(step), base)


class ShadowHandBlock(ShadowHandTask):
    """Cube reorientation about the palm's normal to random headings (OpenAI's BlockRotateZ).

    The cube starts face up at a random heading and every goal is another face-up heading,
    reached within the OpenAI cube tolerance (0.4 rad on the full orientation error, so a
    tipped cube misses). Goals over all of SO(3), as in IsaacGymEnvs, stay at chance on a
    CPU budget (400 epochs x 256 envs measured).
    """

    name = "ShadowHandBlock"
    asset = "manipulate_block.xml"
    success_tolerance = 0.4

    def random_orientation(self, n: int) -> Tensor:
        return self.random_heading(n)
