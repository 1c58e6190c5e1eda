"""The run's context: wiring that fails before anything is written,
and a model switch that is all or nothing."""

import json

import pytest

from agents.llm.modes import AgentModeError
from graph.context import open_run
from graph.results.run_dir import RunDir
from graph.settings import DEFAULTS_FILE, Settings
from tests.helpers import run_context
from tools.trainer import make_job


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


async def test_every_training_of_a_run_gets_the_runs_salt(tmp_path):
    ctx = run_context(tmp_path / "run")
    trained = []

    class Pool:
        async def run(self, job, on_progress=None, judge=None):
            trained.append(job)
            return {"status": "trained"}

    ctx.pool.pool = Pool()
    job = make_job("Cartpole", "human", tmp_path / "job")
    assert job.seed_salt == "" and await ctx.pool.run(job) == {"status": "trained"}
    assert (
        trained == [job]
        and job.seed_salt == ctx.run.seed_salt() == ctx.run.seed_salt_file.read_text().strip()
    )
