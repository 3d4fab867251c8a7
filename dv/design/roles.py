"""Stimulus roles of input ports: how a testbench should drive each one.

- ``config``: a value a real environment sets once and keeps (a baud-rate prescale, a length,
  a threshold). Found by use: the input is loaded into a register that is then counted
  (``cnt <= prescale`` with ``cnt <= cnt - 1`` elsewhere), it is compared against a counting
  register (``cnt == limit``, ``cnt >= len``), or its name says so (``prescale``, ``divisor``,
  ``cfg_*``, ``threshold``, ``length``...) and it is at least 2 bits wide. Held constant
  through a test and swept across tests.
- ``control``: a 1-bit input named like a handshake or an enable (``valid``, ``en``, ``stb``,
  ``start``, ``req``, ``wr``, ``rd``, ``push``, ``pop``...). Random with skewed biases.
- ``data``: every other input. Random values and corners.

``--hold NAME=VALUE`` fixes an input to one value in every test (role ``config``, held).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from dv.design.model import Design
from dv.errors import InputError

_CONFIG_NAME = re.compile(
    r"(^|_)(prescale|prescaler|presc|div|divisor|divider|baud|clks?_per_bit|cfg|conf|config|"
    r"setting|threshold|thresh|limit|len|length|period|max|min|timeout|mode|size|count_max|"
    r"load_val|reload|top|compare|cmp)(_|$|\d)", re.I)
_CONTROL_NAME = re.compile(
    r"(^|_)(valid|vld|en|ena|enable|ce|stb|strobe|start|go|req|request|wr|we|rd|re|push|pop|"
    r"load|ld|ready|rdy|ack|sel|cs|trig|trigger|shift|clear|clr|flush|cyc|write|read|"
    r"tvalid|tready|tlast|last|sof|eof)(_|$|\d|n$)", re.I)


def name_role(name: str, width: int) -> str | None:
    low = name.lower()
    if width > 1 and _CONFIG_NAME.search(low):
        return "config"
    if width == 1 and _CONTROL_NAME.search(low):
        return "control"
    return None


def apply_holds(design: Design, holds: Mapping[str, str]) -> None:
    """Record ``--hold NAME=VALUE``: each NAME an input the stimulus drives."""
    inputs = {p.name: p for p in design.data_inputs()}
    for name, text in holds.items():
        if name not in inputs:
            raise InputError(
                f"--hold {name}={text}: {name!r} is not an input the stimulus drives; those are: "
                f"{', '.join(inputs) or 'none'}.",
                hint="Name a data input (clocks and resets are driven by the harness).")
        try:
            value = int(text.replace("_", ""), 0)
        except ValueError:
            raise InputError(f"--hold {name}={text}: the value is not an integer.",
                             hint="Write it in decimal or with 0x/0b/0o, e.g. --hold PRESCALE=16."
                             ) from None
        width = inputs[name].width
        if not 0 <= value < (1 << width):
            raise InputError(f"--hold {name}={text}: the value does not fit in {width} bit(s).",
                             hint=f"Use a value from 0 to {(1 << width) - 1}.")
        design.held[name] = value
