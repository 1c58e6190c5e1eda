"""The worker's confinement: a scrubbed environment, its job directory as cwd, limits it cannot raise.
The child is tests/tools/isolation/sandbox_child.py, run by the real sandbox."""

import pytest

from tests.tools.isolation.test_sandbox import run_child
from tools.isolation.confinement import command, environment, file_rules, nvidia_nodes
from tools.isolation.landlock import DEVICE


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


@pytest.mark.parametrize("gpus", [0, 1, 8])
def test_every_nvidia_node_in_dev_and_nothing_else_there_is_granted_read_write_and_ioctl(tmp_path, gpus):
    """A FAKE /dev with ``gpus`` GPUs (their driver's nodes only where there is one), beside other nodes."""
    dev = tmp_path / "dev"
    (dev / "nvidia-caps").mkdir(parents=True)
    driver = (
        [
            "nvidiactl",
            "nvidia-uvm",
            "nvidia-uvm-tools",
            "nvidia-modeset",
            "nvidia-caps/nvidia-cap1",
            "nvidia-caps/nvidia-cap2",
        ]
        if gpus
        else []
    )
    others = ["null", "nvme0n1", "nvidia-smi", "nvidiactl.old", "nvidia0p1", "dri"]
    for name in [f"nvidia{i}" for i in range(gpus)] + driver + others:
        (dev / name).touch()
    expected = {dev / f"nvidia{i}" for i in range(gpus)} | {dev / name for name in driver}
    assert nvidia_nodes(dev) == expected
    rules = file_rules(tmp_path / "job", dev=dev)
    assert {path for path in rules if path.is_relative_to(dev)} == expected
    assert all(rules[node] == DEVICE for node in expected)
