"""The steering terminal: lines of a steer file (or a piped stdin) become messages, an /edit block one."""

from graph.results.run_dir import INBOX_FILE
from graph.steering.inbox import Inbox
from graph.steering.terminal import feed_file, messages_of


def test_a_steer_file_gives_one_message_per_line_and_an_edit_block_as_one(tmp_path):
    lines = [
        "# a comment",
        "more torque",
        "",
        "/edit",
        "def compute_reward(x):",
        "    # keep",
        "    return x, {}",
        "/end",
        "/stop",
    ]
    assert list(messages_of(lines)) == [
        (2, "more torque"),
        (4, "/edit\ndef compute_reward(x):\n    # keep\n    return x, {}\n/end"),
        (9, "/stop"),
    ]
    steer = tmp_path / "steer.txt"
    steer.write_text("\n".join(lines) + "\n")
    inbox = Inbox(tmp_path / INBOX_FILE)
    assert feed_file(inbox, steer) == 3
    assert feed_file(inbox, steer) == 0  # a resumed run does not post them again
    assert len(inbox.messages()) == 3
