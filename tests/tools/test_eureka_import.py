"""Rewards out of an Eureka run (its output folder or its log), checked and trained here unchanged."""

from pathlib import Path

import pytest

from tools.eureka_import import eureka_programs, main
from tools.job_dir import CLEAN_EVAL_DIR, EVAL_SPEC_FILE, REWARDS_DIR, TRAIN_DIR

PROGRAMS = Path(__file__).resolve().parent.parent / "fixtures" / "isaac_style"
REWARD_ONLY = (
    "def compute_reward(dof_pos: Tensor, dof_vel: Tensor) -> Tuple[Tensor, Dict[str, Tensor]]:\n"
    "    upright = 1.0 - torch.abs(dof_pos[:, 1]) / np.pi\n"
    "    return upright, {'upright': upright}\n"
)
ENV_HEAD = (
    "class Cartpole(VecTask):\n    pass\n"
    "from typing import Tuple, Dict\nimport math\nimport torch\nfrom torch import Tensor\n"
)


def eureka_output(root: Path) -> Path:
    """An Eureka output folder as its runs leave it: reward-only files,
    and an environment file deeper down."""
    (root / "outputs" / "eureka").mkdir(parents=True)
    (root / "outputs" / "env_iter0_response0_rewardonly.py").write_text(REWARD_ONLY)
    (root / "outputs" / "eureka" / "env_iter1_response2.py").write_text(
        ENV_HEAD + (PROGRAMS / "Cartpole.py").read_text()
    )
    (root / "outputs" / "env_iter1_response0_rewardonly.py").write_text(
        REWARD_ONLY.replace("dof_pos:", "dof_positions:")
    )
    return root / "outputs"


def test_an_eureka_folder_and_log_give_their_programs_unchanged(tmp_path):
    found = eureka_programs(eureka_output(tmp_path))
    assert list(found) == ["iter0-response0", "iter1-response0", "iter1-response2"]
    assert (
        found["iter0-response0"] == REWARD_ONLY
        and found["iter1-response2"] == (PROGRAMS / "Cartpole.py").read_text()
    )
    log = tmp_path / "eureka.log"
    log.write_text(
        "[2024-01-01 10:00:00,000][root][INFO] - Iteration 0: GPT Output:\n Here is a reward.\n\n"
        f"```python\n{REWARD_ONLY}```\n\n[2024-01-01 10:00:01,000][root][INFO] - Iteration 0: Prompt "
        "Tokens: 1000, Completion Tokens: 500, Total Tokens: 1500\n"
    )
    assert eureka_programs(log) == {"iter0-log": REWARD_ONLY}


@pytest.mark.slow
def test_import_checks_every_program_and_trains_the_valid_ones(tmp_path, capsys):
    out = tmp_path / "imported"
    assert (
        main(
            [
                str(eureka_output(tmp_path)),
                "--task",
                "Cartpole",
                "--out",
                str(out),
                "--train",
                "--max-epochs",
                "3",
                "--num-envs",
                "32",
            ]
        )
        == 0
    )
    printed = capsys.readouterr().out
    assert "3 programs from" in printed and "2 valid for Cartpole" in printed
    assert (
        "iter1-response0: compute_reward() takes unknown state ['dof_positions']; did you mean dof_pos?"
        in printed
    )
    table = printed[printed.index("mean clean fitness") :]
    assert "iter0-response0" in table and "iter1-response2" in table and "n/a" not in table  # both trained
    assert (out / REWARDS_DIR / "iter1-response0.py").read_text() == REWARD_ONLY.replace(
        "dof_pos:", "dof_positions:"
    )
    assert len(list(out.glob(f"{TRAIN_DIR}/*/{CLEAN_EVAL_DIR}/{EVAL_SPEC_FILE}"))) == 2


def test_a_folder_without_eureka_rewards_is_one_line_and_exit_2(tmp_path, capsys):
    assert main([str(tmp_path), "--task", "Cartpole", "--out", str(tmp_path / "o")]) == 2
    assert "no Eureka reward found" in capsys.readouterr().err
