"""The steering service answers every message at once: errors, acknowledgements, /help, /status, /show,
and @critic questions (a FAKE replayed Critic). The state reader stands in for the checkpointer."""

import asyncio

from graph.steering.commands import HELP
from graph.steering.service import SteeringService
from tests.helpers import run_context

TRAINED = {
    "id": "it0-s1",
    "iteration": 0,
    "sample": 1,
    "status": "trained",
    "fitness": 480.0,
    "train_fitness": 95.0,
    "overstated": False,
    "error": None,
    "code": "def compute_reward(pole_angle):\n    ...",
    "author": "coder",
    "result": {"fitness": [1.0, 2.0], "components": {"upright": [0.5, 0.7]}, "episode_length": [9.0, 10.0]},
}


def service(tmp_path, *messages: str) -> SteeringService:
    ctx = run_context(tmp_path)
    ctx.board.at_iteration({"name": "stage1-Cartpole", "task": "Cartpole", "iterations": 3}, 1)
    ctx.board.progress("it1-s0", {"epoch": 3, "max_epochs": 10, "fitness": 20.5})
    for n, text in enumerate(messages):
        ctx.inbox.post(text, f"test:{n}")
    spec = {"task": "Cartpole", "name": "stage1-Cartpole"}

    async def read_state():
        return {"status": "running"}, {"stage": spec, "candidates": [TRAINED], "best": TRAINED}

    return SteeringService(ctx, read_state)


async def answers(svc: SteeringService) -> dict[int, str]:
    svc.ctx.steering.read()
    await asyncio.gather(*svc.questions)
    return {r.message_id: r.text for r in svc.ctx.inbox.replies()}


async def test_each_message_gets_its_answer(tmp_path):
    svc = service(
        tmp_path,
        "/samples -1",
        "more torque",
        "/help",
        "/status",
        "/show best",
        "/show it9-s9",
        "@critic which is steadier?",
    )
    replies = await answers(svc)
    assert replies[1] == "error: /samples must be >= 1, got -1"
    assert replies[2] == "feedback: applied at the end of iteration 1 of stage1-Cartpole"
    assert replies[3] == HELP
    status = replies[4].splitlines()
    assert status[0] == "stage1-Cartpole: iteration 1 of 3"
    assert status[1].startswith("  training it1-s0: epoch 3/10, fitness 20.5")
    assert status[2] == "best so far: it0-s1, fitness 480 (clean), training fitness 95"
    assert (
        replies[5].startswith("it0-s1 (trained, by the coder): fitness 480 (clean)")
        and "upright:" in replies[5]
    )
    assert replies[6] == "error: no candidate 'it9-s9' in this stage; known: it0-s1"
    assert replies[7] == "it0-s1 is steadier."


async def test_a_message_is_answered_once_even_when_a_resumed_run_reads_it_again(tmp_path):
    svc = service(tmp_path, "@critic which is steadier?", "/status", "/pause")
    await answers(svc)
    svc.ctx.steering.read()  # read again: nothing new
    assert len(svc.ctx.inbox.replies()) == 3
    resumed = service(tmp_path)  # a new process on the same run directory reads the inbox again
    again = await answers(resumed)
    assert again[1] == "it0-s1 is steadier." and len(resumed.ctx.inbox.replies()) == 3
    assert [m.text for m, _ in resumed.ctx.steering.boundary(after=0)] == ["/pause"]


async def test_a_wait_ends_on_the_command_that_ends_it_read_before_or_after_the_wait(tmp_path):
    svc = service(tmp_path, "/pause", "/resume")
    assert await asyncio.wait_for(svc.wait("resume", after=1), 5) == 2
    waiting = asyncio.create_task(svc.wait("feedback", after=2))
    await asyncio.sleep(0)
    assert svc.waiting == "feedback" and not waiting.done()
    svc.ctx.steering.post("/status", "test:status")  # a question does not end the wait
    svc.ctx.steering.post("more torque", "test:feedback")
    assert await asyncio.wait_for(waiting, 5) == 4
    replies = {r.message_id: r.text for r in svc.ctx.inbox.replies()}
    assert replies[4] == "feedback: applied now (the run is waiting)"
