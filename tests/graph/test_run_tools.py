"""Tools mode through the CLI: real checks and real rl_games training,
a FAKE transcript of tool-calling answers."""

import json

import pytest

from agents.llm.replay import read_calls
from graph.results.run_dir import LLM_CALLS_FILE, SUMMARY_FILE, RunDir
from graph.run import main
from tests.graph.test_run import SMALL, STAGE
from tools.job_dir import ROUND_PROGRAM, program_file

BROKEN = "def compute_reward(pole_angle):\n    return pole_angle.mean(), {}\n"
FIXED = (
    "import torch\n\ndef compute_reward(pole_angle, pole_vel):\n"
    "    upright = torch.exp(-2.0 * pole_angle ** 2)\n"
    "    calm = -0.01 * torch.abs(pole_vel)\n    return upright + calm, {'upright': upright, 'calm': calm}\n"
)


def answer(agent: str, text: str = "", **call) -> dict:
    """One FAKE recorded answer of a tools-mode run (the fields replay reads)."""
    calls = [{"id": f"call-{call['name']}", "name": call.pop("name"), "args": call}] if call else []
    return {
        "agent": agent,
        "key": None,
        "messages": [],
        "response": text,
        "tools": ["..."],
        "tool_calls": calls,
    }


def fake_transcript(path):
    records = [
        answer("coder", name="check_reward", code=BROKEN),
        answer("coder", name="check_reward", code=FIXED),
        answer("coder", f"Both checks done; the second passes.\n```python\n{FIXED}```"),
        answer(
            "critic",
            name="select_elite",
            candidate_id="it0-s0",
            reason="the only trained candidate",
            analysis="upright is optimised",
            suggestions="penalise cart velocity",
        ),
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in records))


def run_cartpole(transcript, run_dir, *extra) -> int:
    return main(
        [
            "--search",
            "eureka",
            "--task",
            "Cartpole",
            "--iterations",
            "1",
            "--samples",
            "1",
            "--eval-seeds",
            "1",
            "--llm",
            f"replay:{transcript}",
            "--run-dir",
            str(run_dir),
            *SMALL,
            *extra,
        ]
    )


@pytest.mark.slow
def test_the_coder_fixes_its_program_with_check_reward_and_the_candidate_trains(tmp_path):
    fake_transcript(tmp_path / "fake.jsonl")
    assert run_cartpole(tmp_path / "fake.jsonl", tmp_path / "run", "--agent-mode", "tools") == 0
    summary = json.loads((tmp_path / "run" / SUMMARY_FILE).read_text())
    (sample,) = summary["iterations"][0]["samples"]
    assert sample["status"] == "trained" and sample["fitness"] > 0
    assert sample["attempts"] == 3 and sample["tool_calls"] == 2
    assert summary["iterations"][0]["elite"] == "it0-s0"
    assert summary["iterations"][0]["elite_reason"] == "the only trained candidate"
    records = read_calls(RunDir(tmp_path / "run").llm_calls)
    tools = [r for r in records if "tool" in r]
    assert [(r["agent"], r["tool"]) for r in tools] == [
        ("coder", "check_reward"),
        ("coder", "check_reward"),
        ("critic", "select_elite"),
    ]
    assert "shape (16,), got ()" in tools[0]["result"] and "\nok: the program ran" in tools[1]["result"]
    assert [r["key"] for r in records if r["agent"] == "coder" and "tool" not in r] == [
        f"{STAGE}/it0-s0/round{n}" for n in range(3)
    ]
    assert summary["llm"]["calls"] == 4  # tool records are not LLM calls

    # Replaying the run's own transcript reproduces it: same programs, same tool results, same elite.
    assert (
        run_cartpole(tmp_path / "run" / LLM_CALLS_FILE, tmp_path / "replayed") == 0
    )  # auto: tools, from the log
    again = json.loads((tmp_path / "replayed" / SUMMARY_FILE).read_text())
    assert again["iterations"][0]["samples"][0]["status"] == "trained"
    assert again["iterations"][0]["elite_reason"] == "the only trained candidate"
    replayed = [
        (r["tool"], r["result"][:40])
        for r in read_calls(RunDir(tmp_path / "replayed").llm_calls)
        if "tool" in r
    ]
    assert replayed == [(r["tool"], r["result"][:40]) for r in tools]
    assert (
        program_file(RunDir(tmp_path / "replayed").candidate(STAGE, "it0-s0"), ROUND_PROGRAM, 2).read_text()
        == FIXED
    )


def test_tools_mode_with_a_model_that_cannot_call_tools_is_one_line_and_writes_nothing(tmp_path, capsys):
    text_only = tmp_path / "text.jsonl"
    text_only.write_text(json.dumps({"agent": "coder", "key": None, "messages": [], "response": "x"}) + "\n")
    assert run_cartpole(text_only, tmp_path / "run", "--agent-mode", "tools") == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: agent_mode tools: these models cannot call tools: coder (replay:")
    assert len(err.splitlines()) == 1 and not (tmp_path / "run").exists()
