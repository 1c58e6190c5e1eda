"""num_envs copies of one MuJoCo model, stepped together with ``mujoco.rollout`` on all cores.

Each env's full physics state is a row of ``self.state``; a control step runs
``frame_skip`` physics steps with the control held. Sensors added through ``MjSpec``
give the named state, read from the last physics step.
"""

from __future__ import annotations

import os

import mujoco
import numpy as np
from mujoco import rollout

STATE_KIND = mujoco.mjtState.mjSTATE_FULLPHYSICS


def _component_offset(model: mujoco.MjModel, component: mujoco.mjtState) -> int:
    """Offset of one state component inside a FULLPHYSICS state vector (components are in bit order)."""
    offset, bit = 0, 1
    while bit < int(component):
        if int(STATE_KIND) & bit:
            offset += mujoco.mj_stateSize(model, mujoco.mjtState(bit))
        bit <<= 1
    return offset


class MujocoBatch:
    def __init__(self, spec: mujoco.MjSpec, num_envs: int, frame_skip: int, nthread: int | None = None):
        self.model = spec.compile()
        self.num_envs, self.frame_skip = num_envs, frame_skip
        self.nthread = min(nthread or os.cpu_count() or 1, num_envs)
        self.datas = [mujoco.MjData(self.model) for _ in range(self.nthread)]
        self.scratch = mujoco.MjData(self.model)
        self.nstate = mujoco.mj_stateSize(self.model, STATE_KIND)
        self.state = np.zeros((num_envs, self.nstate))
        self.sensordata = np.zeros((num_envs, self.model.nsensordata))
        self.qpos_at = _component_offset(self.model, mujoco.mjtState.mjSTATE_QPOS)
        self.qvel_at = _component_offset(self.model, mujoco.mjtState.mjSTATE_QVEL)
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
    def qpos(self) -> np.ndarray:
        return self.state[:, self.qpos_at : self.qpos_at + self.model.nq]

    @property
    def qvel(self) -> np.ndarray:
        return self.state[:, self.qvel_at : self.qvel_at + self.model.nv]

    def reset(self, env_ids: np.ndarray, qpos: np.ndarray, qvel: np.ndarray) -> None:
        """Set the given envs to (qpos, qvel) at time 0 and refresh their sensors."""
        d = self.scratch
        for row, env in enumerate(env_ids):
            mujoco.mj_resetData(self.model, d)
            d.qpos[:] = qpos[row]
            d.qvel[:] = qvel[row]
            mujoco.mj_forward(self.model, d)
            mujoco.mj_getState(self.model, d, self.state[env], STATE_KIND)
            self.sensordata[env] = d.sensordata

    def step(self, ctrl: np.ndarray) -> None:
        """Advance every env by one control period holding ``ctrl`` [num_envs, nu]."""
        controls = np.repeat(ctrl[:, None, :], self.frame_skip, axis=1)
        state, sensordata = rollout.rollout(
            self.model, self.datas, self.state, controls, persistent_pool=True
        )
        self.state = state[:, -1].copy()
        self.sensordata = sensordata[:, -1].copy()

    def sensor(self, name: str) -> np.ndarray:
        """The named sensor's readings, [num_envs, dim]."""
        return self.sensordata[:, self.sensors[name]]
