"""The design front end: RTL and spec in, typed :class:`Design` and :class:`Spec` out.

``load_design`` (pyslang) is imported on first use, so importing the model or the spec parser
stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dv.design.interfaces import (
    Handshake,
    Interface,
    attach_interfaces,
    interfaces_of,
    parse_choices,
    recognise,
)
from dv.design.model import (
    Clock,
    Design,
    Fsm,
    FsmState,
    Parameter,
    Port,
    Register,
    Reset,
    Signal,
    SourceMap,
    Statement,
)
from dv.design.paths import relative_path
from dv.design.spec import Section, Spec, SvaProperty, Waiver, parse_spec, parse_spec_text

if TYPE_CHECKING:
    from dv.design.frontend import design_to_json, load_design

__all__ = [
    "Clock", "Design", "Fsm", "FsmState", "Handshake", "Interface", "Parameter", "Port",
    "Register", "Reset", "Section", "attach_interfaces", "interfaces_of", "parse_choices",
    "recognise",
    "Signal", "SourceMap", "Spec", "Statement", "SvaProperty", "Waiver", "design_to_json",
    "load_design", "parse_spec", "parse_spec_text", "relative_path",
]


def __getattr__(name: str) -> Any:
    if name in ("load_design", "design_to_json"):
        from dv.design import frontend

        return getattr(frontend, name)
    raise AttributeError(f"module 'dv.design' has no attribute {name!r}")
