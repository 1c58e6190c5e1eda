"""What LLM calls cost: a user-editable price table (configs/prices.yaml) of USD per million tokens."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path

import yaml

from configs import CONFIG_DIR, load_yaml

PRICES_FILE = CONFIG_DIR / "prices.yaml"


class PriceTableError(ValueError):
    """A price table that cannot be read; the message names the file and the entry."""


@dataclass(frozen=True)
class Price:
    input: float  # USD per million prompt tokens
    output: float  # USD per million completion tokens

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        return (prompt_tokens * self.input + completion_tokens * self.output) / 1e6


@dataclass(frozen=True)
class PriceTable:
    entries: tuple[tuple[str, Price], ...]  # (fnmatch pattern over a model spec, its price), first match wins

    @classmethod
    def load(cls, path: Path = PRICES_FILE) -> PriceTable:
        try:
            models = load_yaml(path).get("models") or {}
        except (OSError, yaml.YAMLError, ValueError) as exc:
            raise PriceTableError(f"cannot read the price table {path}: {exc}") from exc
        if not isinstance(models, dict):
            raise PriceTableError(f"{path}: `models` must map model patterns to prices")
        entries = []
        for pattern, price in models.items():
            values = [price.get(k) if isinstance(price, dict) else None for k in ("input", "output")]
            if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0 for v in values):
                raise PriceTableError(
                    f"{path}: {pattern}: expected {{input: USD, output: USD}} per million "
                    f"tokens, both >= 0, got {price!r}"
                )
            entries.append((str(pattern), Price(float(values[0]), float(values[1]))))
        return cls(tuple(entries))

    def price(self, spec: str) -> Price | None:
        """The price of the model ``spec`` (as given on the command line), or None if no pattern matches."""
        return next((price for pattern, price in self.entries if fnmatch.fnmatchcase(spec, pattern)), None)

    def cost(self, spec: str, prompt_tokens: int, completion_tokens: int) -> float | None:
        price = self.price(spec)
        return None if price is None else price.cost(prompt_tokens, completion_tokens)
