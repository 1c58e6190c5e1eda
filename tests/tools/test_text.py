"""Text people and LLMs read: headlines of errors, clipped text, numbers."""

from tools.text import clip_text, error_headline, fmt


def test_an_errors_headline_is_its_last_line_bounded():
    assert error_headline("Traceback (most recent call last):\n  ...\nNameError: x\n") == "NameError: x"
    assert error_headline(None) == "" and error_headline("") == ""
    assert len(error_headline("E" * 1000, limit=50)) == 50


def test_long_text_keeps_its_start_and_its_end():
    text = "start " + "x" * 10_000 + " end"
    clipped = clip_text(text, 100)
    assert clipped.startswith("start ") and clipped.endswith(" end") and "characters cut" in clipped
    assert len(clipped) < 200 and clip_text("short", 100) == "short"


def test_numbers_read_one_way():
    assert fmt(123.456) == "123.5" and fmt(None) == "n/a" and fmt(float("nan")) == "n/a"
    assert fmt(0.5, ".2f", missing="nan") == "0.50" and fmt(None, ".2f", missing="nan") == "nan"
