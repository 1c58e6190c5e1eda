"""Replaying a transcript: each agent's own responses in order; a torn or broken file said clearly."""

import json

import pytest
from langchain_core.messages import HumanMessage

from agents.llm.replay import ReplayChatModel, ReplayExhaustedError, drop_torn_tail, model_calls, read_calls

RECORDS = [
    {"agent": "coder", "response": "c1", "tools": ["check_reward"]},
    {"agent": "critic", "response": "k1"},
    {"agent": "coder", "tool": "check_reward", "result": "ok"},
    {"agent": "coder", "response": "c2"},
]


def write(path, records, torn: str = "") -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in records) + torn)


def test_each_agent_gets_its_own_responses_after_those_already_used(tmp_path):
    write(tmp_path / "calls.jsonl", RECORDS)
    coder = ReplayChatModel.from_transcript(tmp_path / "calls.jsonl", "coder", start=1)
    assert coder.calls_tools and coder.invoke([HumanMessage("x")]).content == "c2"
    with pytest.raises(ReplayExhaustedError, match="no more recorded coder responses"):
        coder.invoke([HumanMessage("x")])
    assert [r["response"] for r in model_calls(read_calls(tmp_path / "calls.jsonl"))] == ["c1", "k1", "c2"]


def test_a_line_torn_by_a_kill_is_skipped_and_cut_and_a_broken_one_is_named(tmp_path):
    path = tmp_path / "calls.jsonl"
    write(path, RECORDS[:1], torn='{"agent": "cod')
    assert len(read_calls(path)) == 1
    drop_torn_tail(path)
    assert path.read_text().endswith("\n") and len(path.read_text().splitlines()) == 1
    path.write_text("not json\n")
    with pytest.raises(ValueError, match="calls.jsonl:1: not a JSON line"):
        read_calls(path)
    with pytest.raises(FileNotFoundError, match="no LLM transcript"):
        read_calls(tmp_path / "missing.jsonl")
