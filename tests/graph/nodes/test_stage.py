"""Stage nodes on plain state; the LLM is a FAKE scripted model where one is needed."""

from functools import partial
from types import SimpleNamespace

import pytest
from langgraph.runtime import Runtime

from agents.coder import Coder
from agents.critic import Critic, elect
from agents.llm.gateway import LLMCallError, LLMGateway
from graph.context import RunContext
from graph.nodes import stage as nodes
from graph.nodes.stage import after_steer, await_llm, rank_key, reflect
from graph.nodes.stage_plan import stage_spec
from graph.results.board import LiveBoard
from graph.results.run_dir import RunDir
from graph.search import search_for
from graph.settings import DEFAULTS_FILE, Settings
from graph.training import Trainer
from graph.training_gate import TrainingGate
from tests.fakes import APIConnectionError, ScriptedChatModel, calls_tool
from tests.helpers import (
    FORGED_FIGURE,
    HOSTILE_ERROR,
    HOSTILE_PROGRAM,
    HOSTILE_RESULT,
    INSTRUCTION,
    ORDER,
    assert_quoted,
    candidate,
    candidate_blocks,
)

TASK_PROMPT = [{"role": "system", "content": "write rewards"}, {"role": "user", "content": "Cartpole"}]


def test_ranking_prefers_trained_then_fitness_then_stable_ids():
    cands = [
        candidate(0, "failed", None),
        candidate(1, "trained", 5.0),
        candidate(2, "trained", 9.0),
        candidate(3, "trained", 9.0),
        candidate(4, "invalid", None),
    ]
    assert [c["sample"] for c in sorted(cands, key=rank_key)] == [2, 3, 1, 0, 4]


def test_a_program_with_an_error_outranks_an_llm_failure_for_the_feedback():
    cands = [candidate(0, "llm_failed", None), candidate(1, "invalid", None)]
    assert sorted(cands, key=rank_key)[0]["sample"] == 1


def llm_failed(sample: int, kind: str) -> dict:
    return {
        **candidate(sample, "llm_failed", None),
        "error": f"coder LLM {kind}: HTTP 503",
        "llm_error": kind,
    }


def stage_state(
    tmp_path, candidates: list[dict], iteration: int = 0, iterations: int = 3, critic_script=None, elite=None
) -> tuple[dict, Runtime]:
    """A stage's state and runtime; with ``critic_script`` the Critic is a FAKE tool-calling model."""
    settings = Settings.load(DEFAULTS_FILE, {"iterations": iterations})
    models = {
        "coder": ScriptedChatModel(script=[], prompts=[]),
        "critic": ScriptedChatModel(script=critic_script or [], prompts=[]),
    }
    gateway = LLMGateway(
        models,
        tmp_path / "calls.jsonl",
        retries=1,
        backoff_s=0.001,
        agent_mode="text" if critic_script is None else "tools",
    )
    spec = stage_spec(1, {"task": "Cartpole"}, settings)
    state = {
        "stage": spec,
        "stages": [],
        "iteration": iteration,
        "messages": TASK_PROMPT,
        "candidates": candidates,
        "iterations": [],
        "best": None,
        "eval_runs": [],
        "elite": elite,
    }
    critic = Critic(gateway, settings.prompt_profile, settings.tool_rounds, analyze=False)
    context = SimpleNamespace(
        settings=settings, gateway=gateway, critic=critic, run=RunDir(tmp_path), board=LiveBoard()
    )
    context.write_summary = partial(RunContext.write_summary, context)  # the real writer, on this context
    return state, Runtime(context=context)


def trained(sample: int, fitness: float, iteration: int = 0) -> dict:
    """A trained candidate with training curves (plain data)."""
    result = {
        "fitness": [fitness / 2, fitness],
        "components": {"upright": [0.1, 0.2 * fitness]},
        "episode_length": [50.0, 100.0],
        "evaluation": {"fitness": fitness},
    }
    return {
        **candidate(sample, "trained", fitness, iteration),
        "result": result,
        "code": (
            f"def compute_reward(pole_angle):  # program {iteration}-{sample}\n    return pole_angle, {{}}\n"
        ),
    }


ELITE = {
    "candidate": "it0-s1",
    "code": "def compute_reward(pole_angle):  # the elite\n    return pole_angle, {}\n",
    "feedback": "We trained a RL policy using the provided reward function code ... (the elite's statistics)",
    "reason": "the best clean fitness of the iteration",
}


async def test_an_iteration_where_nothing_trained_keeps_the_elite_and_adds_the_errors(tmp_path):
    failed = [
        {**candidate(0, "invalid", None, 1), "error": "Traceback ...\nNameError: name 'x' is not defined"},
        {**candidate(1, "failed", None, 1), "error": "RewardProgramError: 'reward' has non-finite values"},
    ]
    state, rt = stage_state(tmp_path, failed, iteration=1, elite=ELITE)
    update = await reflect(state, rt)
    assert update["elite"] == ELITE
    program, feedback = update["messages"][2:]
    assert "# the elite" in program["content"]
    assert feedback["content"].startswith(ELITE["feedback"])
    assert "- it1-s0 (invalid): NameError: name 'x' is not defined" in feedback["content"]
    assert "- it1-s1 (failed): RewardProgramError" in feedback["content"]
    (record,) = update["iterations"]
    assert record["elite"] == "it0-s1" and record["note"] == "no candidate trained; the elite stays it0-s1"


async def test_the_critic_agent_reads_the_candidates_and_picks_the_elite_with_a_reason(tmp_path):
    cands = [trained(0, 9.0), trained(1, 7.0), candidate(2, "invalid", None)]
    script = [
        calls_tool("compare_candidates", "c0", candidate_ids=["it0-s0", "it0-s1"]),
        calls_tool(
            "select_elite",
            "c1",
            candidate_id="it0-s1",
            reason="steadier curve, same score",
            analysis="upright rises throughout",
            suggestions="scale upright by 2",
        ),
    ]
    state, rt = stage_state(tmp_path, cands, critic_script=script)
    update = await reflect(state, rt)
    critic = rt.context.gateway.models["critic"]
    assert '"fitness_clean": 9.0' in critic.prompts[1][-1].content  # compare_candidates' answer
    assert "# program 0-1" in update["messages"][2]["content"]
    feedback = update["messages"][3]["content"]
    assert "task_score:" in feedback  # Eureka's statistics block is always there
    assert "upright rises throughout" in feedback and "Suggestions: scale upright by 2" in feedback
    (record,) = update["iterations"]
    assert record["elite"] == "it0-s1" and record["elite_reason"] == "steadier curve, same score"
    assert update["best"]["id"] == "it0-s0"  # the final evaluation still retrains the best clean fitness


async def test_without_a_usable_choice_the_best_clean_fitness_is_the_elite(tmp_path):
    script = [
        calls_tool("select_elite", "c0", candidate_id="it0-s2", reason="r", analysis="a", suggestions="s"),
        "I pick it0-s2.",
    ]
    state, rt = stage_state(
        tmp_path, [trained(0, 5.0), trained(1, 8.0), candidate(2, "invalid", None)], critic_script=script
    )
    update = await reflect(state, rt)
    critic = rt.context.gateway.models["critic"]
    assert "'it0-s2' is not one of ['it0-s1', 'it0-s0']" in critic.prompts[1][-1].content
    (record,) = update["iterations"]
    assert record["elite"] == "it0-s1" and "the Critic made no usable choice" in record["elite_reason"]


async def test_an_iteration_lost_to_the_llm_says_so_and_keeps_the_conversation(tmp_path):
    state, rt = stage_state(tmp_path, [llm_failed(0, "unavailable"), llm_failed(1, "rejected")])
    update = await reflect(state, rt)
    assert update["messages"] == TASK_PROMPT and update["best"] is None
    (record,) = update["iterations"]
    assert (
        record["note"].startswith("every sample failed on the LLM: coder LLM")
        and record["best_sample"] is None
    )


async def test_the_reflection_carries_the_extracted_program_not_the_whole_answer(tmp_path):
    invalid = {
        **candidate(0, "invalid", None),
        "code": "def compute_reward(x):\n    return x, {}\n",
        "response": "Sure! Here is a long explanation...\n```python\ndef compute_reward(x): ...```",
    }
    state, rt = stage_state(tmp_path, [invalid])
    update = await reflect(state, rt)
    program, feedback = update["messages"][2:]
    (shown,), _ = candidate_blocks(program["content"])
    assert shown == "```python\ndef compute_reward(x):\n    return x, {}\n```"
    assert "error:\n<<<candidate text: the error" in feedback["content"]  # the run's profile's error feedback
    assert candidate_blocks(feedback["content"])[0] == ["boom"]


async def test_the_next_coder_prompt_holds_what_the_programs_wrote_only_as_their_text(tmp_path):
    """The elite's program and reflection, and in an iteration where nothing trained the programs' errors."""
    hostile = {**trained(0, 9.0), "code": HOSTILE_PROGRAM, "result": HOSTILE_RESULT}
    script = [
        calls_tool("select_elite", "c0", candidate_id="it0-s0", reason="r", analysis="a", suggestions="s")
    ]
    state, rt = stage_state(tmp_path, [hostile, trained(1, 7.0)], critic_script=script)
    update = await reflect(state, rt)
    assert_quoted("\n".join(m["content"] for m in update["messages"][2:]), INSTRUCTION, FORGED_FIGURE, ORDER)
    failed = [
        {**candidate(0, "invalid", None, 1), "error": HOSTILE_ERROR},
        {**candidate(1, "failed", None, 1), "error": f"RewardProgramError: {INSTRUCTION}"},
    ]
    state, rt = stage_state(tmp_path, failed, iteration=1, elite=update["elite"])
    update = await reflect(state, rt)
    assert_quoted("\n".join(m["content"] for m in update["messages"][2:]), INSTRUCTION, FORGED_FIGURE, ORDER)
    errors = candidate_blocks(update["messages"][3]["content"])[0][-1]
    assert errors.startswith("- it1-s0 (invalid): ") and "- it1-s1 (failed): RewardProgramError" in errors


async def test_the_critic_reads_the_program_that_trained_not_the_coders_answer(tmp_path):
    program = "def compute_reward(pole_angle):\n    r = 1.0 - pole_angle ** 2\n    return r, {'upright': r}\n"
    answer = f"Here is the reward.\n```python\n{program}```\nIt keeps the pole up."
    jobs = []

    async def train(job, on_progress=None, judge=None):  # FAKE pool: records the job, reports a training
        jobs.append(job)
        return {
            "status": "trained",
            "fitness_max": 2.0,
            "error": None,
            "checkpoint": None,
            "wall_s": 1.0,
            "started_at": 0.0,
            "finished_at": 1.0,
            **HOSTILE_RESULT,
            "components": {"upright": [0.1, 0.7]},
        }

    settings = Settings.load(DEFAULTS_FILE, {"iterations": 1, "rungs": "none"})
    coder, critic = (ScriptedChatModel(script=[text], prompts=[]) for text in (answer, "ok"))
    gateway = LLMGateway({"coder": coder, "critic": critic}, tmp_path / "calls.jsonl", agent_mode="text")
    board, s = LiveBoard(), settings
    context = SimpleNamespace(
        settings=settings,
        gateway=gateway,
        run=RunDir(tmp_path),
        board=board,
        search=search_for(settings, RunDir(tmp_path)),
        gate=TrainingGate(overlap=True),
        coder=Coder(gateway, s.prompt_profile, s.check_timeout_s, s.repair_attempts, s.tool_rounds),
        trainer=Trainer(SimpleNamespace(run=train), board, s.sim),
    )
    spec = stage_spec(1, {"task": "Cartpole"}, settings)
    request = {"stage": spec, "iteration": 0, "sample": 0, "messages": TASK_PROMPT, "code": None, "known": {}}
    (record,) = (await nodes.candidate(request, Runtime(context=context)))["candidates"]
    (job,) = jobs
    assert record["status"] == "trained" and record["code"] == job.reward_source == program
    await elect(
        gateway,
        description="balance a pole",
        candidates=[record],
        ranked=[record],
        previous=None,
        iteration=0,
        stage=spec["name"],
        profile="paper",
        tool_rounds=1,
        analyze=True,
    )
    shown = [b for b in candidate_blocks(critic.prompts[0][-1].content)[0] if b.startswith("```python")]
    assert shown == [f"```python\n{job.reward_source.strip()}\n```"]


async def test_after_an_outage_the_graph_waits_for_the_llm_and_otherwise_goes_on(tmp_path):
    lost = [llm_failed(0, "unavailable"), llm_failed(1, "unavailable")]
    state, rt = stage_state(tmp_path, lost, iteration=1)
    assert after_steer(state, rt) == "await_llm"
    rejected, _ = stage_state(
        tmp_path, [llm_failed(0, "unavailable"), llm_failed(1, "rejected")], iteration=1
    )
    assert [send.node for send in after_steer(rejected, rt)] == ["candidate"] * rejected["stage"]["samples"]
    last, _ = stage_state(tmp_path, lost, iteration=3)  # no iteration left: nothing to wait for
    assert after_steer(last, rt) == "close_stage"


async def test_a_stage_samples_no_more_once_its_best_reaches_the_metrics_ceiling(tmp_path):
    """Cartpole's episodes last at most 500 steps (configs/tasks/Cartpole.yaml: fitness_max): a best at 500
    over its seeds goes to the final evaluation with iterations left; one step short, or 500 on one seed
    alone, samples on."""
    seeds = [{"seed": s, "fitness": 500.0, "status": "trained"} for s in (0, 1, 2)]
    at_ceiling = dict(candidate(0, "trained", 500.0), code="def compute_reward(): ...", seeds=seeds)
    state, rt = stage_state(tmp_path, [at_ceiling], iteration=1)
    state["best"] = at_ceiling
    assert [send.node for send in after_steer(state, rt)] == ["evaluate"] * state["stage"]["eval_seeds"]
    state["best"] = dict(at_ceiling, fitness=499.0)
    assert [send.node for send in after_steer(state, rt)] == ["candidate"] * state["stage"]["samples"]
    state["best"] = dict(at_ceiling, seeds=seeds[:1])
    assert [send.node for send in after_steer(state, rt)] == ["candidate"] * state["stage"]["samples"]


async def test_await_llm_goes_on_when_the_model_answers_and_stops_resumably_when_it_does_not(tmp_path):
    state, rt = stage_state(tmp_path, [], iteration=1)
    model = rt.context.gateway.models["coder"]
    model.script.extend([APIConnectionError("refused"), "OK"])
    assert await await_llm(state, rt) == {}
    model.script.extend([APIConnectionError("refused")] * 2)
    with pytest.raises(LLMCallError, match="the coder's LLM is unavailable") as info:
        await await_llm(state, rt)
    assert info.value.kind == "unavailable" and not model.script


def test_a_run_from_the_human_reward_trains_that_reward_in_its_first_iteration(tmp_path):
    """--init-reward human: the human reward is one of the first iteration's candidates (so the search cannot
    return a reward its selection ranks below it), beside the Coder's samples; not in later iterations."""
    state, _ = stage_state(tmp_path, [])
    human = "def compute_reward(pole_angle):\n    return -pole_angle.abs(), {}\n"
    state["stage"] = {
        **state["stage"],
        "prior_reward": {"task": "Cartpole", "code": human, "origin": "human"},
    }
    sends = nodes.fan_out_candidates({**state, "iteration": 0, "edits": []})
    assert [s.arg.get("author") for s in sends] == ["coder"] * state["stage"]["samples"] + ["human"]
    assert sends[-1].arg["code"] == human and sends[-1].arg["sample"] == state["stage"]["samples"]
    later = nodes.fan_out_candidates({**state, "iteration": 1, "edits": []})
    assert all(s.arg["code"] is None for s in later)
    from_stage = {**state["stage"], "prior_reward": {"task": "ShadowHand", "code": human, "fitness": 0.1}}
    assert all(s.arg["code"] is None for s in nodes.fan_out_candidates({**state, "stage": from_stage}))
