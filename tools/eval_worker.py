"""Worker process entry: ``python -m tools.eval_worker DIR`` measures a policy's clean fitness.

It reads ``evaluation.json`` ({task, checkpoint, seed, ppo}) and sends one
``evaluation`` message. It imports the task and loads the policy's weights as data; no
reward program is ever loaded here.
"""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path

from tools.isolation.channel import send
from tools.job_dir import EVAL_SPEC_FILE


def main() -> None:
    import torch

    torch.set_num_threads(1)
    spec = json.loads((Path(sys.argv[1]) / EVAL_SPEC_FILE).read_text())
    from sim.rl.checkpoint import CheckpointError, load_checkpoint

    try:
        from sim.rl.evaluation import evaluate_policy
        from sim.rl.ppo_config import ppo_config

        cfg = ppo_config(spec["task"], spec["ppo"])
        num_envs = min(cfg["eval_envs"], cfg["num_envs"])
        measured = evaluate_policy(
            spec["task"], spec["checkpoint"], num_envs, spec["seed"], spec["ppo"], spec["sim"]
        )
        saved = load_checkpoint(spec["checkpoint"])  # the step count rl_games wrote with the weights
        send(
            {
                "type": "evaluation",
                **measured,
                "checkpoint_epoch": saved.get("epoch"),
                "checkpoint_frame": saved.get("frame"),
                "error": None,
            }
        )
    except CheckpointError as exc:
        send({"type": "evaluation", "fitness": None, "error": f"CheckpointError: {exc}"})
    except Exception:  # noqa: BLE001 - reported to the caller
        send({"type": "evaluation", "fitness": None, "error": traceback.format_exc(limit=-3)})


if __name__ == "__main__":
    main()
