"""The worker's first code is the installed launcher: nothing planted in its job directory runs (issue 36: a
reward wrote ``clean_eval/tools/isolation/confinement.py`` and the next worker started there ran it
unconfined)."""

from tests.tools.isolation.test_sandbox import run_child

FORGED = (
    "from tools.isolation.channel import send\n"
    "send(dict(type='done', forged=True))\nopen({marker!r}, 'w').write('ran')\n"
)


def plant(job, marker) -> None:
    """Every file a Python start-up could pick up from its cwd or HOME (both are the job directory)."""
    code = FORGED.format(marker=str(marker))
    for relative in (
        "tools/isolation/confinement.py",
        "tests/tools/isolation/sandbox_child.py",
        "sitecustomize.py",
        "usercustomize.py",
        "tools/__init__.py",
        "tests/__init__.py",
        "tools/isolation/__init__.py",
        "encodings/__init__.py",
        "runpy.py",
        "json/__init__.py",
    ):
        path = job / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(code)
    (job / "planted.pth").write_text(f"import os; open({str(marker)!r}, 'w').write('ran')\n")
    site = job / ".local" / "lib" / "python3.11" / "site-packages"
    site.mkdir(parents=True)
    (site / "usercustomize.py").write_text(code)


async def test_code_planted_in_the_job_directory_is_never_imported(tmp_path, monkeypatch):
    marker = tmp_path / "planted_code_ran"
    plant(tmp_path / "job", marker)
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "job"))  # a variable the caller happens to have
    monkeypatch.setenv("PYTHONSTARTUP", str(tmp_path / "job" / "runpy.py"))
    outcome, messages = await run_child(tmp_path, "lines")
    assert outcome.returncode == 0, (tmp_path / "job" / "out.log").read_text()
    assert messages[-1] == {"type": "done"} and not any(m.get("forged") for m in messages)
    assert not marker.exists()
