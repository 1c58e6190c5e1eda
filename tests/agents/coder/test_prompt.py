"""The Coder's prompt: the task context, the reward signature, the program turns."""

from agents.coder.prompt import initial_messages, prior_reward_messages, program_message, reward_signature
from sim.cartpole import Cartpole
from tests.helpers import candidate_blocks


def test_initial_prompt_carries_the_task_context():
    system, user = initial_messages(Cartpole, "balance the pole", "paper")
    assert "def compute_reward(cart_pos: torch.Tensor" in system["content"]
    assert reward_signature(Cartpole, "paper") in system["content"]
    small = initial_messages(Cartpole, "balance the pole", "small")[0]["content"]
    assert reward_signature(Cartpole, "small") in small and "..." not in reward_signature(Cartpole, "small")
    assert "progress_buf: torch.Tensor)" in small  # every state name, the last one too
    assert "def observations" in user["content"] and "pole_angle: float32[num_envs]" in user["content"]
    assert "balance the pole" in user["content"]


def test_later_rounds_see_the_program_alone_and_a_prior_reward_is_the_starting_point():
    program = program_message("def f():\n    pass\n")  # in a candidate block: it may be another sample's
    assert program["role"] == "assistant"
    assert candidate_blocks(program["content"]) == (["```python\ndef f():\n    pass\n```"], "")
    assert program_message(None)["content"] == "(no reward function)"
    prior = {
        "task": "ShadowHand",
        "code": "def compute_reward(x):\n    return x, {}",
        "fitness": 0.25,
        "origin": "stage",
    }
    program, ask = prior_reward_messages(prior, "paper")
    assert (
        "def compute_reward(x)" in program["content"]
        and "ShadowHand" in ask["content"]
        and "0.25" in ask["content"]
    )
    human = prior_reward_messages({**prior, "fitness": None, "origin": "human"}, "paper")[1]["content"]
    assert human != ask["content"] and "unknown" not in ask["content"]
