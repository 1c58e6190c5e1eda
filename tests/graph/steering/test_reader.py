"""The steering reader: each message read and parsed once however often it is asked, the boundary's commands
queued until the graph's state applied them, and the queue rebuilt by a new process (a resume)."""

from graph.results.run_dir import INBOX_FILE
from graph.steering.commands import CommandError
from graph.steering.inbox import Inbox
from graph.steering.reader import SteeringReader
from tests.helpers import count_parses


def texts(commands) -> list[str]:
    return [message.text for message, _ in commands]


def test_each_message_is_parsed_once_and_handed_over_once(tmp_path, monkeypatch):
    parsed = count_parses(monkeypatch)
    inbox = Inbox(tmp_path / INBOX_FILE)
    chat = Inbox(tmp_path / INBOX_FILE)  # graph.chat, another process
    steering, handled = SteeringReader(inbox), []
    steering.handler = lambda message, what: handled.append((message.text, type(what).__name__))
    chat.post("more torque", "chat:1")
    chat.post("/status", "chat:2")
    steering.read()
    steering.post("/samples 0", "terminal:1")  # the run's own terminal: read at once
    chat.post("/stop", "chat:3")
    for _ in range(3):
        steering.read()
        assert texts(steering.boundary(after=0)) == ["more torque", "/stop"]
        assert steering.stop_pending(after=1)
    assert sorted(parsed) == sorted(["more torque", "/status", "/samples 0", "/stop"])
    assert handled == [
        ("more torque", "Steer"),
        ("/status", "Steer"),
        ("/samples 0", CommandError.__name__),
        ("/stop", "Steer"),
    ]


def test_the_commands_stay_queued_until_the_state_applied_them_and_a_resume_queues_them_again(tmp_path):
    inbox = Inbox(tmp_path / INBOX_FILE)
    for n, text in enumerate(["/samples 2", "/pause", "/help", "keep it centred", "/resume"]):
        inbox.post(text, f"test:{n}")
    steering = SteeringReader(inbox)
    assert texts(steering.boundary(after=2)) == ["keep it centred", "/resume"]
    # a node that waited runs again from its start: what it took before is still there
    assert texts(steering.boundary(after=0)) == ["/samples 2", "/pause", "keep it centred", "/resume"]
    steering.drop_applied(2)  # the checkpointed cursor
    assert len(steering.queue) == 2 and texts(steering.boundary(after=0)) == ["keep it centred", "/resume"]
    resumed = SteeringReader(Inbox(tmp_path / INBOX_FILE))  # a new process, the state's cursor at 4
    assert texts(resumed.boundary(after=4)) == ["/resume"] and not resumed.stop_pending(after=4)
