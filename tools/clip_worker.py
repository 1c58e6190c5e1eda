"""Worker process entry: ``python -m tools.clip_worker DIR`` renders a policy's rollout to an mp4.

It reads ``clip.json`` ({task, checkpoint, out, seconds}) and sends one ``clip`` message. Like the
clean evaluation, it loads the policy's weights as data and never a reward program.
"""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path

from tools.isolation.channel import send
from tools.job_dir import CLIP_SPEC_FILE


def main() -> None:
    import torch

    torch.set_num_threads(1)
    spec = json.loads((Path(sys.argv[1]) / CLIP_SPEC_FILE).read_text())
    try:
        from sim.mujoco.render import render_checkpoint
        from sim.registry import make_task

        frames = render_checkpoint(
            make_task(spec["task"], num_envs=1), spec["checkpoint"], Path(spec["out"]), spec["seconds"]
        )
        send({"type": "clip", "frames": frames, "error": None})
    except Exception:  # noqa: BLE001 - reported to the caller
        send({"type": "clip", "frames": 0, "error": traceback.format_exc(limit=-3)})


if __name__ == "__main__":
    main()
