"""Task cards: each task's state under both name sets (its own and IsaacGymEnvs'), and what still differs.

    python -m sim.task_cards [TASK ...]

Prints Markdown: the names a reward program may take, with shapes and units, how each IsaacGymEnvs name is
computed from the task's own state, and the remaining differences from IsaacGymEnvs (README links these).
"""

from __future__ import annotations

import argparse

from sim.isaac_names import DIFFERENCES, isaac_names
from sim.registry import task_class, task_config, task_names


def task_card(task: str) -> str:
    cls = task_class(task)
    lines = [
        f"## {task}",
        "",
        f"The task: {task_config(task)['description']}. Fitness: {cls.fitness_doc}.",
        "",
        "| name | shape | unit | meaning |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| `{name}` | [N{''.join(f', {d}' for d in f.shape)}] | {f.unit} | {f.doc} |"
        for name, f in cls.state_spec.items()
    ]
    isaac = isaac_names(cls)
    if isaac:
        lines += [
            "",
            "IsaacGymEnvs' names:",
            "",
            "| name | shape | unit | computed here as |",
            "|---|---|---|---|",
        ]
        lines += [f"| `{name}` | {n.shape} | {n.field.unit} | {n.mapping} |" for name, n in isaac.items()]
    differences = DIFFERENCES.get(task, [])
    lines += [
        "",
        "Differences from IsaacGymEnvs: " + ("; ".join(differences) if differences else "none known"),
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m sim.task_cards", description=__doc__.split("\n\n")[0])
    p.add_argument(
        "tasks", nargs="*", metavar="TASK", help=f"default: every task ({', '.join(task_names())})"
    )
    tasks = p.parse_args(argv).tasks or task_names()
    if unknown := sorted(set(tasks) - set(task_names())):
        p.error(f"unknown task {unknown[0]!r}; known tasks: {', '.join(task_names())}")
    for task in tasks:
        print(task_card(task))


if __name__ == "__main__":
    main()
