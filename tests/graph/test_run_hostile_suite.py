"""The hostile suite: one run whose Coder answers with every program in tests/fixtures/hostile/.

Each program is annotated with its class and expected outcome (``# expect: invalid: <reason>``,
``failed: <reason>`` or ``trained``; ``a | b``: either reason, whichever cap ends it first). The run, killed
part-way and resumed, must complete; each program must end as expected; a trained one must carry the fitness
the clean evaluation measured; and no file may appear outside the run's own places for it.
"""

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from configs import CONFIG_DIR
from graph.results.run_dir import (
    CANDIDATE_FILE,
    CANDIDATES_DIR,
    CHECKPOINTS_FILE,
    CONFIG_FILE,
    EVAL_DIR,
    INBOX_FILE,
    LLM_CALLS_FILE,
    LOG_FILE,
    PLOT_FILES,
    REPORT_FILES,
    REPORT_HTML,
    REPORT_MD,
    SEED_SALT_FILE,
    STUDIES_DIR,
    SUMMARY_FILE,
    RunDir,
)
from graph.run import main
from tools.job_dir import (
    ATTEMPT_PROGRAM,
    CHECKED_PROGRAM,
    RESULT_FILE,
    TUNED_PROGRAM,
    USER_PROGRAM,
    program_file,
)

ROOT = Path(__file__).resolve().parent.parent.parent
HOSTILE = sorted((ROOT / "tests" / "fixtures" / "hostile").glob("*.py"))
TOP_LEVEL_FILES = {
    CONFIG_FILE,
    CHECKPOINTS_FILE,
    LLM_CALLS_FILE,
    LOG_FILE,
    SUMMARY_FILE,
    INBOX_FILE,
    SEED_SALT_FILE,
    REPORT_HTML,
    REPORT_MD,
}
STAGE = "stage1-Cartpole"


def expectation(program: Path) -> tuple[str, str]:
    status, _, reason = re.search(r"^# expect: (.*)$", program.read_text(), re.M).group(1).partition(": ")
    return status, reason


def untracked_project_files() -> set[str]:
    listing = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return set(listing.splitlines())


def outside_job_dirs(run: Path) -> list[str]:
    """Files of the run that are not the run's top-level files, a candidate's record or programs, or inside a
    job, a check or an evaluation (a worker writing ``../x`` from its job lands in its candidate's folder)."""
    programs = {program_file(Path(), kind).name for kind in (USER_PROGRAM, CHECKED_PROGRAM, TUNED_PROGRAM)}
    stray = []
    for path in run.rglob("*"):
        parts = path.relative_to(run).parts
        if path.is_dir():
            continue
        name, depth = parts[-1], len(parts)
        inside = parts[0] == STAGE and (
            parts[1] == CANDIDATES_DIR
            and (depth > 4 or name in (CANDIDATE_FILE, *programs) or name.startswith(ATTEMPT_PROGRAM))
            or parts[1] == STUDIES_DIR
            and depth > 4
            or parts[1] == EVAL_DIR
            and depth > 3
        )
        report = depth == 2 and parts[0] == REPORT_FILES and name in PLOT_FILES
        if not (inside or report or (depth == 1 and name in TOP_LEVEL_FILES)):
            stray.append(str(path.relative_to(run)))
    return stray


def kill_after_trainings(args: list[str], run: Path, trainings: int) -> int | None:
    """Run ``graph.run args`` in a child, and kill it (its whole group) once ``trainings`` results are on
    disk; the exit code if it ended by itself first."""
    child = subprocess.Popen(
        [sys.executable, "-m", "graph.run", *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 1800
    while child.poll() is None and time.monotonic() < deadline:
        if sum((job / RESULT_FILE).is_file() for job in RunDir(run).jobs(STAGE)) >= trainings:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
            return None
        time.sleep(0.5)
    return child.poll()


@pytest.mark.slow
def test_every_hostile_program_ends_with_its_reason_and_the_run_completes(tmp_path, capfd):
    assert len(HOSTILE) >= 40
    transcript = tmp_path / "hostile.jsonl"
    transcript.write_text(
        "".join(
            json.dumps({"agent": "coder", "response": f"```python\n{p.read_text()}```"}) + "\n"
            for p in HOSTILE
        )
    )
    # Tight caps so the looping programs end fast. The dry-run cap leaves room for the hoarder: it
    # fills the dry run's 2 GB in ~2 s alone (4 GB took 6.5 s, and over 20 s beside the trainings in CI).
    config = tmp_path / "run.yaml"
    config.write_text(
        (CONFIG_DIR / "run.yaml").read_text() + "\ncheck_timeout_s: 30\ntrain_timeout_s: 120\n"
        "train_memory_gb: 3\n"
    )
    before = untracked_project_files()
    outside = sorted(p.name for p in tmp_path.iterdir())
    run = tmp_path / "run"
    # Under the default search, killed (kill -9) once a few trainings have ended, then resumed: every answer
    # is replayed again on resume, and neither pass may crash on any of them
    # (issue 36: --resume crashed as the run did).
    args = [
        "--config",
        str(config),
        "--search",
        "robust",
        "--extra-seeds",
        "1",
        "--task",
        "Cartpole",
        "--iterations",
        "1",
        "--samples",
        str(len(HOSTILE)),
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
        "--rungs",
        "none",
        "--run-dir",
        str(run),
    ]
    killed = kill_after_trainings(args, run, 3)
    assert killed is None, f"the run ended before it could be killed: {killed}"
    assert main(["--resume", str(run)]) == 0
    summary = json.loads((run / SUMMARY_FILE).read_text())
    assert summary["status"] == "completed"
    # Which program each sample got: the replayed response recorded for its key.
    calls = {
        c["key"]: c["response"] for c in map(json.loads, (run / LLM_CALLS_FILE).read_text().splitlines())
    }
    by_source = {f"```python\n{p.read_text()}```": p for p in HOSTILE}
    outcomes = {}
    for sample in summary["iterations"][0]["samples"]:
        program = by_source[calls[f"{STAGE}/it0-s{sample['sample']}/attempt0"]]
        status, reason = expectation(program)
        outcomes[program.stem] = (sample["status"], sample["error"])
        # robust trains no program twice: one that computes what an earlier one does on every state the check
        # ran is refused as its copy, whatever it would have done in training
        # (huge_reward_last_epoch counts its calls).
        copy = status in ("trained", "failed") and sample["status"] == "duplicate" and sample["duplicate_of"]
        assert sample["status"] == status or copy, (program.stem, sample["error"])
        assert copy or any(r in (sample["error"] or "") for r in reason.split(" | ")), (
            program.stem,
            sample["error"],
        )
        if status == "trained" and not copy:
            result = json.loads(
                (RunDir(run).training(STAGE, f"it0-s{sample['sample']}") / RESULT_FILE).read_text()
            )
            first = sample["seeds"][0]  # its first training; the sample's figure is over all its seeds
            assert first["fitness"] == result["evaluation"]["fitness"] is not None  # the clean measurement
            assert sample["train_fitness"] == result["fitness_max"]  # nothing printed reached the caller
            assert (result["fitness_max"] or 0.0) < 1e6, program.stem
    assert len(outcomes) == len(HOSTILE)
    printed = capfd.readouterr()
    assert (
        "\x1b" not in printed.out + printed.err
    )  # no escape sequence from an error or a print reached the console
    page = (run / REPORT_HTML).read_text()
    assert (
        "\u202e" not in page
    )  # bidi controls are shown as marks, never applied (tests/graph/results/test_report_writer.py)
    assert outside_job_dirs(run) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(outside + ["run"])
    assert untracked_project_files() == before
