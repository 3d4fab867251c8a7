"""``dv.toml``: what a committed testbench needs to rerun without ``dv generate``.

Written next to the generated testbench; read by ``dv rerun`` and by the testbench's own pytest
entry. Paths are relative to ``root`` (itself relative to the manifest's directory), so a
checkout can move.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from dv.errors import InputError

MANIFEST = "dv.toml"


@dataclass
class ManifestTest:
    module: str
    name: str
    seed: int
    status: str = "passed"
    round: int = 0


@dataclass
class Manifest:
    top: str
    rtl: list[str]
    root: str = "../.."
    spec: str | None = None
    parameters: dict[str, str] = field(default_factory=dict)
    defines: dict[str, str] = field(default_factory=dict)
    include_dirs: list[str] = field(default_factory=list)
    props: str | None = None  # the generated properties file, relative to the manifest dir
    model: str = "builtin"
    seed: int = 1
    tests: list[ManifestTest] = field(default_factory=list)
    expected: dict[str, list[int]] = field(default_factory=dict)  # kind -> [hit, total]

    def root_dir(self, manifest_dir: Path) -> Path:
        return (manifest_dir / self.root).resolve()


def _q(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _table(d: dict[str, str]) -> str:
    return "{ " + ", ".join(f"{k} = {_q(str(v))}" for k, v in d.items()) + " }" if d else "{}"


def render(m: Manifest) -> str:
    out = ["[design]", f"top = {_q(m.top)}", f"root = {_q(m.root)}",
           "rtl = [" + ", ".join(_q(r) for r in m.rtl) + "]"]
    if m.spec:
        out.append(f"spec = {_q(m.spec)}")
    if m.props:
        out.append(f"props = {_q(m.props)}")
    out += [f"parameters = {_table(m.parameters)}", f"defines = {_table(m.defines)}",
            "include_dirs = [" + ", ".join(_q(i) for i in m.include_dirs) + "]",
            "", "[run]", f"model = {_q(m.model)}", f"seed = {m.seed}", "", "[expected]"]
    out += [f"{k} = [{v[0]}, {v[1]}]" for k, v in m.expected.items()]
    for t in m.tests:
        out += ["", "[[tests]]", f"module = {_q(t.module)}", f"name = {_q(t.name)}",
                f"seed = {t.seed}", f"round = {t.round}", f"status = {_q(t.status)}"]
    return "\n".join(out) + "\n"


def relpath(path: str | Path, start: Path) -> str:
    return Path(os.path.relpath(Path(path).resolve(), start.resolve())).as_posix()


def load(manifest_dir: Path) -> Manifest:
    path = manifest_dir / MANIFEST
    if not path.is_file():
        raise InputError(f"{manifest_dir} has no {MANIFEST}.",
                         hint="Point at a directory written by 'dv generate' (testbenches/<top>).")
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"cannot read {path}: {exc}.", file=path) from exc
    try:
        d, r = data["design"], data.get("run", {})
        return Manifest(
            top=d["top"], rtl=list(d["rtl"]), root=d.get("root", "../.."), spec=d.get("spec"),
            parameters=dict(d.get("parameters", {})), defines=dict(d.get("defines", {})),
            include_dirs=list(d.get("include_dirs", [])), props=d.get("props"),
            model=r.get("model", "builtin"), seed=int(r.get("seed", 1)),
            tests=[ManifestTest(t["module"], t["name"], int(t["seed"]), t.get("status", "passed"),
                                int(t.get("round", 0))) for t in data.get("tests", [])],
            expected={k: list(v) for k, v in data.get("expected", {}).items()},
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"{path} is missing or has a malformed entry: {exc}.", file=path) from exc
