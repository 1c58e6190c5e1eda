"""A worker's result is rebuilt from known fields: nothing it says is believed as it came."""

from tools.jobs import TrainJob, clean_fitness, finite_or_none, sanitize_progress, sanitize_result

JOB = TrainJob(
    task="Cartpole",
    reward_source="",
    reward_name="it0-s0",
    out_dir="/tmp/x",
    seed=3,
    ppo={"max_epochs": 3, "num_envs": 32},
)
EVERY_EPOCH = [1, 2, 3]


def test_a_hostile_result_is_reduced_to_checked_fields():
    raw = {
        "status": "trained",
        "fitness_max": float("inf"),
        "fitness": [1.0, "2", None, float("nan")],
        "components": {f"c{i}": [1.0] for i in range(1000)},
        "checkpoint": "/etc/passwd",
        "epochs": True,
        "error": "E" * 100_000,
        "warm_start_digest": "not a digest",
        "extra": "ignored",
        "env_steps": 10**400,
    }
    result = sanitize_result({**raw, "epochs": 3}, JOB, EVERY_EPOCH, 2.0)
    assert result["status"] == "trained" and result["fitness_max"] is None
    assert result["fitness"] == [1.0, None, None, None] and result["checkpoint"] is None
    assert len(result["components"]) < 1000 and len(result["error"]) < 10_000
    assert result["warm_start_digest"] is None and "extra" not in result and result["seed"] == 3
    # Compute is the caller's count: 3 epochs of 32 envs x 16 steps
    # (configs/train/ppo.yaml's horizon), in 2 s.
    assert result["epochs"] == 3 and result["env_steps"] == 3 * 32 * 16 and result["wall_s"] == 2.0
    assert sanitize_result("not a dict", JOB, EVERY_EPOCH, 1.0)["status"] == "failed"


def test_trained_is_believed_only_with_every_epoch_seen_on_the_progress_channel():
    forged = {"status": "trained", "epochs": 3, "env_steps": 10**9, "fitness_max": 500.0}
    for seen in ([], [3], [1, 3], [1, 2], [2, 1, 3], [1, 2, 3, 4]):
        result = sanitize_result(forged, JOB, seen, 0.1)
        assert result["status"] == "failed" and "not believed" in result["error"], seen
        assert result["env_steps"] == len(seen) * 32 * 16
    assert sanitize_result({**forged, "epochs": 10**400}, JOB, EVERY_EPOCH, 0.1)["status"] == "failed"
    assert sanitize_result(forged, JOB, EVERY_EPOCH, 0.1)["status"] == "trained"


def test_any_number_from_a_worker_becomes_a_finite_float_or_none():
    assert [
        finite_or_none(v) for v in (10**400, -(10**400), 2, 2.5, float("nan"), float("-inf"), True, "1")
    ] == [None, None, 2.0, 2.5, None, None, None, None]


def test_progress_and_the_clean_fitness():
    assert sanitize_progress({"epoch": 2, "max_epochs": 10, "fitness": 5}) == {
        "epoch": 2,
        "max_epochs": 10,
        "fitness": 5.0,
    }
    assert sanitize_progress({"epoch": "2", "max_epochs": 10}) is None
    assert clean_fitness({"status": "trained", "evaluation": {"fitness": 42.0}}) == 42.0
    assert clean_fitness({"status": "failed", "evaluation": {"fitness": 42.0}}) is None
    assert clean_fitness({"status": "trained"}) is None
