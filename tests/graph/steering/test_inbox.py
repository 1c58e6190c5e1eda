"""The steering inbox (a real SQLite file, written by two connections as two processes would) and the
steer-file reader."""

from graph.steering.inbox import Inbox


def test_messages_and_replies_are_shared_and_durable(tmp_path):
    run, chat = (
        Inbox(tmp_path / "steering.sqlite"),
        Inbox(tmp_path / "steering.sqlite"),
    )  # the run and graph.chat
    first = chat.post("keep the pole up", "chat:1:1")
    second = run.post("/pause", "terminal:a:1")
    assert [m.text for m in run.messages()] == ["keep the pole up", "/pause"]
    assert [m.id for m in run.messages(after=first)] == [second]
    assert chat.post("again", "chat:1:1") is None  # one message per source
    assert run.reply(f"m{second}/applied", "paused", second) and not run.reply(
        f"m{second}/applied", "twice", second
    )
    assert [(r.message_id, r.text) for r in Inbox(tmp_path / "steering.sqlite").replies()] == [
        (second, "paused")
    ]
    assert chat.replied(f"m{second}/applied") and not chat.replied("m1/applied")
