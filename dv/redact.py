"""The one redaction function on every path out of dv: prompts, files, logs.

:func:`redact` replaces with ``[redacted]``:

- the *value* of every environment variable whose name looks like a credential (``*KEY*``,
  ``*TOKEN*``, ``*SECRET*``, ``*PASSWORD*``, ``*CREDENTIAL*``, ``*AUTH*``, ...) or that a
  provider reads its key from (the list below, for names that do not look like one), whatever
  the value looks like — together with the value's hex (both cases) and base64 (standard and
  URL-safe, at the three byte alignments a value can have inside a longer encoded stream),
  and its JSON-, XML- and URL-escaped forms, so a value that went through a serializer on its
  way out is still caught — also when a line break was put anywhere inside it (wrapped
  base64 or hex);
- strings shaped like common tokens (``sk-...``, ``ghp_...``, ``AKIA...``, ``xox?-...``,
  ``Bearer ...``, JWTs, ``user:password@`` in URLs, ...);
- in mappings, the value under a key named like a credential (``api_key``, ``authorization``).

Values shorter than :data:`MIN_SECRET_LEN` characters are not redacted by value (a variable
``AUTH=1`` would otherwise blank every "1"); token shapes are still redacted.
"""

from __future__ import annotations

import base64
import functools
import html
import json
import os
import re
import urllib.parse
from collections.abc import Iterable, Mapping
from typing import Any

REDACTED = "[redacted]"
MIN_SECRET_LEN = 8
MIN_ENCODED_LEN = 8  # shorter encoded fragments would match by chance

SECRET_ENV_NAME = re.compile(
    r"(KEY|TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|PWD_|_PWD|CREDENTIAL|AUTH|COOKIE|"
    r"SESSION|PRIVATE|SIGNATURE)", re.I)
# provider variables litellm reads a credential from whose names SECRET_ENV_NAME misses
PROVIDER_SECRET_VARS = frozenset({
    "AZURE_AD_TOKEN", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "GOOGLE_APPLICATION_CREDENTIALS", "VERTEXAI_CREDENTIALS", "HF_TOKEN",
    "HUGGINGFACE_API_KEY", "OPENAI_ORGANIZATION", "OR_API_KEY", "OPENROUTER_API_KEY",
    "WATSONX_APIKEY", "WATSONX_TOKEN", "DATABRICKS_TOKEN", "REPLICATE_API_TOKEN",
    "CLOUDFLARE_API_KEY", "AZURE_API_KEY", "AZURE_OPENAI_API_KEY", "GITHUB_TOKEN",
    "GH_TOKEN", "LITELLM_MASTER_KEY", "LANGFUSE_SECRET_KEY", "OLLAMA_API_KEY",
})
# names that match SECRET_ENV_NAME but hold no secret (and whose values are common words)
NOT_SECRET_VARS = frozenset({"SSH_AUTH_SOCK", "KEYTIMEOUT", "XAUTHORITY", "KRB5CCNAME",
                             "SESSION_MANAGER", "DBUS_SESSION_BUS_ADDRESS",
                             "XDG_SESSION_TYPE", "XDG_SESSION_ID", "XDG_SESSION_CLASS",
                             "XDG_SESSION_DESKTOP"})

TOKEN_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"\bsk-[A-Za-z0-9_\-]{12,}"),  # OpenAI, Anthropic (sk-ant-...), DeepSeek, ...
    re.compile(r"\b(?:xai|gsk|hf|pplx|nvapi|r8|fw|glpat|npm|pypi)[_-][A-Za-z0-9_\-]{16,}"),
    re.compile(r"\bgh[pousr]_[A-Za-z0-9]{20,}|\bgithub_pat_[A-Za-z0-9_]{20,}"),
    re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}\b"),  # AWS access key ids
    re.compile(r"\bAIza[0-9A-Za-z_\-]{30,}"),  # Google API keys
    re.compile(r"\bxox[abposr]-[A-Za-z0-9\-]{10,}"),  # Slack
    re.compile(r"\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}"),  # JWT
    re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/\-]{8,}=*"),
    re.compile(r"(?i)\b(?:token|api[_-]?key|secret|password|passwd)\"?\s*[:=]\s*\"?"
               r"[A-Za-z0-9._\-+/]{12,}"),
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]{0,8000}?-----END [A-Z ]*PRIVATE "
               r"KEY-----"),
    re.compile(r"(?<=://)[^/\s:@]{1,256}:[^/\s@]{1,256}(?=@)"),  # user:password@ in URLs
)

# literal text each token pattern needs (lower case where the pattern ignores case): a pattern
# runs over a large file only when one of its needles is there
TOKEN_NEEDLES: tuple[tuple[tuple[str, ...], bool], ...] = (
    (("sk-",), False),
    (("xai", "gsk", "hf", "pplx", "nvapi", "r8", "fw", "glpat", "npm", "pypi"), False),
    (("gh", "github_pat_"), False),
    (("AKIA", "ASIA", "AGPA", "AIDA", "AROA"), False),
    (("AIza",), False),
    (("xox",), False),
    (("eyJ",), False),
    (("bearer",), True),
    (("token", "api", "secret", "passw"), True),
    (("-----BEGIN",), False),
    (("://",), False),
)
SECRET_FIELDS = frozenset({"api_key", "apikey", "x-api-key", "authorization", "password",
                           "secret", "token", "access_token", "client_secret", "api-key"})


def is_secret_name(name: str) -> bool:
    """Does an environment variable of this name hold a credential?"""
    if name in NOT_SECRET_VARS:
        return False
    return name in PROVIDER_SECRET_VARS or bool(SECRET_ENV_NAME.search(name))


def env_secrets(environ: Mapping[str, str] | None = None) -> list[str]:
    """The values of credential-like variables in ``environ`` (default ``os.environ``)."""
    env = os.environ if environ is None else environ
    return sorted({v for k, v in env.items()
                   if is_secret_name(k) and len(v.strip()) >= MIN_SECRET_LEN},
                  key=lambda s: (-len(s), s))


def encodings(secret: str) -> set[str]:
    """Every form of ``secret`` :func:`redact` looks for (the value itself included)."""
    forms = {secret}
    raw = secret.encode("utf-8", "surrogatepass")
    forms.add(raw.hex())
    forms.add(raw.hex().upper())
    for shift in range(3):  # base64: the full groups of each alignment
        part = raw[shift:]
        n = len(part) // 3 * 3
        if not n:
            continue
        enc = base64.b64encode(part[:n]).decode()
        forms.add(enc)
        forms.add(base64.urlsafe_b64encode(part[:n]).decode())
    forms.add(json.dumps(secret)[1:-1])
    forms.add(json.dumps(secret, ensure_ascii=False)[1:-1])
    forms.add(html.escape(secret, quote=True))
    forms.add(html.escape(secret, quote=False))
    forms.add(urllib.parse.quote(secret, safe=""))
    forms.add(urllib.parse.quote_plus(secret))
    forms.add(repr(secret)[1:-1])
    return {f for f in forms if len(f) >= MIN_ENCODED_LEN}


@functools.lru_cache(maxsize=32)
def _pattern(secrets: tuple[str, ...]) -> re.Pattern[str] | None:
    forms: set[str] = set()
    for s in secrets:
        forms |= encodings(s)
    if not forms:
        return None
    # longest first: a form that contains another is replaced whole. Encoded text is often
    # wrapped (MIME and PEM base64 at 64 or 76 columns, hex dumps): a line break may fall
    # between any two characters of a form, and the form is still found across it
    return re.compile("|".join(_WRAP.join(re.escape(c) for c in f)
                               for f in sorted(forms, key=lambda f: (-len(f), f))))


_WRAP = r"(?:\r?\n)?"


def redact_text(text: str, secrets: Iterable[str] | None = None) -> str:
    """``text`` with every known secret (and its encodings) and every token shape replaced."""
    values = tuple(env_secrets() if secrets is None else
                   sorted({s for s in secrets if len(s) >= MIN_SECRET_LEN},
                          key=lambda s: (-len(s), s)))
    rx = _pattern(values)
    out = text
    if rx is not None:
        out = rx.sub(REDACTED, out)
    lower = out.lower() if len(out) > 4096 else None
    for tok, (needles, ci) in zip(TOKEN_PATTERNS, TOKEN_NEEDLES, strict=True):
        if lower is not None and not any(n in (lower if ci else out) for n in needles):
            continue
        out = tok.sub(REDACTED, out)
    return out


def redact(value: Any, secrets: Iterable[str] | None = None) -> Any:
    """``value`` (a string, or dicts/lists/tuples of them) with every secret replaced by
    ``[redacted]``; other values are returned unchanged."""
    if secrets is None:
        secrets = env_secrets()
    secrets = tuple(secrets)
    if isinstance(value, str):
        return redact_text(value, secrets)
    if isinstance(value, dict):
        return {(redact_text(k, secrets) if isinstance(k, str) else k):
                (REDACTED if isinstance(k, str) and k.lower() in SECRET_FIELDS
                 and isinstance(v, str) and v else redact(v, secrets))
                for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(v, secrets) for v in value]
    return value


__all__ = ["MIN_SECRET_LEN", "REDACTED", "encodings", "env_secrets", "is_secret_name",
           "redact", "redact_text"]
