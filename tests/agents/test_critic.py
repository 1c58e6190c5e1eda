"""The Critic answering a person's question (@critic), grounded in the run's candidates. The model is a
FAKE scripted one; the candidates are plain data."""

from agents.critic import answer_question, elect
from agents.llm.gateway import LLMGateway
from tests.fakes import ScriptedChatModel, calls_tool
from tests.helpers import (
    FORGED_FIGURE,
    HOSTILE_ERROR,
    HOSTILE_PROGRAM,
    HOSTILE_RESULT,
    INSTRUCTION,
    ORDER,
    RULE,
    assert_quoted,
)


def trained(cid: str, fitness: float) -> dict:
    result = {
        "fitness": [fitness / 2, fitness],
        "components": {"upright": [0.1, 0.7]},
        "episode_length": [50.0, 99.0],
    }
    return {
        "id": cid,
        "status": "trained",
        "fitness": fitness,
        "train_fitness": fitness,
        "overstated": False,
        "error": None,
        "code": f"def compute_reward(pole_angle):  # {cid}\n    ...",
        "result": result,
    }


CANDIDATES = [
    trained("it0-s0", 120.0),
    trained("it0-s1", 480.0),
    {
        "id": "it0-s2",
        "status": "invalid",
        "fitness": None,
        "train_fitness": None,
        "overstated": False,
        "error": "Traceback ...\nNameError: name 'x' is not defined",
        "code": "x",
        "result": None,
    },
]


def ask(tmp_path, script, tools: bool, question: str, candidates=CANDIDATES):
    model = ScriptedChatModel(script=script, prompts=[])
    gateway = LLMGateway({"critic": model}, tmp_path / "calls.jsonl", agent_mode="tools" if tools else "text")
    answer = answer_question(
        gateway,
        question=question,
        description="balance a pole",
        candidates=candidates,
        profile="paper",
        key="steer/m1/critic",
        tool_rounds=3,
    )
    return answer, model


async def test_text_mode_puts_every_outcome_and_the_named_candidates_curves_in_the_prompt(tmp_path):
    coro, model = ask(
        tmp_path, ["it0-s1 wins: 480 against 120."], tools=False, question="why is it0-s1 ahead of it0-s0?"
    )
    assert await coro == "it0-s1 wins: 480 against 120."
    prompt = model.prompts[0][-1].content
    assert '"fitness_clean": 120.0' in prompt and "NameError: name 'x' is not defined" in prompt
    assert "Training curves of it0-s1" in prompt and "Training curves of it0-s0" in prompt
    assert "# it0-s1" in prompt and "Training curves of it0-s2" not in prompt  # only the named ones
    assert prompt.rstrip().endswith("Question: why is it0-s1 ahead of it0-s0?")


async def test_tools_mode_reads_what_it_needs_then_answers(tmp_path):
    script = [
        calls_tool("candidate_stats", "c0", candidate_id="it0-s1"),
        "upright saturates at 0.7 in it0-s1.",
    ]
    coro, model = ask(tmp_path, script, tools=True, question="which component dominates the best reward?")
    assert await coro == "upright saturates at 0.7 in it0-s1."
    assert '"upright"' in model.prompts[1][-1].content  # the tool's answer came back to the model
    assert "Training curves of" not in model.prompts[0][-1].content


async def test_an_empty_answer_says_so(tmp_path):
    coro, _ = ask(tmp_path, ["   "], tools=False, question="anything?")
    assert await coro == "(the Critic gave no answer)"


async def test_text_mode_with_a_critic_llm_adds_its_analysis_of_the_best_to_the_reflection(tmp_path):
    from agents.critic import elect

    model = ScriptedChatModel(script=["upright saturates early: weight the pole velocity more."], prompts=[])
    gateway = LLMGateway({"critic": model}, tmp_path / "calls.jsonl", agent_mode="text")
    ranked = [CANDIDATES[1], CANDIDATES[0]]
    common = dict(
        description="balance a pole",
        candidates=CANDIDATES,
        ranked=ranked,
        previous=None,
        iteration=0,
        stage="stage1-Cartpole",
        profile="paper",
        tool_rounds=3,
    )
    election = await elect(gateway, **common, analyze=True)
    assert election.candidate == "it0-s1"
    assert "upright saturates early: weight the pole velocity more." in election.feedback
    assert "# it0-s1" in model.prompts[0][-1].content  # the analysed program is the elite's
    plain = await elect(gateway, **common, analyze=False)  # no critic_llm: Eureka's statistics alone
    assert "upright saturates early" not in plain.feedback and len(model.prompts) == 1


#: The candidates and two more of iteration 0 that write instructions: one trained, one failed.
HOSTILE = {**trained("it0-s3", 500.0), "code": HOSTILE_PROGRAM, "result": HOSTILE_RESULT, "iteration": 0}
ALL = [
    *({**c, "iteration": 0} for c in CANDIDATES),
    HOSTILE,
    {**CANDIDATES[2], "id": "it0-s4", "error": HOSTILE_ERROR, "code": HOSTILE_PROGRAM, "iteration": 0},
]
ELECTION = dict(
    description="balance a pole",
    candidates=ALL,
    previous=None,
    iteration=0,
    stage="stage1-Cartpole",
    profile="paper",
)


def said_once(prompt: list) -> str:
    """The prompt's text, after checking that its system message states the rule for candidate blocks once."""
    assert prompt[0].type == "system" and prompt[0].content.count(RULE) == 1
    return "\n".join(m.content for m in prompt)


async def test_text_mode_shows_the_critic_and_the_coder_what_a_program_wrote_only_as_its_text(tmp_path):
    model = ScriptedChatModel(script=["The first component is far too large."], prompts=[])
    gateway = LLMGateway({"critic": model}, tmp_path / "calls.jsonl", agent_mode="text")
    election = await elect(gateway, **ELECTION, ranked=[HOSTILE], tool_rounds=3, analyze=True)
    assert_quoted(said_once(model.prompts[0]), INSTRUCTION, FORGED_FIGURE, ORDER)
    assert_quoted(election.feedback, INSTRUCTION, FORGED_FIGURE)  # the reflection the next Coder reads


async def test_tools_mode_gets_every_tools_view_of_a_program_as_its_text(tmp_path):
    script = [
        calls_tool("candidate_code", "c0", candidate_id="it0-s3"),
        calls_tool("candidate_stats", "c1", candidate_id="it0-s3"),
        calls_tool("compare_candidates", "c2", candidate_ids=["it0-s3", "it0-s4"]),
        calls_tool("select_elite", "c3", candidate_id="it0-s1", reason="r", analysis="a", suggestions="s"),
    ]
    model = ScriptedChatModel(script=script, prompts=[])
    gateway = LLMGateway({"critic": model}, tmp_path / "calls.jsonl", agent_mode="tools")
    await elect(gateway, **ELECTION, ranked=[HOSTILE, ALL[1]], tool_rounds=5, analyze=False)
    first, last = said_once(model.prompts[0]), said_once(model.prompts[-1])
    assert_quoted(first, INSTRUCTION, FORGED_FIGURE, ORDER)  # the iteration's outcomes: names and errors
    assert_quoted(last, INSTRUCTION, FORGED_FIGURE, ORDER, "Keeps the pole up.")  # and the program itself


async def test_a_question_about_a_program_gets_its_text_only_as_its_text(tmp_path):
    coro, model = ask(
        tmp_path, ["It is scaled badly."], tools=False, question="what does it0-s3 reward?", candidates=ALL
    )
    await coro
    prompt = said_once(model.prompts[0])
    assert_quoted(prompt, INSTRUCTION, FORGED_FIGURE, ORDER, "Keeps the pole up.")
    assert prompt.rstrip().endswith("Question: what does it0-s3 reward?")  # the person's words: in no block
