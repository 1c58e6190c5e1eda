"""The run's ETA against figures worked out by hand from a plan."""

import time
from types import SimpleNamespace

import pytest

from graph.results.eta import (
    LLM_S_PER_SAMPLE,
    SOLO_WAVE,
    TRAINED_SHARE,
    Pace,
    RunClock,
    Work,
    remaining_s,
)
from sim.registry import task_config, task_names


def test_the_time_left_is_every_iteration_training_evaluation_and_decision_of_the_plan():
    cartpole = Work(
        task="Cartpole",
        size=100 * 512,
        iterations=2,
        samples=3,
        trials=0,
        top_k=2,
        extra_seeds=2,
        eval_seeds=3,
        decides=True,
    )
    hand = Work(
        task="ShadowHand",
        size=150 * 256,
        iterations=1,
        samples=3,
        trials=6,
        top_k=2,
        extra_seeds=2,
        eval_seeds=1,
        decides=False,
    )
    # Measured: Cartpole 10 s at this size and 7 s at half of it (14 s at this size): 12 s a training; the
    # model 20 s and 40 s a sample: 30 s; ShadowHand 300 s a training.
    pace = Pace(
        trainings={"Cartpole": [(10.0, 100 * 512), (7.0, 50 * 512)], "ShadowHand": [(300.0, 150 * 256)]},
        llm=[20.0, 40.0],
        samples={"Cartpole": [True], "ShadowHand": [True]},  # every sample so far trained
    )
    # Two slots; a wave of one training costs SOLO_WAVE of a full one. A Cartpole iteration: 3 samples x 30 s,
    # then 3 trainings (1 + SOLO_WAVE waves) and 4 seeds (2 waves) of 12 s: 90 + 12 x 3.65 = 133.8 s. Its
    # evaluation: 3 seeds (1.65 waves), 19.8 s, and the Curriculum agent's 30 s: 49.8 s. A ShadowHand
    # iteration: 90 s, then 1.65 waves of samples, 6 trials two at a time (3 waves) and 2 waves of seeds, of
    # 300 s: 2085 s. Its evaluation: one training alone, 195 s, no decision after the last stage.
    assert SOLO_WAVE == 0.65
    assert remaining_s([cartpole, hand], pace, slots=2) == pytest.approx(133.8 * 2 + 49.8 + 2085 + 195)
    assert remaining_s([cartpole, hand], pace, slots=2, elapsed_s=100) == pytest.approx(
        33.8 + 133.8 + 49.8 + 2085 + 195
    )
    assert remaining_s([cartpole, hand], pace, slots=2, elapsed_s=500) == pytest.approx(
        133.8 + 49.8 + 2085 + 195
    )
    # One slot: 3 x 30 + (3 + 4) x 12 = 174 s an iteration; the evaluation 3 x 12 + 30 = 66 s.
    assert remaining_s([cartpole], pace, slots=1) == pytest.approx(174 + 174 + 66)


def test_before_anything_is_measured_the_tasks_recorded_figures_are_used():
    recorded = task_config("ShadowHand")["expected_training_s"]  # at its 300 epochs x 256 envs
    assert Pace().training_s("ShadowHand", 150 * 256) == pytest.approx(recorded / 2)
    assert Pace().llm_s() == LLM_S_PER_SAMPLE
    assert Pace().trained_share("ShadowHand") == task_config("ShadowHand")["expected_trained_share"]
    assert "expected_trained_share" not in task_config("Cartpole")
    assert Pace().trained_share("Cartpole") == TRAINED_SHARE


@pytest.mark.parametrize("task", task_names())
def test_every_task_records_the_wall_time_of_its_trainings(task):
    assert task_config(task)["expected_training_s"] > 0
    assert 0 < task_config(task).get("expected_trained_share", TRAINED_SHARE) <= 1


def spec(**budget) -> dict:
    return {
        "number": 1,
        "name": "stage1-Cartpole",
        "task": "Cartpole",
        "iterations": 2,
        "samples": 2,
        "eval_seeds": 1,
        "ppo": {"max_epochs": 100, "num_envs": 512},
        "search": "robust",
        "repeats": 0,
        **budget,
    }


def test_the_clock_measures_the_trainings_and_the_models_time_between_them(monkeypatch):
    now = [0.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    clock, stage = RunClock(slots=2, seed_top_k=1, extra_seeds=2), spec()
    recorded = task_config("Cartpole")["expected_training_s"]  # at its 100 epochs x 512 envs
    clock.plan([stage])
    # An iteration: 2 samples of the model's (LLM_S_PER_SAMPLE each before it is measured); if one or both
    # train, a wave of them (one alone: SOLO_WAVE) and 1 x 2 seeds (1 wave); two such iterations, then the
    # evaluation's one training (alone) if anything of the 4 samples trained. p: the chance a sample trains.
    p, q = TRAINED_SHARE, 1 - TRAINED_SHARE
    waves = 2 * p * q * (SOLO_WAVE + 1) + p * p * (1 + 1)
    first = 2 * (2 * LLM_S_PER_SAMPLE + recorded * waves) + recorded * SOLO_WAVE * (1 - q**4)
    assert clock.eta_s() == pytest.approx(first)
    clock.at_iteration(stage, 0)
    clock.sampled("Cartpole", True)
    clock.sampled("Cartpole", True)  # both samples trained: the run's share is 1 from now on
    job = SimpleNamespace(task="Cartpole", ppo=stage["ppo"])
    for start in (40.0, 64.0):  # the 2 samples side by side, then the 2 seeds: 20 s each
        now[0] = start
        with clock.training(), clock.training():
            now[0] = start + 20
        for _ in range(2):
            clock.trained(job, {"status": "trained", "started_at": start, "finished_at": start + 20})
    clock.trained(job, {"status": "failed"})  # a failed training is not the pace
    now[0] = 90.0
    clock.at_iteration(stage, 1)  # 90 s, 40 of them training: 50 s of the model, 25 s a sample
    assert clock.pace.llm == [25.0]
    assert clock.eta_s() == pytest.approx(2 * 25 + 20 + 20 + 13)  # the last iteration, the evaluation
    now[0] = 130.0
    assert clock.eta_s() == pytest.approx(103 - 40)
    assert clock.line() == "run: 2 min 10 s so far, about 1 min 3 s left"
    now[0] = 300.0
    clock.at_evaluation()  # the stage samples no more: its evaluation is left, one training alone
    assert clock.eta_s() == pytest.approx(13)
    assert clock.timing() == {"first_eta_s": pytest.approx(first, abs=0.1), "wall_s": 300.0}


def test_a_stage_with_a_later_one_ends_with_the_curriculum_agents_decision(monkeypatch):
    monkeypatch.setattr(time, "monotonic", lambda: 0.0)
    clock = RunClock(slots=2)
    later = {**spec(number=2, name="stage2-Cartpole"), "search": "eureka"}
    clock.plan([spec(iterations=0), later])
    recorded = task_config("Cartpole")["expected_training_s"]
    # Stage 1: no iteration, nothing to evaluate, then the decision (one sample's time of the model); stage 2
    # (eureka, no seeds): two iterations of 2 samples of the model and one wave of those that train (one
    # alone: SOLO_WAVE), then its evaluation (one training alone) if any of its 4 samples trained.
    llm, p, q = LLM_S_PER_SAMPLE, TRAINED_SHARE, 1 - TRAINED_SHARE
    waves = 2 * p * q * SOLO_WAVE + p * p
    assert clock.eta_s() == pytest.approx(
        llm + 2 * (2 * llm + recorded * waves) + recorded * SOLO_WAVE * (1 - q**4)
    )


def test_the_waves_are_an_expectation_over_how_many_samples_train():
    """3 samples on 2 slots, the best 2 of those that train get 1 more seed each, 2 tuning trials: with n
    trained, n/2 waves of samples (a wave of one alone: 0.65), the seeds of min(2, n) and, if n > 0, 1 wave
    of trials: 0, 2.3, 3, 3.65 waves for n = 0..3."""
    share = 0.6
    chances = [0.4**3, 3 * 0.6 * 0.4**2, 3 * 0.6**2 * 0.4, 0.6**3]  # n = 0, 1, 2, 3 of 3 train
    waves = sum(c * w for c, w in zip(chances, [0, 2.3, 3, 3.65], strict=True))
    work = Work("ShadowHand", 300 * 256, 1, 3, trials=2, top_k=2, extra_seeds=1, eval_seeds=1, decides=False)
    pace = Pace(
        trainings={"ShadowHand": [(100.0, 300 * 256)]},
        llm=[10.0],
        samples={"ShadowHand": [True, True, True, False, False]},
    )
    assert pace.trained_share("ShadowHand") == pytest.approx(share)
    evaluation = 100.0 * 0.65 * (1 - 0.4**3)  # one training alone; none when none of the 3 trained
    assert remaining_s([work], pace, slots=2) == pytest.approx(3 * 10.0 + 100.0 * waves + evaluation)
    trained = Work("ShadowHand", 300 * 256, 0, 3, 2, 2, 1, eval_seeds=1, decides=False, trained=True)
    assert remaining_s([trained], pace, slots=2) == pytest.approx(65.0)  # a stage that trained evaluates
    # Search tuned: one finalist an iteration gets the extra seed too, once a sample trained: seeds of
    # min(2, n) + 1, so 2.65, 3.65, 4.3 waves for n = 1..3.
    tuned = Work("ShadowHand", 300 * 256, 1, 3, 2, 2, 1, eval_seeds=1, decides=False, finalists=1)
    waves = sum(c * w for c, w in zip(chances, [0, 2.65, 3.65, 4.3], strict=True))
    assert remaining_s([tuned], pace, slots=2) == pytest.approx(3 * 10.0 + 100.0 * waves + evaluation)
