"""The IsaacGym adapter where Isaac Gym cannot be installed: the clear error, and the config it relies on."""

import pytest

from sim.isaacgym.adapter import IsaacGymUnavailableError, isaacgym_mapping
from sim.registry import make_task, task_class


def test_without_isaac_gym_the_error_says_what_to_install():
    with pytest.raises(IsaacGymUnavailableError, match=r"needs NVIDIA Isaac Gym \(Preview 4; not on PyPI.*IsaacGymEnvs.*"
                                                       r"\(missing: isaacgym\)"):  # fmt: skip
        make_task("ShadowHand", num_envs=4, sim="isaacgym")


def test_the_shadow_hand_maps_isaacgymenvs_tensors_onto_its_own_state_names():
    mapping = isaacgym_mapping("ShadowHand")
    assert set(mapping["state"]) <= set(task_class("ShadowHand").state_spec)
    assert mapping["state"]["dof_pos"] == "shadow_hand_dof_pos" and mapping["success"] == "successes"
    with pytest.raises(ValueError, match="Cartpole cannot run with --sim isaacgym"):
        isaacgym_mapping("Cartpole")
