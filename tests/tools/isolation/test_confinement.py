"""The worker's confinement: a scrubbed environment, its job directory as cwd, limits it cannot raise.
The child is tests/tools/isolation/sandbox_child.py, run by the real sandbox."""

from tests.tools.isolation.test_sandbox import run_child
from tools.isolation.confinement import command, environment


def test_the_worker_command_and_environment_carry_no_secrets(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret")
    env = environment(tmp_path, {"EXTRA": "1"})
    assert "OPENAI_API_KEY" not in env and env["EXTRA"] == "1"
    assert "tools.train_worker" in command("tools.train_worker", ["x"])


async def test_the_worker_sees_no_secrets_and_cannot_raise_its_limits(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret")
    (tmp_path / "secret.txt").write_text("api key")
    outcome, [report] = await run_child(tmp_path, "probe", str(tmp_path), memory_limit_gb=4)
    assert "OPENAI_API_KEY" not in report["env_keys"] and "HOME" in report["env_keys"]
    assert report["cwd"] == str(tmp_path / "job")
    assert report["raise_limit"].startswith("refused")
    assert report["write_inside"].startswith("done")


def test_every_layer_is_active_where_the_machine_supports_them():
    """The escape tests follow active_layers(); this pins the layers themselves where they must all be on (CI:
    .ci/run sets EUREKA_REQUIRE_LAYERS=all), so a layer that silently stops working fails there."""
    import os

    import pytest

    from tools.isolation.confinement import active_layers

    if os.environ.get("EUREKA_REQUIRE_LAYERS") != "all":
        pytest.skip("EUREKA_REQUIRE_LAYERS=all is set where every layer is supported (.ci/run)")
    assert [layer for layer, active in active_layers().items() if not active] == []
