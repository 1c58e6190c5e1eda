"""The life of one candidate, measured (issue 37): which project modules a reader must open to follow one
reward program from the Coder's answer to summary.json, and how often the walk returns to a module it had
left.

A replayed one-sample Cartpole run (no model time, a few seconds of PPO) is traced in the main process. A
module is entered when one of its functions is called with the candidate among its arguments: the program's
text, or a record, job or list that holds it (three levels deep; a method's ``self`` one level). Helpers that
never see the candidate (logging, formatting, config loading) are not part of its walk. The walk starts at the
Coder's answer (``extract_code``) and ends when summary.json is first written with the candidate in it.

    python bench/candidate_walk.py [--search robust] [--out /tmp/walk]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shutil
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PROGRAM = """import torch


def compute_reward(pole_angle, pole_vel):
    upright = torch.exp(-2.0 * pole_angle * pole_angle)
    return upright, {"upright": upright}
"""
START = ("agents/code_extraction.py", "extract_code")
END = ("graph/results/summary.py", "write_summary")


def project_module(filename: str) -> str | None:
    """The file's path in the project, or None for the standard library, packages and tests."""
    if not filename.startswith("/"):
        return None
    try:
        relative = str(Path(filename).resolve().relative_to(ROOT))
    except ValueError:
        return None
    return None if relative.startswith((".venv", "tests/", "bench/")) else relative


def carries(value, code: str, depth: int) -> bool:
    """Whether ``value`` is, or holds within ``depth`` levels, the candidate's program text."""
    if isinstance(value, str):
        return code in value
    if depth == 0 or isinstance(value, (bytes, int, float, bool, type(None), Path)):
        return False
    if isinstance(value, dict):
        items = list(value.values())
    elif isinstance(value, (list, tuple, set, frozenset)):
        items = list(value)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        items = [getattr(value, f.name, None) for f in dataclasses.fields(value)]
    else:
        return False
    return any(carries(item, code, depth - 1) for item in items[:200])


class Walk:
    """The tracer: the ordered modules entered with the candidate, with the function that took it there."""

    def __init__(self) -> None:
        self.code: str | None = None
        self.steps: list[tuple[str, str]] = []
        self.started: set[int] = set()
        self.written = False
        self.done = False

    def __call__(self, frame, event, arg):
        if self.done:
            return
        module = project_module(frame.f_code.co_filename)
        if module is None or frame.f_code.co_name == "<module>":
            return
        where = (module, frame.f_code.co_name)
        if event == "return":
            if where == START and self.code is None and isinstance(arg, str) and "def compute_reward" in arg:
                self.code = arg.strip()
                self.enter(where)
            elif where == END and self.written:
                self.done = True
            return
        if event != "call" or self.code is None:
            return
        if frame.f_code.co_flags & 0x2A0:  # a coroutine or generator: its first call, not each resumption
            if id(frame) in self.started:
                return
            self.started.add(id(frame))
        arguments = frame.f_code.co_varnames[: frame.f_code.co_argcount + frame.f_code.co_kwonlyargcount]
        values = frame.f_locals
        if any(
            carries(values.get(name), self.code, 1 if name == "self" else 3)
            for name in arguments
            if name in values
        ):
            self.enter(where)
            self.written |= where == END

    def enter(self, where: tuple[str, str]) -> None:
        if not self.steps or self.steps[-1][0] != where[0]:
            self.steps.append(where)

    def figures(self) -> dict:
        modules = [module for module, _ in self.steps]
        seen, returns = [], 0
        for module in modules:
            returns += module in seen
            if module not in seen:
                seen.append(module)
        return {"modules": len(seen), "returns": returns, "order": seen, "steps": self.steps}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--search", default="robust")
    parser.add_argument("--out", type=Path, default=Path("/tmp/candidate-walk"))
    args = parser.parse_args()
    shutil.rmtree(args.out, ignore_errors=True)
    args.out.mkdir(parents=True)
    answers = args.out / "answers.jsonl"
    answers.write_text(json.dumps({"agent": "coder", "response": f"```python\n{PROGRAM}```"}) + "\n")
    from graph.run import main as run

    walk = Walk()
    threading.setprofile(walk)
    sys.setprofile(walk)
    try:
        status = run(
            f"--task Cartpole --iterations 1 --samples 1 --repair-attempts 0 --llm replay:{answers} "
            f"--num-envs 64 --max-epochs 4 --eval-seeds 1 --extra-seeds 0 --search {args.search} "
            f"--run-dir {args.out / 'run'}".split()
        )
    finally:
        sys.setprofile(None)
        threading.setprofile(None)
    figures = walk.figures()
    for module, function in figures["steps"]:
        print(f"{module}  ({function})")
    print(f"run exit {status}; {figures['modules']} modules, {figures['returns']} returns to a module left")
    return 0 if status == 0 and walk.done else 1


if __name__ == "__main__":
    sys.exit(main())
