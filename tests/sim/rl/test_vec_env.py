"""Training statistics: rolling fitness over finished episodes, withheld until enough finished."""

import torch

from sim.rl.vec_env import TrainingStats


def test_fitness_is_withheld_until_enough_episodes_have_finished():
    stats = TrainingStats(window=4, min_episodes=3)
    stats.record_episodes(torch.tensor([1.0, 1.0]), torch.tensor([5.0, 6.0]))  # two early successes
    stats.close_epoch()
    stats.record_episodes(torch.tensor([0.0, 0.0]), torch.tensor([300.0, 300.0]))
    stats.close_epoch()
    assert stats.fitness == [None, 0.5]
    assert stats.episode_length == [None, (5 + 6 + 300 + 300) / 4]


def test_fitness_is_a_rolling_mean_over_the_window():
    stats = TrainingStats(window=2)
    for value in (1.0, 2.0, 3.0):
        stats.record_episodes(torch.tensor([value]), torch.tensor([10.0]))
        stats.close_epoch()
    assert stats.fitness == [1.0, 1.5, 2.5]
