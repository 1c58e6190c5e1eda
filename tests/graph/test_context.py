"""The run's context: wiring that fails before anything is written,
and a model switch that is all or nothing."""

import json

import pytest

from agents.llm.modes import AgentModeError
from graph.context import affordable_trainings, open_run, spent_budget
from graph.results.run_dir import RunDir
from graph.settings import DEFAULTS_FILE, Settings
from tests.helpers import run_context


def test_a_bad_agent_mode_fails_before_the_run_directory_exists(tmp_path):
    transcript = tmp_path / "fake.jsonl"  # FAKE replayed LLM that never called tools
    transcript.write_text(json.dumps({"agent": "coder", "response": "x"}) + "\n")
    settings = Settings.load(DEFAULTS_FILE, {"llm": f"replay:{transcript}", "agent_mode": "tools"})
    with pytest.raises(AgentModeError, match="cannot call tools"):
        open_run(settings, RunDir(tmp_path / "run"), new=True)
    assert not (tmp_path / "run").exists()


def test_a_new_run_gets_its_directory_and_a_failed_switch_changes_nothing(tmp_path):
    ctx = run_context(tmp_path / "run")
    assert ctx.run.is_run() and ctx.run.inbox.is_file()
    before = (ctx.gateway.models["critic"], ctx.settings.critic_llm, ctx.gateway.tool_agents)
    with pytest.raises(Exception, match="nosuchprovider"):
        ctx.switch_model("critic", "nosuchprovider:model")
    assert (ctx.gateway.models["critic"], ctx.settings.critic_llm, ctx.gateway.tool_agents) == before


def train(ctx, out_dir):
    """One training through the run's trainer (its pool is a test's FAKE)."""
    stage = {"task": "Cartpole", "ppo": {}, "init_checkpoint": None}
    code = "def compute_reward(pole_angle):\n    return -pole_angle * pole_angle, {}\n"
    return ctx.trainer.train(stage, code, name="t", seed=0, out_dir=out_dir, event="test.train")


async def test_every_training_of_a_run_gets_the_runs_salt(tmp_path):
    ctx = run_context(tmp_path / "run")
    trained = []

    class Pool:
        async def run(self, job, on_progress=None, judge=None):
            trained.append(job)
            return {"status": "trained", "started_at": 0.0, "finished_at": 1.0}

    ctx.trainer.pool = Pool()
    assert (await train(ctx, tmp_path / "job"))["status"] == "trained"
    assert [job.seed_salt for job in trained] == [ctx.run.seed_salt()]
    assert ctx.run.seed_salt() == ctx.run.seed_salt_file.read_text().strip() != ""


async def test_the_compute_budgets_count_every_training_and_a_resume_carries_them(tmp_path):
    """env_steps_budget and train_seconds_budget are spent once the run's trainings (as the pool reports
    them) reach them; a resumed run starts from what its summary says was trained before."""
    ctx = run_context(tmp_path / "run", env_steps_budget=1000, train_seconds_budget=30.0)

    class Pool:  # FAKE pool: a training of 600 env-steps and 20 s
        async def run(self, job, on_progress=None, judge=None):
            return {
                "status": "trained",
                "env_steps": 600,
                "wall_s": 20.0,
                "started_at": 0.0,
                "finished_at": 20.0,
            }

    ctx.trainer.pool = Pool()  # under the run's clock
    small = {
        "task": "Cartpole",
        "ppo": {"max_epochs": 2, "num_envs": 4},
    }  # 2 x 4 x 16 (horizon): 128 env-steps
    assert spent_budget(ctx) is None and affordable_trainings(ctx, small) == 8  # 1000 / 128, rounded up
    await train(ctx, tmp_path / "a")
    assert (
        spent_budget(ctx) is None and affordable_trainings(ctx, small) == 4
    )  # 600 env-steps, 20 s: 400 left
    await train(ctx, tmp_path / "b")
    assert spent_budget(ctx).startswith("the env-steps budget of 1,000 is spent (1,200)")
    assert affordable_trainings(ctx, small) == 0
    seconds = run_context(tmp_path / "other", train_seconds_budget=30.0)
    seconds.trainer.pool = Pool()
    await train(seconds, tmp_path / "c")
    await train(seconds, tmp_path / "d")
    assert spent_budget(seconds).startswith("the training budget of 30 s is spent (40 s)")
    ctx.write_summary([], None, "stopped")  # what a killed run leaves: its summary (no stage finished here)
    summary = json.loads(ctx.run.summary.read_text())
    summary["compute"]["env_steps"] = 1200  # as if the finished trainings had been recorded
    ctx.run.summary.write_text(json.dumps(summary))
    resumed = open_run(Settings.load(ctx.run.config), ctx.run, new=False)
    assert resumed.board.clock.env_steps == 1200 and spent_budget(resumed) is not None
