"""Every training of a run is built and run here: one program of a stage, one seed, its own folder, from the
stage's starting policy, on the run's backend; its progress goes to the board and, every 10% of its epochs,
the log. The candidates, their extra seeds, the tuning trials and the final evaluation all train through
``Trainer.train``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from graph.results.board import LiveBoard
from graph.results.progress import progress_logger
from tools.jobs import TrainJob, TrainResult
from tools.pool import TrainingPool
from tools.rungs import Judge


@dataclass
class Trainer:
    """The run's trainer: its pool, its board (whose clock times every training and counts the compute spent),
    its backend and its salt. Every job carries the salt: no reward program can know in advance the states of
    any seed it will meet (sim/seeding.py); it travels in the job (job.json, or to a Ray node)."""

    pool: TrainingPool
    board: LiveBoard
    sim: str
    salt: str = ""

    async def train(
        self,
        stage: dict,
        code: str,
        *,
        name: str,
        seed: int,
        out_dir: Path,
        event: str,
        rungs: list[int] | None = None,
        judge: Judge | None = None,
        **fields,
    ) -> TrainResult:
        """Train ``code`` on the stage's task as ``name`` (the board's and the log's name for it); ``event``,
        the seed and ``fields`` name its progress lines; ``rungs`` and ``judge``:
        where it is judged against its peers."""
        job = TrainJob(
            task=stage["task"],
            reward_source=code,
            out_dir=str(out_dir),
            reward_name=name,
            seed=seed,
            ppo=stage["ppo"],
            checkpoint=stage["init_checkpoint"],
            sim=self.sim,
            rungs=rungs or [],
            seed_salt=self.salt,
        )
        on_progress = progress_logger(self.board, name, event, seed=seed, **fields)
        with self.board.clock.training():
            result = await self.pool.run(job, on_progress=on_progress, judge=judge)
        self.board.clock.trained(job, result)
        return result
