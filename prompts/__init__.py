"""Prompt templates. Each profile is a folder of .txt files; ``paper`` follows Eureka's wording."""

from __future__ import annotations

from pathlib import Path

PROMPT_DIR = Path(__file__).resolve().parent
DEFAULT_PROFILE = "paper"


def profiles() -> list[str]:
    return sorted(p.name for p in PROMPT_DIR.iterdir() if p.is_dir() and not p.name.startswith("_"))


def render(name: str, profile: str = DEFAULT_PROFILE, **fields: object) -> str:
    """Fill template ``<profile>/<name>.txt`` (falling back to the paper profile) with ``fields``."""
    if profile not in profiles():
        raise ValueError(f"unknown prompt profile {profile!r}; known: {', '.join(profiles())}")
    path = PROMPT_DIR / profile / f"{name}.txt"
    if not path.exists():
        path = PROMPT_DIR / DEFAULT_PROFILE / f"{name}.txt"
    return path.read_text().format(**fields)
