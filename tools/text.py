"""Text that people and LLMs read: an error's headline, long text clipped, numbers formatted one way, and
untrusted text (errors, printed lines, component names) encoded for where it goes: ``printable`` for the
console and files, ``one_line`` for prompts and tables, ``visible_bidi`` for the report, ``plot_label``
for its plots."""

from __future__ import annotations

import math
import re

#: The longest error text kept in a result (its start and its end).
MAX_ERROR_CHARS = 4000


def error_headline(error: str | None, limit: int = 300) -> str:
    """An error's last line, bounded: a traceback's exception, or a one-line message whole."""
    lines = (error or "").strip().splitlines()
    return one_line(lines[-1], limit) if lines else ""


def clip_text(text: str, limit: int = MAX_ERROR_CHARS) -> str:
    """``text`` cut to about ``limit`` characters, keeping its start and its end (where errors are named)."""
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}\n[... {len(text) - 2 * half} characters cut ...]\n{text[-half:]}"


def fmt(value: float | None, spec: str = ".4g", missing: str = "n/a") -> str:
    """A number as people read it here (4 significant digits by default); ``missing`` for None or NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return missing
    return format(value, spec)


#: Bidirectional-text controls: they reorder what a reader sees without changing what runs.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def printable(text: str) -> str:
    """``text`` without control characters (ESC sequences included; newlines and tabs kept) and with lone
    surrogates (which no encoder takes) replaced: safe to print on any terminal and in any file."""
    return _UNPRINTABLE.sub("\ufffd", text)


def one_line(text: str | None, limit: int = 300) -> str:
    """``text`` as one bounded printable line (newlines shown as ``⏎``): for prompts and table cells."""
    return printable((text or "").strip().replace("\r", "").replace("\n", " ⏎ ").replace("\t", " "))[:limit]


def visible_bidi(text: str) -> str:
    """Bidi controls shown as ``<U+202E>`` marks, so a reader sees the characters that are there."""
    return "".join(f"<U+{ord(c):04X}>" if c in BIDI_CONTROLS else c for c in text)


def plot_label(text: str) -> str:
    """A label matplotlib draws as written: no mathtext (``$``), not hidden for a leading underscore."""
    label = one_line(text, 80).replace("$", r"\$")
    return f" {label}" if label.startswith("_") else label
