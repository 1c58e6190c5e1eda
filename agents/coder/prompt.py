"""The Coder's prompt: the task context, Eureka's reward signature, the program turns of the conversation."""

from __future__ import annotations

from agents.untrusted import program_block, system_prompt
from prompts import render
from sim.base import BatchedTask
from sim.isaac_names import describe_isaac_names


def reward_signature(task: type[BatchedTask], profile: str) -> str:
    """An example signature (Eureka's {task_reward_signature_string}).

    ``paper``: the task's first state names and ``...``, as Eureka wrote it. Other profiles (small
    models) get every state name: they copied the ``...`` into their programs (a syntax error) or
    invented inputs in its place.
    """
    names = list(task.state_spec) if profile != "paper" else [*list(task.state_spec)[:2], "..."]
    args = ", ".join(n if n == "..." else f"{n}: torch.Tensor" for n in names)
    return f"def compute_reward({args}) -> tuple[torch.Tensor, dict[str, torch.Tensor]]"


def answer_start(task: type[BatchedTask]) -> str:
    """How the Coder's answer begins for a model that continues it: the task's whole signature, so the
    program's inputs are the state names (the embedded model invented inputs for ShadowHand otherwise)."""
    return f"```python\n{reward_signature(task, 'small')}:\n"


def state_names(task: type[BatchedTask], profile: str) -> str:
    """The inputs a reward may take; the ``paper`` profile adds IsaacGymEnvs' names for the task (what
    Eureka's observation code showed GPT-4), which small models are not shown
    (more names made them invent inputs)."""
    isaac = describe_isaac_names(task) if profile == "paper" else ""
    return task.describe_state() + (
        f"\nIsaacGymEnvs' names for this task are accepted too:\n{isaac}" if isaac else ""
    )


def initial_messages(task: type[BatchedTask], description: str, profile: str) -> list[dict]:
    """The first coder conversation: system prompt + task context."""
    tip = render("code_output_tip", profile)
    system = system_prompt("coder_system", profile, signature=reward_signature(task, profile))
    return [
        {"role": "system", "content": system},
        {
            "role": "user",
            "content": render(
                "coder_user",
                profile,
                observation_code=task.observation_source().strip(),
                state_spec=state_names(task, profile),
                description=description,
                code_output_tip=tip,
            ),
        },
    ]


def program_message(code: str | None) -> dict:
    """The assistant's turn as later rounds see it: the extracted program alone, not the whole answer, in a
    candidate block (the program that trained may be another sample's)."""
    return {"role": "assistant", "content": program_block(code) if code else "(no reward function)"}


def prior_reward_messages(prior: dict, profile: str) -> list[dict]:
    """The Coder's starting point (Eureka's reward initialisation): the previous stage's best reward, or the
    task's human reward."""
    fitness = "unknown" if prior["fitness"] is None else f"{prior['fitness']:.2f}"
    template = "human_reward" if prior.get("origin") == "human" else "prior_reward"
    return [
        program_message(prior["code"]),
        {
            "role": "user",
            "content": render(
                template,
                profile,
                task=prior["task"],
                fitness=fitness,
                code_output_tip=render("code_output_tip", profile),
            ),
        },
    ]
