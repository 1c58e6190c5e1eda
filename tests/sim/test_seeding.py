"""Seeds a reward cannot read (issue 36): the states a training's reward is first given do not tell the
search's seeds (0-2) from the held-out ones (1000-1002).

The attacker is a reward program that remembers states. It cannot read files, frames or the job (the
allow-list), so what it knows is what its author computed before the run: the code is public, so the author
can run ``derive_seed`` too. Without a salt the memorised states of seeds 0-2 recognise them exactly (a test
below says so: that is what the run's salt is for); under a salt the author did not have, no memorised state
is met, and no rule learned from the states of one run does better than chance on another. Independently of
the salt, the blocks' states are distributed alike (the hash leaves no structure ordered by the seed number).
"""

import math

import pytest
import torch

from sim.registry import make_task
from sim.seeding import (
    CHECK_ENV,
    EVAL_ENV,
    EVAL_POLICY,
    PURPOSES,
    TRAIN_ENV,
    TRAIN_POLICY,
    derive_seed,
    new_salt,
)

TASK = "Cartpole"
NUM_ENVS = 512  # Cartpole's training envs (configs/train/ppo.yaml)
SEARCH, HELD_OUT = (0, 1, 2), (1000, 1001, 1002)
STATE = ("cart_pos", "cart_vel", "pole_angle", "pole_vel")
RUN_SALTS = [
    f"run-{i}" for i in range(20)
]  # fixed, so the test is deterministic; the attacker never sees them


def first_states(seed: int, salt: str = "", purpose: str = TRAIN_ENV, task: str = TASK) -> torch.Tensor:
    """float[num_envs, 4]: the states a training's reward is first given (one step from the initial states,
    with zero actions: the first actions are the policy's, close to zero and no help to either side)."""
    env = make_task(task, num_envs=NUM_ENVS, seed=derive_seed(seed, task, purpose, salt))
    state, _, _ = env.step(torch.zeros(NUM_ENVS, env.num_actions))
    return torch.stack([state[name] for name in STATE], dim=1)


def recognised(states: torch.Tensor, memory: list[torch.Tensor], tolerance: float = 1e-4) -> bool:
    """The attacker's test: is env 0's first state one it remembers?"""
    return any(torch.allclose(states[0], known[0], atol=tolerance, rtol=0) for known in memory)


def ks_p_value(a: torch.Tensor, b: torch.Tensor) -> float:
    """Two-sample Kolmogorov-Smirnov test, asymptotic p-value."""
    a, b = a.sort().values, b.sort().values
    grid = torch.cat([a, b])
    cdf_a = torch.searchsorted(a, grid, right=True) / len(a)
    cdf_b = torch.searchsorted(b, grid, right=True) / len(b)
    d = (cdf_a - cdf_b).abs().max().item()
    n = len(a) * len(b) / (len(a) + len(b))
    lam = (math.sqrt(n) + 0.12 + 0.11 / math.sqrt(n)) * d
    return min(
        1.0, max(0.0, 2 * sum((-1) ** (k - 1) * math.exp(-2 * k * k * lam * lam) for k in range(1, 101)))
    )


def test_derive_seed_is_deterministic_32_bit_and_every_input_changes_it():
    seed = derive_seed(0, TASK, TRAIN_ENV)
    assert seed == derive_seed(0, TASK, TRAIN_ENV) and 0 <= seed < 2**32
    others = [
        derive_seed(1, TASK, TRAIN_ENV),
        derive_seed(0, "BallBalance", TRAIN_ENV),
        derive_seed(0, TASK, TRAIN_POLICY),
        derive_seed(0, TASK, TRAIN_ENV, salt="a"),
    ]
    assert len({seed, *others}) == 5
    assert len({derive_seed(0, TASK, purpose) for purpose in PURPOSES}) == len(PURPOSES)
    # adjacent seeds land anywhere: no ordering a program could read back
    assert len({derive_seed(s, TASK, TRAIN_ENV) >> 28 for s in range(64)}) >= 12
    with pytest.raises(ValueError, match="unknown seed purpose 'train'"):
        derive_seed(0, TASK, "train")
    with pytest.raises(TypeError):
        derive_seed(True, TASK, TRAIN_ENV)
    assert new_salt() != new_salt() and len(new_salt()) == 32


def test_a_memorised_search_state_recognises_the_seed_without_a_salt_and_nothing_under_one():
    memory = [
        first_states(seed) for seed in SEARCH
    ]  # the author's offline computation: public derivation, no salt
    # What the hash alone cannot stop: the public streams are recognised exactly.
    assert [recognised(first_states(s), memory) for s in SEARCH + HELD_OUT] == [True] * 3 + [False] * 3
    # Under a run's salt neither block meets a remembered state: the rule says "held out" to every seed.
    for salt in RUN_SALTS[:5]:
        assert not any(recognised(first_states(s, salt), memory) for s in SEARCH + HELD_OUT)


def test_a_rule_learned_from_the_public_streams_is_chance_on_salted_runs():
    """The best a program can do without the salt: learn the blocks from the public streams (each seed's
    states summed up as every state's mean and spread over the envs; a seed is called by its nearest known
    seed, which is right on all six it learned from) and apply that to runs with salts.
    It scores what a coin would."""

    def features(states: torch.Tensor) -> torch.Tensor:
        return torch.cat([states.mean(0), states.std(0)])

    known = {s: features(first_states(s)) for s in SEARCH + HELD_OUT}

    def says_search(f: torch.Tensor) -> bool:
        return min(known, key=lambda s: (f - known[s]).norm().item()) in SEARCH

    assert all(says_search(known[s]) == (s in SEARCH) for s in known)
    right = sum(
        says_search(features(first_states(s, salt))) == (s in SEARCH)
        for salt in RUN_SALTS
        for s in SEARCH + HELD_OUT
    )
    trials = len(RUN_SALTS) * 6
    assert abs(right - trials / 2) <= 3.3 * math.sqrt(trials / 4), (
        f"{right} of {trials} right"
    )  # a coin, at 99.9%


@pytest.mark.parametrize("salt", ["", "run-0"])
def test_the_seed_blocks_states_are_distributed_alike(salt):
    """Pooled over the envs of seeds 0-2 and of 1000-1002, every state's values pass a two-sample KS test."""
    search = torch.cat([first_states(s, salt) for s in SEARCH])
    held_out = torch.cat([first_states(s, salt) for s in HELD_OUT])
    for i, name in enumerate(STATE):
        assert ks_p_value(search[:, i], held_out[:, i]) > 0.001, name


def test_the_task_and_the_purpose_each_change_the_stream():
    base = first_states(0)
    for purpose in (EVAL_ENV, CHECK_ENV):
        assert not torch.allclose(base, first_states(0, purpose=purpose))
    # The envs' stream and the policy's no longer share their random numbers (both were seeded with the seed).
    env_draws = torch.rand(64, generator=torch.Generator().manual_seed(derive_seed(0, TASK, TRAIN_ENV)))
    policy_draws = torch.rand(64, generator=torch.Generator().manual_seed(derive_seed(0, TASK, TRAIN_POLICY)))
    assert not torch.equal(env_draws, policy_draws)
    assert derive_seed(0, "BallBalance", TRAIN_ENV) != derive_seed(0, TASK, TRAIN_ENV)


class Seeded(Exception):
    pass


def test_training_and_the_clean_evaluation_seed_only_from_the_derived_streams(monkeypatch, tmp_path):
    """``train`` and ``evaluate_policy`` hand the task the derived seed,
    then seed torch from the policy's stream."""
    import sim.rl.evaluation as evaluation
    import sim.rl.ppo as ppo
    from sim.rl.ppo_config import ppo_config

    tasks, draws = [], []

    def make(name, num_envs, device="cpu", seed=0, sim="default"):
        tasks.append(seed)
        return make_task(name, num_envs, device, seed, sim)

    def next_step(*args, **kwargs):  # what comes after the seeding: the vec env, the policy
        draws.append(torch.randint(2**31, (1,)).item())
        raise Seeded

    for module, after in ((ppo, "RewardedVecEnv"), (evaluation, "Policy")):
        monkeypatch.setattr(module, "make_task", make)
        monkeypatch.setattr(module, after, next_step)
    with pytest.raises(Seeded):
        ppo.train(TASK, None, ppo_config(TASK, {"num_envs": 8}), 7, "cpu", tmp_path, salt="s")
    with pytest.raises(Seeded):
        evaluation.evaluate_policy(TASK, "unused.pth", 8, 7)

    def draw(seed: int) -> int:
        torch.manual_seed(seed)
        return torch.randint(2**31, (1,)).item()

    assert tasks == [derive_seed(7, TASK, TRAIN_ENV, "s"), derive_seed(7, TASK, EVAL_ENV)]
    assert draws == [draw(derive_seed(7, TASK, TRAIN_POLICY, "s")), draw(derive_seed(7, TASK, EVAL_POLICY))]


@pytest.mark.slow
def test_a_training_reproduces_under_its_salt_and_another_salt_trains_otherwise(tmp_path):
    from sim.registry import task_class
    from sim.reward.program import RewardProgram, function_source
    from sim.rl.ppo import train
    from sim.rl.ppo_config import ppo_config

    program = RewardProgram.from_source(function_source(task_class(TASK).human_reward), "human.py")
    cfg = ppo_config(TASK, {"num_envs": 64, "max_epochs": 2})

    def components(
        salt: str, name: str
    ) -> dict:  # each epoch's mean reward terms: the states and the policy's
        return train(TASK, program, cfg, 0, "cpu", tmp_path / name, salt=salt)["components"]

    assert components("a", "first") == components("a", "again") != components("b", "other")
