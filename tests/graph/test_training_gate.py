import asyncio

from graph.training_gate import TrainingGate


async def test_gate_holds_training_until_writing_is_done():
    gate = TrainingGate(overlap=False)
    gate.begin_writing()
    gate.begin_writing()
    waiter = asyncio.create_task(gate.wait_to_train())
    await gate.end_writing()
    await asyncio.sleep(0.01)
    assert not waiter.done()
    await gate.end_writing()
    await asyncio.wait_for(waiter, 1)
    overlapping = TrainingGate(overlap=True)
    overlapping.begin_writing()
    await asyncio.wait_for(overlapping.wait_to_train(), 1)
