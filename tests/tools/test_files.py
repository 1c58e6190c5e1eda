import json
import os

import pytest

from tools.files import PlantedPathError, copy_regular, planted_path, read_tail, write_json_atomic


def test_atomic_json_replaces_the_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "result.json"
    path.write_text("old")
    write_json_atomic(path, {"fitness": [1.0, None]})
    assert json.loads(path.read_text()) == {"fitness": [1.0, None]}
    assert [p.name for p in tmp_path.iterdir()] == ["result.json"]  # no temporary left behind


def test_a_planted_symlink_is_replaced_never_followed(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("untouched")
    job = tmp_path / "job"
    job.mkdir()
    (job / "result.json").symlink_to(victim)
    (job / "result.json.tmp").symlink_to(victim)  # the old fixed temporary name
    write_json_atomic(job / "result.json", {"status": "failed"})
    assert victim.read_text() == "untouched" and not (job / "result.json").is_symlink()
    (job / "policy.pth").symlink_to(victim)
    with pytest.raises(PlantedPathError, match="is a symlink"):
        copy_regular(job / "policy.pth", job / "copy.pth")
    assert read_tail(job / "missing.log") == ""
    with pytest.raises(PlantedPathError):
        read_tail(job / "policy.pth")


def test_a_symlink_or_fifo_anywhere_in_a_job_directory_is_found(tmp_path):
    (tmp_path / "nn").mkdir()
    (tmp_path / "nn" / "best.pth").write_bytes(b"x")
    assert planted_path(tmp_path) is None
    os.mkfifo(tmp_path / "nn" / "pipe")
    assert planted_path(tmp_path) == tmp_path / "nn" / "pipe"
    (tmp_path / "nn" / "pipe").unlink()
    (tmp_path / "clean_eval").symlink_to("/")
    assert planted_path(tmp_path) == tmp_path / "clean_eval"
