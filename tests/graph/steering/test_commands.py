"""Parsing steering messages: every command, and one clear line for each bad one."""

import pytest

from graph.steering.commands import CommandError, parse

PROGRAM = "def compute_reward(pole_angle):\n    r = 1.0 - pole_angle ** 2\n    return r, {'r': r}"


@pytest.mark.parametrize(
    "text, kind, fields",
    [
        ("keep the torso up", "feedback", {"text": "keep the torso up"}),
        ("  the humanoid squats  ", "feedback", {"text": "the humanoid squats"}),
        ("@critic why did it1-s2 fail?", "critic", {"text": "why did it1-s2 fail?"}),
        ("@curriculum repeat the first stage", "curriculum", {"text": "repeat the first stage"}),
        ("/pause", "pause", {}),
        ("/resume", "resume", {}),
        ("/stop", "stop", {}),
        ("/status", "status", {}),
        ("/samples 8", "samples", {"number": 8}),
        ("/iterations 2", "iterations", {"number": 2}),
        ("/model coder=openai:gpt-4o", "model", {"agent": "coder", "spec": "openai:gpt-4o"}),
        ("/model critic = replay:x.jsonl", "model", {"agent": "critic", "spec": "replay:x.jsonl"}),
        ("/mode replace", "mode", {"spec": "replace"}),
        ("/show best", "show", {"text": "best"}),
        ("/show it0-s2", "show", {"text": "it0-s2"}),
        (f"/edit\n{PROGRAM}\n/end", "edit", {"text": PROGRAM}),
        (f"/edit\n```python\n{PROGRAM}\n```\n/end", "edit", {"text": PROGRAM}),
    ],
)
def test_each_command_parses_to_what_it_asks(text, kind, fields):
    steer = parse(text)
    assert steer.kind == kind
    for name, value in fields.items():
        got = getattr(steer, name)
        assert (got.strip() if isinstance(got, str) else got) == value


@pytest.mark.parametrize(
    "text, line",
    [
        ("", "empty message"),
        ("/samples 0", "/samples must be >= 1, got 0"),
        ("/iterations two", "/iterations needs a whole number, got 'two'"),
        (
            "/model gpu=openai:x",
            "/model needs AGENT=SPEC with AGENT one of coder, critic, curriculum, got 'gpu=openai:x'",
        ),
        ("/mode loud", "/mode must be replace or join, got 'loud'"),
        ("/pause now", "/pause takes no argument"),
        ("/show", "/show needs best or a candidate id"),
        ("/edit\nprint('hi')\n/end", "/edit needs a reward program (a def compute_reward)"),
        ("/launch", "unknown command /launch; /help lists the commands"),
        ("@coder hi", "unknown agent @coder: talk to @critic or @curriculum"),
        ("@critic", "@critic needs a message"),
    ],
)
def test_a_bad_command_is_one_clear_line(text, line):
    with pytest.raises(CommandError) as error:
        parse(text)
    assert str(error.value).startswith(line) and "\n" not in str(error.value)


def test_live_commands_are_the_questions_and_the_status():
    assert [parse(t).live for t in ("/status", "/show best", "@critic why?", "/help")] == [True] * 4
    assert not any(parse(t).live for t in ("hi", "/pause", "/stop", "/samples 2", "@curriculum go on"))
