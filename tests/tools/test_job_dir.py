"""A job folder's one owner: every name inside one job."""

from tools.job_dir import ATTEMPT_SUFFIX, USER_SUFFIX, JobDir, check_dir, program_file, seed_job


def test_every_path_of_a_job_is_inside_it(tmp_path):
    job = JobDir(str(tmp_path))  # a string is taken as well
    files = [job.job, job.result, job.log, job.reward, job.warm_start, job.nn, job.clean_eval(), job.clip_dir]
    assert all(f.parent == tmp_path for f in files) and len({f.name for f in files}) == len(files)
    assert {job.best.parent, job.last.parent, job.rung(10).parent} == {job.nn}
    assert len({job.best, job.last, job.rung(10), job.rung(20)}) == 4 and job.clip.parent == job.clip_dir
    rung_evaluations = {job.clean_eval(10), job.clean_eval(20), job.clean_eval()}
    assert len(rung_evaluations) == 3 and {p.parent for p in rung_evaluations} == {tmp_path}


def test_a_candidates_programs_trainings_and_checks_are_named_after_it(tmp_path):
    assert seed_job("it0-s1", 2).startswith("it0-s1") and seed_job("it0-s1", 2) != seed_job("it0-s1", 3)
    programs = [program_file(tmp_path, "it0-s1", ATTEMPT_SUFFIX, n) for n in (0, 1)]
    programs.append(program_file(tmp_path, "it0-s1", USER_SUFFIX))
    assert len(set(programs)) == 3 and all(
        p.parent == tmp_path and p.stem.startswith("it0-s1") for p in programs
    )
    assert all(check_dir(p).parent == tmp_path and p.stem in check_dir(p).name for p in programs)
