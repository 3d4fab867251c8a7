"""Provider access for the LLM generator: litellm only, cached, recorded, redacted.

- litellm is imported lazily (it takes seconds) with ``LITELLM_LOCAL_MODEL_COST_MAP=True`` set
  first, so it never fetches its price table from the internet.
- Keys come from the provider's usual environment variables (``OPENAI_API_KEY``,
  ``ANTHROPIC_API_KEY``, ...), read by litellm itself, and go only to the provider's own
  server: with ``api_base`` (any other server) dv sends the value of ``api_key_env`` when the
  user names that variable, and otherwise a placeholder key (so litellm cannot pick up the
  provider's key from the environment and send it to a server it does not belong to).
  Every prompt, and everything dv writes, goes through :func:`dv.redact.redact`.
- Retries are dv's own: ``num_retries`` N means at most N+1 requests per call in total
  (litellm's retry layer and the provider SDK's are switched off, because they multiply);
  timeouts and fallbacks are litellm's; cost is ``litellm.completion_cost`` (None when the
  model has no known price).
- Every request and its response are written to ``<transcripts>/round-N-turn-M.json``; every
  response (errors included) is cached under ``<cache>/<request hash>.json``, so a run can be
  replayed offline (``replay=True``) with the same answers. A cache miss in replay is an error.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from dv.errors import InputError
from dv.redact import REDACTED, redact  # noqa: F401  (re-exported: one redaction function)

CACHE_FORMAT = "dv-llm-cache-1"


class ReplayMiss(InputError):
    """Replay asked for a response the cache does not hold."""


def litellm_module() -> Any:
    """Import litellm for offline-safe use (price table from the package, no debug chatter)."""
    os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    import logging
    import warnings

    # pydantic chatter about litellm's own types (at import and at the first call)
    warnings.filterwarnings("ignore", message=r".*`ReadOnly` qualifier", category=UserWarning)
    import litellm

    litellm.suppress_debug_info = True
    litellm.set_verbose = False
    litellm.drop_params = True  # a parameter a provider does not take is dropped, not an error
    if hasattr(litellm, "telemetry"):
        litellm.telemetry = False
    for name in ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy", "httpx", "openai"):
        logging.getLogger(name).setLevel(logging.WARNING)
    return litellm


@dataclass
class LlmCall:
    """One request to the model and what came back."""

    round: int
    turn: int
    key: str  # request hash (the cache key)
    content: str | None = None
    finish_reason: str | None = None
    prompt_tokens: int | None = None  # as the provider reported them
    completion_tokens: int | None = None
    prompt_tokens_counted: int = 0  # litellm.token_counter on the request (the budget's view)
    cost: float | None = None  # USD, when litellm knows the model's price
    latency: float = 0.0  # seconds waiting for the provider (0 for a cache hit)
    error: dict[str, Any] | None = None  # {"kind", "type", "message"}
    cached: bool = False
    model: str = ""
    attempts: int = 0  # requests made for this call (1 + retries); 0 for a cache hit

    @property
    def ok(self) -> bool:
        return self.error is None

    def usage(self) -> dict[str, Any]:
        return {"round": self.round, "turn": self.turn, "prompt_tokens": self.prompt_tokens,
                "completion_tokens": self.completion_tokens,
                "prompt_tokens_counted": self.prompt_tokens_counted, "cost": self.cost,
                "latency": round(self.latency, 3), "cached": self.cached,
                "error": None if self.error is None else self.error["kind"]}


Mock = str | Exception | dict[str, Any]


@dataclass
class LlmClient:
    model: str
    api_base: str | None = None
    api_key_env: str | None = None  # the variable whose value is sent as the key (--api-key-env)
    timeout: float = 120.0
    num_retries: int = 2
    fallbacks: list[str] = field(default_factory=list)
    temperature: float | None = 0.2
    max_tokens: int | None = 4096
    replay: bool = False
    cache_dir: Path = Path("build/llm-cache")
    transcript_dir: Path = Path("build/llm")
    mock_responses: list[Mock] | None = None  # scripted answers through litellm's mock_response
    on_call: Callable[[LlmCall], None] | None = None

    def __post_init__(self) -> None:
        self._litellm: Any = None

    # -- litellm ---------------------------------------------------------------------------
    @property
    def litellm(self) -> Any:
        if self._litellm is None:
            self._litellm = litellm_module()
        return self._litellm

    def check_model(self) -> None:
        """Refuse a model string litellm cannot route, or a provider whose key is missing."""
        lt = self.litellm
        try:
            lt.get_llm_provider(self.model, api_base=self.api_base)
        except Exception as exc:
            raise InputError(
                f"--model {self.model!r} is not a model string litellm can route "
                f"({_first_line(exc)}).",
                hint="Give provider/model, e.g. openai/gpt-4o, anthropic/claude-sonnet-4-5, "
                "ollama/qwen2.5-coder, or openai/<name> with --api-base for an "
                "OpenAI-compatible local server; or use --model builtin (offline).") from None
        if self.api_key_env and not self.replay and self.mock_responses is None \
                and not os.environ.get(self.api_key_env):
            raise InputError(
                f"--api-key-env {self.api_key_env}: that variable is not set (or empty).",
                hint="Export it, or leave --api-key-env out: with --api-base dv then sends no "
                "key (a local server needs none).")
        if self.replay or self.mock_responses is not None or self.api_base \
                or self.api_key_env:
            return
        try:
            env = lt.validate_environment(model=self.model)
        except Exception:
            return
        missing = [k for k in env.get("missing_keys", []) if re.search(r"KEY|TOKEN", k)]
        if missing:
            raise InputError(
                f"--model {self.model} needs {' and '.join(missing)} in the environment; dv "
                "reads provider keys only from there and never stores them.",
                hint="Export the key, or pass --api-base for a local OpenAI-compatible "
                "server, --replay to rerun a recorded session offline, or use --model builtin "
                "(offline).")

    def count_tokens(self, messages: list[dict[str, str]] | None = None,
                     text: str | None = None) -> int:
        lt = self.litellm
        try:
            if messages is not None:
                return int(lt.token_counter(model=self.model, messages=messages))
            return int(lt.token_counter(model=self.model, text=text or ""))
        except Exception:  # an unknown tokenizer: a conservative estimate
            size = sum(len(m.get("content") or "") for m in messages) if messages else len(
                text or "")
            return size // 3 + (4 * len(messages) if messages else 0)

    # -- requests ----------------------------------------------------------------------------
    def params(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.temperature is not None:
            out["temperature"] = self.temperature
        if self.max_tokens is not None:
            out["max_tokens"] = self.max_tokens
        return out

    def request_key(self, messages: list[dict[str, str]]) -> str:
        """The cache key: model, messages and sampling parameters (not the server address,
        retries or timeouts, which do not change the answer)."""
        blob = json.dumps({"model": self.model, "messages": messages, "params": self.params()},
                          sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode()).hexdigest()

    def complete(self, messages: list[dict[str, str]], *, round_index: int,
                 turn: int) -> LlmCall:
        # the one place every prompt passes: nothing secret leaves, nor reaches the cache key
        messages = [_no_surrogates(m) for m in redact(messages)]
        key = self.request_key(messages)
        call = LlmCall(round=round_index, turn=turn, key=key, model=self.model)
        call.prompt_tokens_counted = self.count_tokens(messages)
        cache_file = self.cache_dir / f"{key}.json"
        if self.replay:
            if not cache_file.is_file():
                raise ReplayMiss(
                    f"replay: no recorded response for round {round_index} turn {turn} "
                    f"(request {key[:16]}…) in {self.cache_dir}.",
                    hint="The prompt differs from the recorded run (changed design, spec, "
                    "options, seed or dv version). Run once without --replay to record it.")
            self._from_cache(call, json.loads(cache_file.read_text()))
        else:
            self._call_provider(call, messages)
            self._store(cache_file, call)
        self._transcript(call, messages)
        if self.on_call is not None:
            self.on_call(call)
        return call

    def _call_provider(self, call: LlmCall, messages: list[dict[str, str]]) -> None:
        lt = self.litellm
        # dv's loop below is the only retry: litellm's num_retries and the SDK's max_retries
        # would multiply with each other (num_retries=2 made 5 requests) and with it
        kwargs: dict[str, Any] = {"model": self.model, "messages": messages,
                                  "timeout": self.timeout, "num_retries": 0, "max_retries": 0,
                                  **self.params()}
        kwargs.update(self.credentials())
        if self.fallbacks:
            kwargs["fallbacks"] = list(self.fallbacks)
        if self.mock_responses is not None:
            if not self.mock_responses:
                mock: Mock = Exception("dv test script: no more scripted responses")
            else:
                mock = self.mock_responses.pop(0)
            if isinstance(mock, dict):
                kwargs.update(mock)
            else:
                kwargs["mock_response"] = mock
        t0 = time.monotonic()
        attempt = 0
        while True:
            try:
                resp = lt.completion(**kwargs)
                break
            except Exception as exc:
                err = classify_error(exc)
                if attempt >= max(0, self.num_retries) or err["kind"] not in RETRY_KINDS \
                        or "mock_response" in kwargs:
                    call.latency = time.monotonic() - t0
                    call.error = err
                    call.attempts = attempt + 1
                    return
                time.sleep(_retry_delay(exc, attempt))
                attempt += 1
        call.attempts = attempt + 1
        call.latency = time.monotonic() - t0
        try:
            choice = resp.choices[0]
            call.content = choice.message.content or ""
            call.finish_reason = choice.finish_reason
        except (AttributeError, IndexError) as exc:
            call.error = {"kind": "bad_response", "type": type(exc).__name__,
                          "message": "the provider's response has no message"}
            return
        if not isinstance(call.content, str) or len(call.content) > MAX_ANSWER_CHARS:
            size = len(call.content) if isinstance(call.content, str) else -1
            call.content = None  # neither kept, nor cached, nor written to a transcript
            call.error = {"kind": "bad_response", "type": "AnswerTooLarge",
                          "message": f"the answer holds {size} characters; dv reads at most "
                                     f"{MAX_ANSWER_CHARS} (asked for max_tokens="
                                     f"{self.max_tokens})"}
            return
        usage = getattr(resp, "usage", None)
        if usage is not None:
            call.prompt_tokens = getattr(usage, "prompt_tokens", None)
            call.completion_tokens = getattr(usage, "completion_tokens", None)
        try:
            cost = lt.completion_cost(completion_response=resp)
            call.cost = float(cost) if cost is not None else None
        except Exception:
            call.cost = None  # the model has no known price (local servers, stubs)
        served = getattr(resp, "model", None)
        if served:
            call.model = str(served)

    def credentials(self) -> dict[str, Any]:
        """The ``api_base``/``api_key`` arguments of a request: a key goes to a server only
        when the user named it (``api_key_env``) or the server is the provider's own."""
        out: dict[str, Any] = {}
        if self.api_key_env:
            out["api_key"] = os.environ.get(self.api_key_env, "")
        if self.api_base:
            out["api_base"] = self.api_base
            if not self.api_key_env and not provider_owns_base(self.model, self.api_base):
                # a placeholder: local servers ignore it, SDKs demand one, and it keeps
                # litellm from sending the provider's key from the environment to this server
                out["api_key"] = PLACEHOLDER_KEY
        return out

    def _store(self, path: Path, call: LlmCall) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {"format": CACHE_FORMAT, "key": call.key, "model": call.model,
                "content": call.content, "finish_reason": call.finish_reason,
                "prompt_tokens": call.prompt_tokens,
                "completion_tokens": call.completion_tokens, "cost": call.cost,
                "latency": round(call.latency, 3), "error": call.error}
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(redact(data), indent=1) + "\n")
        tmp.replace(path)

    def _from_cache(self, call: LlmCall, data: dict[str, Any]) -> None:
        call.cached = True
        call.content = data.get("content")
        call.finish_reason = data.get("finish_reason")
        call.prompt_tokens = data.get("prompt_tokens")
        call.completion_tokens = data.get("completion_tokens")
        call.cost = data.get("cost")
        call.error = data.get("error")
        call.model = data.get("model") or self.model

    def _transcript(self, call: LlmCall, messages: list[dict[str, str]]) -> None:
        self.transcript_dir.mkdir(parents=True, exist_ok=True)
        record = {
            "round": call.round, "turn": call.turn, "key": call.key,
            "request": {"model": self.model, "api_base": self.api_base,
                        "messages": messages, "params": self.params(),
                        "timeout": self.timeout, "num_retries": self.num_retries,
                        "fallbacks": self.fallbacks},
            "response": {k: v for k, v in asdict(call).items()
                         if k not in ("round", "turn", "key")},
        }
        path = self.transcript_dir / f"round-{call.round}-turn-{call.turn}.json"
        from dv.files import write_atomic

        write_atomic(path, json.dumps(redact(record), indent=1, ensure_ascii=False) + "\n")


PLACEHOLDER_KEY = "no-key-needed"
MAX_ANSWER_CHARS = 400_000  # a larger answer (a hostile server) is an error, not a file
RETRY_KINDS = frozenset({"rate_limit", "timeout", "connection", "unavailable", "server_error"})
# the provider's own API hosts: a key from the environment may go there (https only)
PROVIDER_HOSTS: dict[str, frozenset[str]] = {
    "openai": frozenset({"api.openai.com"}),
    "anthropic": frozenset({"api.anthropic.com"}),
    "gemini": frozenset({"generativelanguage.googleapis.com"}),
    "groq": frozenset({"api.groq.com"}),
    "mistral": frozenset({"api.mistral.ai"}),
    "deepseek": frozenset({"api.deepseek.com"}),
    "xai": frozenset({"api.x.ai"}),
    "together_ai": frozenset({"api.together.xyz"}),
    "openrouter": frozenset({"openrouter.ai"}),
    "fireworks_ai": frozenset({"api.fireworks.ai"}),
    "cohere": frozenset({"api.cohere.ai", "api.cohere.com"}),
    "perplexity": frozenset({"api.perplexity.ai"}),
}


def provider_owns_base(model: str, api_base: str) -> bool:
    """Is ``api_base`` the model's provider's own API server (https, its exact host)?"""
    from urllib.parse import urlsplit

    provider = model.split("/", 1)[0].lower() if "/" in model else "openai"
    try:
        parts = urlsplit(api_base.strip())
        host = (parts.hostname or "").lower()
    except ValueError:
        return False
    return parts.scheme == "https" and parts.username is None and parts.password is None \
        and host in PROVIDER_HOSTS.get(provider, frozenset())


def _retry_delay(exc: BaseException, attempt: int) -> float:
    """Seconds before the next attempt: the server's retry-after (capped), else backoff."""
    headers: Any = None
    for obj in (exc, getattr(exc, "response", None)):
        h = getattr(obj, "headers", None)
        if h is not None:
            headers = h
            break
    if headers is not None:
        try:
            ms = headers.get("retry-after-ms")
            if ms is not None:
                return min(30.0, max(0.0, float(ms) / 1000))
            sec = headers.get("retry-after")
            if sec is not None:
                return min(30.0, max(0.0, float(sec)))
        except (TypeError, ValueError, AttributeError):
            pass
    return min(8.0, 0.5 * 2 ** attempt)


def _no_surrogates(message: Any) -> Any:
    """A message whose text a lone surrogate (e.g. echoed from a model's answer) cannot make
    unencodable: each becomes U+FFFD."""
    if isinstance(message, dict):
        return {k: _fix(v) if isinstance(v, str) else v for k, v in message.items()}
    return message


def _fix(text: str) -> str:
    return "".join("\ufffd" if "\ud800" <= ch <= "\udfff" else ch for ch in text) \
        if any("\ud800" <= ch <= "\udfff" for ch in text) else text


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


_KINDS = (
    ("Timeout", "timeout"), ("APITimeoutError", "timeout"), ("RateLimitError", "rate_limit"),
    ("AuthenticationError", "auth"), ("PermissionDeniedError", "auth"),
    ("ContextWindowExceededError", "context_window"), ("NotFoundError", "not_found"),
    ("APIConnectionError", "connection"), ("BadRequestError", "bad_request"),
    ("ServiceUnavailableError", "unavailable"), ("InternalServerError", "server_error"),
)


def classify_error(exc: BaseException) -> dict[str, Any]:
    """A provider failure as ``{"kind", "type", "message", "status"}``.

    litellm sometimes wraps the provider's error (e.g. its outer retry layer fails to import
    an optional package); the chain of causes is searched for the first litellm/openai error.
    """
    chain: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and cur not in chain and len(chain) < 10:
        chain.append(cur)
        cur = cur.__cause__ or cur.__context__
    best = exc
    for e in chain:
        mod = type(e).__module__ or ""
        if mod.startswith(("litellm", "openai", "httpx")):
            best = e
            break
    names = [c.__name__ for c in type(best).__mro__]
    kind = "error"
    for cls, k in _KINDS:
        if cls in names:
            kind = k
            break
    status = getattr(best, "status_code", None)
    return {"kind": kind, "type": type(best).__name__,
            "message": redact(_first_line(best) if len(str(best)) > 400 else str(best).strip()),
            "status": status if isinstance(status, int) else None}


__all__ = ["LlmCall", "LlmClient", "ReplayMiss", "classify_error", "litellm_module", "redact"]
