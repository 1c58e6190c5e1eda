"""The IsaacGym adapter where Isaac Gym cannot be installed: the clear error, and the config it relies on."""

import sys

import pytest

from sim.isaacgym.adapter import IsaacGymUnavailableError, isaacgym_mapping
from sim.registry import make_task, task_class


def test_without_isaac_gym_the_error_says_what_to_install():
    with pytest.raises(
        IsaacGymUnavailableError,
        match=r"needs NVIDIA Isaac Gym \(Preview 4; not on PyPI.*IsaacGymEnvs.*"
        r"\(missing: isaacgym\)",
    ):
        make_task("ShadowHand", num_envs=4, sim="isaacgym")


def test_the_shadow_hand_maps_isaacgymenvs_tensors_onto_its_own_state_names():
    mapping = isaacgym_mapping("ShadowHand")
    assert set(mapping["state"]) <= set(task_class("ShadowHand").state_spec)
    assert mapping["state"]["dof_pos"] == "shadow_hand_dof_pos" and mapping["success"] == "successes"
    with pytest.raises(ValueError, match="Cartpole cannot run with --sim isaacgym"):
        isaacgym_mapping("Cartpole")


class FakeShadowHandVecTask:
    """FAKE IsaacGymEnvs VecTask (Isaac Gym needs an NVIDIA GPU and is not on PyPI): the tensors the adapter
    maps, a success count that one env gains each step, and resets as a VecTask does them
    (at the next step)."""

    def __init__(self, num_envs: int):
        import torch

        self.num_envs, self.num_obs, self.num_actions, self.max_episode_length, self.dt = (
            num_envs,
            211,
            20,
            600,
            1 / 60,
        )
        for name, size in (
            ("object_pos", 3),
            ("object_rot", 4),
            ("object_linvel", 3),
            ("object_angvel", 3),
            ("goal_pos", 3),
            ("goal_rot", 4),
            ("shadow_hand_dof_pos", 24),
            ("shadow_hand_dof_vel", 24),
        ):
            setattr(self, name, torch.zeros(num_envs, size))
        self.object_rot[:, 3] = self.goal_rot[:, 3] = 1.0
        self.fingertip_pos = torch.zeros(num_envs, 5, 3)
        self.successes, self.reset_buf = torch.zeros(num_envs), torch.zeros(num_envs, dtype=torch.long)
        self.obs_buf = torch.zeros(num_envs, self.num_obs)

    def step(self, actions):
        self.successes[self.reset_buf == 1] = 0.0
        self.reset_buf[:] = 0
        self.successes[0] += 1.0
        self.object_pos += 0.01 * actions[:, :3]


@pytest.fixture
def fake_isaacgym(monkeypatch):
    import importlib.machinery
    import types

    made = []
    isaacgymenvs = types.ModuleType("isaacgymenvs")
    isaacgymenvs.make = lambda **kw: made.append(kw) or FakeShadowHandVecTask(kw["num_envs"])
    for name, module in (("isaacgym", types.ModuleType("isaacgym")), ("isaacgymenvs", isaacgymenvs)):
        module.__spec__ = importlib.machinery.ModuleSpec(name, None)
        monkeypatch.setitem(sys.modules, name, module)
    return made


def test_the_adapter_drives_an_isaacgymenvs_task_through_the_contract(fake_isaacgym):
    import torch

    from sim.isaac_names import reward_inputs
    from sim.registry import check_backend

    check_backend("isaacgym", "ShadowHand")
    task = make_task("ShadowHand", num_envs=3, sim="isaacgym", seed=7)
    assert fake_isaacgym == [
        {
            "seed": 7,
            "task": "ShadowHand",
            "num_envs": 3,
            "sim_device": "cpu",
            "rl_device": "cpu",
            "graphics_device_id": -1,
            "headless": True,
        }
    ]
    state, done, _ = task.step(torch.ones(3, 20))
    assert set(state) == set(task.state_spec) and torch.equal(state["dof_pos"], task.env.shadow_hand_dof_pos)
    assert torch.allclose(state["object_pos"], torch.full((3, 3), 0.01)) and not done.any()
    assert task.step_fitness(state).tolist() == [1.0, 0.0, 0.0]  # the success count's increase
    assert reward_inputs(task, state, ["dt", "max_episode_length"]) == {
        "dt": 1 / 60,
        "max_episode_length": 600,
    }


def test_the_coder_is_offered_only_the_state_isaac_gym_provides_and_checked_against_it():
    from sim.isaac_names import reward_names
    from sim.registry import backend_task
    from tools.reward_check import RewardCheckError, static_check

    view = backend_task("ShadowHand", "isaacgym")
    assert {"rot_dist", "goal_reached"} <= set(task_class("ShadowHand").state_spec) - set(view.state_spec)
    assert {"object_rot", "goal_rot", "actions", "progress_buf"} <= set(view.state_spec)
    program = "def compute_reward(rot_dist):\n    return -rot_dist, {}\n"
    with pytest.raises(RewardCheckError, match=r"unknown state \['rot_dist'\]"):
        static_check(program, reward_names(view), "ShadowHand")
    static_check(
        program, reward_names(backend_task("ShadowHand")), "ShadowHand"
    )  # the default backend has it
