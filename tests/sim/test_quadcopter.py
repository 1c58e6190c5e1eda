import torch

from sim.registry import make_task


def test_quadcopter_falls_with_rotors_off_and_hovers_near_hover_thrust():
    task = make_task("Quadcopter", num_envs=4, seed=0)
    z0 = task.pos[:, 2].clone()
    for _ in range(20):
        task.step(-torch.ones(4, 4))
    assert (task.pos[:, 2] < z0 - 0.1).all()
    hover = make_task("Quadcopter", num_envs=4, seed=0)
    hover.quat[:] = torch.tensor([0.0, 0.0, 0.0, 1.0])
    hover.angvel.zero_()
    hover.linvel.zero_()
    thrust_fraction = hover.mass * hover.gravity / (4 * hover.max_rotor_thrust)
    for _ in range(20):
        hover.step(torch.full((4, 4), 2 * thrust_fraction - 1))
    assert hover.linvel.abs().max() < 1e-3
