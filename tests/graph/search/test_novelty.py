"""Whether a program is worth training: known by its normal form or its behaviour, claimed by a sample now."""

from graph.search.novelty import KnownPrograms, behaviour_key, trained_programs
from sim.reward.normal_form import program_digest
from tests.helpers import candidate

PROGRAM = "def compute_reward(pole_angle):\n    r = 1.0 - pole_angle ** 2\n    return r, {'upright': r}\n"


def seeded(sample: int, first: float, program: str = "") -> dict:
    return {**candidate(sample, "trained", first), "program": program or f"p{sample}"}


def test_a_program_already_tried_or_claimed_now_is_refused_with_whose_it_is():
    claims: dict[str, str] = {}
    trained = {program_digest(PROGRAM): ("it0-s1", 480.0)}
    first = KnownPrograms(trained, claims, "it1-s0")
    message = first.claim("# the same, commented\n" + PROGRAM)
    assert first.repeated(message) == "it0-s1" and message.startswith(
        "this program was already tried: it0-s1, fitness 480"
    )
    assert (
        first.repeated("the dry run failed: NameError") is None
    )  # a later attempt's other failure is not a duplicate
    other = PROGRAM.replace("1.0", "2.0")
    assert first.claim(other) is None  # new: claimed for it1-s0
    second = KnownPrograms(trained, claims, "it1-s1")
    refusal = second.claim(other)
    assert "it1-s0, training now" in refusal and second.repeated(refusal) == "it1-s0"


def test_a_program_that_behaves_like_a_trained_one_is_refused_and_a_new_one_records_its_behaviour():
    trained = {behaviour_key("0123456789abcdef"): ("it0-s2", 120.0)}
    claims: dict[str, str] = {}
    sample = KnownPrograms(trained, claims, "it1-s0")
    refusal = sample.claim(PROGRAM, "0123456789abcdef")  # a new text, the same reward on every state checked
    assert (
        sample.repeated(refusal) == "it0-s2"
        and "its reward equals that program's on all 384 states the check ran" in refusal
    )
    assert sample.claim(PROGRAM, "fedcba9876543210") is None and sample.behaviour == "fedcba9876543210"
    other = KnownPrograms(trained, claims, "it1-s1")
    assert "it1-s0, training now" in other.claim(PROGRAM.replace("1.0", "3.0"), "fedcba9876543210")


def test_only_programs_that_went_to_training_are_known():
    known = trained_programs(
        [
            seeded(0, 1.0, "aa"),
            {**candidate(1, "invalid", None), "program": None},
            {**candidate(2, "failed", None), "program": "bb"},
        ]
    )
    assert known == {"aa": ("it0-s0", 1.0), "bb": ("it0-s2", None)}
    behaving = trained_programs([{**seeded(3, 2.0, "cc"), "behaviour": "0123456789abcdef"}])
    assert behaving == {"cc": ("it0-s3", 2.0), behaviour_key("0123456789abcdef"): ("it0-s3", 2.0)}
    # A failed or stopped program blocks its own text only: a later one that agrees with it on the check's
    # states may train (a squatter that trains badly must not shut out honest programs with the same early
    # values).
    for status in ("failed", "stopped_early"):
        blocked = trained_programs(
            [{**candidate(4, status, None), "program": "dd", "behaviour": "fedcba9876543210"}]
        )
        assert blocked == {"dd": ("it0-s4", None)}
