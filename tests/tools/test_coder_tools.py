"""The Coder's tools: arguments as models send them."""

from tools.coder_tools import unfenced


def test_a_fenced_tool_argument_is_unwrapped():
    assert unfenced("```python\ndef f():\n    pass\n```") == "def f():\n    pass\n"
    assert unfenced("def f():\n    pass") == "def f():\n    pass\n"
