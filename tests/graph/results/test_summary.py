import json

from graph.nodes.stage_plan import configured_entries, stage_plan
from graph.results.run_dir import RunDir
from graph.results.summary import build_summary, compute, no_candidate_reason, write_summary
from graph.search.ranking import scored
from graph.settings import DEFAULTS_FILE, Settings
from graph.state import merge_candidates
from sim.registry import task_config
from tests.helpers import candidate

USAGE = {"calls": 3, "prompt_tokens": 1, "completion_tokens": 2}


def specs():
    s = Settings.load(DEFAULTS_FILE, {"task": "ShadowHandSpin"})
    return stage_plan(s, configured_entries(s))


def stage_record(spec, fitness, decision) -> dict:
    best = candidate(0, "trained", fitness)
    return {
        "spec": spec,
        "candidates": [best],
        "iterations": [{"iteration": 0, "best_sample": 0, "reflection": ""}],
        "best": best,
        "eval_runs": [],
        "checkpoint": f"{spec['name']}.pth",
        "fitness": fitness,
        "decision": decision,
    }


def test_summary_has_the_documented_fields():
    running = {
        "stage": specs()[0],
        "candidates": [
            candidate(1, "trained", 3.0),
            candidate(0, "invalid", None),
            candidate(0, "trained", 4.0, 1),
        ],
        "iterations": [{"iteration": 0, "best_sample": 1, "reflection": ""}],
        "best": candidate(0, "trained", 4.0, 1),
        "eval_runs": [
            {"seed": 2, "status": "trained", "fitness": 3.0, "error": None, "checkpoint": None},
            {"seed": 1, "status": "trained", "fitness": 5.0, "error": None, "checkpoint": None},
        ],
        "steering": [
            {"message": 1, "iteration": 0, "kind": "feedback", "text": "keep the pole up", "effect": "x"}
        ],
    }
    s = build_summary("ShadowHandSpin", [], running, "running", USAGE)
    assert s["task"] == "ShadowHandSpin" and s["status"] == "running" and len(s["stages"]) == 1
    assert [it["iteration"] for it in s["iterations"]] == [0, 1]
    assert [x["sample"] for x in s["iterations"][0]["samples"]] == [0, 1]
    assert set(s["iterations"][0]["samples"][0]) == {
        "sample",
        "status",
        "fitness",
        "train_fitness",
        "overstated",
        "error",
        "reward_path",
        "attempts",
        "tool_calls",
        "author",
        "duplicate_of",
        "seeds",
        "tuned_from",
        "recombined_from",
        "constants",
    }  # issue 38's names
    assert s["iterations"][0]["steering"] == running["steering"] and "steering" not in s["iterations"][1]
    assert s["iterations"][0]["best_sample"] == 1 and s["iterations"][1]["best_sample"] is None
    assert s["best"] == {
        "iteration": 1,
        "sample": 0,
        "fitness": 4.0,
        "train_fitness": 4.0,
        "reward_path": "r0.py",
        "checkpoint": None,
        "seeds": None,
        "code": "",
    }
    assert (
        s["final_eval"]["fitness"] == [5.0, 3.0]
        and s["final_eval"]["mean"] == 4.0
        and s["final_eval"]["std"] == 1.0
    )
    assert s["llm"]["calls"] == 3
    stage = s["stages"][0]
    assert (stage["stage"], stage["attempt"], stage["task"], stage["decision"]) == (1, 1, "ShadowHand", None)
    own = task_config("ShadowHandSpin")["curriculum"][0]["max_epochs"]  # the stage's budget, as configured
    assert stage["budget"]["ppo"]["max_epochs"] == own and stage["init_checkpoint"] is None


def test_every_stage_is_listed_and_the_top_level_is_the_last_stages_best_attempt():
    first, second = specs()
    again = {**first, "attempt": 2, "name": "stage1-ShadowHand-attempt2"}
    advance = {"action": "advance", "reason": "r", "by": "agent"}
    stages = [
        stage_record(first, 0.05, {"action": "repeat", "reason": "low", "by": "config"}),
        stage_record(again, 0.2, advance),
        stage_record({**second, "init_checkpoint": "stage1-ShadowHand-attempt2.pth"}, 0.4, None),
    ]
    s = build_summary("ShadowHandSpin", stages, None, "completed", USAGE)
    assert [(e["stage"], e["attempt"]) for e in s["stages"]] == [(1, 1), (1, 2), (2, 1)]
    assert s["stages"][0]["decision"]["action"] == "repeat" and s["stages"][1]["decision"] == advance
    assert s["stages"][2]["init_checkpoint"] == s["stages"][1]["checkpoint"]
    assert s["best"]["fitness"] == 0.4
    worse_repeat = [*stages[:2], stage_record({**second, "attempt": 2}, 0.1, None)]
    assert (
        build_summary(
            "ShadowHandSpin", [*worse_repeat[:2], stages[2], worse_repeat[2]], None, "completed", USAGE
        )["best"]["fitness"]
        == 0.4
    )


def test_a_run_without_a_trained_candidate_says_why_per_outcome_and_iteration():
    failed = {**candidate(0, "llm_failed", None), "error": "coder LLM rejected the request (HTTP 400)"}
    invalid = {**candidate(1, "invalid", None), "error": "Traceback ...\nNameError: name 'x' is not defined"}
    note = "every sample failed on the LLM: coder LLM rejected the request (HTTP 400)"
    running = {
        "stage": specs()[0],
        "candidates": [failed, invalid, {**failed, "sample": 2, "iteration": 1}],
        "iterations": [
            {"iteration": 0, "best_sample": None, "reflection": "", "note": None},
            {"iteration": 1, "best_sample": None, "reflection": "", "note": note},
        ],
        "best": None,
        "eval_runs": [],
    }
    reason = no_candidate_reason(running["candidates"])
    assert reason == (
        "no candidate trained; 3 samples: 1 invalid (first: NameError: name 'x' is not defined), "
        "2 llm_failed (first: coder LLM rejected the request (HTTP 400))"
    )
    s = build_summary("ShadowHandSpin", [], running, "no_trained_candidate", USAGE, reason)
    assert s["reason"] == reason
    assert "note" not in s["iterations"][0] and s["iterations"][1]["note"] == note


def as_reflected(candidates: list[dict], more: dict[str, list[dict]]) -> list[dict]:
    """The state's candidates once the seed node's trainings joined them and reflect ranked them."""
    updates = [{"id": cid, "seeds": seeds} for cid, seeds in more.items()]
    return scored(merge_candidates(candidates, updates), "median")


def test_seeds_compute_and_the_held_out_figures():
    """A candidate trained on three seeds is ranked by their median (rank_by's default); the final evaluation
    carries a bootstrap interval and the selection gap; compute counts every training and the duplicates not
    trained."""
    first = {
        **candidate(0, "trained", 9.0),
        "seeds": [{"seed": 0, "fitness": 9.0, "env_steps": 100, "train_s": 1.0, "status": "trained"}],
    }
    more = [
        {"seed": s, "fitness": f, "env_steps": 100, "train_s": 1.0, "status": "trained"}
        for s, f in ((2, 3.0), (1, 3.0))
    ]
    duplicate = {**candidate(1, "duplicate", None), "duplicate_of": "it0-s0"}
    running = {
        "stage": specs()[0],
        "candidates": as_reflected([first, duplicate], {"it0-s0": more}),
        "iterations": [],
        "best": {**first, "fitness": 5.0},
        "eval_runs": [
            {
                "seed": 1000 + i,
                "status": "trained",
                "fitness": f,
                "error": None,
                "checkpoint": None,
                "env_steps": 100,
                "train_s": 1.0,
            }
            for i, f in enumerate((3.0, 4.0, 5.0))
        ],
    }
    s = build_summary("ShadowHandSpin", [], running, "running", USAGE)
    sample = s["iterations"][0]["samples"][0]
    assert [x["seed"] for x in sample["seeds"]] == [0, 1, 2] and sample[
        "fitness"
    ] == 3.0  # the median of 9, 3, 3
    assert s["iterations"][0]["samples"][1]["duplicate_of"] == "it0-s0"
    final = s["final_eval"]
    assert final["mean"] == 4.0 and 3.0 <= final["ci95"][0] < 4.0 < final["ci95"][1] <= 5.0
    assert final["selection_gap"] == 1.0 and abs(final["selection_gap_sd"] - 1.0 / 0.816496580927726) < 1e-9
    assert s["compute"] == {
        "env_steps": 600,
        "train_s": 6.0,
        "trainings": 6,
        "stopped_early": 0,
        "duplicates": 1,
        "tuning_trials": 0,
        "budget_env_steps": None,  # no budget set
    }
    assert s["search"] == s["stages"][0]["search"] == "robust" and s["stages"][0]["rank_by"] == "median"


def test_each_candidates_whole_record_is_written_in_its_folder(tmp_path):
    """candidate.json: the candidate with every training of its program, its study's trials and, for the
    stage's best, its final evaluation; summary.json keeps its shorter row."""
    spec = specs()[0]
    parent, tuned = candidate(0, "trained", 3.0), dict(candidate(1, "trained", 4.0), tuned_from="it0-s0")
    parent["seeds"] = [{"seed": 0, "fitness": 3.0, "env_steps": 10, "train_s": 1.0, "status": "trained"}]
    evaluation = {"seed": 1000, "status": "trained", "fitness": 3.5, "error": None, "checkpoint": None}
    running = {
        "stage": spec,
        "candidates": as_reflected(
            [parent, tuned],
            {"it0-s0": [{"seed": 1, "fitness": 1.0, "env_steps": 10, "train_s": 1.0, "status": "trained"}]},
        ),
        "tuning_runs": [{"parent": "it0-s0", "trial": 0, "fitness": 4.0, "status": "trained"}],
        "best": parent,
        "eval_runs": [evaluation],
    }
    run = RunDir(tmp_path)
    write_summary(run, spec["task"], [], running, "running", USAGE)
    mine = json.loads(run.candidate_record(spec["name"], "it0-s0").read_text())
    assert [s["seed"] for s in mine["seeds"]] == [0, 1] and mine["fitness"] == 2.0  # the median of 3 and 1
    assert mine["trials"] == running["tuning_runs"] and mine["evaluations"] == [evaluation]
    assert mine["code"] == parent["code"] and mine["response"] == parent["response"]  # the whole record
    other = json.loads(run.candidate_record(spec["name"], "it0-s1").read_text())
    assert other["tuned_from"] == "it0-s0" and other["trials"] == [] and other["evaluations"] == []
    row = json.loads(run.summary.read_text())["iterations"][0]["samples"][0]
    assert "response" not in row and row["seeds"] == mine["seeds"]


def test_a_finalists_first_training_is_its_trial_and_counts_once():
    trial = {"parent": "it0-s0", "trial": 3, "seed": 0, "fitness": 9.0, "env_steps": 100, "train_s": 1.0}
    parent = dict(candidate(0, "trained", 3.0), seeds=[{"seed": 0, "env_steps": 100, "status": "trained"}])
    finalist = dict(
        candidate(1, "trained", 9.0),
        author="optimiser",
        seeds=[{**trial, "status": "trained"}, {"seed": 1, "env_steps": 100, "status": "trained"}],
    )
    spent = compute([parent, finalist], [], [{**trial, "status": "trained"}])
    assert spent["trainings"] == 3 and spent["env_steps"] == 300 and spent["tuning_trials"] == 1
