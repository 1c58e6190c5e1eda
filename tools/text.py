"""Text that people and LLMs read: an error's headline, long text clipped, numbers formatted one way."""

from __future__ import annotations

import math

#: The longest error text kept in a result (its start and its end).
MAX_ERROR_CHARS = 4000


def error_headline(error: str | None, limit: int = 300) -> str:
    """An error's last line, bounded: a traceback's exception, or a one-line message whole."""
    lines = (error or "").strip().splitlines()
    return lines[-1][:limit] if lines else ""


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
