"""A job folder: every file and folder name inside one job. Everything else asks here.

A training job (``<stage>/candidates/<candidate>/train/`` of a run, and its other trainings beside it:
graph/results/run_dir.py):

job.json             the job (tools/jobs.py: TrainJob)
result.json          its result, written by the pool
train.log            the training worker's output
reward.py            the reward program the worker loads
warm_start.pth       a copy of the checkpoint it starts from (warm_start_in.pth on a Ray node, beside the job)
nn/                  PPO's checkpoints: best.pth, last.pth, rung<N>.pth (names in sim/rl/files.py)
rl_games/            rl_games' own output (TensorBoard events)
clean_eval/          the clean evaluation: evaluation.json, policy.pth, eval.log (clean_eval_rung<N>/ at
                     a rung)
clip/                a clip of the policy: clip.json, policy.pth, clip.log, rendering.mp4, then clip.mp4

A candidate's programs, in its folder: ``attempt_<N>.py`` (the text protocol's answer N), ``round_<N>.py``
(the tool protocol's submission at round N), ``checked.py`` (what its tools checked last) and ``tool_checks/``
(their checks), ``user.py`` (a pasted program), ``tuned.py`` and ``recombined.py`` (search tuned's
finalists).
A reward check (``check_<program>/`` beside its program): check.json, reward.py, check.log.
A GPU probe (``probe/`` of tools/gpu_check.py): probe.json, probe.log.

Named here for tools/eureka_import.py as well as for graph/results/run_dir.py: train/ (a training job),
rewards/ (eureka_import's programs), and a training's name with another seed, ``<candidate>-seed<N>``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sim.rl.files import BEST_FILE, LAST_FILE, NN_DIR, rung_file

REWARDS_DIR = "rewards"
TRAIN_DIR = "train"
SEED_SUFFIX = "-seed"
JOB_FILE = "job.json"
RESULT_FILE = "result.json"
TRAIN_LOG_FILE = "train.log"
REWARD_FILE = "reward.py"
WARM_START_FILE = "warm_start.pth"
WARM_START_IN_FILE = "warm_start_in.pth"
CLEAN_EVAL_DIR = "clean_eval"
EVAL_SPEC_FILE = "evaluation.json"
EVAL_LOG_FILE = "eval.log"
POLICY_FILE = "policy.pth"
CLIP_DIR = "clip"
CLIP_SPEC_FILE = "clip.json"
CLIP_LOG_FILE = "clip.log"
RENDERING_FILE = "rendering.mp4"
CLIP_FILE = "clip.mp4"
ATTEMPT_PROGRAM = "attempt_"
ROUND_PROGRAM = "round_"
CHECKED_PROGRAM = "checked"
TOOL_CHECKS_DIR = "tool_checks"
USER_PROGRAM = "user"
TUNED_PROGRAM = "tuned"  # search tuned's finalists (graph/nodes/tune.py)
RECOMBINED_PROGRAM = "recombined"
CHECK_DIR_PREFIX = "check_"
CHECK_FILE = "check.json"
CHECK_LOG_FILE = "check.log"
PROBE_DIR = "probe"
PROBE_SPEC_FILE = "probe.json"
PROBE_LOG_FILE = "probe.log"


def seed_job(candidate: str, seed: int) -> str:
    """The name of a training of ``candidate``'s program with another seed."""
    return f"{candidate}{SEED_SUFFIX}{seed}"


def program_file(folder: Path, kind: str, number: int | None = None) -> Path:
    """A program in its candidate's folder: ``<kind>[<number>].py`` (``attempt_0.py``, ``user.py``)."""
    return folder / f"{kind}{'' if number is None else number}.py"


def check_dir(program: Path) -> Path:
    """The folder of a reward program's check, beside the program."""
    return program.parent / f"{CHECK_DIR_PREFIX}{program.stem}"


@dataclass(frozen=True)
class JobDir:
    root: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root))

    @property
    def job(self) -> Path:
        return self.root / JOB_FILE

    @property
    def result(self) -> Path:
        return self.root / RESULT_FILE

    @property
    def log(self) -> Path:
        return self.root / TRAIN_LOG_FILE

    @property
    def reward(self) -> Path:
        return self.root / REWARD_FILE

    @property
    def warm_start(self) -> Path:
        return self.root / WARM_START_FILE

    @property
    def nn(self) -> Path:
        return self.root / NN_DIR

    @property
    def best(self) -> Path:
        return self.nn / BEST_FILE

    @property
    def last(self) -> Path:
        return self.nn / LAST_FILE

    def rung(self, epoch: int) -> Path:
        return rung_file(self.nn, epoch)

    def clean_eval(self, rung: int | None = None) -> Path:
        """The clean evaluation's folder: of the trained policy, or of the snapshot at a rung's epoch."""
        return self.root / (CLEAN_EVAL_DIR if rung is None else f"{CLEAN_EVAL_DIR}_rung{rung}")

    @property
    def clip_dir(self) -> Path:
        return self.root / CLIP_DIR

    @property
    def clip(self) -> Path:
        return self.clip_dir / CLIP_FILE
