"""The run directory's one owner: its paths, its file names and the candidate id format."""

from graph.results.run_dir import CANDIDATES_DIR, EVAL_DIR, RunDir, candidate_id, transcript
from tools.job_dir import TRAIN_DIR


def test_every_path_of_a_run_is_under_its_root(tmp_path):
    run = RunDir(str(tmp_path))  # a string is taken as well
    files = [
        run.config,
        run.checkpoints,
        run.inbox,
        run.llm_calls,
        run.log,
        run.summary,
        run.report_html,
        run.report_md,
        run.report_files,
        run.init_checkpoint,
    ]
    assert all(f.parent == tmp_path for f in files) and len({f.name for f in files}) == len(files)
    folder = tmp_path / "stage1-Cartpole" / CANDIDATES_DIR / "it2-s3"
    assert run.candidate("stage1-Cartpole", candidate_id(2, 3)) == folder
    assert run.training("stage1-Cartpole", "it2-s3") == folder / TRAIN_DIR
    assert run.candidate_record("stage1-Cartpole", "it2-s3").parent == folder
    assert run.evaluation("stage1-Cartpole", 1001).parent == tmp_path / "stage1-Cartpole" / EVAL_DIR
    assert not run.is_run()
    run.config.write_text("task: Cartpole\n")
    assert run.is_run()


def test_a_candidates_trainings_sit_in_its_folder_and_every_job_of_the_stage_is_found(tmp_path):
    run = RunDir(tmp_path)
    mine = [run.training("stage1-Cartpole", "it0-s0"), run.seed_training("stage1-Cartpole", "it0-s0", 2)]
    assert {p.parent for p in mine} == {run.candidate("stage1-Cartpole", "it0-s0")} and mine[0] != mine[1]
    trial = run.tuning_trial("stage1-Cartpole", "it0-s0", 1)
    assert trial != run.tuning_trial("stage1-Cartpole", "it0-s0+it0-s1", 1)
    other = run.training("stage1-Cartpole", "it0-s1")
    for job in [*mine, trial, other]:
        job.mkdir(parents=True)
    run.evaluation("stage1-Cartpole", 1000).mkdir(parents=True)  # not a candidate's
    assert run.jobs("stage1-Cartpole") == sorted([*mine, trial, other])


def test_replay_of_a_run_directory_reads_its_transcript(tmp_path):
    assert transcript(f"replay:{tmp_path}") == f"replay:{RunDir(tmp_path).llm_calls}"
    assert transcript(f"replay:{tmp_path / 'calls.jsonl'}") == f"replay:{tmp_path / 'calls.jsonl'}"
    assert transcript("openai:gpt-4o") == "openai:gpt-4o" and transcript("local") == "local"


def test_a_run_makes_its_seed_salt_once_and_keeps_it_to_itself(tmp_path):
    run, other = RunDir(tmp_path / "a"), RunDir(tmp_path / "b")
    run.root.mkdir()
    other.root.mkdir()
    salt = run.seed_salt()
    assert len(salt) == 32 and run.seed_salt() == salt != other.seed_salt()  # a resume reads it back
    assert run.seed_salt_file.stat().st_mode & 0o077 == 0
