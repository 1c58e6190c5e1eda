"""Seeds a reward program cannot read: every random stream of a training or an evaluation comes from a hash.

A run's seed numbers are public (the search trains on ``seed``, ``seed + 1``, ...; the final evaluation on
``seed + 1000 + i``). Seeding a stream with the number itself, as training did, gave every reward program a
way to learn its seed: the first step's states of seed 0 are a fixed, public function of 0 (seeds' initial
states differ by more than 0.06 m), so a program could remember them and behave one way on the search's
seeds and another on the held-out ones. And the task's generator and torch's were seeded with the same
number, so the envs' initial-state noise and the policy's initial weights were drawn from one stream.

``derive_seed(seed, task, purpose, salt)`` is the one place a stream's seed comes from: the first four
bytes of SHA-256 over the four values. What that buys:

- streams without structure: adjacent seeds, the blocks 0-2 and 1000-1002, tasks and purposes give streams
  that look independent, so the initial states of one block of seeds are distributed exactly as another's
  (tests/sim/test_seeding.py) and nothing about a stream is ordered by its seed number;
- one stream per purpose (``PURPOSES``): the envs' initial states (``train-env``) and the policy's weights,
  action noise and minibatch order (``train-policy``) no longer share their random numbers.

What it cannot buy alone: the derivation is public and deterministic, so anyone can still compute the
states of seeds 0-2 ahead of a run and write them into a program. The **salt** closes that: a secret of the
run (``new_salt``, random bytes made at run start and kept in the run directory) mixed into every training
stream. The training worker holds it, but the reward program it runs cannot read it (the allow-list refuses
files, frames and the worker's namespaces), so no program can know in advance the states of any seed it will
meet, search or held-out. With no salt (benchmarks, ``tools.trainer``) streams are public and reproducible.
A run with the same salt reproduces its trainings exactly, seed by seed.

The clean evaluation is never salted: no reward code runs there, and one public stream (``EVAL_SEED``
through ``eval-env`` and ``eval-policy``) starts every candidate of every run from the same states.

Every consumer here takes 32 bits, so seeds are 32-bit: numpy's and IsaacGym's seeding refuse more, and
torch's CPU generator (mt19937) uses only the low 32 bits of a larger seed.
"""

from __future__ import annotations

import hashlib
import json
import secrets

#: The envs' initial states and resets during training (the task's generator).
TRAIN_ENV = "train-env"
#: The policy's initial weights, its sampled actions and PPO's minibatches
#: (torch's, numpy's and random's global generators).
TRAIN_POLICY = "train-policy"
#: The clean evaluation's start states and its policy's sampled actions.
EVAL_ENV = "eval-env"
EVAL_POLICY = "eval-policy"
#: The dry run of a reward program on simulator states (tools/check_worker.py).
CHECK_ENV = "check-env"
PURPOSES = (TRAIN_ENV, TRAIN_POLICY, EVAL_ENV, EVAL_POLICY, CHECK_ENV)
#: Bytes of a run's salt (``new_salt`` returns twice as many hex digits).
SALT_BYTES = 16


def derive_seed(seed: int, task: str, purpose: str, salt: str = "") -> int:
    """The 32-bit seed of the stream ``purpose`` of training (or evaluating) ``task`` with ``seed``.

    ``salt``: the run's secret (``new_salt``), or "" for a public stream. Raises ValueError for a purpose not
    in ``PURPOSES`` (a misspelt purpose would silently be another stream).
    """
    if purpose not in PURPOSES:
        raise ValueError(f"unknown seed purpose {purpose!r}; known: {', '.join(PURPOSES)}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be an int, got {seed!r}")
    message = json.dumps(["eureka-graph seed v1", seed, task, purpose, salt]).encode()
    return int.from_bytes(hashlib.sha256(message).digest()[:4], "little")


def new_salt() -> str:
    """A fresh secret for a run's training streams, as hex."""
    return secrets.token_hex(SALT_BYTES)
