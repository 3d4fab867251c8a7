"""Regression: rerun committed testbenches (``dv rerun``) and hold them to baselines
(``dv regress``). A peer of :mod:`dv.loop`, reusing :mod:`dv.sim` (through the executor
interface) and :mod:`dv.cov`.

The names other code may use, by the private module they come from:
"""

from dv.regress._golden import Difference, Trace, TraceError, read_trace, summarize
from dv.regress._golden import compare as compare_trace
from dv.regress._render import junit_xml, summary_markdown
from dv.regress._rerun import RerunOutcome, rerun_testbench
from dv.regress._run import (
    BASELINE,
    DesignOutcome,
    RegressOptions,
    RegressOutcome,
    reproduce_command,
    run_regression,
)

__all__ = [
    "BASELINE", "DesignOutcome", "Difference", "RegressOptions", "RegressOutcome",
    "compare_trace",
    "RerunOutcome", "Trace", "TraceError", "junit_xml", "read_trace", "reproduce_command",
    "rerun_testbench", "run_regression", "summarize", "summary_markdown",
]
