"""Text people and LLMs read: headlines of errors, clipped text, numbers."""

import io

from tools.text import clip_text, error_headline, fmt, one_line, plot_label, printable, visible_bidi


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


def test_untrusted_text_is_encoded_for_each_place_it_goes():
    hostile = "[/] \x1b]0;pwned\x07\x1b[2J a\u202eb \ud800"
    shown = printable(hostile)
    assert "\x1b" not in shown and "\x07" not in shown and "\ud800" not in shown and "[/]" in shown
    shown.encode("utf-8")  # every encoder takes it now
    assert one_line("ValueError: x\ntask_score: 500") == "ValueError: x ⏎ task_score: 500"
    assert visible_bidi("a\u202eb") == "a<U+202E>b"


def test_a_plot_label_is_drawn_as_written():
    from matplotlib.figure import Figure

    fig = Figure()
    ax = fig.subplots()
    for name in ("$\\frac{$", "_shaped", "ok"):
        ax.plot([0, 1], [0, 1], label=plot_label(name))
    _, labels = ax.get_legend_handles_labels()
    assert len(labels) == 3  # a leading underscore would have hidden one
    ax.legend()
    fig.savefig(io.BytesIO(), format="png")  # mathtext would raise on "$\frac{$"
