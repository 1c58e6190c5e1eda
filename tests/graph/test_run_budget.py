"""--budget-usd and --budget-minutes: real rl_games training; sampling stops at the budget and the run
finishes."""

import asyncio
import json

import pytest

from agents.llm.chat_models import AgentModels
from agents.llm.conversation import ContextWindow
from graph.context import open_run
from graph.results.run_dir import REPORT_HTML, SUMMARY_FILE, RunDir
from graph.run import execute, main
from graph.settings import DEFAULTS_FILE, Settings
from tests.fakes import ScriptedChatModel

GOOD = (
    "```python\n"
    "def compute_reward(pole_angle, pole_vel):\n"
    "    r = 1.0 - pole_angle ** 2 - 0.01 * pole_vel.abs()\n"
    "    return r, {'r': r}\n```"
)
OTHER = "```python\ndef compute_reward(pole_angle):\n    r = -pole_angle.abs()\n    return r, {'r': r}\n```"


@pytest.mark.slow
def test_sampling_stops_once_the_budget_is_spent_and_the_run_still_finishes(tmp_path):
    prices = tmp_path / "prices.yaml"
    prices.write_text('models:\n  "fake:priced": {input: 1000.0, output: 2000.0}\n')  # 0.02 USD per FAKE call
    run = tmp_path / "run"
    run.mkdir()
    settings = Settings.load(
        DEFAULTS_FILE,
        {
            "task": "Cartpole",
            "llm": "fake:priced",
            "iterations": 3,
            "samples": 2,
            "eval_seeds": 1,
            "num_envs": 64,
            "max_epochs": 5,
            "repair_attempts": 0,
            "llm_max_concurrency": 1,
            "prices": str(prices),
            "budget_usd": 0.05,
            "run_dir": str(run),
            "search": "eureka",
            "agent_mode": "text",
        },
    )
    model = ScriptedChatModel(script=[GOOD] * 6, prompts=[])
    models = AgentModels(
        {a: model for a in ("coder", "critic", "curriculum")},
        {a: ContextWindow(None) for a in ("coder", "critic", "curriculum")},
    )
    asyncio.run(execute(open_run(settings, RunDir(run), new=True, models=models), resume=False))

    summary = json.loads((run / SUMMARY_FILE).read_text())
    assert summary["status"] == "budget_spent" and "budget of $0.05 is spent ($0.0600)" in summary["reason"]
    assert len(model.prompts) == 3  # two calls in iteration 0 (0.04), one in iteration 1 (0.06), none after
    first, second = summary["iterations"]  # the third iteration never started
    assert [s["status"] for s in first["samples"]] == ["trained", "trained"]
    assert second["samples"][0]["status"] == "trained"
    assert second["samples"][1]["status"] == "llm_failed" and "budget" in second["samples"][1]["error"]
    assert summary["final_eval"]["fitness"][0] is not None  # the best reward still got its final evaluation
    assert summary["llm"]["cost_usd"] == pytest.approx(0.06)
    assert summary["llm"]["models"]["fake:priced"]["calls"] == 3


def test_a_budget_with_an_unpriced_model_is_refused_before_anything_is_written(tmp_path, capsys):
    run = tmp_path / "run"
    assert (
        main(
            [
                "--search",
                "eureka",
                "--task",
                "Cartpole",
                "--budget-usd",
                "1",
                "--llm",
                "openai:gpt-9-unpriced",
                "--run-dir",
                str(run),
            ]
        )
        == 2
    )
    assert "budget_usd needs a price for openai:gpt-9-unpriced" in capsys.readouterr().err
    assert not run.exists()


@pytest.mark.slow
def test_a_time_budget_stops_sampling_after_the_iteration_it_ran_out_in_and_the_run_still_finishes(tmp_path):
    transcript = tmp_path / "answers.jsonl"  # a FAKE Coder with answers for every iteration
    answers = [GOOD, OTHER] * 3
    transcript.write_text("".join(json.dumps({"agent": "coder", "response": a}) + "\n" for a in answers))
    run = tmp_path / "run"
    flags = "--task Cartpole --iterations 3 --samples 2 --repair-attempts 0 --eval-seeds 1 --num-envs 64"
    flags += " --max-epochs 4 --extra-seeds 0 --budget-minutes 0.001"
    assert main([*flags.split(), "--llm", f"replay:{transcript}", "--run-dir", str(run)]) == 0

    summary = json.loads((run / SUMMARY_FILE).read_text())
    assert summary["status"] == "budget_spent"
    assert summary["reason"].startswith("the time budget of 0.001 min is spent (")
    (only,) = summary["iterations"]  # spent in the first iteration: no other one started
    assert [s["status"] for s in only["samples"]] == ["trained", "trained"]
    assert summary["final_eval"]["fitness"][0] is not None  # the best reward still got its final evaluation
    assert (run / REPORT_HTML).is_file()
    assert summary["timing"]["first_eta_s"] > 0 and 0 < summary["timing"]["wall_s"] < 600


@pytest.mark.slow
def test_an_env_steps_budget_stops_sampling_seeds_and_tuning_and_the_run_still_finishes(tmp_path):
    """The budget of 1 env-step is spent by the first trainings (the seconds budget takes the same path:
    tests/graph/test_context.py)."""
    transcript = tmp_path / "answers.jsonl"  # a FAKE Coder with answers for every iteration
    transcript.write_text(
        "".join(json.dumps({"agent": "coder", "response": a}) + "\n" for a in [GOOD, OTHER] * 3)
    )
    run = tmp_path / "run"
    flags = "--task Cartpole --search tuned --iterations 3 --samples 2 --repair-attempts 0 --eval-seeds 1"
    flags += " --num-envs 64 --max-epochs 4 --extra-seeds 1 --tuning-trials 2 --env-steps-budget 1"
    assert main([*flags.split(), "--llm", f"replay:{transcript}", "--run-dir", str(run)]) == 0

    summary = json.loads((run / SUMMARY_FILE).read_text())
    assert summary["status"] == "budget_spent"
    assert summary["reason"].startswith("the env-steps budget of 1 is spent (")
    (only,) = summary["iterations"]  # spent by the first trainings: no other iteration started
    assert [s["status"] for s in only["samples"]] == ["trained", "trained"]
    assert all(len(s["seeds"]) == 1 for s in only["samples"])  # no extra seed once it is spent
    compute = summary["compute"]
    assert compute["tuning_trials"] == 0 and compute["trainings"] == 3  # two samples, the final evaluation
    assert compute["budget_env_steps"] == 1 and compute["env_steps"] > 1
    assert summary["final_eval"]["fitness"][0] is not None and (run / REPORT_HTML).is_file()
