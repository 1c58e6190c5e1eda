"""Why `overlap: auto` keeps the local LLM and PPO apart on small CPUs.

    python bench/llm_vs_training.py [--llm local] [--tokens 200]

Measures the embedded model's generation speed (completion tokens/s) with the machine
otherwise idle, then again while one Cartpole PPO job trains in the device pool, and
prints the ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from agents.llm.chat_models import make_chat_model
from tools.pool import DevicePool
from tools.trainer import make_job

PROMPT = "Write a PyTorch function that returns the L2 norm of each row of a [N, 3] tensor, with comments."


async def tokens_per_s(model) -> float:
    started = time.perf_counter()
    message = await model.ainvoke(PROMPT)
    return message.usage_metadata["output_tokens"] / (time.perf_counter() - started)


async def measure(llm: str, tokens: int) -> tuple[float, float]:
    model = make_chat_model(llm, agent="coder", temperature=0.0)
    model.max_tokens = tokens
    await tokens_per_s(model)  # load the model and warm the prompt cache
    idle = await tokens_per_s(model)
    with tempfile.TemporaryDirectory() as tmp:
        job = make_job("Cartpole", "human", Path(tmp) / "job", ppo={"num_envs": 512, "max_epochs": 100000})
        training = asyncio.create_task(DevicePool("cpu").run(job))
        await asyncio.sleep(8)  # let the worker start and reach steady training
        busy = await tokens_per_s(model)
        training.cancel()
        await asyncio.gather(training, return_exceptions=True)
    return idle, busy


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--llm", default="local")
    p.add_argument("--tokens", type=int, default=200)
    args = p.parse_args()
    idle, busy = asyncio.run(measure(args.llm, args.tokens))
    print(f"{'condition':<28}{'tokens/s':>10}")
    print(f"{'LLM alone':<28}{idle:>10.1f}")
    print(f"{'LLM beside one PPO job':<28}{busy:>10.1f}")
    print(f"ratio alone / beside PPO: {idle / busy:.2f}x")


if __name__ == "__main__":
    main()
