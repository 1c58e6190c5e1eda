"""The steering inbox (a real SQLite file, written by two connections as two processes would) and the
steer-file reader."""

from graph.console import feed_file, messages_of
from graph.inbox import Inbox


def test_messages_and_replies_are_shared_and_durable(tmp_path):
    run, chat = Inbox(tmp_path), Inbox(tmp_path)  # the run and graph.chat
    first = chat.post("keep the pole up", "chat:1:1")
    second = run.post("/pause", "terminal:a:1")
    assert [m.text for m in run.messages()] == ["keep the pole up", "/pause"]
    assert [m.id for m in run.messages(after=first)] == [second]
    assert chat.post("again", "chat:1:1") is None  # one message per source
    assert run.reply(f"m{second}/applied", "paused", second) and not run.reply(f"m{second}/applied", "twice", second)
    assert [(r.message_id, r.text) for r in Inbox(tmp_path).replies()] == [(second, "paused")]
    assert chat.replied(f"m{second}/applied") and not chat.replied("m1/applied")


def test_a_steer_file_gives_one_message_per_line_and_an_edit_block_as_one(tmp_path):
    lines = ["# a comment", "more torque", "", "/edit", "def compute_reward(x):", "    # keep", "    return x, {}",
             "/end", "/stop"]  # fmt: skip
    assert list(messages_of(lines)) == [
        (2, "more torque"), (4, "/edit\ndef compute_reward(x):\n    # keep\n    return x, {}\n/end"), (9, "/stop")]
    steer = tmp_path / "steer.txt"
    steer.write_text("\n".join(lines) + "\n")
    inbox = Inbox(tmp_path)
    assert feed_file(inbox, steer) == 3
    assert feed_file(inbox, steer) == 0  # a resumed run does not post them again
    assert len(inbox.messages()) == 3
