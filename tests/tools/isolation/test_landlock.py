"""Landlock: what the kernel refuses a confined worker, as ``active_layers`` reports it."""

from tests.tools.isolation.test_sandbox import run_child
from tools.isolation.confinement import active_layers
from tools.isolation.landlock import abi_version


def test_the_abi_version_is_a_number_or_landlock_is_absent():
    try:
        version = abi_version()
    except OSError:
        return  # no Landlock in this kernel: active_layers reports it off (the probe test checks that)
    assert isinstance(version, int) and version >= 1


async def test_landlock_confines_files_and_signals_as_reported(tmp_path):
    # Where the layer is inactive the attempt succeeds, and active_layers() must say so.
    layers = active_layers()
    (tmp_path / "secret.txt").write_text("api key")
    outcome, [report] = await run_child(tmp_path, "probe", str(tmp_path))
    files = "refused" if layers["landlock: file reads/writes confined to the job"] else "done"
    assert report["write_outside"].startswith(files) and report["read_outside"].startswith(files)
    assert (tmp_path / "planted.txt").exists() == (files == "done")
    own_pids = layers["namespaces: no network, own pids and /dev/shm, descendants die with the worker"]
    no_signals = own_pids or layers["landlock: no signals out of the sandbox"]
    assert report["kill_parent"].startswith("refused" if no_signals else "done")


async def test_a_worker_cannot_read_the_projects_runs(tmp_path):
    """runs/ holds every transcript (and whatever keys a user keeps beside it): only the code is readable."""
    import shutil
    import uuid

    from tools.isolation.confinement import PROJECT_ROOT

    layers = active_layers()
    secret_dir = PROJECT_ROOT / "runs" / f"landlock-probe-{uuid.uuid4().hex}"
    secret_dir.mkdir(parents=True)
    try:
        (secret_dir / "secret.txt").write_text("sk-from-an-earlier-run")
        _, [report] = await run_child(tmp_path, "probe", str(secret_dir))
    finally:
        shutil.rmtree(secret_dir)
    landlock = layers["landlock: file reads/writes confined to the job"]
    assert report["read_outside"].startswith("refused" if landlock else "done")
