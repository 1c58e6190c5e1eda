"""What a steering message says: feedback for the Coder, a question for an agent, or a command.

``parse`` turns one message into a ``Steer``, or raises ``CommandError`` with one line for the
user. Each message goes one of three ways: a bad one gets its error and a ``LIVE`` one its answer
at once (the steering service, graph/steering/service.py); the others change the run and are
applied in order at the next iteration boundary (graph/nodes/boundary.py, from the queue of
graph/steering/reader.py), and some of those end a wait (``WAITS``: /resume a pause, feedback in
human-feedback mode).
"""

from __future__ import annotations

from dataclasses import dataclass

from agents.code_extraction import NoCodeError, extract_code

AGENTS = ("coder", "critic", "curriculum")
FEEDBACK_MODES = ("replace", "join")
#: Answered by the run as soon as they arrive; everything else waits for the iteration boundary.
LIVE = frozenset({"status", "show", "critic", "help"})
#: What a wait ends on: /resume (or /stop) for a pause, feedback (or /stop) in human-feedback mode.
WAITS = {"resume": ("resume", "stop"), "feedback": ("feedback", "stop")}
EDIT_END = "/end"
HELP = """\
free text               feedback for the Coder's next prompt (/mode decides: replace or join the reflection)
@critic QUESTION        ask the Critic about the run's candidates
@curriculum MESSAGE     guidance for the Curriculum agent's next stage decision
/pause  /resume         pause at the next iteration boundary; continue
/stop                   finish after this iteration: final evaluation of the best so far, summary written
/status                 stage, iteration, trainings in flight, best so far
/samples N              reward programs per iteration, from the next iteration on
/iterations N           iterations of this stage (and the stages after it)
/model AGENT=SPEC       the model of coder, critic or curriculum, e.g. /model coder=openai:gpt-4o
/mode replace|join      whether your feedback replaces or joins the automatic reflection
/show best  /show ID    a candidate's code and statistics (ID like it0-s2)
/edit ... /end          paste a reward program between the two lines: it is validated and trained \
next iteration
/help                   this list"""


class CommandError(ValueError):
    """A message that is not a valid command; the text is the one line the user sees."""


@dataclass(frozen=True)
class Steer:
    kind: str  # "feedback", "critic", "curriculum", or a command name without the slash
    text: str = ""  # the feedback, question, guidance or program; the /show target
    number: int = 0  # /samples, /iterations
    agent: str = ""  # /model
    spec: str = ""  # /model, /mode

    @property
    def live(self) -> bool:
        return self.kind in LIVE


def positive_int(name: str, value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise CommandError(f"/{name} needs a whole number, got {value!r}") from None
    if number < 1:
        raise CommandError(f"/{name} must be >= 1, got {number}")
    return number


def parse(message: str) -> Steer:
    """The Steer a message asks for (see HELP); raises CommandError."""
    text = message.strip()
    if not text:
        raise CommandError("empty message")
    head, _, rest = text.partition("\n") if text.startswith("/edit") else text.partition(" ")
    rest = rest.strip()
    if head in ("@critic", "@curriculum"):
        if not rest:
            raise CommandError(f"{head} needs a message, e.g. {head} why did it1-s2 fail?")
        return Steer(head[1:], rest)
    if head.startswith("@"):
        raise CommandError(
            f"unknown agent {head}: talk to @critic or @curriculum (free text goes to the Coder)"
        )
    if not head.startswith("/"):
        return Steer("feedback", text)
    name = head[1:]
    if name in ("pause", "resume", "stop", "status", "help"):
        if rest:
            raise CommandError(f"/{name} takes no argument")
        return Steer(name)
    if name in ("samples", "iterations"):
        return Steer(name, number=positive_int(name, rest))
    if name == "mode":
        if rest not in FEEDBACK_MODES:
            raise CommandError(f"/mode must be replace or join, got {rest!r}")
        return Steer("mode", spec=rest)
    if name == "model":
        agent, _, spec = rest.partition("=")
        if agent.strip() not in AGENTS or not spec.strip():
            raise CommandError(f"/model needs AGENT=SPEC with AGENT one of {', '.join(AGENTS)}, got {rest!r}")
        return Steer("model", agent=agent.strip(), spec=spec.strip())
    if name == "show":
        if not rest or " " in rest:
            raise CommandError("/show needs best or a candidate id, e.g. /show it0-s2")
        return Steer("show", rest)
    if name == "edit":
        body = rest.removesuffix(EDIT_END).strip()
        try:
            code = extract_code(body)
        except NoCodeError:
            code = ""
        if "def compute_reward" not in code:
            raise CommandError("/edit needs a reward program (a def compute_reward) on the lines before /end")
        return Steer("edit", code)
    raise CommandError(f"unknown command {head}; /help lists the commands")
