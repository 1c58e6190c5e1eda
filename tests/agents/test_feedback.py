from agents.feedback import error_feedback, reflection, series_line, statistics_block
from tests.helpers import candidate_blocks

RESULT = {
    "fitness": [None] + [float(i) for i in range(1, 100)],
    "episode_length": [10.0] * 100,
    "components": {"upright": [0.5] * 100, "penalty": [-1.0] * 50 + [-0.5] * 50},
}


def test_series_line_samples_about_ten_checkpoints_with_max_mean_min():
    line = series_line("task_score", RESULT["fitness"])
    values = line.split("[")[1].split("]")[0].split(", ")
    assert len(values) == 10 and values[0] == "'nan'" and values[1] == "'10.00'"
    assert line.endswith("Max: 99.00, Mean: 50.00, Min: 1.00")


def test_statistics_cover_components_score_and_episode_length():
    text, freq = statistics_block(RESULT)
    assert freq == 10
    (components,), ours = candidate_blocks(text)  # the names are the program's: in a candidate block
    assert [line.split(":")[0] for line in components.splitlines()] == ["upright", "penalty"]
    assert [line.split(":")[0] for line in ours.splitlines()] == ["task_score", "episode_length"]


def test_reflection_has_header_stats_guidance_and_optional_analysis():
    text = reflection(RESULT, "paper", analysis="The penalty dominates.")
    assert "after every 10 epochs" in text
    assert "penalty: ['-1.00'" in text
    assert "Analysis of these statistics:\nThe penalty dominates." in text
    assert "If the success rates are always near zero" in text
    assert text.index("task_score") < text.index("Please carefully analyze")


def test_error_feedback_quotes_the_traceback():
    text = error_feedback("ValueError: boom", "paper")
    assert "has the following error:\n<<<candidate text: the error" in text and "```python" in text
    assert candidate_blocks(text)[0] == ["ValueError: boom"]


def test_non_finite_and_huge_training_figures_are_called_out_in_the_reflection():
    from agents.feedback import statistics_block

    result = {
        "fitness": [1.0, 2.0],
        "episode_length": [5.0, 9.0],
        "components": {"upright": [0.5, 0.6], "blown": [1.0, 3e38], "broken": [1.0, None]},
    }
    block, _ = statistics_block(result)
    # a component is named by its line in the block: its name is the program's text
    line = "Warning: the component on line {} of the block above"
    assert f"{line.format(2)} reached 3e+38, far beyond a sane reward scale" in block
    assert f"{line.format(3)} was NaN or infinite in 1 of 2 epochs." in block
    assert "line 1 " not in block
    (components,), _ = candidate_blocks(block)
    assert [line.split(":")[0] for line in components.splitlines()] == ["upright", "blown", "broken"]
