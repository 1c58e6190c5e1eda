"""Benchmark: after the Coder is refused a program already tried, does asking again give a new one?

    # what followed each refusal
    python bench/duplicate_retry.py --run runs/<run> ...
    # ask the model again
    python bench/duplicate_retry.py --run runs/<run> --prompt it2-s0/attempt1 --tries 6

The first form reads the runs' logs (``coder.candidate`` events): for every attempt that came after a
refusal, and after two refusals naming the same candidate, whether it was a new valid program, another
copy or an invalid one. The second takes one recorded Coder call of the first run (a key ending in
``--prompt``) and asks the embedded model ``--tries`` times, as a fresh sample (the prompt again) and as
told (the copy and Eureka's refusal added to the conversation), counting copies of the program the prompt
showed (by normal form) and distinct programs.
"""

from __future__ import annotations

import argparse
import collections
import json
from pathlib import Path

from agents.code_extraction import NoCodeError, extract_code
from agents.llm.replay import read_calls
from graph.results.run_dir import RunDir
from graph.search.novelty import REFUSAL
from sim.reward.normal_form import program_digest

REFUSED = REFUSAL.split("{owner}")[0]  # how a refusal starts


def outcome(event: dict) -> str:
    """valid, copy of <candidate>, or invalid."""
    error = event.get("error") or ""
    if event["status"] == "valid":
        return "valid"
    if error.startswith(REFUSED):
        return "copy of " + error.removeprefix(REFUSED).split(",")[0]
    return "invalid"


def after_refusals(runs: list[Path]) -> collections.Counter:
    """What the attempt after a refusal was, and after two refusals naming the same candidate."""
    counts: collections.Counter = collections.Counter()
    for run in runs:
        attempts: dict[str, list[str]] = collections.defaultdict(list)
        for line in RunDir(run).log.read_text().splitlines():
            event = json.loads(line)
            if event.get("event") == "coder.candidate":
                attempts[event["key"]].append(outcome(event))
        for seq in attempts.values():
            for i in range(1, len(seq)):
                kind = seq[i].split(" of ")[0]
                if seq[i - 1].startswith("copy"):
                    counts[("after a refusal", kind)] += 1
                if i >= 2 and seq[i - 1].startswith("copy") and seq[i - 1] == seq[i - 2]:
                    counts[("after two refusals naming one candidate", kind)] += 1
    return counts


def ask_again(run: Path, prompt: str, tries: int) -> None:
    """The embedded model asked again on one recorded Coder call: fresh, and told it sent a copy."""
    from agents.llm.local_llm import LocalServer
    from agents.llm.local_model import assemble

    call = next(
        c for c in read_calls(RunDir(run).llm_calls) if c["agent"] == "coder" and c["key"].endswith(prompt)
    )
    messages = call["messages"]
    shown = [m["content"] for m in messages[:-1] if m["role"] == "assistant"]
    if not shown:
        raise SystemExit(f"{call['key']} shows the model no program: take a call of iteration 1 or later")
    elite = program_digest(extract_code(shown[-1]))
    refusal = REFUSAL.format(
        owner="the program above",
        known="fitness as shown",
        same="the same program up to comments, docstrings and formatting",
    )
    told = [
        *messages[:-1],
        {"role": "assistant", "content": shown[-1]},
        {"role": "user", "content": refusal},
        messages[-1],
    ]
    server = LocalServer.shared(assemble())
    for name, conversation in (("fresh", messages), ("told", told)):
        digests: collections.Counter = collections.Counter()
        for _ in range(tries):
            answer = server.complete({"messages": conversation, "temperature": 1.0, "max_tokens": 1024})
            try:
                digests[program_digest(extract_code(answer["choices"][0]["message"]["content"]))] += 1
            except (NoCodeError, SyntaxError):
                digests["no program"] += 1
        print(
            f"{name:<6} {tries} tries: {digests[elite]} copies of the program shown, {len(digests)} distinct"
        )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--run", type=Path, nargs="+", required=True, help="run directories (their log.jsonl)")
    p.add_argument("--prompt", help="a recorded Coder call of the first run, by the end of its key")
    p.add_argument("--tries", type=int, default=6)
    args = p.parse_args()
    counts = after_refusals(args.run)
    for after in ("after a refusal", "after two refusals naming one candidate"):
        row = {kind: counts[(after, kind)] for kind in ("valid", "copy", "invalid")}
        print(f"{after}: {sum(row.values())} attempts: " + ", ".join(f"{n} {k}" for k, n in row.items()))
    if args.prompt:
        ask_again(args.run[0], args.prompt, args.tries)


if __name__ == "__main__":
    main()
