"""FrankaCabinet: a Franka Panda opens a cabinet drawer (IsaacGymEnvs FrankaCabinet).

The arm and gripper are the Franka of gymnasium-robotics' kitchen assets; the cabinet is
our own MJCF (sim/mujoco/assets/franka_cabinet.xml). Actions move the joint position
targets (as in IsaacGymEnvs); the episode succeeds, and ends, when the drawer is open
``success_opening`` metres. The scene is laid out as IsaacGymEnvs lays it out: the robot's base at (1, 0, 0)
facing -x, the drawer opening toward +x, the gripper's local z pointing at the drawer and its local y up (the
left finger above the handle), so that IsaacGymEnvs' rewards read the same geometry here.
"""

from __future__ import annotations

from pathlib import Path

import mujoco
import numpy as np
import torch

from sim.base import StateField, Tensor, base_state_spec
from sim.mujoco.task import MujocoTask, add_frame_sensor
from sim.rotations import wxyz_to_xyzw

NUM_DOFS = 9  # seven arm joints and two fingers
#: Arm pose at reset: gripper level with the handle, pointing at it, fingers open and vertical
#: (left finger up).
START_POSE = (0.0, -0.785, 0.0, -2.356, 0.0, 1.571, -1.571, 0.04, 0.04)
GRASP_SITE = "end_effector"
HANDLE_SITE = "drawer_handle"


def franka_assets() -> Path:
    """The Franka Panda MJCF folder shipped inside gymnasium-robotics (no download)."""
    import gymnasium_robotics

    return Path(gymnasium_robotics.__file__).parent / "envs" / "assets" / "kitchen_franka" / "franka_assets"


class FrankaCabinet(MujocoTask):
    name = "FrankaCabinet"
    camera_body = "panda0_link0"
    camera_distance = 2.2
    frame_skip = 8  # 0.016 s: about 60 Hz, as in IsaacGymEnvs
    max_episode_length = 300
    num_actions = NUM_DOFS
    num_obs = 2 * NUM_DOFS + 3 + 4 + 1 + 1 + NUM_DOFS
    fitness_doc = "success rate: share of episodes in which the drawer is opened 0.2 m"
    state_spec = {
        "hand_pos": StateField((3,), "m", "grasp point between the gripper's fingers, world frame"),
        "hand_rot": StateField(
            (4,),
            "1",
            "gripper orientation, xyzw; its local z points out of the palm, its "
            "local y toward the left finger",
        ),
        "lfinger_pos": StateField((3,), "m", "left finger"),
        "rfinger_pos": StateField((3,), "m", "right finger"),
        "handle_pos": StateField((3,), "m", "centre of the drawer handle (a horizontal bar along y)"),
        "handle_rot": StateField(
            (4,),
            "1",
            "orientation of the handle's frame, xyzw: its -x points into the "
            "drawer, its z up (the drawer slides without turning)",
        ),
        "drawer_opening": StateField((), "m", "how far the drawer is pulled out (0 = closed, 0.35 = all)"),
        "drawer_vel": StateField((), "m/s", "opening speed of the drawer"),
        "dof_pos": StateField((NUM_DOFS,), "rad, m", "arm joint angles, then the two finger slides"),
        "dof_vel": StateField((NUM_DOFS,), "rad/s, m/s", "joint velocities"),
        **base_state_spec(NUM_DOFS),
    }
    #: Drawer opening (m) that counts as success.
    success_opening = 0.2
    #: Largest change of a joint target per step, as a share of the joint's range.
    target_step = 0.02
    #: Noise on the arm's start pose (rad).
    pose_noise = 0.1

    @classmethod
    def mjcf_path(cls) -> Path:
        return Path(__file__).parent / "assets" / "franka_cabinet.xml"

    def load_spec(self) -> mujoco.MjSpec:
        franka = franka_assets()
        spec = mujoco.MjSpec.from_string(self.mjcf_path().read_text().replace("{franka}", str(franka)))
        for mesh in spec.meshes:  # the included asset list names meshes relative to its meshdir
            mesh.file = str(franka / "meshes" / Path(mesh.file).relative_to(franka))
        return spec

    def build_spec(self) -> mujoco.MjSpec:
        spec = super().build_spec()
        add_frame_sensor(spec, GRASP_SITE, "pos")
        add_frame_sensor(spec, GRASP_SITE, "quat")
        add_frame_sensor(spec, HANDLE_SITE, "pos")
        add_frame_sensor(spec, HANDLE_SITE, "quat")
        for finger in ("panda0_leftfinger", "panda0_rightfinger"):
            add_frame_sensor(spec, finger, "pos", mujoco.mjtObj.mjOBJ_BODY)
        return spec

    def allocate_buffers(self) -> None:
        super().allocate_buffers()
        model = self.sim.model
        self.drawer_qpos = model.joint("drawer").qposadr[0]
        self.drawer_qvel = model.joint("drawer").dofadr[0]
        low, high = model.actuator_ctrlrange.T
        self.target_low, self.target_high = low, high
        self.max_target_step = self.target_step * (high - low)
        self.targets = np.repeat(np.asarray(START_POSE)[None], self.num_envs, axis=0)

    def reset_envs(self, env_ids: Tensor) -> None:
        ids, n = self.ids(env_ids), len(env_ids)
        model = self.sim.model
        qpos = np.repeat(model.qpos0[None], n, axis=0)
        qpos[:, :NUM_DOFS] = START_POSE
        qpos[:, :7] += self.np_rng.uniform(-self.pose_noise, self.pose_noise, (n, 7))
        qpos[:, :NUM_DOFS] = np.clip(qpos[:, :NUM_DOFS], *model.jnt_range[:NUM_DOFS].T)
        self.sim.reset(ids, qpos, np.zeros((n, model.nv)))
        self.targets[ids] = qpos[:, :NUM_DOFS]
        self.progress_buf[env_ids] = 0

    def simulate(self, actions: Tensor) -> None:
        step = actions.detach().cpu().numpy() * self.max_target_step
        self.targets = np.clip(self.targets + step, self.target_low, self.target_high)
        self.sim.step(self.targets)

    def state(self) -> dict[str, Tensor]:
        grasp = self.tensor(self.sim.sensor(f"{GRASP_SITE}_pos"))
        rot = self.tensor(self.sim.sensor(f"{GRASP_SITE}_quat"))
        return {
            "hand_pos": grasp,
            "hand_rot": wxyz_to_xyzw(rot),
            "lfinger_pos": self.tensor(self.sim.sensor("panda0_leftfinger_pos")),
            "rfinger_pos": self.tensor(self.sim.sensor("panda0_rightfinger_pos")),
            "handle_pos": self.tensor(self.sim.sensor(f"{HANDLE_SITE}_pos")),
            "handle_rot": wxyz_to_xyzw(self.tensor(self.sim.sensor(f"{HANDLE_SITE}_quat"))),
            "drawer_opening": self.tensor(self.sim.qpos[:, self.drawer_qpos]),
            "drawer_vel": self.tensor(self.sim.qvel[:, self.drawer_qvel]),
            "dof_pos": self.tensor(self.sim.qpos[:, :NUM_DOFS]),
            "dof_vel": self.tensor(self.sim.qvel[:, :NUM_DOFS]),
            **self.base_state(),
        }

    def observations(self) -> Tensor:
        s = self.state()
        return torch.cat(
            [
                self.scaled_joint_positions(s["dof_pos"]),
                0.1 * s["dof_vel"],
                s["handle_pos"] - s["hand_pos"],
                s["hand_rot"],
                s["drawer_opening"][:, None],
                s["drawer_vel"][:, None],
                self.actions,
            ],
            dim=1,
        )

    def terminated(self, state: dict[str, Tensor]) -> Tensor:
        return state["drawer_opening"] >= self.success_opening

    def step_fitness(self, state: dict[str, Tensor]) -> Tensor:
        return self.terminated(state).float()  # the episode ends exactly on success

    def episode_fitness(self, fitness_sum: Tensor, episode_length: Tensor) -> Tensor:
        return fitness_sum

    @staticmethod
    def human_reward(hand_pos, hand_rot, lfinger_pos, rfinger_pos, handle_pos, drawer_opening, actions):
        # IsaacGymEnvs FrankaCabinet, condensed: reach the handle pointing into the drawer (-x),
        # put the fingers above and below the bar, close them, pull.
        x, y, z, w = hand_rot.unbind(-1)
        inward = -2.0 * (x * z + w * y)  # the gripper's local z axis along -x, into the drawer
        distance = torch.norm(hand_pos - handle_pos, dim=-1)
        reach_reward = 1.0 / (1.0 + 100.0 * distance**2)
        align_reward = torch.clamp(inward, min=0.0) ** 2
        straddle = (lfinger_pos[:, 2] - handle_pos[:, 2]) * (rfinger_pos[:, 2] - handle_pos[:, 2]) < 0
        near = distance < 0.03
        around_reward = torch.where(straddle & near, 0.5, 0.0)
        gap = torch.norm(lfinger_pos - rfinger_pos, dim=-1)
        close_reward = torch.where(straddle & near, 0.08 - gap, 0.0) * 10.0
        open_reward = 10.0 * drawer_opening * (1.0 + around_reward) + torch.where(
            drawer_opening > 0.2, 5.0, 0.0
        )
        action_penalty = -0.01 * torch.sum(actions**2, dim=-1)
        total = (
            2.0 * reach_reward
            + 0.5 * align_reward
            + around_reward
            + close_reward
            + open_reward
            + action_penalty
        )
        return total, {
            "reach_reward": reach_reward,
            "align_reward": align_reward,
            "around_reward": around_reward,
            "close_reward": close_reward,
            "open_reward": open_reward,
            "action_penalty": action_penalty,
        }

    @staticmethod
    def sparse_reward(drawer_opening):
        success = (drawer_opening >= 0.2).float()
        return success, {"success": success}
