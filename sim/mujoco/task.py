"""BatchedTask on top of MujocoBatch: MJCF loading, sensors, control mapping, torch state."""

from __future__ import annotations

from abc import abstractmethod
from pathlib import Path

import mujoco
import numpy as np
import torch

from sim.base import BatchedTask, Tensor
from sim.mujoco.batch import MujocoBatch
from sim.rotations import wxyz_to_xyzw

#: The physics backends of the MuJoCo tasks (``--sim``).
SIMS = ("mujoco", "mjwarp")
FRAME_SENSORS = {
    "pos": mujoco.mjtSensor.mjSENS_FRAMEPOS,
    "quat": mujoco.mjtSensor.mjSENS_FRAMEQUAT,
    "linvel": mujoco.mjtSensor.mjSENS_FRAMELINVEL,
    "angvel": mujoco.mjtSensor.mjSENS_FRAMEANGVEL,
}


def gymnasium_asset(name: str) -> Path:
    """An MJCF file shipped inside the gymnasium package (no download)."""
    import gymnasium

    return Path(gymnasium.__file__).parent / "envs" / "mujoco" / "assets" / name


def add_frame_sensor(
    spec: mujoco.MjSpec, name: str, suffix: str, objtype: mujoco.mjtObj = mujoco.mjtObj.mjOBJ_SITE
) -> None:
    """Add a world-frame sensor ``<name>_<suffix>`` (suffix: a FRAME_SENSORS key) on a site or body."""
    spec.add_sensor(name=f"{name}_{suffix}", type=FRAME_SENSORS[suffix], objtype=objtype, objname=name)


class MujocoTask(BatchedTask):
    """A task simulated by MuJoCo: on the CPU (``sim="mujoco"``, its tensors copied to ``device``) or by
    MuJoCo Warp on ``device`` (``sim="mjwarp"``, the [gpu] extra).

    Subclasses name their MJCF (``mjcf_path``), the bodies whose frames become
    sensors (``tracked_bodies``) and the control period (``frame_skip``).
    """

    def __init__(self, num_envs: int, device: str | torch.device = "cpu", seed: int = 0, sim: str = "mujoco"):
        if sim not in SIMS:
            raise ValueError(f"unknown MuJoCo backend {sim!r}: use {' or '.join(SIMS)}")
        self.backend = sim
        super().__init__(num_envs, device, seed)

    frame_skip: int
    tracked_bodies: tuple[str, ...] = ()
    #: The body the render camera follows (default: the first tracked body) and its distance (m).
    camera_body: str | None = None
    camera_distance = 4.0

    @classmethod
    @abstractmethod
    def mjcf_path(cls) -> Path:
        """The MJCF file this task loads."""

    def load_spec(self) -> mujoco.MjSpec:
        """The task's MJCF as an editable spec."""
        return mujoco.MjSpec.from_file(str(self.mjcf_path()))

    def build_spec(self) -> mujoco.MjSpec:
        """Load the MJCF and add position/orientation/velocity sensors on tracked bodies."""
        spec = self.load_spec()
        for body in self.tracked_bodies:
            for suffix in FRAME_SENSORS:
                add_frame_sensor(spec, body, suffix, mujoco.mjtObj.mjOBJ_BODY)
        return spec

    def allocate_buffers(self) -> None:
        if self.backend == "mjwarp":
            from sim.mjwarp.batch import WarpBatch

            self.sim = WarpBatch(self.build_spec(), self.num_envs, self.frame_skip, self.device)
        else:
            self.sim = MujocoBatch(self.build_spec(), self.num_envs, self.frame_skip)
        self.dt = self.sim.dt
        model = self.sim.model
        ctrl_range = model.actuator_ctrlrange.copy()
        self.ctrl_mid = (ctrl_range[:, 0] + ctrl_range[:, 1]) / 2
        self.ctrl_half = (ctrl_range[:, 1] - ctrl_range[:, 0]) / 2
        self.joint_range = self.tensor(model.jnt_range)
        self.np_rng = np.random.default_rng(int(torch.randint(0, 2**31, (1,), generator=self.generator)))

    def simulate(self, actions: Tensor) -> None:
        self.sim.step(self.ctrl_mid + self.ctrl_half * actions.detach().cpu().numpy())

    def tensor(self, array: np.ndarray | Tensor) -> Tensor:
        """A float32 copy on the task's device (MJWarp's readings are views of its memory: copied on the
        device)."""
        if isinstance(array, Tensor):
            return array.to(self.device, torch.float32, copy=True)
        return torch.as_tensor(array, dtype=torch.float32).to(self.device)

    def body_frame(self, body: str) -> dict[str, Tensor]:
        """World-frame pos, xyzw quat, linear and angular velocity of a tracked body."""
        frame = {suffix: self.tensor(self.sim.sensor(f"{body}_{suffix}")) for suffix in FRAME_SENSORS}
        frame["quat"] = wxyz_to_xyzw(frame["quat"])
        return frame

    def scaled_joint_positions(self, dof_pos: Tensor, first_joint: int = 0) -> Tensor:
        """Positions of ``dof_pos.shape[1]`` one-dof joints from the model's ``first_joint`` on, mapped onto
        [-1, 1] by their limits (IsaacGymEnvs' ``unscale``)."""
        low, high = self.joint_range[first_joint : first_joint + dof_pos.shape[1]].unbind(-1)
        return 2.0 * (dof_pos - low) / (high - low) - 1.0

    def show_goal(self, data: mujoco.MjData, env: int) -> None:
        """Move goal markers in ``data`` (used only for rendering) to env ``env``'s goal."""

    def ids(self, env_ids: Tensor) -> np.ndarray:
        return env_ids.detach().cpu().numpy()
