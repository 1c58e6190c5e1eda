"""A job folder's one owner: every name inside one job."""

from tools.job_dir import (
    ATTEMPT_PROGRAM,
    CHECKED_PROGRAM,
    TUNED_PROGRAM,
    USER_PROGRAM,
    JobDir,
    check_dir,
    program_file,
    seed_job,
)


def test_every_path_of_a_job_is_inside_it(tmp_path):
    job = JobDir(str(tmp_path))  # a string is taken as well
    files = [job.job, job.result, job.log, job.reward, job.warm_start, job.nn, job.clean_eval(), job.clip_dir]
    assert all(f.parent == tmp_path for f in files) and len({f.name for f in files}) == len(files)
    assert {job.best.parent, job.last.parent, job.rung(10).parent} == {job.nn}
    assert len({job.best, job.last, job.rung(10), job.rung(20)}) == 4 and job.clip.parent == job.clip_dir
    rung_evaluations = {job.clean_eval(10), job.clean_eval(20), job.clean_eval()}
    assert len(rung_evaluations) == 3 and {p.parent for p in rung_evaluations} == {tmp_path}


def test_a_candidates_programs_and_their_checks_sit_in_its_folder_each_named_apart(tmp_path):
    assert seed_job("it0-s1", 2).startswith("it0-s1") and seed_job("it0-s1", 2) != seed_job("it0-s1", 3)
    programs = [program_file(tmp_path, ATTEMPT_PROGRAM, n) for n in (0, 1)]
    programs += [program_file(tmp_path, kind) for kind in (USER_PROGRAM, CHECKED_PROGRAM, TUNED_PROGRAM)]
    assert len(set(programs)) == 5 and all(p.parent == tmp_path and p.suffix == ".py" for p in programs)
    checks = {check_dir(p) for p in programs}
    assert len(checks) == 5 and all(c.parent == tmp_path and c not in programs for c in checks)
