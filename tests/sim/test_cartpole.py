import math

import torch

from sim.registry import make_task


def test_cartpole_falls_without_control_and_reports_it():
    task = make_task("Cartpole", num_envs=4, seed=0)
    task.dof[:, 2] = 0.3  # pole tilted: gravity pulls it down
    for _ in range(200):
        state, done, timeout = task.step(torch.zeros(4, 1))
        if done.all():
            break
    assert done.all() and not timeout.any()
    assert (state["pole_angle"].abs() > math.pi / 2).all()
