"""Benchmark: does llama.cpp's n-gram speculation make the embedded model write faster?

    python bench/prompt_lookup.py --run runs/<run> [--prompts it0-s0/attempt0,it2-s0/attempt1] [--tries 5]
                                  [--types ngram_simple,ngram_mod]

Asks the embedded model each recorded Coder prompt of a run ``--tries`` times, first without speculation,
then with each ``--types`` (a draftless llama.cpp speculation: it drafts tokens that continue an n-gram
already in the context, and the model checks them in one batch). Prints the answer tokens per second of the
calls after each prompt's first (the first also reads the prompt) and the ratio to no speculation. The
Coder's later answers copy much of the program in their prompt; its first ones do not.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from agents.llm.local_llm import CONTEXT_TOKENS, start_server
from agents.llm.local_model import assemble
from agents.llm.replay import read_calls
from graph.results.run_dir import RunDir


def tokens_per_s(server, messages: list[dict], tries: int) -> tuple[float, float]:
    """Answer tokens per second over the calls after the first, and the share of drafted tokens accepted."""
    tokens = seconds = drafted = accepted = 0.0
    for i in range(tries + 1):
        started = time.perf_counter()
        answer = server.handle_chat_completions(
            {"messages": messages, "temperature": 1.0, "max_tokens": 1024}
        )
        if i == 0:
            continue  # it read the prompt
        seconds += time.perf_counter() - started
        tokens += answer["usage"]["completion_tokens"]
        timings = answer.get("timings") or {}
        drafted += timings.get("draft_n") or 0
        accepted += timings.get("draft_n_accepted") or 0
    return tokens / seconds, accepted / drafted if drafted else 0.0


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--run", type=Path, required=True, help="a run directory (its llm_calls.jsonl)")
    p.add_argument(
        "--prompts", default="it0-s0/attempt0,it2-s0/attempt1", help="Coder calls, by the end of their key"
    )
    p.add_argument("--tries", type=int, default=5)
    p.add_argument("--types", default="ngram_simple,ngram_mod")
    args = p.parse_args()
    calls = read_calls(RunDir(args.run).llm_calls)
    prompts = {
        key: next(c["messages"] for c in calls if c["key"].endswith(key)) for key in args.prompts.split(",")
    }
    model, threads = assemble(), os.cpu_count() or 1
    print(f"{'speculation':<14}" + "".join(f"{key + ' tok/s (accepted)':>36}" for key in prompts))
    baseline: dict[str, float] = {}
    for kind in ("none", *args.types.split(",")):
        server = start_server(model, threads, CONTEXT_TOKENS, speculative=None if kind == "none" else kind)
        cells = []
        for key, messages in prompts.items():
            rate, share = tokens_per_s(server, messages, args.tries)
            baseline.setdefault(key, rate)
            cells.append(f"{rate:.1f} ({share:.0%}), x{rate / baseline[key]:.2f}")
        del server
        print(f"{kind:<14}" + "".join(f"{cell:>36}" for cell in cells), flush=True)


if __name__ == "__main__":
    main()
