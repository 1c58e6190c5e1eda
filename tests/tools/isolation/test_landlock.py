"""Landlock: what the kernel refuses a confined worker, as ``active_layers`` reports it (and a direct probe
confirms)."""

from tests.tools.isolation.direct_probe import landlock_refuses, namespaces_work
from tests.tools.isolation.test_sandbox import run_child
from tools.isolation.confinement import active_layers
from tools.isolation.landlock import abi_version

FILES, SIGNALS = "landlock: file reads/writes confined to the job", "landlock: no signals out of the sandbox"
NAMESPACES = "namespaces: no network, own pids and /dev/shm, descendants die with the worker"


def test_the_abi_version_is_what_the_kernel_enforces():
    """0 where Landlock is absent; else each part the version names (files 1, TCP 4, signals 6) is what a
    process confined by raw syscalls is refused."""
    version = abi_version()
    assert isinstance(version, int) and version >= 0
    refused = [landlock_refuses(what) for what in ("files", "tcp", "signals")]
    assert [version >= 1, version >= 4, version >= 6] == refused, (version, refused)


async def test_landlock_confines_files_and_signals_as_reported(tmp_path):
    # Where the layer is inactive the attempt succeeds, and active_layers() must say so (as the kernel does).
    layers = active_layers()
    assert [layers[FILES], layers[SIGNALS], layers[NAMESPACES]] == [
        landlock_refuses("files"),
        landlock_refuses("signals"),
        namespaces_work(),
    ]
    (tmp_path / "secret.txt").write_text("api key")
    outcome, [report] = await run_child(tmp_path, "probe", str(tmp_path))
    files = "refused" if layers[FILES] else "done"
    assert report["write_outside"].startswith(files) and report["read_outside"].startswith(files)
    assert (tmp_path / "planted.txt").exists() == (files == "done")
    no_signals = layers[NAMESPACES] or layers[SIGNALS]
    assert report["kill_parent"].startswith("refused" if no_signals else "done")


async def test_a_worker_cannot_read_the_projects_runs(tmp_path):
    """runs/ holds every transcript (and whatever keys a user keeps beside it): only the code is readable."""
    import shutil
    import uuid

    from tools.isolation.confinement import PROJECT_ROOT

    layers = active_layers()
    assert layers[FILES] == landlock_refuses("files")
    secret_dir = PROJECT_ROOT / "runs" / f"landlock-probe-{uuid.uuid4().hex}"
    secret_dir.mkdir(parents=True)
    try:
        (secret_dir / "secret.txt").write_text("sk-from-an-earlier-run")
        _, [report] = await run_child(tmp_path, "probe", str(secret_dir))
    finally:
        shutil.rmtree(secret_dir)
    assert report["read_outside"].startswith("refused" if layers[FILES] else "done")
