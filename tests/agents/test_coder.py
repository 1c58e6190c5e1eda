from agents.coder import initial_messages, reward_signature, write_candidate
from agents.gateway import LLMGateway
from sim.cartpole import Cartpole
from tests.fakes import APIConnectionError, ScriptedChatModel

GOOD = "```python\ndef compute_reward(pole_angle):\n    r = 1.0 - pole_angle ** 2\n    return r, {'upright': r}\n```"
SCALAR = "```python\ndef compute_reward(pole_angle):\n    return pole_angle.mean(), {}\n```"


def coder_gateway(tmp_path, script):
    model = ScriptedChatModel(script=script, prompts=[])
    return LLMGateway({"coder": model}, tmp_path), model


def test_initial_prompt_carries_the_task_context():
    system, user = initial_messages(Cartpole, "balance the pole", "paper")
    assert "def compute_reward(cart_pos: torch.Tensor" in system["content"]
    assert reward_signature(Cartpole) in system["content"]
    assert "def observations" in user["content"] and "pole_angle: float32[num_envs]" in user["content"]
    assert "balance the pole" in user["content"]


async def test_a_failing_program_goes_back_with_its_error_and_is_repaired(tmp_path):
    gw, model = coder_gateway(tmp_path, [SCALAR, GOOD])
    kwargs = dict(profile="paper", repair_attempts=1, check_timeout_s=60)
    draft = await write_candidate(gw, initial_messages(Cartpole, "balance", "paper"), Cartpole, "it0-s0",
                                  tmp_path / "rewards", **kwargs)  # fmt: skip
    assert draft.status == "valid" and draft.attempts == 2 and draft.error is None
    repair_prompt = model.prompts[1]
    assert repair_prompt[-2].content == SCALAR
    assert "shape (16,), got ()" in repair_prompt[-1].content
    assert (tmp_path / "rewards" / "it0-s0_attempt0.py").exists()
    assert draft.reward_path.endswith("it0-s0_attempt1.py")


async def test_without_repairs_an_invalid_program_stays_invalid(tmp_path):
    gw, model = coder_gateway(tmp_path, ["no code here"])
    draft = await write_candidate(gw, initial_messages(Cartpole, "balance", "paper"), Cartpole, "it0-s1",
                                  tmp_path / "rewards", profile="paper", repair_attempts=0, check_timeout_s=60)  # fmt: skip
    assert draft.status == "invalid" and "no Python code block" in draft.error and draft.reward_path is None


async def test_module_level_code_is_refused_before_anything_runs(tmp_path):
    hang = (
        "```python\nwhile True:\n    pass\n\ndef compute_reward(pole_angle):\n    return pole_angle, {}\n```"
    )
    gw, _ = coder_gateway(tmp_path, [hang])
    draft = await write_candidate(gw, initial_messages(Cartpole, "balance", "paper"), Cartpole, "it0-s2",
                                  tmp_path / "rewards", profile="paper", repair_attempts=0, check_timeout_s=8)  # fmt: skip
    assert draft.status == "invalid"
    assert draft.error.startswith("line 1: a module-level while statement is not allowed in reward code")
    assert not list((tmp_path / "rewards").glob("check_*"))  # no dry run was started


async def test_an_llm_that_stays_unreachable_fails_only_this_sample(tmp_path):
    model = ScriptedChatModel(script=[APIConnectionError("refused")] * 2, prompts=[])
    gw = LLMGateway({"coder": model}, tmp_path, retries=1, backoff_s=0.001)
    draft = await write_candidate(gw, initial_messages(Cartpole, "balance", "paper"), Cartpole, "it0-s3",
                                  tmp_path / "rewards", profile="paper", repair_attempts=1, check_timeout_s=8)  # fmt: skip
    assert draft.status == "failed" and draft.code is None
    assert "coder LLM call failed after 2 tries: APIConnectionError: refused" in draft.error
