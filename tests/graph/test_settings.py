import pytest

from graph.settings import DEFAULTS_FILE, Settings, SettingsError


def test_defaults_load_and_overrides_apply():
    s = Settings.load(DEFAULTS_FILE, {"task": "Quadcopter", "samples": 2})
    assert s.task == "Quadcopter" and s.samples == 2 and s.iterations >= 1


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"task": "Cartpol"}, "unknown task 'Cartpol'"),
        ({"samples": 0}, "samples must be >= 1"),
        ({"devices": "gpu"}, "bad device 'gpu'"),
        ({"overlap": "sometimes"}, "overlap must be auto, true or false"),
        ({"iterations": "three"}, "iterations='three' must be of type int"),
    ],
)
def test_bad_settings_are_named(overrides, message):
    with pytest.raises(SettingsError, match=message):
        Settings.load(DEFAULTS_FILE, overrides)


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
    assert Settings.load(DEFAULTS_FILE, {"llm": "my-model", "llm_context_tokens": 2048}).prompt_profile == "small"
    assert Settings.load(DEFAULTS_FILE, {"llm": "qwen2.5-coder:1.5b", "prompt_profile": "paper"}).prompt_profile == "paper"
    with pytest.raises(SettingsError, match="prompt_profile"):
        Settings.load(DEFAULTS_FILE, {"prompt_profile": "fancy"})
    with pytest.raises(SettingsError, match="llm_max_tokens must be >= 1"):
        Settings.load(DEFAULTS_FILE, {"llm_max_tokens": 0})


def test_a_flag_of_the_other_pool_or_a_backend_missing_here_is_an_error_not_a_silent_no_op():
    with pytest.raises(SettingsError, match="^--gpus-per-trainer applies to --pool ray, and this run uses --pool local$"):
        Settings.load(DEFAULTS_FILE, {"gpus_per_trainer": 0.5, "command_line": "gpus_per_trainer"})
    with pytest.raises(SettingsError, match="^--trainers-per-device applies to --pool local"):
        Settings.load(DEFAULTS_FILE, {"pool": "ray", "trainers_per_device": 2, "command_line": "pool,trainers_per_device"})
    assert Settings.load(DEFAULTS_FILE, {"pool": "ray", "command_line": "pool"}).trainers_per_device == 2  # defaults pass
    import importlib.util

    warp_here = importlib.util.find_spec("mujoco_warp") is not None  # the [gpu] extra (make test installs it)
    expected = "runs the MuJoCo tasks; Cartpole is simulated in plain torch" if warp_here else "needs the \\[gpu\\] extra"
    with pytest.raises(SettingsError, match=f"--sim mjwarp {expected}"):
        Settings.load(DEFAULTS_FILE, {"task": "Cartpole", "sim": "mjwarp"})

    if importlib.util.find_spec("isaacgym") is None:
        with pytest.raises(SettingsError, match=r"--sim isaacgym needs NVIDIA Isaac Gym .* \(missing: isaacgym"):
            Settings.load(DEFAULTS_FILE, {"task": "ShadowHand", "sim": "isaacgym"})
