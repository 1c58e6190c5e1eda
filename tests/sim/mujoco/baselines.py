"""Train a task's Human and Sparse baselines with the real Trainer (shared by the task tests)."""

from pathlib import Path

from tools.pool import DevicePool
from tools.trainer import make_job


async def human_and_sparse(task: str, out: Path, **ppo) -> tuple[dict, dict]:
    """Train the human reward, then the sparse one, on the same budget and seed."""
    pool = DevicePool("cpu")  # one slot: the two runs do not compete for the cores
    results = []
    for reward in ("human", "sparse"):
        result = await pool.run(make_job(task, reward, out / reward, ppo=ppo))
        assert result["status"] == "trained", result["error"]
        results.append(result)
    print(f"{task}: human {results[0]['fitness_max']:.3f}, sparse {results[1]['fitness_max']:.3f}")
    return results[0], results[1]
