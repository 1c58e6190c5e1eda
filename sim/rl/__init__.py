"""PPO on the tasks (rl_games), its checkpoints and the policy's evaluation."""
