"""The protocol rules of a design's interfaces as a props file for formal (``dv prove
--protocols``): a module bound into the design, its assertions on what the design drives and
its assumptions on what the environment drives, every one of them (formal needs no stimulus,
so the assumptions dv's driver does not honour in simulation are kept too)."""

from __future__ import annotations

from pathlib import Path

from dv.design.model import Design
from dv.protocols.rules import Rule

MODULE_SUFFIX = "_dv_protocol"  # not <top>_dv_props: a committed testbench's props use that


def protocol_props_text(design: Design, rules: list[Rule], header: str = "") -> str:
    """``rules`` as a module ``<top>_dv_protocol`` bound into ``design.top``."""
    from dv.design.spec import SvaProperty
    from dv.gen.harness import props_module
    from dv.protocols import ORIGIN

    props = [SvaProperty(text=f"{r.label}: {r.text}", line=0, label=r.label, kind=r.kind)
             for r in rules]
    text = props_module(design, props, ORIGIN, {r.label: ORIGIN for r in rules})
    text = text.replace(f"module {design.top}_dv_props ", f"module {design.top}{MODULE_SUFFIX} ")
    text = text.replace(f"bind {design.top} {design.top}_dv_props dv_props_i ",
                        f"bind {design.top} {design.top}{MODULE_SUFFIX} dv_protocol_i ")
    return (header + "\n" if header else "") + text


def write_protocol_props(design: Design, path: Path, header: str = "") -> list[Rule]:
    """Write every rule of ``design``'s interfaces (attached, else recognised) to ``path``;
    return them (none: nothing is written)."""
    from dv.files import write_atomic
    from dv.protocols import rules_for

    rules = rules_for(design)
    if rules:
        write_atomic(path, protocol_props_text(design, rules, header))
    return rules
