"""IsaacGymEnvs' names beside each task's own: the same state, IsaacGymEnvs' shapes and conventions,
"did you mean"."""

from pathlib import Path

import pytest
import torch

from sim.isaac_names import (
    ISAAC_NAMES,
    check_reward_names,
    did_you_mean,
    isaac_names,
    reward_inputs,
    reward_names,
)
from sim.registry import make_task, task_class, task_names
from sim.reward.library import tf_vector
from sim.reward.program import RewardProgram, RewardProgramError
from tests.tools.test_check_worker import dry_run_source

PROGRAMS = Path(__file__).resolve().parent.parent / "fixtures" / "isaac_style"
#: Tasks that share another's names take its program.
PROGRAM_OF = {"Humanoid": "Ant", "ShadowHandSpin": "ShadowHand", "ShadowHandBlock": "ShadowHand"}


def stepped(task_name: str, num_envs: int = 4):
    task = make_task(task_name, num_envs=num_envs, seed=0)
    task.reset()
    state, _, _ = task.step(
        torch.rand(num_envs, task.num_actions, generator=torch.Generator().manual_seed(1)) * 2 - 1
    )
    return task, state


@pytest.mark.parametrize("task_name", task_names())
def test_an_isaacgymenvs_style_program_runs_unchanged_on_every_task(task_name):
    source = (PROGRAMS / f"{PROGRAM_OF.get(task_name, task_name)}.py").read_text()
    assert "@torch.jit.script" in source  # written as IsaacGymEnvs and Eureka write them
    program = RewardProgram.from_source(source)
    task, state = stepped(task_name)
    check_reward_names(program, type(task))
    reward, components = program(reward_inputs(task, state, program.params), task.num_envs)
    assert reward.shape == (task.num_envs,) and torch.isfinite(reward).all() and components


@pytest.mark.parametrize("task_name", sorted(ISAAC_NAMES))
def test_every_isaacgymenvs_name_has_its_declared_shape(task_name):
    task, state = stepped(task_name)
    names = isaac_names(type(task))
    values = reward_inputs(task, state, list(names))
    for name, value in values.items():
        if names[name].scalar == "tensor":  # one for every environment, as IsaacGymEnvs passes it
            assert isinstance(value, torch.Tensor) and value.shape == names[name].field.shape, name
        elif isinstance(value, torch.Tensor):
            assert value.shape == (task.num_envs, *names[name].field.shape), name
        else:
            assert isinstance(value, (int, float, torch.device)) and names[name].scalar, name


def test_the_views_are_the_same_state():
    cartpole, s = stepped("Cartpole")
    v = reward_inputs(cartpole, s, ["dof_pos", "dof_vel"])
    assert torch.equal(v["dof_pos"][:, 0], s["cart_pos"]) and torch.equal(v["dof_pos"][:, 1], s["pole_angle"])
    assert torch.equal(v["dof_vel"][:, 1], s["pole_vel"])
    ant, s = stepped("Ant")
    v = reward_inputs(ant, s, ["root_states", "obs_buf", "dof_pos_scaled", "up_vec", "dt"])
    assert torch.equal(v["root_states"][:, 0:3], s["torso_position"]) and torch.equal(
        v["root_states"][:, 7:10], s["velocity"]
    )
    assert v["obs_buf"].shape[1] == 60  # IsaacGymEnvs' Ant observation size
    assert torch.equal(v["obs_buf"][:, 0], s["torso_position"][:, 2]) and torch.allclose(
        v["obs_buf"][:, 10], s["up_proj"]
    )
    assert torch.equal(v["obs_buf"][:, 12:20], v["dof_pos_scaled"])
    low, high = ant.joint_range[1:9].unbind(-1)  # the hinges after the free root joint
    at_limits = reward_inputs(ant, {**s, "dof_pos": torch.stack([low, high])}, ["dof_pos_scaled"])[
        "dof_pos_scaled"
    ]
    assert torch.allclose(at_limits, torch.tensor([[-1.0] * 8, [1.0] * 8]), atol=1e-6)
    assert torch.allclose(v["up_vec"][:, 2], s["up_proj"]) and v["dt"] == ant.dt
    franka, s = stepped("FrankaCabinet")
    assert torch.equal(
        reward_inputs(franka, s, ["cabinet_dof_pos"])["cabinet_dof_pos"][:, 3], s["drawer_opening"]
    )
    hand, s = stepped("ShadowHandSpin")
    v = reward_inputs(
        hand,
        s,
        [
            "object_pose",
            "goal_pose",
            "shadow_hand_dof_pos",
            "shadow_hand_dof_lower_limits",
            "shadow_hand_dof_upper_limits",
            "num_fingertips",
        ],
    )
    assert torch.equal(v["object_pose"][:, :3], s["object_pos"]) and torch.equal(
        v["goal_pose"][:, 3:], s["goal_rot"]
    )
    assert (
        torch.equal(v["shadow_hand_dof_pos"], s["dof_pos"])
        and v["num_fingertips"] == s["fingertip_pos"].shape[1]
    )
    hand.dof_noise = 0.0
    hand.reset()  # IsaacGymEnvs' default pose is all zeros, and the reset pose before its noise
    default = reward_inputs(hand, hand.state(), ["shadow_hand_dof_default_pos"])[
        "shadow_hand_dof_default_pos"
    ]
    assert torch.equal(default, torch.zeros_like(default)) and torch.allclose(
        hand.state()["dof_pos"], default
    )
    low, high = v["shadow_hand_dof_lower_limits"], v["shadow_hand_dof_upper_limits"]
    assert (low < high).all() and (low - 1e-3 <= s["dof_pos"]).all() and (s["dof_pos"] <= high + 1e-3).all()


def test_an_unknown_input_gets_a_did_you_mean():
    ant, cartpole = task_class("Ant"), task_class("Cartpole")
    assert did_you_mean("root_state", ant) == "did you mean root_states?"
    assert did_you_mean("dof_positions", cartpole) == "did you mean dof_pos?"
    assert (
        did_you_mean("franka_grasp_pos", ant)
        == "franka_grasp_pos is an IsaacGymEnvs name of FrankaCabinet, not of Ant"
    )
    program = RewardProgram.from_source("def compute_reward(root_state):\n    return root_state[:, 0], {}\n")
    with pytest.raises(
        RewardProgramError, match=r"unknown state \['root_state'\]; did you mean root_states\?"
    ):
        check_reward_names(program, ant)
    assert "root_states" in reward_names(ant) and "torso_position" in reward_names(ant)


def test_franka_is_laid_out_as_in_isaacgymenvs():
    # IsaacGymEnvs' FrankaCabinet: the drawer opens toward +x (its inward axis -x), the gripper's forward axis
    # meets it, its up axis is the drawer's up, the left finger is above the right one
    # (straddling the handle).
    franka = make_task("FrankaCabinet", num_envs=4, seed=0)
    franka.reset()
    for _ in range(10):
        s, _, _ = franka.step(torch.zeros(4, franka.num_actions))
    v = reward_inputs(franka, s, list(isaac_names(type(franka))))
    forward = tf_vector(v["franka_grasp_rot"], v["gripper_forward_axis"])
    inward = tf_vector(v["drawer_grasp_rot"], v["drawer_inward_axis"])
    up, drawer_up = (
        tf_vector(v["franka_grasp_rot"], v["gripper_up_axis"]),
        tf_vector(v["drawer_grasp_rot"], v["drawer_up_axis"]),
    )
    assert torch.allclose(inward, torch.tensor([-1.0, 0.0, 0.0]).expand(4, 3), atol=1e-5)
    assert ((forward * inward).sum(-1) > 0.95).all() and ((up * drawer_up).sum(-1) > 0.95).all()
    assert (
        v["franka_lfinger_pos"][:, 2] > v["franka_rfinger_pos"][:, 2] + 0.05
    ).all()  # the reset pose is noisy
    for finger in (
        "franka_lfinger_pos",
        "franka_rfinger_pos",
    ):  # on the robot's side: no "bad style" at reset
        assert (v[finger][:, 0] > v["drawer_grasp_pos"][:, 0] - v["distX_offset"]).all()
    assert torch.allclose(
        v["drawer_pos"] + tf_vector(v["drawer_rot"], torch.tensor([0.3, 0.01, 0.0]).expand(4, 3)),
        v["drawer_grasp_pos"],
        atol=1e-6,
    )
    assert torch.equal(v["obs_buf"][:, 18:21], v["to_target"]) and torch.equal(
        v["obs_buf"][:, 21], s["drawer_opening"]
    )


#: IsaacGymEnvs' compute_humanoid_reward in Eureka's form; its obs_buf slices are sized by motor_efforts
#: (21 joints there, 17 here: DIFFERENCES).
HUMANOID = """@torch.jit.script
def compute_reward(obs_buf: Tensor, actions: Tensor, potentials: Tensor, prev_potentials: Tensor,
                   up_weight: float, heading_weight: float, actions_cost_scale: float,
                   energy_cost_scale: float, joints_at_limit_cost_scale: float, max_motor_effort: float,
                   motor_efforts: Tensor, termination_height: float,
                   death_cost: float) -> Tuple[Tensor, Dict[str, Tensor]]:
    dofs = motor_efforts.shape[0]
    heading_weight_tensor = torch.ones_like(obs_buf[:, 11]) * heading_weight
    heading_reward = torch.where(obs_buf[:, 11] > 0.8, heading_weight_tensor,
                                 heading_weight * obs_buf[:, 11] / 0.8)
    up_reward = torch.zeros_like(heading_reward)
    up_reward = torch.where(obs_buf[:, 10] > 0.93, up_reward + up_weight, up_reward)
    actions_cost = torch.sum(actions ** 2, dim=-1)
    motor_effort_ratio = motor_efforts / max_motor_effort
    dof_pos_scaled = obs_buf[:, 12:12 + dofs]
    scaled_cost = joints_at_limit_cost_scale * (torch.abs(dof_pos_scaled) - 0.98) / 0.02
    dof_at_limit_cost = torch.sum((torch.abs(dof_pos_scaled) > 0.98) * scaled_cost
                                  * motor_effort_ratio.unsqueeze(0), dim=-1)
    electricity_cost = torch.sum(torch.abs(actions * obs_buf[:, 12 + dofs:12 + 2 * dofs])
                                 * motor_effort_ratio.unsqueeze(0), dim=-1)
    alive_reward = torch.ones_like(potentials) * 2.0
    progress_reward = potentials - prev_potentials
    total_reward = progress_reward + alive_reward + up_reward + heading_reward - \\
        actions_cost_scale * actions_cost - energy_cost_scale * electricity_cost - dof_at_limit_cost
    total_reward = torch.where(obs_buf[:, 0] < termination_height,
                               torch.ones_like(total_reward) * death_cost, total_reward)
    return total_reward, {"progress": progress_reward, "electricity": electricity_cost,
                          "at_limit": dof_at_limit_cost}
"""
#: An Eureka BallBalance answer's shape: the ball near the centre and slow, the tray's joints calm.
BALL_BALANCE = """@torch.jit.script
def compute_reward(ball_positions: torch.Tensor, ball_linvels: torch.Tensor, tray_positions: torch.Tensor,
                   dof_positions: torch.Tensor,
                   dof_velocities: torch.Tensor) -> Tuple[torch.Tensor, Dict[str, torch.Tensor]]:
    dist = torch.norm(ball_positions[..., 0:2] - tray_positions[..., 0:2], dim=-1)
    position_reward = torch.exp(-dist / 0.1)
    speed_reward = torch.exp(-torch.norm(ball_linvels, dim=-1))
    joint_penalty = 0.1 * torch.sum(dof_positions ** 2, dim=-1) + 0.01 * torch.sum(dof_velocities ** 2,
                                                                                    dim=-1)
    reward = position_reward * speed_reward - joint_penalty
    return reward, {"position": position_reward, "joints": joint_penalty}
"""


@pytest.mark.parametrize("task_name, source", [("Humanoid", HUMANOID), ("BallBalance", BALL_BALANCE)])
def test_rewards_taking_motor_efforts_or_the_trays_joint_state_pass_the_dry_run(tmp_path, task_name, source):
    assert dry_run_source(tmp_path, task_name, source) is None


def test_motor_efforts_weigh_the_motors_as_their_gears_do_and_the_trays_joints_are_its_tilt():
    humanoid, s = stepped("Humanoid")
    v = reward_inputs(humanoid, s, ["motor_efforts", "max_motor_effort"])
    gears = torch.tensor(humanoid.sim.model.actuator_gear[:, 0], dtype=torch.float32)
    assert torch.allclose(v["motor_efforts"] / v["max_motor_effort"], gears / gears.max())  # the weights
    assert torch.allclose(v["motor_efforts"], 0.4 * gears)  # the torque of a full action: ctrlrange +-0.4
    tray = make_task("BallBalance", num_envs=3, seed=0)
    tray.reset()
    before = tray.state()["tray_tilt"].clone()
    s, _, _ = tray.step(torch.tensor([[1.0, -0.5], [0.0, 0.25], [-1.0, 1.0]]))
    v = reward_inputs(tray, s, ["dof_positions", "dof_velocities"])
    assert torch.equal(v["dof_positions"], s["tray_tilt"])
    assert torch.allclose(v["dof_velocities"], (s["tray_tilt"] - before) / tray.dt, atol=1e-4)
    tray.tilt[:] = tray.max_tilt  # at the limit, a push further leaves the joint still
    s, _, _ = tray.step(torch.tensor([[1.0, -1.0]] * 3))
    assert reward_inputs(tray, s, ["dof_velocities"])["dof_velocities"].tolist() == [[0.0, -1.5]] * 3
