"""The two searches through the real loop (real training, FAKE replayed Coder): ``robust`` never trains a
program twice and gives its best more seeds; ``eureka`` trains every valid program once, as the paper does."""

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

from graph.build import build_graph
from graph.results.run_dir import RUNG_BOARD_FILE, SEED_DIR, SUMMARY_FILE, RunDir
from graph.run import THREAD, main
from tests.helpers import processes_mentioning
from tools.job_dir import RESULT_FILE

ROOT = Path(__file__).resolve().parent.parent.parent

PROGRAM = "def compute_reward(pole_angle):\n    r = 1.0 - pole_angle ** 2\n    return r, {'upright': r}\n"
SAME = (
    '"""Upright."""\nimport torch\n\n\ndef compute_reward(pole_angle: torch.Tensor):\n'
    "    # closer to 0 is better\n"
    "    r = 1.0 - (pole_angle ** 2)\n    return (r, {'upright': r})\n"
)
OTHER = (
    "def compute_reward(pole_angle, pole_vel):\n    r = 1.0 - pole_angle ** 2 - 0.1 * pole_vel ** 2\n"
    "    return r, {'upright': r}\n"
)
# Another text, the same reward: an unused constant, a scale of 1.0, x * x for x ** 2
# (the embedded model's habit).
ALIKE = (
    "def compute_reward(pole_angle):\n    tolerance = 0.05\n    scale = 1.0\n"
    "    r = (1.0 - pole_angle * pole_angle) * scale\n    return r, {'upright': r}\n"
)
ANSWERS = [
    PROGRAM,
    SAME,
    ALIKE,
    OTHER,
]  # iteration 0: the same program twice; iteration 1: it again, and a new one


def coder_answers(path: Path, programs: list[str]) -> Path:
    """A FAKE Coder: a transcript that answers with these programs, in order."""
    path.write_text(
        "".join(json.dumps({"agent": "coder", "response": f"```python\n{a}```"}) + "\n" for a in programs)
    )
    return path


def run(tmp_path, search: str) -> dict:
    transcript = coder_answers(tmp_path / f"{search}.jsonl", ANSWERS)
    run_dir = tmp_path / search
    assert (
        main(
            [
                "--task",
                "Cartpole",
                "--iterations",
                "2",
                "--samples",
                "2",
                "--repair-attempts",
                "0",
                "--llm",
                f"replay:{transcript}",
                "--eval-seeds",
                "1",
                "--num-envs",
                "64",
                "--max-epochs",
                "4",
                "--search",
                search,
                "--extra-seeds",
                "1",
                "--run-dir",
                str(run_dir),
            ]
        )
        == 0
    )
    return json.loads(RunDir(run_dir).summary.read_text())


@pytest.mark.slow
def test_robust_never_trains_a_program_twice_and_eureka_trains_every_one(tmp_path):
    robust = run(tmp_path, "robust")
    samples = [s for it in robust["iterations"] for s in it["samples"]]
    assert sorted(s["status"] for s in samples) == ["duplicate", "duplicate", "trained", "trained"]
    first = next(s for s in robust["iterations"][0]["samples"] if s["status"] == "trained")
    assert {s["duplicate_of"] for s in samples if s["status"] == "duplicate"} == {f"it0-s{first['sample']}"}
    alike = next(s for s in robust["iterations"][1]["samples"] if s["status"] == "duplicate")
    assert (
        "its reward equals that program's on all" in alike["error"]
    )  # known by what it computes, not by its text
    assert all(
        len(s["seeds"]) == 2 and s["seeds"][0]["seed"] == 0 for s in samples if s["status"] == "trained"
    )
    assert robust["compute"]["duplicates"] == 2 and robust["compute"]["trainings"] == 2 * 2 + 1
    assert robust["final_eval"]["seeds"] == [1000] and robust["search"] == "robust"
    assert robust["final_eval"]["selection_gap"] == pytest.approx(
        robust["best"]["fitness"] - robust["final_eval"]["mean"]
    )
    eureka = run(tmp_path, "eureka")
    samples = [s for it in eureka["iterations"] for s in it["samples"]]
    assert [s["status"] for s in samples] == ["trained"] * 4 and all(
        s["duplicate_of"] is None for s in samples
    )
    assert all(len(s["seeds"]) == 1 for s in samples) and eureka["compute"]["trainings"] == 4 + 1


BAD = "def compute_reward(pole_angle):\n    r = pole_angle.abs()\n    return r, {'tilt': r}\n"


@pytest.mark.slow
def test_a_candidate_behind_the_others_at_a_rung_stops_there_and_its_program_is_known(tmp_path):
    transcript = coder_answers(tmp_path / "answers.jsonl", [OTHER, BAD, BAD])
    run_dir = tmp_path / "run"
    assert (
        main(
            [
                "--task",
                "Cartpole",
                "--iterations",
                "3",
                "--samples",
                "1",
                "--repair-attempts",
                "0",
                "--llm",
                f"replay:{transcript}",
                "--eval-seeds",
                "1",
                "--num-envs",
                "64",
                "--max-epochs",
                "200",
                "--rungs",
                "0.05",
                "--rung-min-peers",
                "2",
                "--extra-seeds",
                "0",
                "--run-dir",
                str(run_dir),
            ]
        )
        == 0
    )
    summary = json.loads(RunDir(run_dir).summary.read_text())
    good, bad, again = (it["samples"][0] for it in summary["iterations"])
    assert good["status"] == "trained" and good["seeds"][0]["env_steps"] == 200 * 64 * 16
    assert (
        bad["status"] == "stopped_early"
        and bad["fitness"] is None
        and "stopped early at epoch 10" in bad["error"]
    )
    (entry,) = bad["seeds"]
    assert (
        entry["status"] == "stopped_early"
        and entry["rung"]["epoch"] == 10
        and entry["env_steps"] < 20 * 64 * 16
    )
    assert (
        entry["rung"]["fitness"]
        < json.loads((run_dir / "stage1-Cartpole" / RUNG_BOARD_FILE).read_text())["10"]["it0-s0"]
    )
    assert (
        again["status"] == "duplicate" and again["duplicate_of"] == "it1-s0"
    )  # a stopped program is not retried
    assert summary["compute"]["stopped_early"] == 1 and summary["best"]["iteration"] == 0


def test_rungs_that_fall_before_the_minimum_epoch_are_refused_in_one_line(tmp_path, capsys):
    assert (
        main(["--task", "Cartpole", "--max-epochs", "8", "--rungs", "0.5", "--run-dir", str(tmp_path / "r")])
        == 2
    )
    assert "--rungs 0.5: with 8 epochs (Cartpole) no rung falls between epoch 10" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


THIRD = (
    "def compute_reward(pole_angle, cart_pos):\n    r = 1.0 - pole_angle ** 2 - 0.05 * cart_pos ** 2\n"
    "    return r, {'upright': r}\n"
)


def seed_trainings(run: Path) -> dict[str, float]:
    """The extra-seed trainings that wrote a result: their directory and start time."""
    return {
        str(job): json.loads((job / RESULT_FILE).read_text())["started_at"]
        for job in RunDir(run).jobs("stage1-Cartpole")
        if job.name.startswith(SEED_DIR) and (job / RESULT_FILE).is_file()
    }


def recorded_seeds(run: Path) -> set[str]:
    """The extra-seed trainings the graph has durably recorded as done (their directories)."""

    async def recorded() -> list[tuple[str, int]]:
        async with AsyncSqliteSaver.from_conn_string(str(RunDir(run).checkpoints)) as saver:
            snapshot = await build_graph(saver).aget_state(THREAD, subgraphs=True)
        stage = next(task.state for task in snapshot.tasks if task.state)
        pending = [u for t in stage.tasks if t.result for u in t.result.get("candidates", [])]
        return [  # a record's trainings after its first; a seed node's update not yet merged
            *(
                (c["id"], s["seed"])
                for c in stage.values.get("candidates", [])
                for s in c.get("seeds", [])[1:]
            ),
            *((u["id"], s["seed"]) for u in pending if set(u) == {"id", "seeds"} for s in u["seeds"]),
        ]

    return {
        str(RunDir(run).seed_training("stage1-Cartpole", cid, seed)) for cid, seed in asyncio.run(recorded())
    }


@pytest.mark.slow
def test_kill_9_while_the_seeds_train_then_resume_keeps_every_finished_rung_and_seed(tmp_path):
    transcript = coder_answers(tmp_path / "answers.jsonl", [PROGRAM, OTHER, THIRD])
    run = tmp_path / "run"
    args = [
        "--task",
        "Cartpole",
        "--iterations",
        "1",
        "--samples",
        "3",
        "--eval-seeds",
        "1",
        "--trainers-per-device",
        "1",
        "--llm",
        f"replay:{transcript}",
        "--num-envs",
        "64",
        "--max-epochs",
        "50",
        "--rungs",
        "0.2",
        "--seed-top-k",
        "1",
        "--extra-seeds",
        "3",
        "--repair-attempts",
        "0",
    ]
    proc = subprocess.Popen(
        [sys.executable, "-m", "graph.run", *args, "--run-dir", str(run)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 300
    while time.time() < deadline and proc.poll() is None and len(seed_trainings(run)) < 2:
        time.sleep(0.05)
    assert proc.poll() is None, "the run ended before two extra seeds had trained"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    rungs = json.loads((run / "stage1-Cartpole" / RUNG_BOARD_FILE).read_text())
    finished = {name: started for name, started in seed_trainings(run).items() if name in recorded_seeds(run)}
    time.sleep(1)
    assert processes_mentioning(str(run)) == [] and set(rungs["10"]) == {"it0-s0", "it0-s1", "it0-s2"}
    assert len(finished) >= 1

    resumed = subprocess.run(
        [sys.executable, "-m", "graph.run", "--resume", str(run)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    summary = json.loads((run / SUMMARY_FILE).read_text())
    assert summary["status"] == "completed" and summary["llm"]["calls"] == 3
    assert all(
        seed_trainings(run)[name] == started for name, started in finished.items()
    )  # not trained again
    assert json.loads((run / "stage1-Cartpole" / RUNG_BOARD_FILE).read_text()) == rungs  # nor judged again
    assert [s["seed"] for s in summary["best"]["seeds"]] == [0, 1, 2, 3]
