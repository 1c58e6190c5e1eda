"""The names PPO writes in a training's folder."""

from sim.rl.files import BEST_FILE, LAST_FILE, rung_file


def test_each_rung_has_its_own_snapshot_beside_the_best_and_the_last(tmp_path):
    snapshots = {rung_file(tmp_path, 10), rung_file(tmp_path, 20), tmp_path / BEST_FILE, tmp_path / LAST_FILE}
    assert len(snapshots) == 4 and {p.parent for p in snapshots} == {tmp_path}
