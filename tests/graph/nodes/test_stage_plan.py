"""Stages as data: config and command line into stage specs, and the config's own decisions."""

import pytest

from graph.nodes.stage_plan import (
    config_decision,
    configured_entries,
    following,
    options,
    repeated,
    stage_plan,
)
from graph.run import parse_args, prepare
from graph.settings import DEFAULTS_FILE, Settings, SettingsError
from sim.registry import task_config
from sim.rl.ppo_config import compatible_tasks, ppo_config
from tests.helpers import candidate
from tools.job_dir import BEST_FILE


def settings(**overrides) -> Settings:
    return Settings.load(DEFAULTS_FILE, overrides)


def record(spec, fitness, checkpoint=BEST_FILE) -> dict:
    best = candidate(0, "trained", fitness) if fitness is not None else None
    return {
        "spec": spec,
        "candidates": [],
        "iterations": [],
        "best": best,
        "eval_runs": [],
        "checkpoint": checkpoint if best else None,
        "fitness": fitness,
        "decision": None,
    }


def test_the_headline_task_is_two_stages_with_their_own_budgets():
    """Each stage takes its own budget from the task's yaml where the entry sets one, else the run's and the
    task's; the expectations are read from the configs, and the yaml's numbers differ from the run's and the
    task's, so a plan that ignored them would fail."""
    s = settings(task="ShadowHandSpin")
    entries = task_config("ShadowHandSpin")["curriculum"]
    plan = stage_plan(s, configured_entries(s))
    assert [p["name"] for p in plan] == ["stage1-ShadowHand", "stage2-ShadowHandSpin"]
    for spec, entry in zip(plan, entries, strict=True):
        own = ppo_config(entry["task"])
        keys = ("iterations", "samples", "eval_seeds", "extra_seeds")
        assert [spec[k] for k in keys] == [entry.get(k, getattr(s, k)) for k in keys]
        assert spec["ppo"] == {k: entry.get(k, own[k]) for k in ("num_envs", "max_epochs")}
        assert spec["success_to_advance"] == entry.get("success_to_advance")
        assert spec["repeats"] == entry.get("repeats", 0)
        assert all(entry[k] != getattr(s, k) for k in keys if k in entry)
        assert entry["max_epochs"] != own["max_epochs"]
    assert plan[0]["init_checkpoint"] is None and plan[1]["prior_reward"] is None


def test_a_task_without_a_curriculum_is_one_stage_with_the_run_budget():
    s = settings(task="Cartpole", iterations=5, samples=6)  # the run's budget, unlike any default
    (only,) = stage_plan(s, configured_entries(s))
    assert only["task"] == "Cartpole" and only["iterations"] == 5 and only["samples"] == 6
    assert only["ppo"] == {k: ppo_config("Cartpole")[k] for k in ("num_envs", "max_epochs")}  # the task's own


def test_flags_on_the_command_line_win_over_a_stages_budget(tmp_path):
    s, _ = prepare(
        parse_args(
            [
                "--task",
                "ShadowHandSpin",
                "--max-epochs",
                "2",
                "--samples",
                "5",
                "--run-dir",
                str(tmp_path / "r"),
            ]
        )
    )
    first, second = stage_plan(s, configured_entries(s))
    assert first["ppo"]["max_epochs"] == second["ppo"]["max_epochs"] == 2
    assert first["samples"] == second["samples"] == 5
    own = task_config("ShadowHandSpin")["curriculum"][0]["iterations"]
    assert first["iterations"] == own != s.iterations  # not on the command line: the stage's own


def test_an_explicit_chain_names_the_target_and_is_checked(tmp_path, capsys):
    s, _ = prepare(
        parse_args(["--curriculum", "ShadowHand,ShadowHandSpin", "--run-dir", str(tmp_path / "r")])
    )
    assert s.task == "ShadowHandSpin" and [e["task"] for e in configured_entries(s)] == [
        "ShadowHand",
        "ShadowHandSpin",
    ]
    for argv, message in [
        (["--curriculum", "Cartpole,ShadowHand"], "Cartpole cannot warm-start ShadowHand"),
        (["--curriculum", "Cartpole,Nope"], "unknown task 'Nope'"),
        (["--curriculum", "ShadowHand,ShadowHandSpin", "--task", "ShadowHand"], "must be the last stage"),
        (["--task", "ShadowHandSpin", "--stage", "3"], "the curriculum has stages 1 to 2"),
    ]:
        with pytest.raises(SettingsError, match=message):
            prepare(parse_args([*argv, "--run-dir", str(tmp_path / "r")]))


def test_stage_n_runs_that_stage_alone(tmp_path):
    s, _ = prepare(parse_args(["--task", "ShadowHandSpin", "--stage", "2", "--run-dir", str(tmp_path / "r")]))
    (only,) = stage_plan(s, configured_entries(s))
    assert only["number"] == 2 and only["task"] == "ShadowHandSpin"


def test_compatible_tasks_share_observations_actions_and_network():
    assert compatible_tasks("ShadowHandSpin") == ["ShadowHand", "ShadowHandBlock"]  # the same hand
    assert compatible_tasks("Cartpole") == []


def test_the_config_repeats_below_success_to_advance_then_goes_on():
    s = settings(task="ShadowHandSpin")
    spec = {**stage_plan(s, configured_entries(s))[0], "repeats": 1}
    low, high = spec["success_to_advance"] / 2, spec["success_to_advance"] * 2
    assert config_decision(record(spec, low), has_next=True)["action"] == "repeat"
    assert config_decision(record(spec, high), has_next=True)["action"] == "advance"
    assert config_decision(record(spec, None), has_next=True)["action"] == "repeat"
    again = repeated(record(spec, low))
    assert again["attempt"] == 2 and again["repeats"] == 0 and again["name"] == "stage1-ShadowHand-attempt2"
    assert again["ppo"]["max_epochs"] == 2 * spec["ppo"]["max_epochs"]  # twice as long
    assert again["prior_reward"]["fitness"] == low
    assert config_decision(record(again, low), has_next=True)["action"] == "advance"  # no repeats left
    assert config_decision(record(again, None), has_next=False)["action"] == "stop"
    assert options(record(again, low), has_next=False) == ["finish"]
    assert options(record(spec, None), has_next=True) == ["advance", "repeat", "stop"]


def test_the_next_stage_starts_from_the_best_policy_or_from_what_the_failed_stage_started_from():
    first, second = stage_plan(
        settings(task="ShadowHandSpin"), configured_entries(settings(task="ShadowHandSpin"))
    )
    nxt = following(second, record(first, 0.3, checkpoint="s1.pth"))
    assert nxt["init_checkpoint"] == "s1.pth" and nxt["prior_reward"]["task"] == "ShadowHand"
    started = {**first, "init_checkpoint": "init.pth"}
    assert following(second, record(started, None))["init_checkpoint"] == "init.pth"
