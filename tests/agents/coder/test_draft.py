"""A candidate in the making: a sample stuck on a failure is told apart from one that is fixing it; a pasted
program is validated without any LLM (the dry run is the real sandboxed check)."""

from agents.coder import write
from agents.coder.draft import Failures
from agents.llm.gateway import LLMGateway
from sim.cartpole import Cartpole
from tests.fakes import ScriptedChatModel
from tools.job_dir import REWARDS_DIR, USER_PROGRAM, program_file

PROGRAM = "def compute_reward(pole_angle):\n    r = 1.0 - pole_angle ** 2\n    return r, {'upright': r}\n"


def test_a_repeated_program_or_a_repeated_error_means_stuck():
    failures = Failures()
    assert not failures.stuck("def a(): pass", "Traceback\nNameError: x")
    assert failures.stuck(
        "def a(): pass  ", "Traceback\nTypeError: y"
    )  # the same program, trailing spaces aside
    assert failures.stuck("def b(): pass", "other\nTypeError: y")  # the same error headline as the last one
    assert not failures.stuck("def c(): pass", "ValueError: z")


async def test_a_pasted_program_is_validated_and_no_llm_is_called(tmp_path):
    model = ScriptedChatModel(script=[], prompts=[])
    gateway = LLMGateway({"coder": model}, tmp_path / "calls.jsonl")
    common = dict(profile="paper", check_timeout_s=60, repair_attempts=2, tool_rounds=3)  # noqa: C408
    good = await write(gateway, [], Cartpole, "stage1/it0-s4", tmp_path / REWARDS_DIR, code=PROGRAM, **common)
    assert (
        good.status == "valid"
        and good.attempts == 0
        and good.reward_path == str(program_file(tmp_path / REWARDS_DIR, USER_PROGRAM))
    )
    bad = await write(
        gateway,
        [],
        Cartpole,
        "stage1/it0-s5",
        tmp_path / REWARDS_DIR,
        code="def compute_reward(pole_angle):\n    return undefined_name, {}\n",
        **common,
    )
    assert bad.status == "invalid" and "undefined_name" in bad.error
    assert model.prompts == []


async def test_the_coder_picks_its_protocol_from_the_gateways_agent_mode(tmp_path):
    answer = f"```python\n{PROGRAM}```"
    for mode, offered in (("tools", True), ("text", False)):
        model = ScriptedChatModel(script=[answer], prompts=[])
        gateway = LLMGateway({"coder": model}, tmp_path / f"{mode}.jsonl", agent_mode=mode)
        draft = await write(
            gateway,
            [{"role": "system", "content": "write"}, {"role": "user", "content": "Cartpole"}],
            Cartpole,
            f"{mode}/it0-s0",
            tmp_path / mode,
            code=None,
            profile="paper",
            check_timeout_s=60,
            repair_attempts=0,
            tool_rounds=3,
        )
        assert draft.status == "valid", draft.error
        assert bool(model.options[0].get("tools")) is offered, mode
