"""How long the Coder's answers are: completion tokens per call, from runs' transcripts (llm_calls.jsonl).

    python bench/answer_tokens.py runs/*/llm_calls.jsonl [--agent coder]

Prints the number of calls and the median, 90th percentile and maximum of their completion tokens, and how
many were cut off by ``llm_max_tokens``: the figures ``llm_max_tokens``'s default is chosen by.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path


def completion_tokens(paths: list[Path], agent: str) -> tuple[list[int], int]:
    """Every call of ``agent`` with a reply: its completion tokens, and how many were truncated."""
    tokens, truncated = [], 0
    for path in paths:
        for line in path.read_text().splitlines():
            call = json.loads(line)
            if (
                call.get("agent") == agent
                and isinstance(call.get("completion_tokens"), int)
                and "tool" not in call
            ):
                tokens.append(call["completion_tokens"])
                truncated += bool(call.get("truncated"))
    return tokens, truncated


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("transcripts", nargs="+", type=Path)
    p.add_argument("--agent", default="coder")
    args = p.parse_args()
    tokens, truncated = completion_tokens(args.transcripts, args.agent)
    if len(tokens) < 2:
        raise SystemExit(
            f"error: {len(tokens)} {args.agent} calls with a reply in {len(args.transcripts)} transcripts"
        )
    p90 = statistics.quantiles(tokens, n=10)[-1]
    print(
        f"{args.agent}: {len(tokens)} calls; completion tokens median {statistics.median(tokens):.0f}, "
        f"90th percentile {p90:.0f}, max {max(tokens)}; truncated {truncated}"
    )


if __name__ == "__main__":
    main()
