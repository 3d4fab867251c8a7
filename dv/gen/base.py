"""The generator interface: what fills the semantic slots of a testbench, round by round.

The harness (:mod:`dv.gen.harness`) writes the plumbing from the :class:`~dv.design.model.Design`;
a :class:`Generator` decides what to test: stimulus plans, scoreboard checks, properties.
Generators are picked by name, like cocotb's runners: ``builtin`` is the offline default.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

from dv.design.model import Design
from dv.design.spec import Spec, SvaProperty
from dv.errors import InputError


@dataclass
class TestPlan:
    """One test: a name, a stimulus plan the harness's PlanSequence runs, and why it exists."""

    name: str
    plan: dict
    purpose: str = ""


@dataclass
class Bundle:
    """What one round adds to the testbench."""

    round: int
    tests: list[TestPlan] = field(default_factory=list)
    properties: list[SvaProperty] = field(default_factory=list)  # simulated as assertions
    scoreboard: str | None = None  # python source defining SCOREBOARD(txn, prev), or None
    notes: list[str] = field(default_factory=list)


@dataclass
class RoundContext:
    """What the closure loop tells a generator before a new round."""

    round: int
    holes: list  # list[dv.cov.holes.Hole], not waived
    failures: list  # list[dv.sim.run.SimResult] that failed or errored
    previous_tests: list[TestPlan]
    seed: int


class Generator(ABC):
    name: str = "?"

    @abstractmethod
    def baseline(self, design: Design, spec: Spec | None, seed: int) -> Bundle:
        """Round 0: a testbench from the design (and spec) alone."""

    @abstractmethod
    def next_round(self, design: Design, spec: Spec | None, ctx: RoundContext) -> Bundle:
        """A later round, aimed at what the earlier ones missed."""


def get_generator(name: str) -> Generator:
    if name == "builtin":
        from dv.gen.builtin import BuiltinGenerator

        return BuiltinGenerator()
    raise InputError(
        f"model {name!r} is not available: this build of dv has only the offline built-in "
        "generator.", hint="Use --model builtin (the default). LLM generation through litellm "
        "is not implemented yet.",
    )
