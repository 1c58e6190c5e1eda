"""The caller's side of the worker channel: bounded, tolerant framing of JSON-line messages."""

from tools.isolation.channel import MAX_MESSAGE_BYTES, MessageReader


def reader():
    got = []
    return MessageReader(got.append), got


def test_messages_split_across_chunks_are_reassembled():
    r, got = reader()
    for chunk in (b'{"type": "pro', b'gress", "epoch": 1}\n{"type":', b' "result"}\n'):
        r.feed(chunk)
    assert got == [{"type": "progress", "epoch": 1}, {"type": "result"}] and r.malformed == 0


def test_anything_but_an_object_with_a_type_is_counted_and_skipped():
    r, got = reader()
    r.feed(b'not json\n[1]\n{"epoch": 1}\n{"type": 3}\n\n{"type": "ok"}\n')
    assert got == [{"type": "ok"}] and r.malformed == 5


def test_an_over_long_line_is_dropped_once_and_the_next_line_still_arrives():
    r, got = reader()
    chunk = b"x" * (1 << 16)
    for _ in range(MAX_MESSAGE_BYTES // len(chunk) * 3):
        r.feed(chunk)
    r.feed(b'tail of the long line\n{"type": "after"}\n')
    assert got == [{"type": "after"}] and r.malformed == 1
    assert len(r.buffer) == 0
