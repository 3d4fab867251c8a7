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
    generator: str = ""  # what wrote this test ("builtin", a model string); "" = the run's


@dataclass
class Bundle:
    """What one round adds to the testbench."""

    round: int
    tests: list[TestPlan] = field(default_factory=list)
    properties: list[SvaProperty] = field(default_factory=list)  # simulated as assertions
    scoreboard: str | None = None  # python source defining SCOREBOARD(txn, prev), or None
    notes: list[str] = field(default_factory=list)
    generator: str = ""  # what produced this round: a generator name, or "a+b" when mixed
    weakened: list[str] = field(default_factory=list)  # checks removed or loosened this round
    llm: dict = field(default_factory=dict)  # model usage of the round: turns, tokens, cost, s
    # properties a generator wrote (label -> "openai/gpt-4o, round 1, turn 0"); the others
    # in ``properties`` come from the spec
    property_origins: dict[str, str] = field(default_factory=dict)


@dataclass
class RoundContext:
    """What the closure loop tells a generator before a new round."""

    round: int
    holes: list  # list[dv.cov.holes.Hole], not waived
    failures: list  # list[dv.sim.run.SimResult] that failed or errored
    previous_tests: list[TestPlan]
    seed: int
    new_points: int | None = None  # points the last round hit first (None: not told)
    refuted: list = field(default_factory=list)  # dicts {label, message, trace} (e.g. formal)
    bound_properties: list[str] | None = None  # labels simulated in the last round (None: the
    # round-0 properties only, which is what a loop that binds properties once does)
    strategy: str = ""  # one of the generator's strategies(); "" or unknown: its default
    # mutants the last ``dv qualify`` planted that no test caught, still at the design's
    # current text: dicts of the closure record's ``qualify`` section (file, line, source,
    # description, original, mutant, closest_test); see dv.qualify.feedback
    survivors: list = field(default_factory=list)


class Generator(ABC):
    name: str = "?"

    @abstractmethod
    def baseline(self, design: Design, spec: Spec | None, seed: int) -> Bundle:
        """Round 0: a testbench from the design (and spec) alone."""

    @abstractmethod
    def next_round(self, design: Design, spec: Spec | None, ctx: RoundContext) -> Bundle:
        """A later round, aimed at what the earlier ones missed."""

    def review_round(self, bundle: Bundle, tests: list[dict]) -> list[str]:
        """Called after a round's simulation with its test entries (name, status, seed,
        message, log): notes that judge the outcome (e.g. a failing check is "a design bug or a
        wrong reference model"), to be added to the round's record. Default: nothing."""
        return []

    def strategies(self, design: Design) -> tuple[str, ...]:
        """The generator's ways of aiming a round, first the default. After a round that hits
        no new point the loop switches to one not tried since the last round that did, and
        stops once two different strategies in a row added nothing. Default: one strategy."""
        return ("default",)

    def continue_after_stall(self) -> bool:
        """Whether the loop should run one more round after a round that hit no new point (a
        mixed generator hands that round to another generator). Default: no."""
        return False


def get_generator(name: str = "builtin", **options: object) -> Generator:
    """``builtin`` (the offline default), or any litellm model string (``openai/gpt-4o``,
    ``anthropic/claude-…``, ``ollama/qwen2.5-coder``, ``openai/<name>`` with ``api_base`` for
    an OpenAI-compatible local server), which gives an :class:`~dv.gen.llm.LlmGenerator`.

    ``options`` go to the LLM generator: ``api_base``, ``max_prompt_tokens``, ``max_repairs``,
    ``replay``, ``cache_dir``, ``run_dir`` and the rest of its keyword arguments; the built-in
    generator ignores them.
    """
    if name == "builtin":
        from dv.gen.builtin import BuiltinGenerator

        return BuiltinGenerator()  # model options mean nothing offline: ignored
    if not name or not name.strip():
        raise InputError("--model is empty.", hint="Use --model builtin (the default) or a "
                         "litellm model string such as openai/gpt-4o.")
    from dv.gen.llm import LlmGenerator

    return LlmGenerator(name.strip(), **options)  # type: ignore[arg-type]
