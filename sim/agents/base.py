"""The base of every agent here: a Mesa agent that is a view on the model's arrays."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from sim.agents.views import AgentViews
    from sim.model import CommunityModel

STEP_MESSAGE = (
    "{kind} agents are views on the model's arrays and do not act one by one: each week the mechanisms "
    "(sim/mechanisms, in the order listed in sim/mechanisms/__init__.py) act on all households at once. "
    "Call model.step(); to change what happens, change a scenario or add a mechanism (docs/extending.md)."
)
REMOVE_MESSAGE = (
    "{kind} agents cannot be removed: a run's town is built once, as arrays, and every run of a comparison "
    "starts from the same town. Use a town profile with fewer households, or a scenario, instead."
)


class ArrayView(mesa.Agent):
    """A Mesa agent that reads and writes the model's arrays at ``index``; it does not act on its own.

    Args:
        model: The model.
        index: The entity's index in the model's arrays (in a batch, across all runs).
        views: The agent views of the entity's run.
    """

    model: CommunityModel

    def __init__(self, model: CommunityModel, index: int, views: AgentViews) -> None:
        super().__init__(model)
        self.index = index
        self.views = views

    def step(self) -> None:
        """Agents here do not step: the mechanisms act on all households at once (raises)."""
        raise TypeError(STEP_MESSAGE.format(kind=type(self).__name__))

    def remove(self) -> None:
        """The town is fixed for a run (raises)."""
        raise TypeError(REMOVE_MESSAGE.format(kind=type(self).__name__))
