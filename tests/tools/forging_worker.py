"""FAKE training worker (failure injection): a worker that got past the static policy and forges its result.
The job's reward text names the forgery: ``no_progress`` (claims "trained" with no epoch reported),
``two_results`` (an honest-looking result, then a better one) or ``planted_policy`` (every epoch reported, a
hand-written checkpoint whose step count fits no training)."""

import json
import sys
from pathlib import Path

import torch

from tools.isolation.channel import send
from tools.job_dir import JOB_FILE, LAST_FILE, NN_DIR

CLAIM = {"status": "trained", "fitness_max": 500.0, "fitness": [500.0], "epochs": 3, "env_steps": 10**9}


def main(out_dir: str) -> None:
    job = json.loads((Path(out_dir) / JOB_FILE).read_text())
    forgery = job["reward_source"]
    if forgery == "two_results":
        send({"type": "result", "result": {**CLAIM, "fitness_max": 20.0}})
        send({"type": "result", "result": CLAIM})
        return
    if forgery == "planted_policy":
        from sim.registry import make_task
        from sim.reward.program import RewardProgram, function_source
        from sim.rl.ppo import train  # a real policy file, then its step count rewritten
        from sim.rl.ppo_config import ppo_config

        task = make_task(job["task"], num_envs=8)
        program = RewardProgram.from_source(function_source(type(task).human_reward))
        train(
            job["task"],
            program,
            {**ppo_config(job["task"], {"num_envs": 8, "max_epochs": 1})},
            0,
            "cpu",
            Path(out_dir),
            None,
        )
        last = Path(out_dir) / NN_DIR / LAST_FILE
        checkpoint = torch.load(last, weights_only=True)
        checkpoint.update(epoch=3, frame=10**6)
        torch.save(checkpoint, last)
    for epoch in (1, 2, 3) if forgery != "no_progress" else ():
        send({"type": "progress", "epoch": epoch, "max_epochs": 3, "fitness": 500.0})
    send({"type": "result", "result": CLAIM})


if __name__ == "__main__":
    main(sys.argv[1])
