import argparse
import importlib.util
import re

import pytest
import yaml

from agents.llm.chat_models import AgentModels
from agents.llm.conversation import ContextWindow
from graph.context import open_run
from graph.run import parse_args, prepare
from graph.settings import DEFAULTS_FILE, GROUPS, Settings, SettingsError, flag_kind
from prompts import profiles
from tests.fakes import ScriptedChatModel

FIELDS = Settings.model_fields


def default(name: str):
    return FIELDS[name].default


def test_defaults_load_and_overrides_apply(tmp_path):
    config = tmp_path / "overrides.yaml"
    config.write_text(
        yaml.safe_dump({"samples": default("samples") + 2, "iterations": default("iterations") + 1})
    )
    s, _ = prepare(
        parse_args(
            [
                "--config",
                str(config),
                "--samples",
                str(default("samples") + 1),
                "--run-dir",
                str(tmp_path / "run"),
            ]
        )
    )
    assert s.iterations == default("iterations") + 1  # the file wins over the default
    assert s.samples == default("samples") + 1  # the command line wins over the file
    assert s.eval_seeds == default("eval_seeds") and s.search == default(
        "search"
    )  # the rest keep their defaults
    assert s.command_line == "run_dir,samples"


def test_every_setting_is_a_flag_whose_help_under_its_group_is_its_description(monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "10000")  # one line per flag: no wrapping inside a description
    with pytest.raises(SystemExit):
        parse_args(["--help"])
    text = capsys.readouterr().out
    sections = dict(
        re.findall(r"^(\w+) settings:\n(.*?)(?=^\w+ settings:|\Z)", text, re.MULTILINE | re.DOTALL)
    )
    assert list(sections) == list(GROUPS)
    for name, field in FIELDS.items():
        if name == "command_line":  # written by graph.run, never given
            assert not field.json_schema_extra["flag"]
            continue
        entries = re.split(r"\n(?=  --)", sections[field.json_schema_extra["group"]])
        entry = next(e for e in entries if e.split()[0] == f"--{name.replace('_', '-')}")
        assert field.description in " ".join(entry.split()), name


def test_a_run_writes_the_models_defaults_and_a_resume_reads_them_back(tmp_path):
    settings, run = prepare(parse_args(["--run-dir", str(tmp_path / "run")]))
    fake = ScriptedChatModel(script=[])
    agents = ("coder", "critic", "curriculum")
    open_run(
        settings,
        run,
        new=True,
        models=AgentModels({a: fake for a in agents}, {a: ContextWindow(None) for a in agents}),
    )
    written = yaml.safe_load(run.config.read_text())
    derived = {"prompt_profile", "run_dir", "command_line"}  # resolved or filled in by graph.run
    assert {k: v for k, v in written.items() if k not in derived} == {
        name: field.default for name, field in FIELDS.items() if name not in derived
    }
    assert default("prompt_profile") == "auto" and written["prompt_profile"] in profiles()
    assert (written["run_dir"], written["command_line"]) == (str(run.root), "run_dir")
    assert Settings.load(run.config) == settings


def test_a_flag_takes_null_choices_and_the_types_of_its_setting(tmp_path, capsys):
    config = tmp_path / "overrides.yaml"
    config.write_text("num_envs: 64\nrungs: '0.5'\n")
    args = parse_args(
        [
            "--config",
            str(config),
            "--num-envs",
            "null",
            "--rungs",
            "none",
            "--rung-keep",
            "0.25",
            "--init-reward",
            "human",
            "--run-dir",
            str(tmp_path / "run"),
        ]
    )
    assert args.settings == {
        "num_envs": None,
        "rungs": "none",
        "rung_keep": 0.25,
        "init_reward": "human",
        "run_dir": str(tmp_path / "run"),
    }
    s, _ = prepare(args)
    assert (s.num_envs, s.rungs, s.rung_keep) == (
        None,
        "none",
        0.25,
    )  # null on the command line beats the file
    for argv, message in [
        (["--samples", "null"], "argument --samples: invalid int value: 'null'"),
        (["--rank-by", "best"], "argument --rank-by: invalid choice: 'best' (choose from median"),
        (["--budget-usd", "lots"], "argument --budget-usd: invalid float value: 'lots'"),
    ]:
        with pytest.raises(SystemExit):
            parse_args(argv)
        assert message in capsys.readouterr().err


def test_a_bool_setting_is_a_flag_and_its_no_flag():
    p = argparse.ArgumentParser()
    p.add_argument("--fast", default=argparse.SUPPRESS, **flag_kind(bool))
    assert (vars(p.parse_args(["--fast"])), vars(p.parse_args(["--no-fast"])), vars(p.parse_args([]))) == (
        {"fast": True},
        {"fast": False},
        {},
    )


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"task": "Cartpol"}, "unknown task 'Cartpol'"),
        ({"samples": 0}, "samples must be >= 1"),
        ({"extra_seeds": 1000}, "^setting extra_seeds must be <= 999, got 1000$"),
        ({"devices": "gpu"}, "bad device 'gpu'"),
        ({"overlap": "sometimes"}, "overlap must be auto, true or false"),
        ({"iterations": "three"}, "iterations='three' must be of type int"),
    ],
)
def test_bad_settings_are_named(overrides, message):
    with pytest.raises(SettingsError, match=message):
        Settings.load(DEFAULTS_FILE, overrides)


@pytest.mark.parametrize(
    "overrides, message",
    [
        (
            {
                "curriculum": "ShadowHand,ShadowHandSpin",
                "task": "ShadowHand",
                "command_line": "curriculum,task",
            },
            "^--task ShadowHand must be the last stage of --curriculum ShadowHand,ShadowHandSpin$",
        ),
        ({"curriculum": "Cartpole,Nope"}, "^unknown task 'Nope'; known tasks: "),
        ({"curriculum": "auto", "stage": 2}, "^--stage needs a known curriculum, not --curriculum auto$"),
        (
            {"budget_usd": 1.0, "llm": "openai:gpt-9-unpriced"},
            "^budget_usd needs a price for openai:gpt-9-unpriced: add it to .*prices.yaml$",
        ),
    ],
)
def test_settings_that_contradict_each_other_are_one_line_naming_them(overrides, message):
    with pytest.raises(SettingsError, match=message):
        Settings.load(DEFAULTS_FILE, overrides)


def test_an_explicit_curriculum_names_the_task_and_a_checked_change_keeps_the_budgets_prices(tmp_path):
    assert Settings.load(DEFAULTS_FILE, {"curriculum": "ShadowHand,ShadowHandSpin"}).task == "ShadowHandSpin"
    prices = tmp_path / "prices.yaml"
    prices.write_text('models:\n  "fake:priced": {input: 1.0, output: 2.0}\n')
    s = Settings.load(DEFAULTS_FILE, {"llm": "fake:priced", "prices": str(prices), "budget_usd": 1.0})
    assert s.updated(critic_llm="fake:priced").critic_llm == "fake:priced" and s.critic_llm is None
    with pytest.raises(SettingsError, match="^budget_usd needs a price for openai:gpt-9-unpriced"):
        s.updated(critic_llm="openai:gpt-9-unpriced")


def test_unknown_keys_in_a_config_file_are_rejected(tmp_path):
    bad = tmp_path / "run.yaml"
    bad.write_text(DEFAULTS_FILE.read_text() + "\nsampels: 3\n")
    with pytest.raises(SettingsError, match="unknown settings \\['sampels'\\]"):
        Settings.load(bad)


def test_an_unreadable_config_file_is_a_settings_error(tmp_path):
    broken = tmp_path / "run.yaml"
    broken.write_text("task: [unclosed\n")
    with pytest.raises(SettingsError, match="cannot read settings"):
        Settings.load(broken)
    with pytest.raises(SettingsError, match="cannot read settings"):
        Settings.load(tmp_path / "missing.yaml")


def test_overlap_auto_is_off_only_for_the_local_model():
    assert not Settings.load(DEFAULTS_FILE, {"llm": "local"}).overlaps_training()
    assert Settings.load(DEFAULTS_FILE, {"llm": "openai:gpt-4o"}).overlaps_training()
    assert not Settings.load(
        DEFAULTS_FILE, {"llm": "openai:gpt-4o", "coder_llm": "local"}
    ).overlaps_training()


def test_prompt_profile_auto_picks_the_small_model_prompts_for_the_local_model():
    assert Settings.load(DEFAULTS_FILE, {"llm": "local"}).prompt_profile == "small"
    assert Settings.load(DEFAULTS_FILE, {"llm": "openai:gpt-4o"}).prompt_profile == "paper"
    for small in ("qwen2.5-coder:1.5b", "openai:Llama-3.1-8B-Instruct", "Qwen/Qwen2.5-Coder-7B-Instruct"):
        assert Settings.load(DEFAULTS_FILE, {"llm": small}).prompt_profile == "small", small
    for large in ("qwen2.5-coder-32b-instruct", "mixtral-8x7b", "anthropic:claude-sonnet-4-5"):
        assert Settings.load(DEFAULTS_FILE, {"llm": large}).prompt_profile == "paper", large
    assert (
        Settings.load(DEFAULTS_FILE, {"llm": "my-model", "llm_context_tokens": 2048}).prompt_profile
        == "small"
    )
    pinned = Settings.load(DEFAULTS_FILE, {"llm": "qwen2.5-coder:1.5b", "prompt_profile": "paper"})
    assert pinned.prompt_profile == "paper"
    with pytest.raises(SettingsError, match="prompt_profile"):
        Settings.load(DEFAULTS_FILE, {"prompt_profile": "fancy"})
    with pytest.raises(SettingsError, match="llm_max_tokens must be >= 1"):
        Settings.load(DEFAULTS_FILE, {"llm_max_tokens": 0})


def test_a_flag_of_the_other_pool_or_a_backend_missing_here_is_an_error_not_a_silent_no_op():
    other_pool = "^--gpus-per-trainer applies to --pool ray, and this run uses --pool local$"
    with pytest.raises(SettingsError, match=other_pool):
        Settings.load(DEFAULTS_FILE, {"gpus_per_trainer": 0.5, "command_line": "gpus_per_trainer"})
    with pytest.raises(SettingsError, match="^--trainers-per-device applies to --pool local"):
        Settings.load(
            DEFAULTS_FILE,
            {"pool": "ray", "trainers_per_device": 2, "command_line": "pool,trainers_per_device"},
        )
    ray = Settings.load(DEFAULTS_FILE, {"pool": "ray", "command_line": "pool"})
    assert ray.trainers_per_device == default("trainers_per_device")  # defaults pass

    warp_here = importlib.util.find_spec("mujoco_warp") is not None  # the [gpu] extra (make test installs it)
    expected = (
        "runs the MuJoCo tasks; Cartpole is simulated in plain torch"
        if warp_here
        else "needs the \\[gpu\\] extra"
    )
    with pytest.raises(SettingsError, match=f"--sim mjwarp {expected}"):
        Settings.load(DEFAULTS_FILE, {"task": "Cartpole", "sim": "mjwarp"})

    if importlib.util.find_spec("isaacgym") is None:
        with pytest.raises(
            SettingsError, match=r"--sim isaacgym needs NVIDIA Isaac Gym .* \(missing: isaacgym"
        ):
            Settings.load(DEFAULTS_FILE, {"task": "ShadowHand", "sim": "isaacgym"})
