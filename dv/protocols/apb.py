"""APB (AMBA APB, chapter 3): a transfer is a SETUP cycle (PSEL, !PENABLE) followed by an ACCESS
cycle (PSEL, PENABLE) that lasts until PREADY; PENABLE is only high with PSEL; address, write
and write data hold from SETUP to the end of ACCESS. dv does not drive APB legally yet, so on a
completer these assumptions are for formal only."""

from __future__ import annotations

from dv.design.interfaces import Interface
from dv.protocols.rules import Rule, _ident, kind_for, statement


def rules(itf: Interface) -> list[Rule]:
    sel, en, ready = itf.port("psel"), itf.port("penable"), itf.port("pready")
    if sel is None or en is None or itf.clock is None:
        return []
    driver = "design" if itf.direction == "source" else "env"
    kind, sim = kind_for(driver), driver == "design"
    base = f"proto_{_ident(itf.name)}"
    wait = f"{sel} && {en} && !{ready}" if ready else None
    out = [
        Rule(f"{base}_setup_then_access", kind,
             statement(itf, kind, f"{sel} && !{en} |=> {sel} && {en}"),
             "a SETUP cycle is followed by an ACCESS cycle", itf.name, "apb", sim),
        Rule(f"{base}_enable_with_select", kind, statement(itf, kind, f"{en} |-> {sel}"),
             "PENABLE only with PSEL", itf.name, "apb", sim),
    ]
    if wait:
        out.append(Rule(f"{base}_access_held", kind,
                        statement(itf, kind, f"{wait} |=> {sel} && {en}"),
                        "ACCESS lasts until PREADY", itf.name, "apb", sim))
        for role in ("paddr", "pwrite", "pwdata", "pprot", "pstrb"):
            p = itf.port(role)
            if p:
                out.append(Rule(f"{base}_{_ident(p)}_stable", kind,
                                statement(itf, kind, f"{wait} |=> $stable({p})"),
                                f"{p} holds through a waited ACCESS", itf.name, "apb", sim))
    return out
