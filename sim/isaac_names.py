"""IsaacGymEnvs' names for each task's state, so that rewards written for IsaacGymEnvs or Eureka run here
unchanged.

Eureka showed its model each task's IsaacGymEnvs observation code (``self.dof_pos``, ``self.root_states``,
...), and its rewards take those attributes, and the scalars IsaacGymEnvs passes as arguments (``dt``,
``max_episode_length``), as parameters. Each task here offers them beside its own names: computed from the
same simulator state, at each step, and only the ones a reward asks for (``reward_inputs``). Where this
project's simulation differs from IsaacGymEnvs' (another model, a missing sensor), the name is left out or its
difference is in ``DIFFERENCES``, which docs/eureka-compatibility.md shows.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Callable
from dataclasses import dataclass

import torch

from sim.base import BatchedTask, StateField, Tensor
from sim.reward.library import get_euler_xyz as get_euler_xyz_2pi
from sim.reward.program import ProgramShape, RewardProgram
from sim.rotations import normalize, quat_axis, quat_rotate, quat_rotate_inverse

State = dict[str, Tensor]


@dataclass(frozen=True)
class IsaacName:
    """One IsaacGymEnvs name of a task's state: its shape and meaning,
    and how it is computed from named state."""

    field: StateField
    mapping: str  # how it reads in the task's own names (task cards, hints)
    compute: Callable[[BatchedTask, State], Tensor | float | torch.device]
    #: What IsaacGymEnvs passes instead of a tensor per environment: "number", "device", or "tensor" (one
    #: tensor of field.shape for every environment, such as Humanoid's motor_efforts).
    scalar: str | None = None

    @property
    def shape(self) -> str:
        """The shape as task cards show it: [N, ...] per environment, [...] for one tensor, else the kind."""
        dims = [str(d) for d in self.field.shape]
        if self.scalar == "tensor":
            return f"[{', '.join(dims)}]"
        return self.scalar or f"[{', '.join(['N', *dims])}]"

    def describe(self, name: str) -> str:
        unit = f" ({self.field.unit})" if self.field.unit else ""
        what = f"{name}: a {self.scalar}{unit} {self.field.doc}" if self.scalar else self.field.describe(name)
        if self.scalar == "tensor":
            what = f"{name}: float32{self.shape}{unit} {self.field.doc}, the same for every environment"
        return f"{what}; here: {self.mapping}"


def _renamed(own: str, field: StateField) -> IsaacName:
    """An IsaacGymEnvs name for one of the task's own state tensors, as it is."""
    return IsaacName(field, own, lambda t, s: s[own])


def _scalar(value_of: Callable[[BatchedTask], float], unit: str, doc: str, mapping: str) -> IsaacName:
    """A number IsaacGymEnvs passes to its reward functions as a Python float (not a tensor)."""
    return IsaacName(StateField((), unit, doc), mapping, lambda t, s: value_of(t), scalar="number")


def _config(
    task: str,
    values: dict[str, float],
    units: dict[str, str] | None = None,
    source: str = "IsaacGymEnvs' config",
) -> dict[str, IsaacName]:
    """Values from IsaacGymEnvs' configuration or task code that its reward functions take as numbers."""
    return {
        key: _scalar(
            lambda t, value=value: value,
            (units or {}).get(key, "1"),
            f"IsaacGymEnvs' {key} for {task}",
            f"{value} ({source})",
        )
        for key, value in values.items()
    }


DT = _scalar(lambda t: t.dt, "s", "the control step", "the task's dt")
#: Names every task offers (IsaacGymEnvs passes them to every reward function it has, or has them on every
#: task).
EVERY_TASK = {
    "max_episode_length": _scalar(
        lambda t: t.max_episode_length, "steps", "the episode limit", "max_episode_length"
    ),
    "device": IsaacName(
        StateField((), "", "the torch device the state is on (IsaacGymEnvs' self.device)"),
        "the state's device",
        lambda t, s: s["actions"].device,
        scalar="device",
    ),
}


def _root_states(pos: str, quat: str, linvel: str, angvel: str) -> IsaacName:
    return IsaacName(
        StateField(
            (13,),
            "m, 1, m/s, rad/s",
            "root state: position, xyzw quaternion, linear and angular velocity (world frame)",
        ),
        f"torch.cat([{pos}, {quat}, {linvel}, {angvel}], dim=-1)",
        lambda t, s: torch.cat([s[pos], s[quat], s[linvel], s[angvel]], dim=-1),
    )


def _locomotion_obs(t: BatchedTask, s: State) -> Tensor:
    """IsaacGymEnvs' Ant/Humanoid observation layout, from this task's state
    (no foot force sensors: zeros)."""
    up, heading, target_dir = (
        quat_axis(s["torso_rotation"], 2),
        quat_axis(s["torso_rotation"], 0),
        _to_target(s),
    )
    roll, _, yaw = get_euler_xyz_2pi(s["torso_rotation"])
    walk_target = torch.atan2(target_dir[:, 1], target_dir[:, 0])
    dofs = s["dof_pos"].shape[1]
    return torch.cat(
        [
            s["torso_position"][:, 2:3],
            quat_rotate_inverse(s["torso_rotation"], s["velocity"]),
            quat_rotate_inverse(s["torso_rotation"], s["ang_velocity"]),
            yaw[:, None],
            roll[:, None],
            (walk_target - yaw)[:, None],
            up[:, 2:3],
            (heading * normalize(target_dir)).sum(-1, keepdim=True),
            t.scaled_joint_positions(s["dof_pos"], first_joint=1),
            s["dof_vel"] * LOCOMOTION[t.name]["dof_vel_scale"],
            torch.zeros(len(up), LOCOMOTION[t.name]["sensors"], device=up.device),
            s["actions"][:, :dofs],
        ],
        dim=-1,
    )


def _to_target(s: State) -> Tensor:
    to_target = s["target_pos"] - s["torso_position"]
    return torch.cat([to_target[:, :2], torch.zeros_like(to_target[:, 2:])], dim=-1)


#: IsaacGymEnvs' configuration values its Ant and Humanoid rewards take as arguments.
LOCOMOTION = {
    "Ant": {
        "dof_vel_scale": 0.2,
        "sensors": 24,
        "termination_height": 0.31,
        "death_cost": -2.0,
        "up_weight": 0.1,
        "heading_weight": 0.5,
        "actions_cost_scale": 0.005,
        "energy_cost_scale": 0.05,
        "joints_at_limit_cost_scale": 0.1,
    },
    "Humanoid": {
        "dof_vel_scale": 0.1,
        "sensors": 12,
        "termination_height": 0.8,
        "death_cost": -1.0,
        "up_weight": 0.1,
        "heading_weight": 0.5,
        "actions_cost_scale": 0.01,
        "energy_cost_scale": 0.05,
        "joints_at_limit_cost_scale": 0.25,
    },
}


def _locomotion(task: str, dofs: int) -> dict[str, IsaacName]:
    cfg = LOCOMOTION[task]
    obs = 1 + 3 + 3 + 5 + 3 * dofs + cfg["sensors"]
    names = {
        "root_states": _root_states("torso_position", "torso_rotation", "velocity", "ang_velocity"),
        "targets": _renamed("target_pos", StateField((3,), "m", "the walk target")),
        "up_vec": IsaacName(
            StateField((3,), "1", "the torso's up axis in the world frame"),
            "quat_axis(torso_rotation, 2)",
            lambda t, s: quat_axis(s["torso_rotation"], 2),
        ),
        "heading_vec": IsaacName(
            StateField((3,), "1", "the torso's forward axis in the world frame"),
            "quat_axis(torso_rotation, 0)",
            lambda t, s: quat_axis(s["torso_rotation"], 0),
        ),
        "dof_pos_scaled": IsaacName(
            StateField((dofs,), "1", "joint positions mapped onto [-1, 1] by the joint limits"),
            "2 * (dof_pos - lower) / (upper - lower) - 1",
            lambda t, s: t.scaled_joint_positions(s["dof_pos"], first_joint=1),
        ),
        "obs_buf": IsaacName(
            StateField(
                (obs,),
                "mixed",
                "IsaacGymEnvs' observation layout: height, local velocity and "
                "angular velocity, yaw, roll, angle to target, up_proj, "
                "heading_proj, dof_pos_scaled, scaled dof_vel, foot forces "
                "(zeros here), actions",
            ),
            "built from the state above as IsaacGymEnvs builds it",
            _locomotion_obs,
        ),
        "dt": DT,
    }
    keys = (
        "termination_height",
        "death_cost",
        "up_weight",
        "heading_weight",
        "actions_cost_scale",
        "energy_cost_scale",
        "joints_at_limit_cost_scale",
        "dof_vel_scale",
    )
    return {**names, **_config(task, {key: cfg[key] for key in keys})}


def _efforts(t: BatchedTask) -> list[float]:
    """Each motor's torque at a full action (IsaacGymEnvs applies ``actions * motor_efforts``): its gear times
    the half-range of its control, as the task maps actions onto the MuJoCo controls."""
    return (t.ctrl_half * t.sim.model.actuator_gear[:, 0]).tolist()


#: IsaacGymEnvs' Humanoid names for its motors (its reward weighs the energy and joint-limit costs by them).
MOTORS = {
    "motor_efforts": IsaacName(
        StateField(
            (17,), "N*m", "each motor's torque at a full action (IsaacGymEnvs: the MJCF's motor gears, [21])"
        ),
        "ctrl_half * actuator_gear, from the MuJoCo model",
        lambda t, s: torch.tensor(_efforts(t), device=s["actions"].device),
        scalar="tensor",
    ),
    "max_motor_effort": _scalar(
        lambda t: max(_efforts(t)), "N*m", "the largest of motor_efforts", "max(motor_efforts)"
    ),
}


def _tray_rates(t: BatchedTask, s: State) -> Tensor:
    """The tilt joints' velocities now: the commanded rate, 0 where a tilt limit stops the joint."""
    rate = s["actions"] * t.max_tilt_rate
    tilt = s["tray_tilt"]
    stopped = ((tilt >= t.max_tilt) & (rate > 0)) | ((tilt <= -t.max_tilt) & (rate < 0))
    return torch.where(stopped, torch.zeros_like(rate), rate)


def _stacked(*parts: str) -> Callable[[BatchedTask, State], Tensor]:
    return lambda t, s: torch.stack([s[p] for p in parts], dim=-1)


#: IsaacGymEnvs' FrankaCabinet grasp axes, each in its own frame (gripper: franka_grasp_rot; drawer:
#: drawer_grasp_rot).
FRANKA_AXES = [
    ("gripper_forward_axis", "gripper's forward", (0.0, 0.0, 1.0)),
    ("drawer_inward_axis", "drawer's inward", (-1.0, 0.0, 0.0)),
    ("gripper_up_axis", "gripper's up", (0.0, 1.0, 0.0)),
    ("drawer_up_axis", "drawer's up", (0.0, 0.0, 1.0)),
]
#: IsaacGymEnvs' configuration values its FrankaCabinet reward takes as arguments.
FRANKA = {
    "dist_reward_scale": 2.0,
    "rot_reward_scale": 0.5,
    "around_handle_reward_scale": 0.25,
    "open_reward_scale": 7.5,
    "finger_dist_reward_scale": 5.0,
    "action_penalty_scale": 0.01,
    "distX_offset": 0.04,
    "dof_vel_scale": 0.1,
}


def _constant(vector: tuple[float, ...]) -> Callable[[BatchedTask, State], Tensor]:
    return lambda t, s: torch.tensor(vector, device=s["actions"].device).repeat(len(s["actions"]), 1)


def _drawer_origin(t: BatchedTask, s: State) -> Tensor:
    offset = torch.tensor([0.3, 0.01, 0.0], device=s["handle_pos"].device).expand_as(s["handle_pos"])
    return s["handle_pos"] - quat_rotate(s["handle_rot"], offset)


def _to_handle(t: BatchedTask, s: State) -> Tensor:
    return s["handle_pos"] - s["hand_pos"]


def _franka_obs(t: BatchedTask, s: State) -> Tensor:
    """IsaacGymEnvs' FrankaCabinet observation layout, from this task's state."""
    return torch.cat(
        [
            t.scaled_joint_positions(s["dof_pos"]),
            s["dof_vel"] * FRANKA["dof_vel_scale"],
            _to_handle(t, s),
            s["drawer_opening"][:, None],
            s["drawer_vel"][:, None],
        ],
        dim=-1,
    )


#: IsaacGymEnvs' ShadowHand values its observation code (Eureka's ``shadow_hand*_obs.py``) reads.
SHADOW_HAND = {
    "vel_obs_scale": 0.2,
    "force_torque_obs_scale": 10.0,
    "num_fingertips": 5,
    "num_shadow_hand_dofs": 24,
}


def _pose(pos: str, rot: str) -> Callable[[BatchedTask, State], Tensor]:
    return lambda t, s: torch.cat([s[pos], s[rot]], dim=-1)


def _joint_limit(side: int) -> Callable[[BatchedTask, State], Tensor]:
    return lambda t, s: t.joint_range[: s["dof_pos"].shape[1], side].to(s["dof_pos"]).expand_as(s["dof_pos"])


def _shadow_hand(task: str) -> dict[str, IsaacName]:
    dofs = SHADOW_HAND["num_shadow_hand_dofs"]
    names = {
        "object_pose": IsaacName(
            StateField((7,), "m, 1", "object position and xyzw quaternion"),
            "torch.cat([object_pos, object_rot], dim=-1)",
            _pose("object_pos", "object_rot"),
        ),
        "goal_pose": IsaacName(
            StateField((7,), "m, 1", "goal position and xyzw quaternion"),
            "torch.cat([goal_pos, goal_rot], dim=-1)",
            _pose("goal_pos", "goal_rot"),
        ),
        "target_pos": _renamed(
            "goal_pos", StateField((3,), "m", "the goal position (IsaacGymEnvs' reward argument)")
        ),
        "target_rot": _renamed(
            "goal_rot", StateField((4,), "1", "the goal orientation, xyzw (its reward argument)")
        ),
        "shadow_hand_dof_pos": _renamed("dof_pos", StateField((dofs,), "rad", "hand joint angles")),
        "shadow_hand_dof_vel": _renamed("dof_vel", StateField((dofs,), "rad/s", "hand joint velocities")),
        "shadow_hand_dof_lower_limits": IsaacName(
            StateField((dofs,), "rad", "lower joint limits"), "the model's joint ranges", _joint_limit(0)
        ),
        "shadow_hand_dof_upper_limits": IsaacName(
            StateField((dofs,), "rad", "upper joint limits"), "the model's joint ranges", _joint_limit(1)
        ),
        "shadow_hand_dof_default_pos": IsaacName(
            StateField((dofs,), "rad", "the hand's reset pose (noise is added around it at each reset)"),
            "zeros",
            lambda t, s: torch.zeros_like(s["dof_pos"]),
        ),
        "dt": DT,
    }
    return {**names, **_config(task, SHADOW_HAND, source="IsaacGymEnvs' ShadowHand")}


#: Per task: IsaacGymEnvs name -> how it is computed here.
ISAAC_NAMES: dict[str, dict[str, IsaacName]] = {
    "Cartpole": {
        "dof_pos": IsaacName(
            StateField((2,), "m, rad", "cart position and pole angle"),
            "stack(cart_pos, pole_angle)",
            _stacked("cart_pos", "pole_angle"),
        ),
        "dof_vel": IsaacName(
            StateField((2,), "m/s, rad/s", "cart and pole velocities"),
            "stack(cart_vel, pole_vel)",
            _stacked("cart_vel", "pole_vel"),
        ),
        "reset_dist": _scalar(lambda t: t.reset_dist, "m", "the cart's distance limit", "3.0"),
    },
    "BallBalance": {
        "ball_linvels": _renamed("ball_velocities", StateField((3,), "m/s", "ball linear velocity")),
        "dof_positions": _renamed(
            "tray_tilt",
            StateField((2,), "rad", "the tray's actuated joints: roll (about x) and pitch (about y)"),
        ),
        "dof_velocities": IsaacName(
            StateField((2,), "rad/s", "the tray's actuated joint velocities: roll and pitch rates"),
            "actions * max_tilt_rate (1.5 rad/s), 0 where a tilt limit stops the joint",
            _tray_rates,
        ),
        "ball_radius": _scalar(lambda t: t.ball_radius, "m", "the ball's radius", "0.05 (IsaacGymEnvs: 0.1)"),
    },
    "Quadcopter": {
        "target_pos": _renamed("target_root_positions", StateField((3,), "m", "the target position")),
        "root_states": _root_states("root_positions", "root_quats", "root_linvels", "root_angvels"),
    },
    "Ant": _locomotion("Ant", 8),
    "Humanoid": {**_locomotion("Humanoid", 17), **MOTORS},
    "FrankaCabinet": {
        "franka_grasp_pos": _renamed("hand_pos", StateField((3,), "m", "the gripper's grasp point")),
        "franka_grasp_rot": _renamed("hand_rot", StateField((4,), "1", "the gripper's grasp frame, xyzw")),
        "drawer_grasp_pos": _renamed("handle_pos", StateField((3,), "m", "the drawer handle's grasp point")),
        "drawer_grasp_rot": _renamed("handle_rot", StateField((4,), "1", "the drawer's grasp frame, xyzw")),
        "drawer_pos": IsaacName(
            StateField((3,), "m", "the drawer link's origin, 0.3 m behind its grasp point"),
            "handle_pos - quat_rotate(handle_rot, [0.3, 0.01, 0])",
            _drawer_origin,
        ),
        "drawer_rot": _renamed("handle_rot", StateField((4,), "1", "the drawer link's orientation, xyzw")),
        "franka_lfinger_pos": _renamed("lfinger_pos", StateField((3,), "m", "the left finger link")),
        "franka_rfinger_pos": _renamed("rfinger_pos", StateField((3,), "m", "the right finger link")),
        "franka_lfinger_rot": _renamed(
            "hand_rot",
            StateField(
                (4,), "1", "the left finger link's orientation, xyzw (the fingers turn with the gripper)"
            ),
        ),
        "franka_rfinger_rot": _renamed(
            "hand_rot", StateField((4,), "1", "the right finger link's orientation, xyzw")
        ),
        "franka_dof_pos": _renamed("dof_pos", StateField((9,), "rad, m", "arm and finger joint positions")),
        "franka_dof_vel": _renamed(
            "dof_vel", StateField((9,), "rad/s, m/s", "arm and finger joint velocities")
        ),
        "dof_pos_scaled": IsaacName(
            StateField((9,), "1", "joint positions mapped onto [-1, 1] by the joint limits"),
            "2 * (dof_pos - lower) / (upper - lower) - 1",
            lambda t, s: t.scaled_joint_positions(s["dof_pos"]),
        ),
        "to_target": IsaacName(
            StateField((3,), "m", "from the grasp point to the handle's"), "handle_pos - hand_pos", _to_handle
        ),
        "cabinet_dof_pos": IsaacName(
            StateField((4,), "m", "cabinet joints; [:, 3] is the top drawer's opening"),
            "[0, 0, 0, drawer_opening]",
            lambda t, s: _drawer_dofs(s["drawer_opening"]),
        ),
        "cabinet_dof_vel": IsaacName(
            StateField((4,), "m/s", "cabinet joint velocities; [:, 3] is the top drawer's"),
            "[0, 0, 0, drawer_vel]",
            lambda t, s: _drawer_dofs(s["drawer_vel"]),
        ),
        "obs_buf": IsaacName(
            StateField(
                (23,),
                "mixed",
                "IsaacGymEnvs' observation layout: dof_pos_scaled, 0.1 * "
                "dof_vel, to_target, the drawer's opening and velocity",
            ),
            "built from the state above as IsaacGymEnvs builds it",
            _franka_obs,
        ),
        **{
            axis: IsaacName(
                StateField((3,), "1", f"the constant {doc} axis {vector}, in its frame"),
                f"{list(vector)} per environment",
                _constant(vector),
            )
            for axis, doc, vector in FRANKA_AXES
        },
        **_config("FrankaCabinet", FRANKA, units={"distX_offset": "m"}),
        "num_envs": _scalar(lambda t: t.num_envs, "1", "the number of environments", "N"),
        "dt": DT,
    },
    "ShadowHand": _shadow_hand("ShadowHand"),
    "ShadowHandSpin": _shadow_hand("ShadowHandSpin"),
    "ShadowHandBlock": _shadow_hand("ShadowHandBlock"),
}

PEN_ROT_DIST = (
    "rot_dist is the angle between the pen's axis and the goal's (the pen is symmetric about it); "
    "IsaacGymEnvs' is the full quaternion distance"
)
HAND_STATE = (
    "no fingertip_state (fingertip_pos only), dof_force_tensor, vec_sensor_tensor or obs_buf; "
    "shadow_hand_dof_lower_limits and _upper_limits come per environment, [N, 24] (IsaacGymEnvs: [24])"
)
#: What still differs from IsaacGymEnvs, per task (docs/eureka-compatibility.md).
DIFFERENCES: dict[str, list[str]] = {
    "Cartpole": [
        "reset_buf is not an input: the reward cannot end episodes here (termination is the task's own)"
    ],
    "BallBalance": [
        "a two-axis tilting tray, not IsaacGymEnvs' three-legged robot: dof_positions and "
        "dof_velocities are the tray's two actuated tilt joints, [N, 2] (IsaacGymEnvs: the "
        "legs' six joints, [N, 6], actuated at 1, 3 and 5); no sensor_forces or sensor_torques",
        "ball_radius is 0.05 m (IsaacGymEnvs: 0.1 m)",
    ],
    "Quadcopter": ["no rotor dof_positions"],
    "Ant": ["obs_buf's foot force entries are zeros (the MuJoCo model has no force sensors)"],
    "Humanoid": [
        "17 joints and motors (IsaacGymEnvs: 21), so obs_buf's joint slices move and "
        "motor_efforts is [17]; no dof_force_tensor"
    ],
    "FrankaCabinet": [
        "the cabinet is our own: one drawer (cabinet_dof_pos[:, 0:3] are zeros), its handle at (0.5, 0, "
        "0.75) m; the robot stands where IsaacGymEnvs puts it, at (1, 0, 0) facing -x",
        "hand_pos is the grasp point (IsaacGymEnvs' hand_pos: the hand link, about 0.1 m behind it)",
        "episodes last 300 steps (IsaacGymEnvs: 500; max_episode_length says which)",
        "no rigid_body_states",
    ],
    "ShadowHand": [PEN_ROT_DIST, HAND_STATE],
    "ShadowHandSpin": [PEN_ROT_DIST, HAND_STATE],
    "ShadowHandBlock": [
        "IsaacGymEnvs has no such task: it is OpenAI's block rotation about the palm's normal",
        HAND_STATE,
    ],
}


def _drawer_dofs(top: Tensor) -> Tensor:
    return torch.cat([torch.zeros(len(top), 3, device=top.device), top[:, None]], dim=-1)


@functools.cache
def isaac_names(task: type[BatchedTask]) -> dict[str, IsaacName]:
    """The task's IsaacGymEnvs names that its own state does not already have (once per task class: a reward's
    inputs are built from it at every step)."""
    names = {**ISAAC_NAMES.get(task.name, {}), **EVERY_TASK}
    return {k: v for k, v in names.items() if k not in task.state_spec}


def reward_names(task: type[BatchedTask]) -> list[str]:
    """Every name a reward program may take as a parameter: the task's own, then IsaacGymEnvs'."""
    return [*task.state_spec, *isaac_names(task)]


def reward_inputs(task: BatchedTask, state: State, names: list[str]) -> dict[str, Tensor | float]:
    """The values of ``names`` for a reward: named state as it is, IsaacGymEnvs names computed from it."""
    extra = isaac_names(type(task))
    return {name: state[name] if name in state else extra[name].compute(task, state) for name in names}


def describe_isaac_names(task: type[BatchedTask]) -> str:
    """The task's IsaacGymEnvs names, one per line with shape, meaning and mapping
    (the paper prompt, task cards)."""
    return "\n".join(n.describe(name) for name, n in isaac_names(task).items())


def check_reward_names(program: ProgramShape | RewardProgram, task: type[BatchedTask]) -> None:
    """Raise RewardProgramError for a parameter that is no name of the task,
    with a "did you mean" where one fits."""
    program.check_names(reward_names(task), lambda name: did_you_mean(name, task))


def did_you_mean(name: str, task: type[BatchedTask], known: list[str] | None = None) -> str | None:
    """A hint for an unknown input: a near miss among ``known`` (default: the task's reward names), or the
    other tasks whose IsaacGymEnvs name it is."""
    close = difflib.get_close_matches(name, known or reward_names(task), n=1, cutoff=0.6)
    if close:
        return f"did you mean {close[0]}?"
    elsewhere = sorted(other for other, names in ISAAC_NAMES.items() if name in names and other != task.name)
    if elsewhere:
        return f"{name} is an IsaacGymEnvs name of {', '.join(elsewhere)}, not of {task.name}"
    return None
