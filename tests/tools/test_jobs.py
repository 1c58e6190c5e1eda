"""A worker's result is rebuilt from known fields: nothing it says is believed as it came."""

from tools.jobs import TrainJob, clean_fitness, sanitize_progress, sanitize_result

JOB = TrainJob(task="Cartpole", reward_source="", reward_name="it0-s0", out_dir="/tmp/x", seed=3)


def test_a_hostile_result_is_reduced_to_checked_fields():
    raw = {"status": "trained", "fitness_max": float("inf"), "fitness": [1.0, "2", None, float("nan")],
           "components": {f"c{i}": [1.0] for i in range(1000)}, "checkpoint": "/etc/passwd", "epochs": True,
           "error": "E" * 100_000, "warm_start_digest": "not a digest", "extra": "ignored"}  # fmt: skip
    result = sanitize_result(raw, JOB)
    assert result["status"] == "trained" and result["fitness_max"] is None
    assert result["fitness"] == [1.0, None, None, None] and result["checkpoint"] is None
    assert len(result["components"]) < 1000 and result["epochs"] == 0 and len(result["error"]) < 10_000
    assert result["warm_start_digest"] is None and "extra" not in result and result["seed"] == 3
    assert sanitize_result("not a dict", JOB)["status"] == "failed"


def test_progress_and_the_clean_fitness():
    assert sanitize_progress({"epoch": 2, "max_epochs": 10, "fitness": 5}) == {"epoch": 2, "max_epochs": 10,
                                                                               "fitness": 5.0}  # fmt: skip
    assert sanitize_progress({"epoch": "2", "max_epochs": 10}) is None
    assert clean_fitness({"status": "trained", "evaluation": {"fitness": 42.0}}) == 42.0
    assert clean_fitness({"status": "failed", "evaluation": {"fitness": 42.0}}) is None
    assert clean_fitness({"status": "trained"}) is None
