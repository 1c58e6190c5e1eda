"""num_envs worlds of one MuJoCo model stepped by MuJoCo Warp, with MujocoBatch's interface.

The MuJoCo tasks choose it per run (``--sim mjwarp``). Its state is read as torch tensors that
share MJWarp's memory (``wp.to_torch``: no copy on the device), so on a GPU the named state never
leaves it. The same MJCF, sensors and control period as the CPU backend; MJWarp computes in float32.
"""

from __future__ import annotations

import mujoco
import numpy as np
import torch

try:
    import mujoco_warp as mjw
    import warp as wp
except ImportError as exc:  # the optional [gpu] extra
    raise ImportError("--sim mjwarp needs the [gpu] extra: pip install -e '.[gpu]' (mujoco-warp)") from exc

wp.config.quiet = True  # no line per compiled kernel module on stdout
#: MJWarp allocates contacts and constraint rows up front (MuJoCo's CPU arena grows); a world that needs
#: more drops them with an overflow warning. Sized for the hand (64 rows overflowed within 7 steps).
CONTACTS_PER_WORLD, CONSTRAINTS_PER_WORLD = 128, 512


class WarpBatch:
    def __init__(self, spec: mujoco.MjSpec, num_envs: int, frame_skip: int, device: str = "cpu"):
        self.model = spec.compile()
        self.num_envs, self.frame_skip = num_envs, frame_skip
        self.device = wp.get_device(str(device))
        with wp.ScopedDevice(self.device):
            self.m = mjw.put_model(self.model)
            self.d = mjw.make_data(
                self.model, nworld=num_envs, nconmax=CONTACTS_PER_WORLD, njmax=CONSTRAINTS_PER_WORLD
            )
        view = lambda array: wp.to_torch(array)  # noqa: E731 - zero-copy views of MJWarp's arrays
        self._qpos, self._qvel, self._ctrl = view(self.d.qpos), view(self.d.qvel), view(self.d.ctrl)
        self._sensordata = view(self.d.sensordata)
        self._reset_mask = wp.zeros(num_envs, dtype=bool, device=self.device)
        self.sensors = {
            self.model.sensor(i).name: slice(
                self.model.sensor_adr[i], self.model.sensor_adr[i] + self.model.sensor_dim[i]
            )
            for i in range(self.model.nsensor)
        }

    @property
    def dt(self) -> float:
        """Control period in seconds."""
        return self.model.opt.timestep * self.frame_skip

    @property
    def qpos(self) -> torch.Tensor:
        return self._qpos

    @property
    def qvel(self) -> torch.Tensor:
        return self._qvel

    def reset(self, env_ids: np.ndarray, qpos: np.ndarray, qvel: np.ndarray) -> None:
        """Set the given worlds to (qpos, qvel) at time 0 and refresh their sensors."""
        ids = torch.as_tensor(env_ids, dtype=torch.long, device=self._qpos.device)
        mask = wp.to_torch(self._reset_mask)
        mask.zero_()
        mask[ids] = True
        with wp.ScopedDevice(self.device):
            mjw.reset_data(self.m, self.d, reset=self._reset_mask)
            self._qpos[ids] = torch.as_tensor(qpos, dtype=self._qpos.dtype, device=self._qpos.device)
            self._qvel[ids] = torch.as_tensor(qvel, dtype=self._qvel.dtype, device=self._qvel.device)
            mjw.forward(self.m, self.d)  # every world's derived quantities from its (unchanged) state

    def step(self, ctrl: np.ndarray | torch.Tensor) -> None:
        """Advance every world by one control period holding ``ctrl`` [num_envs, nu]."""
        self._ctrl.copy_(torch.as_tensor(ctrl, dtype=self._ctrl.dtype).to(self._ctrl.device))
        with wp.ScopedDevice(self.device):
            for _ in range(self.frame_skip):
                mjw.step(self.m, self.d)

    def sensor(self, name: str) -> torch.Tensor:
        """The named sensor's readings, [num_envs, dim] (a view: read it before the next step)."""
        return self._sensordata[:, self.sensors[name]]
