"""The run directory: every path of a run, its file names and the candidate id format.
Everything else asks here.

config.yaml          the resolved settings (a resume reads them)
checkpoints.sqlite   LangGraph's checkpoints of the run's state
steering.sqlite      the steering inbox: messages and replies
llm_calls.jsonl      every LLM call and agent tool call (replayable)
log.jsonl            every log event
summary.json         the run's outcome, rewritten as it goes
report.html, report.md, report_files/   the report (report_files/: its plots and best_policy.mp4)
init_checkpoint.pth  the run's copy of --init-checkpoint
seed_salt            the run's secret for its trainings' random streams (sim/seeding.py; never in a report)
<stage>/candidates/<candidate>/   everything of one candidate:
    candidate.json   its record: program, digests, outcome, every training (summary.json's sample, whole)
    attempt_<N>.py, check_attempt_<N>/, ...   the Coder's programs and their checks (tools/job_dir.py)
    train/           its training job (tools/job_dir.py owns what is inside; a finalist's is its trial)
    seed<N>/         its program trained with another seed (search robust)
<stage>/studies/<candidate>/trial<N>/   a trial of the study that tunes its constants (search tuned; a
                     recombination's study is named for both parents: ``<a>+<b>``)
<stage>/tuning.sqlite         the stage's Optuna studies (search tuned)
<stage>/rungs.json           every candidate's clean fitness at each rung (search robust)
<stage>/eval/seed<N>/        one final-evaluation job

train/ and a training's name with another seed, ``<candidate>-seed<N>``, are named in tools/job_dir.py
(tools/eureka_import.py writes them too).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sim.seeding import new_salt
from tools.job_dir import TRAIN_DIR

CONFIG_FILE = "config.yaml"
CHECKPOINTS_FILE = "checkpoints.sqlite"
INBOX_FILE = "steering.sqlite"
LLM_CALLS_FILE = "llm_calls.jsonl"
LOG_FILE = "log.jsonl"
SUMMARY_FILE = "summary.json"
REPORT_HTML, REPORT_MD, REPORT_FILES = "report.html", "report.md", "report_files"
REPORT_VIDEO = "best_policy.mp4"  # in report_files/
FITNESS_PLOT, COMPONENTS_PLOT, EXECUTE_RATE_PLOT = "fitness.png", "components.png", "execute_rate.png"
PLOT_FILES = (FITNESS_PLOT, COMPONENTS_PLOT, EXECUTE_RATE_PLOT)  # in report_files/
INIT_CHECKPOINT_FILE = "init_checkpoint.pth"
SEED_SALT_FILE = "seed_salt"
TUNING_FILE = "tuning.sqlite"  # in <stage>/
RUNG_BOARD_FILE = "rungs.json"  # in <stage>/
EVAL_DIR = "eval"  # in <stage>/
CANDIDATES_DIR = "candidates"  # in <stage>/
CANDIDATE_FILE = "candidate.json"  # in a candidate's folder
STUDIES_DIR = "studies"  # in <stage>/
SEED_DIR = "seed"  # seed<N>/: in a candidate's folder, and in eval/
TRIAL_DIR = "trial"  # trial<N>/: in a study's folder
TRIAL_SUFFIX = "-trial"  # a trial's training name: <study>-trial<N>


def candidate_id(iteration: int, sample: int) -> str:
    """A candidate's id within its stage: ``it<iteration>-s<sample>``."""
    return f"it{iteration}-s{sample}"


def trial_job(study: str, trial: int) -> str:
    """The name of a study's trial's training (the board's and the log's): ``<study>-trial<N>``."""
    return f"{study}{TRIAL_SUFFIX}{trial}"


@dataclass(frozen=True)
class RunDir:
    root: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root))

    @property
    def config(self) -> Path:
        return self.root / CONFIG_FILE

    @property
    def checkpoints(self) -> Path:
        return self.root / CHECKPOINTS_FILE

    @property
    def inbox(self) -> Path:
        return self.root / INBOX_FILE

    @property
    def llm_calls(self) -> Path:
        return self.root / LLM_CALLS_FILE

    @property
    def log(self) -> Path:
        return self.root / LOG_FILE

    @property
    def summary(self) -> Path:
        return self.root / SUMMARY_FILE

    @property
    def report_html(self) -> Path:
        return self.root / REPORT_HTML

    @property
    def report_md(self) -> Path:
        return self.root / REPORT_MD

    @property
    def report_files(self) -> Path:
        return self.root / REPORT_FILES

    @property
    def init_checkpoint(self) -> Path:
        return self.root / INIT_CHECKPOINT_FILE

    @property
    def seed_salt_file(self) -> Path:
        return self.root / SEED_SALT_FILE

    def seed_salt(self) -> str:
        """The run's salt (sim.seeding), made at its first call and read back after
        (a resume trains as before)."""
        path = self.seed_salt_file
        if not path.is_file():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as file:
                file.write(new_salt() + "\n")
        return path.read_text().strip()

    def is_run(self) -> bool:
        """Whether this directory holds a run (its settings are saved)."""
        return self.config.is_file()

    def candidate(self, stage: str, candidate: str) -> Path:
        """Everything of one candidate: its record, its programs and their checks, its trainings."""
        return self.root / stage / CANDIDATES_DIR / candidate

    def candidate_record(self, stage: str, candidate: str) -> Path:
        return self.candidate(stage, candidate) / CANDIDATE_FILE

    def training(self, stage: str, candidate: str) -> Path:
        """The candidate's training job (its first seed)."""
        return self.candidate(stage, candidate) / TRAIN_DIR

    def seed_training(self, stage: str, candidate: str, seed: int) -> Path:
        return self.candidate(stage, candidate) / f"{SEED_DIR}{seed}"

    def tuning_trial(self, stage: str, study: str, trial: int) -> Path:
        """The training of one trial of a study (search tuned): of a candidate's constants, or of the weights
        of two programs recombined (``<a>+<b>``)."""
        return self.root / stage / STUDIES_DIR / study / f"{TRIAL_DIR}{trial}"

    def jobs(self, stage: str) -> list[Path]:
        """Every training job of the stage: its candidates' trainings and seeds, its studies' trials."""
        candidates, studies = self.root / stage / CANDIDATES_DIR, self.root / stage / STUDIES_DIR
        return sorted(
            [
                *candidates.glob(f"*/{TRAIN_DIR}"),
                *candidates.glob(f"*/{SEED_DIR}*"),
                *studies.glob(f"*/{TRIAL_DIR}*"),
            ]
        )

    def tuning_studies(self, stage: str) -> Path:
        """The stage's Optuna studies (SQLite): a resumed run continues them."""
        return self.root / stage / TUNING_FILE

    def rung_board(self, stage: str) -> Path:
        """Every candidate's clean fitness at each rung of the stage (tools.rungs.RungBoard)."""
        return self.root / stage / RUNG_BOARD_FILE

    def evaluation(self, stage: str, seed: int) -> Path:
        return self.root / stage / EVAL_DIR / f"{SEED_DIR}{seed}"


def transcript(spec: str) -> str:
    """An LLM spec with ``replay:RUN_DIR`` turned into ``replay:RUN_DIR/llm_calls.jsonl``
    (other specs as given)."""
    path = Path(spec.removeprefix("replay:"))
    return f"replay:{RunDir(path).llm_calls}" if spec.startswith("replay:") and path.is_dir() else spec
