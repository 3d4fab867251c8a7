"""LLM-generator harness benchmark on scripted sessions (no provider is reached).

The model is a stub OpenAI-compatible server on 127.0.0.1 answering from tests/data/llm, so
the figures are dv's own: the litellm path, prompting, validation, repair turns, and the
closure loop around them.

1. FIFO closure (real Verilator): rounds to closure, repair turns, prompt tokens per round
   against the budget, dv's overhead per round excluding model latency (target < 2 s/round).
2. Prompt budget on a synthetic design with 10 000+ toggle holes (and a wider one): prompt
   tokens (must stay <= the budget), groups shown, time to build and validate the round.
3. Repair turns for each kind of bad answer.

4. Sandbox overhead per simulation: the same FIFO test on the same build, run alternately with
   and without the OS sandbox (bubblewrap) in this process; target under 5% of the wall time.

    python bench/llm_harness.py [--no-sim] [--budget 16000] [--keep DIR]
    python bench/llm_harness.py --sandbox-only [--sandbox-repeats 10]

It also records and checks the committed example run (coverage/fifo_llm_example): the scripted
"wrong model, then repair" session, run exactly as ``dv generate --model openai/stub`` would
(CLI defaults), with its response cache, transcripts and closure record copied out; the check
replays it offline from that cache and compares the results.

    python bench/llm_harness.py --record-example coverage/fifo_llm_example
    python bench/llm_harness.py --check-example coverage/fifo_llm_example
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"

from dv.design.frontend import load_design  # noqa: E402
from dv.design.spec import parse_spec  # noqa: E402
from dv.gen.base import RoundContext  # noqa: E402
from dv.gen.llm import LlmGenerator  # noqa: E402
from dv.gen.llm_stub import Reply, ScriptedServer, synthetic_design  # noqa: E402

DATA = ROOT / "tests" / "data" / "llm"
FIFO = ROOT / "rtl_examples" / "fifo" / "fifo.sv"
FIFO_SPEC = ROOT / "rtl_examples" / "fifo" / "fifo.md"


def answer(name: str, **changes: object) -> str:
    data = json.loads((DATA / name).read_text())
    sb = data.pop("scoreboard_file", None)
    if sb:
        data["scoreboard"] = (DATA / sb).read_text()
    data.update(changes)
    return json.dumps(data)


def generator(srv: ScriptedServer, out: Path, budget: int) -> LlmGenerator:
    return LlmGenerator("openai/stub", api_base=srv.api_base, run_dir=out, root=ROOT,
                        num_retries=0, timeout=30, max_prompt_tokens=budget)


def fifo_closure(out: Path, budget: int) -> None:
    from dv.loop import ClosureOptions, run_closure

    design = load_design([FIFO.relative_to(ROOT)], root=ROOT)
    spec = parse_spec(FIFO_SPEC.relative_to(ROOT))
    sessions = {
        "good answer": [Reply(answer("fifo_r0.json")), Reply(answer("fifo_r1.json"))],
        "wrong model, then repair": [Reply(answer("fifo_r0_wrong.json")),
                                     Reply(answer("fifo_r1_hallucinated.json")),
                                     Reply(answer("fifo_r1.json"))],
    }
    print("## FIFO closure with a scripted model (real Verilator)\n")
    print("| session | round | generator | turns | repairs | prompt tokens / budget | "
          "dv overhead s | model s | sim s | new points | failed tests |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name, script in sessions.items():
        run_out = out / name.replace(" ", "_").replace(",", "")
        with ScriptedServer(script) as srv:
            gen = generator(srv, run_out, budget)
            t0 = time.monotonic()
            run = run_closure(design, spec, gen, ClosureOptions(rounds=4, out=run_out,
                                                                root=ROOT, seed=1))
            wall = time.monotonic() - t0
        for rec, log in zip(run.rounds, gen.rounds, strict=False):
            failed = sum(1 for t in rec.tests if t["status"] != "passed")
            tokens = ", ".join(str(t) for t in log.to_json()["prompt_tokens_counted"]) or "-"
            print(f"| {name} | {rec.index} | {log.generator} | {len(log.calls)} | "
                  f"{log.repairs} | {tokens} / {gen.max_prompt_tokens} | "
                  f"{log.overhead:.2f} | {log.latency:.2f} | "
                  f"{rec.seconds.get('simulation', 0):.1f} | {rec.new_points} | {failed} |")
        summ = run.coverage.summary(run.waivers)
        figs = ", ".join(f"{k} {summ[k].percent:.1f}%" for k in ("line", "branch", "toggle"))
        closed = len(run.rounds) if run.goal_met() else "not closed"
        print(f"\n{name}: rounds to closure {closed} ({run.stop_reason}); {figs}; build "
              f"{run.seconds['build']:.1f} s, wall {wall:.1f} s\n")


def synthetic_prompts(out: Path, budgets: list[int]) -> None:
    print("## Prompt budget on synthetic designs (open toggle holes)\n")
    print("| design | open holes | budget | prompt tokens | groups shown | next_round s "
          "(dv only) |")
    print("|---|---|---|---|---|---|")
    reply = json.dumps({"plans": [{"name": "a5", "purpose": "go with din == 0xA5", "segments": [
        {"cycles": 50, "bias": {"go": 0.9}, "values": {"din": [165]}, "hold": 0.9}]}],
        "scoreboard": None, "assertions": [], "cover_points": []})
    for n, width in ((5000, 1), (1000, 32)):
        design, holes = synthetic_design(n, width)
        for budget in budgets:
            with ScriptedServer([Reply(reply)]) as srv:
                gen = generator(srv, out / f"synth-{n}x{width}-{budget}", budget)
                ctx = RoundContext(round=1, holes=holes, failures=[], previous_tests=[], seed=1)
                gen.next_round(design, None, ctx)
            log = gen.rounds[-1]
            shown = log.prompts[0]["sections"].get(
                "Coverage holes, grouped by source line (most actionable first)", {})
            tokens = log.prompts[0]["tokens"]
            assert tokens <= budget, f"prompt of {tokens} tokens over the budget {budget}"
            print(f"| {n} regs x {width} bit | {len(holes)} | {budget} | {tokens} | "
                  f"{shown.get('shown')} of {shown.get('total')} | {log.overhead:.2f} |")
    print()


def repair_turns(out: Path, budget: int) -> None:
    design = load_design([FIFO.relative_to(ROOT)], root=ROOT)
    spec = parse_spec(FIFO_SPEC.relative_to(ROOT))
    good = answer("fifo_r0.json")
    sb = (DATA / "fifo_scoreboard_good.py").read_text()
    cases = {
        "syntax error": answer("fifo_r0.json", scoreboard=sb.replace("!= n:", "!= n")),
        "hallucinated signal": answer("fifo_r0.json",
                                      scoreboard=sb.replace('out["full"]', 'out["is_full"]')),
        "cocotb 1.x API": answer("fifo_r0.json", scoreboard=sb + "\nx = cocotb.fork(1)\n"),
        "forbidden import": answer("fifo_r0.json", scoreboard="import os\n" + sb),
        "cut off": good[: len(good) // 2],
        "empty": "",
    }
    print("## Repair turns per kind of bad answer (FIFO, baseline round)\n")
    print("| bad answer | turns | accepted at turn | dv overhead s |")
    print("|---|---|---|---|")
    for name, bad in cases.items():
        with ScriptedServer([Reply(bad), Reply(good)]) as srv:
            gen = generator(srv, out / f"repair-{name.replace(' ', '_')}", budget)
            gen.baseline(design, spec, seed=1)
        log = gen.rounds[-1]
        print(f"| {name} | {len(log.calls)} | {log.accepted_turn} | {log.overhead:.2f} |")
    print()


def sandbox_overhead(out: Path, repeats: int) -> None:
    """Wall time of one simulation (process start to results) sandboxed vs not. (CPU time is
    not compared: bwrap does not pass its sandbox's resource usage up to its parent.)"""
    import statistics

    from dv.gen import harness
    from dv.gen.builtin import BuiltinGenerator
    from dv.loop import ClosureOptions, run_closure
    from dv.sim.run import TestJob, run_one
    from dv.sim.sandbox import sandbox_available

    print("## Sandbox overhead per simulation (FIFO, same build, same test)\n")
    ok, why = sandbox_available()
    if not ok:
        print(f"skipped: {why}\n")
        return
    design = load_design([FIFO.relative_to(ROOT)], root=ROOT)
    run_out = out / "sandbox-overhead"
    run = run_closure(design, None, BuiltinGenerator(), ClosureOptions(
        rounds=1, out=run_out, root=ROOT, formal=False, seed=1))
    assert run.build is not None
    module = harness.round_module_name(design.top, 0)
    longest = max(run.rounds[0].tests, key=lambda t: t["test_seconds"])
    name = longest["name"]
    times: dict[bool, list[float]] = {False: [], True: []}
    sim: dict[bool, list[float]] = {False: [], True: []}
    for i in range(repeats):
        for sandboxed in ((False, True) if i % 2 == 0 else (True, False)):
            job = TestJob(name=f"{name}-{'sb' if sandboxed else 'plain'}-{i}", module=module,
                          testcase=name, seed=1, python_path=(str(run.tb_dir.resolve()),),
                          sandbox=sandboxed)
            res = run_one(run.build, job, run_out / "overhead" / job.name)
            if res.status != "passed":
                raise SystemExit(f"{job.name}: {res.status}: {res.message}")
            times[sandboxed].append(res.seconds)
            sim[sandboxed].append(sum(t.seconds for t in res.tests))
    print("| test | runs each | statistic | wall s, plain | wall s, sandboxed | overhead s | "
          "overhead % of wall | in-test s (plain / sandboxed) |")
    print("|---|---|---|---|---|---|---|---|")
    ratio = 0.0
    for stat in ("median", "min"):  # min: least disturbed by other load on the machine
        f = statistics.median if stat == "median" else min
        plain, boxed = f(times[False]), f(times[True])
        ratio = ratio or boxed / plain
        print(f"| {name} ({longest['cycles']} cycles) | {repeats} | {stat} | {plain:.3f} | "
              f"{boxed:.3f} | {boxed - plain:+.3f} | {100 * (boxed - plain) / plain:+.1f}% | "
              f"{f(sim[False]):.3f} / {f(sim[True]):.3f} |")
    print(f"\nsandbox/plain wall-time ratio (medians): {ratio:.3f} ({why})\n")


EXAMPLE_MODEL = "openai/stub"


def _example_run(out: Path, cache: Path, api_base: str | None, replay: bool):
    """The example session with the CLI's defaults (what ``dv generate`` passes)."""
    from dv.gen.base import get_generator
    from dv.gen.llm import DEFAULT_MAX_PROMPT_TOKENS, DEFAULT_MAX_REPAIRS, generator_options
    from dv.loop import ClosureOptions, run_closure

    design = load_design([FIFO.relative_to(ROOT)], root=ROOT)
    spec = parse_spec(FIFO_SPEC.relative_to(ROOT))
    gen = get_generator(EXAMPLE_MODEL, **generator_options(
        api_base=api_base, max_prompt_tokens=DEFAULT_MAX_PROMPT_TOKENS,
        max_repairs=DEFAULT_MAX_REPAIRS, replay=replay, llm_cache=str(cache),
        llm_timeout=120.0, llm_retries=2, out=out, root=ROOT))
    return run_closure(design, spec, gen, ClosureOptions(out=out, root=ROOT, seed=1))


def _outcome(closure: dict) -> dict:
    """What must be equal between a recorded run and its replay (no timings)."""
    return {
        "summary": closure["summary"], "stop_reason": closure["stop_reason"],
        "rounds": [{"tests": [(t["name"], t["status"], t["message"]) for t in r["tests"]],
                    "new_points": r["new_points"],
                    "notes": [n for n in r["notes"] if not n.startswith("llm ")]}
                   for r in closure["rounds"]]}


def record_example(dest: Path) -> None:
    import shutil

    out = ROOT / "build" / "fifo_llm_example"
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(dest, ignore_errors=True)
    cache = dest / "llm-cache"
    script = [Reply(answer("fifo_r0_wrong.json")), Reply(answer("fifo_r1_hallucinated.json")),
              Reply(answer("fifo_r1.json"))]
    with ScriptedServer(script) as srv:
        run = _example_run(out, cache, srv.api_base, replay=False)
    shutil.copytree(out / "build" / "llm" / "fifo", dest / "transcripts")
    for name in ("closure.json", "summary.md"):
        shutil.copy(out / "coverage" / "fifo" / name, dest / name)
    (dest / "README.md").write_text(EXAMPLE_README)
    print(f"recorded {len(run.rounds)} round(s) into {dest}: {run.stop_reason}")


EXAMPLE_README = """# A scripted LLM closure run on the FIFO (replayable offline)

Recorded by `python bench/llm_harness.py --record-example coverage/fifo_llm_example`: a stub
OpenAI-compatible server on 127.0.0.1 played the model `openai/stub` with the answers in
`tests/data/llm/`, through litellm, in a normal closure run with `dv generate`'s defaults.

- Round 0: the model's reference model is wrong (it expects the newest entry on `rd_data`);
  the test `r0_writes_only` fails with "scoreboard mismatch (design bug or wrong reference
  model)" and stays failed in the record.
- Round 1: the first answer names a signal the FIFO does not have (`almost_full`) and goes back
  as a repair request; the repaired answer judges the failure `model_wrong`, fixes `rd_data`,
  but drops the underflow check, which is recorded as `WEAKENED` in the round's notes. The
  round's tests pass and the coverage goal is reached.

Files: `llm-cache/` (responses by request hash), `transcripts/` (every request and response,
`usage.json`, the scoreboard diff), `closure.json` and `summary.md` of the recorded run.

Replay offline (no server, no key; a response that is not recorded is an error):

    dv generate --rtl rtl_examples/fifo/fifo.sv --spec rtl_examples/fifo/fifo.md \\
        --model openai/stub --replay --llm-cache coverage/fifo_llm_example/llm-cache \\
        --out build/fifo_llm_replay

or `python bench/llm_harness.py --check-example coverage/fifo_llm_example`, which replays it
and compares tests, messages, notes and coverage with the recorded `closure.json`.
"""


def check_example(src: Path) -> int:
    import shutil

    out = ROOT / "build" / "fifo_llm_replay"
    shutil.rmtree(out, ignore_errors=True)
    _example_run(out, src / "llm-cache", None, replay=True)
    got = _outcome(json.loads((out / "coverage" / "fifo" / "closure.json").read_text()))
    want = _outcome(json.loads((src / "closure.json").read_text()))
    if got != want:
        print("the replay differs from the recorded run:")
        print(json.dumps({"recorded": want, "replayed": got}, indent=1)[:4000])
        return 1
    print(f"replay of {src} matches the recorded run ({len(want['rounds'])} rounds)")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-sim", action="store_true", help="skip the FIFO closure runs")
    ap.add_argument("--budget", type=int, default=16000, help="max prompt tokens (FIFO)")
    ap.add_argument("--keep", default=None, help="directory for outputs (default: a temp dir)")
    ap.add_argument("--record-example", default=None, metavar="DIR",
                    help="record the scripted example run into DIR and stop")
    ap.add_argument("--check-example", default=None, metavar="DIR",
                    help="replay the example in DIR offline, compare, and stop")
    ap.add_argument("--sandbox-repeats", type=int, default=10,
                    help="runs of the FIFO test each way for the sandbox overhead")
    ap.add_argument("--sandbox-only", action="store_true",
                    help="measure only the sandbox overhead")
    args = ap.parse_args()
    os.chdir(ROOT)
    if args.record_example:
        record_example(Path(args.record_example).resolve())
        return 0
    if args.check_example:
        return check_example(Path(args.check_example).resolve())
    out = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="dv-llm-bench-"))
    os.chdir(ROOT)
    if args.sandbox_only:
        sandbox_overhead(out, args.sandbox_repeats)
        return 0
    t0 = time.monotonic()
    from dv.gen.llm_client import litellm_module

    litellm_module()
    print(f"(litellm import: {time.monotonic() - t0:.1f} s, once per process)\n")
    if not args.no_sim:
        fifo_closure(out, args.budget)
    synthetic_prompts(out, [4000, 16000])
    repair_turns(out, args.budget)
    if not args.no_sim:
        sandbox_overhead(out, args.sandbox_repeats)
    print(f"outputs: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
