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
    """The run's trainer: its pool (salted and timed, graph/context.py), its board and its backend."""

    pool: TrainingPool
    board: LiveBoard
    sim: str

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
        )
        on_progress = progress_logger(self.board, name, event, seed=seed, **fields)
        return await self.pool.run(job, on_progress=on_progress, judge=judge)
