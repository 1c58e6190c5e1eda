import json
import os

import pytest

from tools.files import PlantedPathError, copy_regular, planted_path, read_tail, write_json_atomic
from tools.job_dir import BEST_FILE, CLEAN_EVAL_DIR, NN_DIR, POLICY_FILE, RESULT_FILE


def test_atomic_json_replaces_the_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / RESULT_FILE
    path.write_text("old")
    write_json_atomic(path, {"fitness": [1.0, None]})
    assert json.loads(path.read_text()) == {"fitness": [1.0, None]}
    assert [p.name for p in tmp_path.iterdir()] == [RESULT_FILE]  # no temporary left behind


def test_a_planted_symlink_is_replaced_never_followed(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("untouched")
    job = tmp_path / "job"
    job.mkdir()
    (job / RESULT_FILE).symlink_to(victim)
    (job / "result.json.tmp").symlink_to(victim)  # the old fixed temporary name
    write_json_atomic(job / RESULT_FILE, {"status": "failed"})
    assert victim.read_text() == "untouched" and not (job / RESULT_FILE).is_symlink()
    (job / POLICY_FILE).symlink_to(victim)
    with pytest.raises(PlantedPathError, match="is a symlink"):
        copy_regular(job / POLICY_FILE, job / "copy.pth")
    assert read_tail(job / "missing.log") == ""
    with pytest.raises(PlantedPathError):
        read_tail(job / POLICY_FILE)


def test_a_symlink_or_fifo_anywhere_in_a_job_directory_is_found(tmp_path):
    (tmp_path / NN_DIR).mkdir()
    (tmp_path / NN_DIR / BEST_FILE).write_bytes(b"x")
    assert planted_path(tmp_path) is None
    os.mkfifo(tmp_path / NN_DIR / "pipe")
    assert planted_path(tmp_path) == tmp_path / NN_DIR / "pipe"
    (tmp_path / NN_DIR / "pipe").unlink()
    (tmp_path / CLEAN_EVAL_DIR).symlink_to("/")
    assert planted_path(tmp_path) == tmp_path / CLEAN_EVAL_DIR
