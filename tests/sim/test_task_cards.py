"""Task cards list both name sets of every task, and what still differs from IsaacGymEnvs."""

import pytest

from sim.isaac_names import isaac_names
from sim.registry import task_class, task_names
from sim.task_cards import main, task_card


@pytest.mark.parametrize("task", task_names())
def test_a_card_names_every_input_of_its_task(task):
    card = task_card(task)
    cls = task_class(task)
    assert all(f"| `{name}` |" in card for name in [*cls.state_spec, *isaac_names(cls)])
    assert "Differences from IsaacGymEnvs:" in card


def test_the_cli_prints_the_cards_asked_for_and_refuses_an_unknown_task(capsys):
    main(["Ant"])
    assert capsys.readouterr().out.startswith("## Ant")
    with pytest.raises(SystemExit):
        main(["Nope"])
    assert "unknown task 'Nope'" in capsys.readouterr().err
