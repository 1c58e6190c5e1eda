import json

from tools.files import write_json_atomic


def test_atomic_json_replaces_the_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "result.json"
    path.write_text("old")
    write_json_atomic(path, {"fitness": [1.0, None]})
    assert json.loads(path.read_text()) == {"fitness": [1.0, None]}
    assert [p.name for p in tmp_path.iterdir()] == ["result.json"]
