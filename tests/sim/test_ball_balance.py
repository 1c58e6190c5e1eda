import torch

from sim.registry import make_task


def test_ball_rolls_downhill():
    task = make_task("BallBalance", num_envs=2, seed=0)
    task.ball_xy.zero_()
    task.ball_xy_vel.zero_()
    task.tilt[:] = torch.tensor([0.0, 0.2])  # pitch: +x side lower
    for _ in range(10):
        task.step(torch.zeros(2, 2))
    assert (task.ball_xy[:, 0] > 0.01).all()
