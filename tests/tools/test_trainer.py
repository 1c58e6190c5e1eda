"""The Trainer tool end to end: real rl_games PPO in worker subprocesses."""

import asyncio
import contextlib
import io
import json

import pytest

from sim.rl.evaluation import evaluate_policy
from tests.helpers import cartpole_policy
from tools.clean_eval import EVAL_SEED
from tools.job_dir import BEST_FILE, JOB_FILE
from tools.pool import DevicePool
from tools.trainer import main, make_job

SMALL = {"num_envs": 64, "max_epochs": 3}


RESULT_KEYS = {
    "status",
    "fitness_max",
    "fitness",
    "components",
    "episode_length",
    "env_steps",
    "wall_s",
    "steps_per_s",
    "checkpoint",
    "error",
}


@pytest.fixture(scope="module")
def cartpole_human(tmp_path_factory):
    """One full-budget Cartpole run through the CLI, shared by the tests below."""
    out = tmp_path_factory.mktemp("human")
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(
            [
                "--task",
                "Cartpole",
                "--reward",
                "human",
                "--max-epochs",
                "100",
                "--num-envs",
                "512",
                "--json",
                "--out-dir",
                str(out),
            ]
        )
    return code, json.loads(buf.getvalue())


@pytest.mark.slow
def test_cartpole_human_reward_reaches_400_within_100_epochs(cartpole_human):
    code, result = cartpole_human
    assert code == 0, result["error"]
    assert RESULT_KEYS <= set(result)
    assert result["status"] == "trained" and result["error"] is None
    assert result["fitness_max"] >= 400
    assert len(result["fitness"]) == 100 and len(result["episode_length"]) == 100
    assert set(result["components"]) == {
        "upright",
        "cart_speed_penalty",
        "pole_speed_penalty",
        "failure_penalty",
    }
    assert result["env_steps"] == 512 * 16 * 100
    assert result["steps_per_s"] > 0 and result["checkpoint"].endswith(BEST_FILE)


@pytest.mark.slow
async def test_warm_start_continues_from_a_checkpoint(cartpole_human, tmp_path):
    _, trained = cartpole_human
    pool = DevicePool("cpu", trainers_per_device=2)
    budget = {"num_envs": 64, "max_epochs": 35}  # 560 steps: enough for full 500-step episodes to end
    cold, warm = await asyncio.gather(
        pool.run(make_job("Cartpole", "human", tmp_path / "cold", ppo=budget)),
        pool.run(
            make_job("Cartpole", "human", tmp_path / "warm", ppo=budget, checkpoint=trained["checkpoint"])
        ),
    )
    assert warm["status"] == "trained", warm["error"]
    assert warm["fitness_max"] >= 450
    assert warm["fitness_max"] > 2 * cold["fitness_max"]


@pytest.mark.slow
async def test_a_checkpoint_that_does_not_fit_fails_the_job_in_one_line(cartpole_human, tmp_path):
    checkpoint = cartpole_human[1]["checkpoint"]
    not_a_checkpoint = tmp_path / "notes.txt"
    not_a_checkpoint.write_text("not a checkpoint")
    pool = DevicePool("cpu", trainers_per_device=2)
    other_task, other_network, garbage = await asyncio.gather(
        pool.run(make_job("ShadowHand", "human", tmp_path / "hand", ppo=SMALL, checkpoint=checkpoint)),
        pool.run(
            make_job(
                "Cartpole",
                "human",
                tmp_path / "wide",
                ppo={**SMALL, "network_units": [64, 64]},
                checkpoint=checkpoint,
            )
        ),
        pool.run(
            make_job("Cartpole", "human", tmp_path / "text", ppo=SMALL, checkpoint=str(not_a_checkpoint))
        ),
    )
    assert [r["status"] for r in (other_task, other_network, garbage)] == ["failed"] * 3
    assert other_task["error"] == (
        f"CheckpointError: {checkpoint} was trained with 4 observations and 1 actions; "
        "ShadowHand has 108 and 20 (the checkpoint must come from a task with the same spaces)"
    )
    assert other_network["error"].startswith(f"CheckpointError: {checkpoint} has a different network:")
    assert "(32, 4) there and (64, 4) here" in other_network["error"]
    assert garbage["error"].startswith(f"CheckpointError: {not_a_checkpoint} is not an rl_games checkpoint")


SPARSE_PPO = {"num_envs": 256, "max_epochs": 30}


@pytest.mark.slow
async def test_sparse_baseline_trains_on_the_success_metric(tmp_path):
    """It learns: the trained policy's clean fitness (measured: 341 at seed 0) is far above an untrained
    policy's (mean 0, sigma 1, as PPO starts: about 50), and its last epochs all train above its first one."""
    result = await DevicePool("cpu").run(make_job("Cartpole", "sparse", tmp_path, ppo=SPARSE_PPO))
    assert result["status"] == "trained", result["error"]
    assert set(result["components"]) == {"alive"}
    untrained = evaluate_policy(
        "Cartpole",
        cartpole_policy(tmp_path / "untrained.pth", log_std=0.0),
        result["evaluation"]["episodes"],
        seed=0,
    )
    assert result["evaluation"]["fitness"] > 3 * untrained["fitness"], (result["evaluation"], untrained)
    recorded = [f for f in result["fitness"] if f is not None]
    assert min(recorded[-5:]) > 2 * recorded[0], recorded
    # The clean figure is a fresh measurement of the saved policy, not the training-time one.
    again = evaluate_policy("Cartpole", result["checkpoint"], 128, seed=EVAL_SEED, ppo_overrides=SPARSE_PPO)
    assert result["evaluation"]["fitness"] == pytest.approx(again["fitness"]), (result["evaluation"], again)


def test_cli_rejects_bad_arguments_with_one_line(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--task", "Cartpol"])
    assert info.value.code == 2
    assert "unknown task 'Cartpol'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--task", "Cartpole", "--max-epochs", "0"])
    assert main(["--task", "Cartpole", "--reward", "missing_file.py"]) == 2


@pytest.mark.slow
def test_the_cli_trains_the_pen_on_mujoco_warp_in_the_confined_worker(tmp_path, capsys):
    """--sim mjwarp end to end on the CPU: Warp compiles its kernels inside the job, training and the
    clean evaluation both step MJWarp."""
    out = tmp_path / "job"
    assert (
        main(
            [
                "--task",
                "ShadowHand",
                "--sim",
                "mjwarp",
                "--device",
                "cpu",
                "--max-epochs",
                "1",
                "--num-envs",
                "8",
                "--out-dir",
                str(out),
                "--json",
            ]
        )
        == 0
    )
    result = json.loads(capsys.readouterr().out)
    assert result["status"] == "trained" and result["evaluation"]["error"] is None, result["error"]
    assert json.loads((out / JOB_FILE).read_text())["sim"] == "mjwarp" and result["env_steps"] == 8 * 16
    assert (
        out / ".cache" / "warp"
    ).is_dir()  # its kernels, compiled in its own home: nothing shared between jobs
