"""Stages as data: config and command line into stage specs, and the config's own decisions."""

import pytest

from graph.nodes.stage_plan import (
    config_decision,
    configured_entries,
    following,
    options,
    repeated,
    stage_plan,
)  # fmt: skip
from graph.run import parse_args, prepare
from graph.settings import DEFAULTS_FILE, Settings, SettingsError
from sim.rl.ppo_config import compatible_tasks
from tests.helpers import candidate


def settings(**overrides) -> Settings:
    return Settings.load(DEFAULTS_FILE, overrides)


def record(spec, fitness, checkpoint="best.pth") -> dict:
    best = candidate(0, "trained", fitness) if fitness is not None else None
    return {"spec": spec, "candidates": [], "iterations": [], "best": best, "eval_runs": [],
            "checkpoint": checkpoint if best else None, "fitness": fitness, "decision": None}  # fmt: skip


def test_the_headline_task_is_two_stages_with_their_own_budgets():
    first, second = stage_plan(settings(task="ShadowHandSpin"), configured_entries(settings(task="ShadowHandSpin")))
    assert (first["task"], second["task"]) == ("ShadowHand", "ShadowHandSpin")
    assert (first["name"], second["name"]) == ("stage1-ShadowHand", "stage2-ShadowHandSpin")
    assert first["iterations"] == 2 and first["ppo"] == {"num_envs": 256, "max_epochs": 150}
    assert first["success_to_advance"] == 0.1 and first["repeats"] == 1 and second["repeats"] == 0
    assert first["init_checkpoint"] is None and second["prior_reward"] is None


def test_a_task_without_a_curriculum_is_one_stage_with_the_run_budget():
    (only,) = stage_plan(settings(task="Cartpole"), configured_entries(settings(task="Cartpole")))
    assert only["task"] == "Cartpole" and only["iterations"] == 3 and only["samples"] == 4
    assert only["ppo"]["max_epochs"] == 100  # configs/train/ppo.yaml: Cartpole's config sets none


def test_flags_on_the_command_line_win_over_a_stages_budget(tmp_path):
    s, _ = prepare(parse_args(["--task", "ShadowHandSpin", "--max-epochs", "2", "--samples", "5",
                               "--run-dir", str(tmp_path / "r")]))  # fmt: skip
    first, second = stage_plan(s, configured_entries(s))
    assert first["ppo"]["max_epochs"] == second["ppo"]["max_epochs"] == 2
    assert first["samples"] == second["samples"] == 5
    assert first["iterations"] == 2  # not on the command line: the stage's own


def test_an_explicit_chain_names_the_target_and_is_checked(tmp_path, capsys):
    s, _ = prepare(parse_args(["--curriculum", "ShadowHand,ShadowHandSpin", "--run-dir", str(tmp_path / "r")]))
    assert s.task == "ShadowHandSpin" and [e["task"] for e in configured_entries(s)] == ["ShadowHand", "ShadowHandSpin"]
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
    spec = stage_plan(settings(task="ShadowHandSpin"), configured_entries(settings(task="ShadowHandSpin")))[0]
    assert config_decision(record(spec, 0.05), has_next=True)["action"] == "repeat"
    assert config_decision(record(spec, 0.2), has_next=True)["action"] == "advance"
    assert config_decision(record(spec, None), has_next=True)["action"] == "repeat"
    again = repeated(record(spec, 0.05))
    assert again["attempt"] == 2 and again["repeats"] == 0 and again["name"] == "stage1-ShadowHand-attempt2"
    assert again["ppo"]["max_epochs"] == 300 and again["prior_reward"]["fitness"] == 0.05
    assert config_decision(record(again, 0.05), has_next=True)["action"] == "advance"  # no repeats left
    assert config_decision(record(again, None), has_next=False)["action"] == "stop"
    assert options(record(again, 0.05), has_next=False) == ["finish"]
    assert options(record(spec, None), has_next=True) == ["advance", "repeat", "stop"]


def test_the_next_stage_starts_from_the_best_policy_or_from_what_the_failed_stage_started_from():
    first, second = stage_plan(settings(task="ShadowHandSpin"), configured_entries(settings(task="ShadowHandSpin")))
    nxt = following(second, record(first, 0.3, checkpoint="s1.pth"))
    assert nxt["init_checkpoint"] == "s1.pth" and nxt["prior_reward"]["task"] == "ShadowHand"
    started = {**first, "init_checkpoint": "init.pth"}
    assert following(second, record(started, None))["init_checkpoint"] == "init.pth"
