"""Graph pieces without training: settings, ranking, the scheduling gate, the summary."""

import asyncio

import pytest

from graph.nodes import rank_key
from graph.schedule import TrainingGate
from graph.settings import DEFAULTS_FILE, Settings, SettingsError
from graph.summary import build_summary


def candidate(sample, status, fitness, iteration=0):
    return {"id": f"it{iteration}-s{sample}", "iteration": iteration, "sample": sample, "status": status,
            "fitness": fitness, "error": None if status == "trained" else "boom", "reward_path": f"r{sample}.py",
            "checkpoint": None, "code": "", "response": "", "attempts": 1, "result": None}  # fmt: skip


def test_defaults_load_and_overrides_apply():
    s = Settings.load(DEFAULTS_FILE, {"task": "Quadcopter", "samples": 2})
    assert s.task == "Quadcopter" and s.samples == 2 and s.iterations >= 1


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"task": "Cartpol"}, "unknown task 'Cartpol'"),
        ({"samples": 0}, "samples must be >= 1"),
        ({"devices": "gpu"}, "bad device 'gpu'"),
        ({"overlap": "sometimes"}, "overlap must be auto, true or false"),
        ({"iterations": "three"}, "iterations='three' must be of type int"),
    ],
)
def test_bad_settings_are_named(overrides, message):
    with pytest.raises(SettingsError, match=message):
        Settings.load(DEFAULTS_FILE, overrides)


def test_unknown_keys_in_a_config_file_are_rejected(tmp_path):
    bad = tmp_path / "run.yaml"
    bad.write_text(DEFAULTS_FILE.read_text() + "\nsampels: 3\n")
    with pytest.raises(SettingsError, match="unknown settings \\['sampels'\\]"):
        Settings.load(bad)


def test_an_unreadable_config_file_is_a_settings_error(tmp_path):
    broken = tmp_path / "run.yaml"
    broken.write_text("task: [unclosed\n")
    with pytest.raises(SettingsError, match="cannot read settings"):
        Settings.load(broken)
    with pytest.raises(SettingsError, match="cannot read settings"):
        Settings.load(tmp_path / "missing.yaml")


def test_overlap_auto_is_off_only_for_the_local_model():
    assert not Settings.load(DEFAULTS_FILE, {"llm": "local"}).overlaps_training()
    assert Settings.load(DEFAULTS_FILE, {"llm": "openai:gpt-4o"}).overlaps_training()
    assert not Settings.load(
        DEFAULTS_FILE, {"llm": "openai:gpt-4o", "coder_llm": "local"}
    ).overlaps_training()


def test_prompt_profile_auto_picks_the_small_model_prompts_for_the_local_model():
    assert Settings.load(DEFAULTS_FILE, {"llm": "local"}).prompt_profile == "small"
    assert Settings.load(DEFAULTS_FILE, {"llm": "openai:gpt-4o"}).prompt_profile == "paper"
    with pytest.raises(SettingsError, match="prompt_profile"):
        Settings.load(DEFAULTS_FILE, {"prompt_profile": "fancy"})


def test_ranking_prefers_trained_then_fitness_then_stable_ids():
    cands = [candidate(0, "failed", None), candidate(1, "trained", 5.0), candidate(2, "trained", 9.0),
             candidate(3, "trained", 9.0), candidate(4, "invalid", None)]  # fmt: skip
    assert [c["sample"] for c in sorted(cands, key=rank_key)] == [2, 3, 1, 0, 4]


async def test_gate_holds_training_until_writing_is_done():
    gate = TrainingGate(overlap=False)
    gate.begin_writing()
    gate.begin_writing()
    waiter = asyncio.create_task(gate.wait_to_train())
    await gate.end_writing()
    await asyncio.sleep(0.01)
    assert not waiter.done()
    await gate.end_writing()
    await asyncio.wait_for(waiter, 1)
    overlapping = TrainingGate(overlap=True)
    overlapping.begin_writing()
    await asyncio.wait_for(overlapping.wait_to_train(), 1)


def test_summary_has_the_documented_fields():
    state = {
        "candidates": [candidate(1, "trained", 3.0), candidate(0, "invalid", None), candidate(0, "trained", 4.0, 1)],
        "iterations": [{"iteration": 0, "best_sample": 1, "reflection": ""}],
        "best": candidate(0, "trained", 4.0, 1),
        "eval_runs": [{"seed": 2, "status": "trained", "fitness": 3.0, "error": None},
                      {"seed": 1, "status": "trained", "fitness": 5.0, "error": None}],
    }  # fmt: skip
    s = build_summary(
        state, "Cartpole", "completed", {"calls": 3, "prompt_tokens": 1, "completion_tokens": 2}
    )
    assert s["task"] == "Cartpole" and s["status"] == "completed"
    assert [it["iteration"] for it in s["iterations"]] == [0, 1]
    assert [x["sample"] for x in s["iterations"][0]["samples"]] == [0, 1]
    assert set(s["iterations"][0]["samples"][0]) == {"sample", "status", "fitness", "error", "reward_path"}
    assert s["iterations"][0]["best_sample"] == 1 and s["iterations"][1]["best_sample"] is None
    assert s["best"] == {
        "iteration": 1,
        "sample": 0,
        "fitness": 4.0,
        "reward_path": "r0.py",
        "checkpoint": None,
    }
    assert (
        s["final_eval"]["fitness"] == [5.0, 3.0]
        and s["final_eval"]["mean"] == 4.0
        and s["final_eval"]["std"] == 1.0
    )
    assert s["llm"]["calls"] == 3
