"""The steering inbox (a real SQLite file, written by two connections as two processes would) and the
steer-file reader."""

from graph.results.run_dir import INBOX_FILE
from graph.steering.inbox import Inbox


def test_messages_and_replies_are_shared_and_durable(tmp_path):
    run, chat = (
        Inbox(tmp_path / INBOX_FILE),
        Inbox(tmp_path / INBOX_FILE),
    )  # the run and graph.chat
    first = chat.post("keep the pole up", "chat:1:1")
    second = run.post("/pause", "terminal:a:1")
    assert [m.text for m in run.messages()] == ["keep the pole up", "/pause"]
    assert [m.id for m in run.messages(after=first)] == [second]
    assert chat.post("again", "chat:1:1") is None  # one message per source
    assert run.reply(f"m{second}/applied", "paused", second) and not run.reply(
        f"m{second}/applied", "twice", second
    )
    assert [(r.message_id, r.text) for r in Inbox(tmp_path / INBOX_FILE).replies()] == [(second, "paused")]
    assert chat.replied(f"m{second}/applied") and not chat.replied("m1/applied")


def test_the_replies_this_object_records_go_to_its_listeners_at_once(tmp_path):
    run, heard = Inbox(tmp_path / INBOX_FILE), []
    run.listeners.append(heard.append)
    message = run.post("/pause", "terminal:a:1")
    assert run.reply(f"m{message}/ack", "pause: applied at the end of iteration 0", message)
    assert not run.reply(f"m{message}/ack", "again", message)  # recorded once, heard once
    run.reply("stage1/decision", "advance", agent="curriculum")  # a notice answers no message
    assert [(r.key, r.message_id) for r in heard] == [(f"m{message}/ack", message), ("stage1/decision", None)]
    assert heard == Inbox(tmp_path / INBOX_FILE).replies() and run.answered() == {message}
