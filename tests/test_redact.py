"""Secrets never leave: dv.redact on prompts and on every file dv writes (hypothesis).

Secrets are planted in the environment under credential-like names — key-shaped strings and
strings of no shape at all (found only by their environment value) — and then in failing-test
messages, log excerpts and model output. They must not appear, raw or hex- or base64-encoded
(at any of the three byte alignments), in the prompt the provider receives or in any file
dv writes.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dv import redact as R
from dv.files import write_atomic, write_generated

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.filterwarnings("ignore:.*`ReadOnly` qualifier:UserWarning")

ALNUM = string.ascii_letters + string.digits
# a secret "of no shape": printable, no whitespace, matching none of the token patterns
SHAPELESS = string.ascii_letters + string.digits + "!#$%&()*+,-./:;<=>?@[]^_{|}~'\"\\"

key_shaped = st.one_of(
    st.text(ALNUM, min_size=20, max_size=48).map(lambda s: "sk-" + s),
    st.text(ALNUM, min_size=20, max_size=40).map(lambda s: "sk-ant-api03-" + s),
    st.text(ALNUM, min_size=36, max_size=36).map(lambda s: "ghp_" + s),
    st.text(string.ascii_uppercase + string.digits, min_size=16, max_size=16).map(
        lambda s: "AKIA" + s),
    st.text(ALNUM, min_size=12, max_size=30).map(lambda s: "xoxb-" + s),
    st.tuples(*[st.text(ALNUM + "_-", min_size=10, max_size=30)] * 3).map(
        lambda t: f"eyJ{t[0]}.eyJ{t[1]}.{t[2]}"),
)
shapeless = st.text(SHAPELESS, min_size=R.MIN_SECRET_LEN, max_size=40).filter(
    lambda s: s.strip() == s and len(s.strip()) >= R.MIN_SECRET_LEN
    and R.redact_text(s, secrets=()) == s)  # no token pattern finds it: only the env value
secret_values = st.one_of(key_shaped, shapeless)
var_names = st.sampled_from(["OPENAI_API_KEY", "ANTHROPIC_API_KEY", "MY_SERVICE_TOKEN",
                             "DB_PASSWORD", "GITHUB_TOKEN", "AWS_SECRET_ACCESS_KEY",
                             "SOME_CLIENT_SECRET", "HF_TOKEN", "internal_auth_blob"])


@contextlib.contextmanager
def planted(env: dict[str, str]):
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def b64_cores(secret: str) -> list[str]:
    """The base64 text that any encoding of a stream containing ``secret`` must contain: for
    each of the 3 alignments, the full groups of the secret's bytes."""
    raw = secret.encode()
    out = []
    for shift in range(3):
        part = raw[shift:]
        n = len(part) // 3 * 3
        if n >= 6:
            out.append(base64.b64encode(part[:n]).decode())
    return out


def leaks(secret: str, text: str) -> list[str]:
    """Forms of ``secret`` found in ``text``."""
    forms = {"raw": secret, "hex": secret.encode().hex(),
             "HEX": secret.encode().hex().upper()}
    for i, core in enumerate(b64_cores(secret)):
        forms[f"base64@{i}"] = core
    return [k for k, f in forms.items() if f in text]


def encoded_variants(secret: str, pad: str) -> list[str]:
    raw = secret.encode()
    return [secret, raw.hex(), raw.hex().upper(),
            *[base64.b64encode(pad.encode()[:k] + raw + b"tail").decode() for k in range(3)],
            base64.urlsafe_b64encode(raw).decode(), json.dumps({"k": secret})]


# -- the function -------------------------------------------------------------------------------

@settings(max_examples=150, deadline=None)
@given(secret=secret_values, name=var_names, pad=st.text(ALNUM, min_size=2, max_size=2),
       before=st.text(max_size=30), after=st.text(max_size=30))
def test_redact_removes_planted_secrets_in_every_encoding(secret, name, pad, before, after):
    with planted({name: secret}):
        for variant in encoded_variants(secret, pad):
            out = R.redact(f"{before}{variant}{after}")
            assert not leaks(secret, out), (variant, out)
            assert R.REDACTED in out


@settings(max_examples=100, deadline=None)
@given(secret=key_shaped, before=st.sampled_from(["", "key ", "x=", "(", "\n"]))
def test_token_shapes_are_redacted_without_the_environment(secret, before):
    out = R.redact_text(f"{before}{secret} trailing", secrets=())
    assert secret not in out and R.REDACTED in out


def test_a_shapeless_key_is_found_only_by_its_environment_value():
    key = "correct-horse-battery-staple-42"  # matches no token pattern
    text = f"the scoreboard says: {key}"
    assert R.redact_text(text, secrets=()) == text  # no shape detector finds it...
    with planted({"MY_SERVICE_TOKEN": key}):
        assert key not in R.redact(text)  # ...the environment value does


def test_short_values_and_non_secret_names_are_left_alone():
    with planted({"AUTH_MODE": "on", "SSH_AUTH_SOCK": "/tmp/ssh-agent.sock",
                  "PLAIN_SETTING": "hello-world-value"}):
        text = "on /tmp/ssh-agent.sock hello-world-value"
        assert R.redact(text) == text


def test_structures_and_secret_fields():
    with planted({"X_API_KEY": "abcdefgh12345678"}):
        got = R.redact({"api_key": "whatever", "msg": ["abcdefgh12345678", 3],
                        "abcdefgh12345678": ("ok",)})
    assert got == {"api_key": "[redacted]", "msg": ["[redacted]", 3], "[redacted]": ["ok"]}


def test_llm_client_reexports_the_one_function():
    from dv.gen import llm_client

    assert llm_client.redact is R.redact


# -- files dv writes ----------------------------------------------------------------------------

@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(secret=secret_values, name=var_names, pad=st.text(ALNUM, min_size=2, max_size=2))
def test_files_dv_writes_never_hold_a_secret(tmp_path, secret, name, pad):
    with planted({name: secret}):
        text = "\n".join(f"- failing test message: {v}" for v in encoded_variants(secret, pad))
        write_atomic(tmp_path / "summary.md", text)
        write_atomic(tmp_path / "closure.json", json.dumps({"message": text}))
        write_generated(tmp_path / "tb_top_r0.py", "# Generated by dv. dv-hash: {hash}",
                        f"# {text}\n")
        for f in ("summary.md", "closure.json", "tb_top_r0.py"):
            assert not leaks(secret, (tmp_path / f).read_text()), f
    # what write_generated recorded matches what it wrote: not mistaken for a user edit
    from dv.files import user_edited

    assert not user_edited(tmp_path / "tb_top_r0.py")


# -- prompts and the LLM generator's files, end to end -----------------------------------------

@pytest.fixture(scope="module")
def fifo():
    from dv.design.frontend import load_design
    from dv.design.spec import parse_spec

    return (load_design([str(ROOT / "rtl_examples/fifo/fifo.sv")], root=ROOT),
            parse_spec(ROOT / "rtl_examples/fifo/fifo.md"))


def _answer(notes: str, purpose: str) -> str:
    data = json.loads((ROOT / "tests/data/llm/fifo_r0.json").read_text())
    data["scoreboard"] = (ROOT / "tests/data/llm" / data.pop("scoreboard_file")).read_text()
    data["notes"] = notes
    data["plans"][0]["purpose"] = purpose
    return json.dumps(data)


@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(secret=secret_values, name=var_names, pad=st.text(ALNUM, min_size=2, max_size=2))
def test_secrets_never_reach_the_prompt_or_the_generators_files(fifo, tmp_path_factory,
                                                                 secret, name, pad):
    from dv.cov.holes import Hole
    from dv.cov.model import CoverPoint
    from dv.gen import harness
    from dv.gen.base import RoundContext
    from dv.gen.llm import LlmGenerator
    from dv.gen.llm_stub import Reply, ScriptedServer

    design, spec = fifo
    out = tmp_path_factory.mktemp("run")
    variants = encoded_variants(secret, pad)
    log = out / "sim.log"
    log.write_text("\n".join(f"ERROR log line {v}" for v in variants))
    failure = {"name": "r0_fill_drain", "seed": 1, "status": "failed",
               "message": "scoreboard mismatch: " + " ".join(variants), "log": str(log)}
    model_says = " ".join(v.replace("\n", " ") for v in variants)
    r0 = _answer(notes=f"notes {model_says}", purpose=f"purpose {secret}")
    with planted({name: secret}), ScriptedServer([Reply(r0), Reply(r0)]) as srv:
        gen = LlmGenerator("openai/stub", api_base=srv.api_base, run_dir=out, root=ROOT,
                           num_retries=0, timeout=10.0)
        b0 = gen.baseline(design, spec, seed=1)
        hole = Hole(CoverPoint("branch", "fifo.sv", 40, 8, "if", "fifo"), "x", (), ())
        ctx = RoundContext(round=1, holes=[hole], failures=[failure],
                           previous_tests=b0.tests, seed=1)
        b1 = gen.next_round(design, spec, ctx)
        # the generated round module, written the way the loop writes it
        for b in (b0, b1):
            write_generated(out / f"tb_fifo_r{b.round}.py",
                            harness.header("#", "tests", design, b.generator),
                            harness.round_module(design, b))
    sent = json.dumps(srv.requests) + json.dumps(srv.headers)
    assert len(srv.requests) == 2
    assert "scoreboard mismatch" in json.dumps(srv.requests[1])  # the failure was sent...
    assert "log line" in json.dumps(srv.requests[1])  # ...with its log excerpt...
    assert not leaks(secret, sent)  # ...without the secret
    written = [f for f in out.rglob("*") if f.is_file() and f != log]
    assert any(f.name.startswith("round-1-turn-0") for f in written)
    for f in written:
        assert not leaks(secret, f.read_text(errors="replace")), f


@settings(max_examples=30, deadline=None)
@given(secret=key_shaped, at=st.integers(0, 20_000))
def test_token_shapes_are_found_in_large_texts_too(secret, at):
    """Large texts take the prefiltered path (a pattern runs only where its literal is)."""
    filler = "lorem ipsum dolor sit amet " * 800
    text = filler[:at] + " Authorization: " + secret + " " + filler[at:]
    out = R.redact_text(text, secrets=())
    assert secret not in out and out.count(R.REDACTED) >= 1


@settings(max_examples=60, deadline=None)
@given(secret=secret_values, name=var_names, pad=st.text(ALNUM, min_size=2, max_size=2),
       width=st.integers(min_value=4, max_value=76), crlf=st.booleans())
def test_line_wrapped_encodings_are_redacted(secret, name, pad, width, crlf):
    """Base64 and hex are often wrapped (MIME at 76 columns, PEM at 64): a key split across
    lines is still a key."""
    brk = "\r\n" if crlf else "\n"
    with planted({name: secret}):
        for variant in encoded_variants(secret, pad)[:6]:  # raw, hex, HEX, base64 x3
            wrapped = brk.join(variant[i:i + width] for i in range(0, len(variant), width))
            out = R.redact(f"data:\n{wrapped}\nend")
            assert not leaks(secret, out.replace("\r", "").replace("\n", "")), (wrapped, out)
            assert R.REDACTED in out


def test_wrapping_tolerance_does_not_blank_unrelated_text():
    with planted({"MY_SERVICE_TOKEN": "correct-horse-battery-staple-42"}):
        text = "correct-horse\nbattery\nstaple is a phrase, not the key\n"
        assert R.redact(text) == text
