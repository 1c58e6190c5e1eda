"""The iteration boundary of a stage: the person's messages are applied here, in the order they came.

After ``reflect``, the ``steer`` node takes the commands after the last one applied from the run's
steering reader (``ctx.steering``, which parsed each message once; the last id is checkpointed with
the state, so a message that came before a kill is applied after ``--resume``). Feedback goes into
the Coder's next prompt (``/mode`` replace or join), settings change for the rest of the run,
``/edit`` programs join the next iteration, ``@curriculum`` guidance waits for the stage decision,
``/stop`` ends the stage with the final evaluation, and ``/pause`` (and, in human-feedback mode,
waiting for the person's feedback) is a LangGraph ``interrupt()``: the steering service waits for
the message that ends it and graph.run resumes the graph. The node runs again from the start then,
and reaches the same point: the commands after its cursor stay queued.

Questions and ``/status``-like commands are answered at once by the steering service
(graph/steering/service.py), never here. A ``/model`` choice is kept in the state's overrides
(graph.run makes it again on ``--resume``): no node writes a config file.
"""

from __future__ import annotations

import structlog
from langgraph.runtime import Runtime
from langgraph.types import interrupt

from agents.llm.chat_models import LLMConfigError
from agents.llm.modes import AgentModeError
from graph.context import RunContext
from graph.nodes.human_feedback import human_notice
from graph.settings import SettingsError
from graph.state import StageState, SteerRecord
from graph.steering.commands import Steer
from graph.steering.inbox import Inbox
from prompts import render

log = structlog.get_logger("steer")
#: A message's text as kept in the state and the summary.
RECORD_CHARS = 2000


def with_feedback(messages: list[dict], texts: list[str], mode: str, profile: str) -> list[dict]:
    """The Coder's next conversation with the person's feedback in its last user turn."""
    feedback = "\n".join(texts)
    last = dict(messages[-1])
    if mode == "replace" and len(messages) > 2:  # there is a program and its reflection to replace
        last["content"] = render(
            "user_feedback_replace",
            profile,
            feedback=feedback,
            code_output_tip=render("code_output_tip", profile),
        )
    else:
        last["content"] = (
            last["content"].rstrip() + "\n" + render("user_feedback_join", profile, feedback=feedback)
        )
    return [*messages[:-1], last]


class Boundary:
    """The changes the messages of one boundary make, gathered in order."""

    def __init__(self, state: StageState, ctx: RunContext):
        self.ctx, self.state = ctx, state
        self.stage = dict(state["stage"])
        self.overrides = dict(state.get("overrides") or {})
        self.notes = list(state.get("curriculum_notes") or [])
        self.edits: list[str] = []
        self.feedback: list[str] = []
        self.stopped = False
        self.paused = False
        self.records: list[SteerRecord] = []

    def mode(self) -> str:
        """/mode if the user set it, else replace in human-feedback mode (Eureka's) and join otherwise."""
        default = "replace" if self.ctx.settings.feedback == "human" else "join"
        return self.overrides.get("feedback_mode", default)

    def next_iteration(self) -> bool:
        return self.state["iteration"] < self.stage["iterations"]

    def apply(self, steer: Steer) -> str:
        """Carry out one message; returns what it did, in a line for the user."""
        it, stage = self.state["iteration"], self.stage["name"]
        if steer.kind == "feedback":
            self.feedback.append(steer.text)
            if not self.next_iteration():
                return "noted, but this stage has no iteration left to use it (/iterations N adds some)"
            return f"feedback for iteration {it} of {stage} (it {self.mode()}s the reflection)"
        if steer.kind == "mode":
            self.overrides["feedback_mode"] = steer.spec
            return f"feedback now {steer.spec}s the reflection"
        if steer.kind in ("samples", "iterations"):
            self.stage[steer.kind] = self.overrides[steer.kind] = steer.number
            ends = (
                " (this stage ends now)" if steer.kind == "iterations" and not self.next_iteration() else ""
            )
            return f"{steer.kind} = {steer.number} for the rest of the run{ends}"
        if steer.kind == "model":
            try:
                self.ctx.switch_model(steer.agent, steer.spec)
            except (LLMConfigError, SettingsError, AgentModeError) as exc:
                return f"error: model unchanged: {exc}"
            self.overrides["models"] = {**self.overrides.get("models", {}), steer.agent: steer.spec}
            return f"the {steer.agent} now uses {steer.spec}"
        if steer.kind == "edit":
            if not self.next_iteration():
                return (
                    "error: this stage has no iteration left to train it; "
                    "/iterations N adds some, then /edit again"
                )
            self.edits.append(steer.text)
            return f"your program is validated and trained in iteration {it} of {stage}"
        if steer.kind == "curriculum":
            self.notes.append(steer.text)
            return f"noted for the Curriculum agent's decision after {stage}"
        if steer.kind == "pause":
            self.paused = True
            return f"paused after iteration {it - 1} of {stage}; /resume continues"
        if steer.kind == "resume":
            was, self.paused = self.paused, False
            return "resumed" if was else "the run is not paused"
        if steer.kind == "stop":
            self.stopped = True
            return "stopping: the best reward so far gets its final evaluation, then the summary is written"
        raise AssertionError(f"not a boundary command: {steer.kind}")


async def steer(state: StageState, runtime: Runtime[RunContext]) -> dict:
    """Apply the commands that came since the last boundary (see the module docstring)."""
    ctx, s = runtime.context, runtime.context.settings
    b = Boundary(state, ctx)
    cursor, inbox, waits = state.get("steer_cursor", 0), ctx.inbox, 0
    ctx.steering.drop_applied(cursor)
    human = s.feedback == "human" and b.next_iteration()
    if human:
        await human_notice(state, ctx)
    done = False
    while not done:
        batch = ctx.steering.boundary(after=cursor)
        for message, command in batch:
            cursor = message.id
            effect = b.apply(command)
            inbox.reply(f"m{message.id}/applied", effect, message.id)
            b.records.append(
                SteerRecord(
                    message=message.id,
                    iteration=state["iteration"] - 1,
                    kind=command.kind,
                    text=command.text[:RECORD_CHARS],
                    effect=effect,
                )
            )
            log.info("steer.applied", message=message.id, kind=command.kind, effect=effect)
            if command.kind == "pause":
                waits += 1
                post_answer(interrupt({"until": "resume", "after": message.id}), inbox, state, waits)
            if b.stopped or (human and command.kind == "feedback"):
                done = True
                break
        if not batch and not done:
            if not (human and not b.feedback and not b.stopped):
                break
            waits += 1
            post_answer(interrupt({"until": "feedback", "after": cursor}), inbox, state, waits)
    return update(state, ctx, b, cursor)


def post_answer(answer: object, inbox: Inbox, state: StageState, wait: int) -> None:
    """What a wait was resumed with. graph.run resumes with the id of a message already in the inbox; a
    LangGraph client (the [server] extra) resumes with the message's text, which is posted here."""
    if isinstance(answer, str):
        inbox.post(answer, f"api:{state['stage']['name']}:it{state['iteration']}:wait{wait}")


def update(state: StageState, ctx: RunContext, b: Boundary, cursor: int) -> dict:
    """The state update of a boundary; the summary is rewritten when a message changed something."""
    messages = state["messages"]
    if b.feedback and b.next_iteration():
        messages = with_feedback(messages, b.feedback, b.mode(), ctx.settings.prompt_profile)
    result = {
        "stage": b.stage,
        "steer_cursor": cursor,
        "overrides": b.overrides,
        "messages": messages,
        "edits": b.edits,
        "stopped": b.stopped,
        "curriculum_notes": b.notes,
        "steering": b.records,
    }
    if b.records:
        running = {**state, **result, "steering": state.get("steering", []) + b.records}
        ctx.write_summary(state["stages"], running, "running")
    return result
