"""Child process that drives cocotb's runner for one build or one test run.

Run as ``python -m dv.sim.worker <job.json>``. Living in its own process (and process group)
lets the parent enforce a wall-clock timeout and kill a hung simulator with everything it
started; one cocotb Runner per process keeps concurrent runs from sharing runner state.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    job = json.loads(Path(argv[0]).read_text())
    if job.get("limits"):  # before anything untrusted runs; inherited by the simulator
        from dv.sim.limits import Limits, apply

        apply(Limits.from_json(job["limits"]))
    from cocotb_tools.runner import get_runner

    runner = get_runner("verilator")
    if job["mode"] == "build":
        runner.build(
            sources=job["sources"],
            hdl_toplevel=job["top"],
            build_dir=job["build_dir"],
            build_args=job["build_args"],
            parameters=job["parameters"],
            defines=job["defines"],
            includes=job["includes"],
            waves=job.get("waves", False),
            always=True,
        )
        return 0
    if job["mode"] == "test":
        for p in reversed(job.get("python_path", [])):
            sys.path.insert(0, p)
        runner.test(
            hdl_toplevel=job["top"],
            hdl_toplevel_lang="verilog",
            test_module=job["modules"],
            test_filter=job.get("test_filter"),
            build_dir=job["build_dir"],
            test_dir=job["test_dir"],
            seed=job["seed"],
            test_args=job["test_args"],
            plusargs=job.get("plusargs", []),
            results_xml=job["results_xml"],
            extra_env=job.get("env", {}),
            waves=job.get("waves", False),
        )
        return 0
    print(f"unknown job mode {job['mode']!r}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
