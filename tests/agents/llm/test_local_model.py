"""The embedded model file: assembly from the PyPI parts and hash pinning."""

import pytest

from agents.llm.local_model import MODEL_SHA256, LocalModelError, assemble


def test_a_hash_mismatch_is_an_error_and_leaves_no_file(tmp_path):
    target = tmp_path / "model.gguf"
    with pytest.raises(LocalModelError, match="expected 0000"):
        assemble(target, expected_sha256="0" * 64)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_the_assembled_model_matches_the_pinned_hash():
    import hashlib

    path = assemble()
    assert path.stat().st_size == 1_117_320_768
    assert path.with_suffix(".sha256-ok").read_text() == MODEL_SHA256
    digest = hashlib.sha256()  # the file itself, not the marker assemble() wrote once it had checked it
    with open(path, "rb") as model:
        while chunk := model.read(1 << 24):
            digest.update(chunk)
    assert digest.hexdigest() == MODEL_SHA256
