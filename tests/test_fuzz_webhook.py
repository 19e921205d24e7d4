"""Hostile input against the public webhook (n8n's, and the bridge's public URL in front of it):
wrong types, huge strings, unicode (NUL, lone surrogates), nulls, nested junk, SQL and JavaScript
injection in every field of every command, bad Authorization headers, over-long tokens, bodies that
are not JSON. Every answer must be a documented status with a JSON body of SPEC §6's shape, no
stack trace, no 5xx (nothing is down), and a refused request must store nothing.

The default run sends ~300 requests; ``./test.sh -m fuzz`` sends 10,000."""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zikra_ops import postgres

DOCUMENTED = {200, 201, 400, 401, 403, 404, 413, 429, 503}
SUCCESS_COMMANDS = ("search", "save_memory", "get_memory", "get_prompt", "save_prompt", "save_requirement",
                    "log_run", "log_error", "stats")
ALIASES = ("find", "Query", "RECALL", "save", "store", "get", "fetch", "prompt", "requirement", "run", "error",
           "log_bug", "end_session", "memory_stats", "lookup", "add_memory")
FIELDS = ("query", "project", "limit", "memory_type", "max_tokens", "include_archived", "title", "content_md",
          "tags", "source", "id", "prompt_name", "description", "status", "output_summary", "session_id", "agent",
          "tokens_in", "tokens_out", "duration_s", "files_changed", "idempotency_key", "explain", "archived",
          "offset", "days", "owner", "role", "projects", "actor", "created_by", "memory_types", "token", "periods",
          "threshold", "__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "", " ", "command ")
INJECTIONS = (
    "'; DROP TABLE memories; --", "' OR '1'='1", "1; SELECT pg_sleep(10)", "$$; DELETE FROM access_tokens; $$",
    "\\'; TRUNCATE audit_log; --", "%(project)s", "%s%s%s%n", "{{ $env.ZIKRA_WORKER_SECRET }}",
    "={{ $env.ZIKRA_WORKER_SECRET }}", "${process.env.ZIKRA_WORKER_SECRET}", "<script>alert(1)</script>",
    "require('child_process').execSync('id')", "constructor.constructor('return process')()", "__proto__",
    "{\"$ne\": null}", "../../../../etc/passwd", "\\u0000", "\r\nX-Injected: 1", "NaN", "Infinity", "-0",
    "default", "*", "%", "_", "ALL", "null", "undefined", "true", "[]", "{}", "zk_" + "A" * 43,
)
UNICODE = ("\x00", "a\x00b", "\ud800", "\udfff", "x\ud83d", "\U0001F600" * 50, "\u202e\u0645\u0631\u062d\u0628\u0627",
           "\ufeff", "\uffff", "é" * 300, "\u0301" * 1000, "𝕫𝕚𝕜𝕣𝕒", "\t\n\r\x0b\x0c", " " * 100)
HUGE = ("x" * 501, "y" * 10_001, "z" * 200_001, "é" * 600_000, "w" * (1024 * 1024 + 1))


def _projects() -> st.SearchStrategy[str]:
    return st.sampled_from(["fuzz-a", "fuzz-b", "default", "solo-project", "pair-a"])


def scalar() -> st.SearchStrategy[Any]:
    """One hostile JSON scalar."""
    return st.one_of(
        st.none(), st.booleans(), st.integers(), st.integers(min_value=-2**70, max_value=2**70),
        st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=40),
        st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=20),
        st.sampled_from(INJECTIONS), st.sampled_from(UNICODE), st.sampled_from(HUGE[:3]), _projects(),
        st.uuids().map(str), st.sampled_from(("decision", "error", "requirement", "opinion", "success", "admin")))


def junk() -> st.SearchStrategy[Any]:
    """Any JSON value, nested a few levels."""
    return st.recursive(scalar(), lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), inner, max_size=4)),
        max_leaves=12)


def plausible(field: str) -> st.SearchStrategy[Any]:
    """A value that passes validation, so a request gets past it to the next field."""
    table: dict[str, st.SearchStrategy[Any]] = {
        "project": _projects(), "title": st.text(min_size=1, max_size=30), "content_md": st.text(min_size=1),
        "query": st.text(min_size=1, max_size=30), "limit": st.integers(1, 50),
        "memory_type": st.sampled_from(["decision", "error", "reference"]), "tags": st.lists(st.text(min_size=1, max_size=9)),
        "status": st.sampled_from(["success", "failure"]), "prompt_name": st.text(min_size=1, max_size=20),
        "id": st.uuids().map(str), "tokens_in": st.integers(0, 10**6), "files_changed": st.lists(st.text(min_size=1)),
    }
    return table.get(field, scalar())


@st.composite
def bodies(draw: st.DrawFn) -> Any:
    """A request body: mostly an object naming a command, whose fields are valid or hostile."""
    if draw(st.integers(0, 19)) == 0:
        return draw(junk())  # not an object at all, or an object without a sensible command
    command = draw(st.sampled_from(SUCCESS_COMMANDS) if draw(st.integers(0, 4)) else
                   st.one_of(st.sampled_from(ALIASES), scalar()))
    # The fields a command needs, mostly, plus others: so requests get past the first check.
    needed = {"search": ["query"], "get_memory": ["id"], "get_prompt": ["prompt_name"], "log_run": ["status"],
              "save_prompt": ["prompt_name", "content_md"]}.get(command, ["title", "content_md"])
    names = draw(st.lists(st.sampled_from(FIELDS), max_size=6, unique=True))
    names = list(dict.fromkeys(["project", *needed, *names]))
    body: dict[str, Any] = {"command": command}
    for name in names:
        hostile = draw(st.integers(0, 3)) == 0
        body[name] = draw(st.one_of(junk(), st.sampled_from(INJECTIONS), st.sampled_from(UNICODE))
                          if hostile else plausible(name))
    if draw(st.integers(0, 49)) == 0:
        body[draw(st.sampled_from(("content_md", "title", "query")))] = draw(st.sampled_from(HUGE))
    return body


@st.composite
def raw_bodies(draw: st.DrawFn) -> bytes:
    """Bodies that are not JSON, or JSON that no parser should be asked to take."""
    return draw(st.one_of(
        st.binary(max_size=200),
        st.sampled_from([b"", b"null", b"NaN", b"{", b'{"command": "search",', b"\xff\xfe\x00", b"[" * 200, b'{"a":' * 200 + b"1" + b"}" * 200,
                         b"[" * 500 + b"]" * 500, b'{"command": "search", "query": "\\ud800"}',
                         b'{"command": "save", "title": "t", "content_md": "a\\u0000b"}',
                         b'{"command":"search","command":"save","query":"dup keys"}',
                         b'{"command": "search", "query": 1e999}', b"\x00" * 100, "\u2028{}".encode()]),
        st.text(max_size=100).map(lambda t: t.encode("utf-8", "surrogatepass"))))


@st.composite
def headers(draw: st.DrawFn, tokens: list[str]) -> dict[str, str]:
    """Authorization headers: a real token seven times in ten, else none, without Bearer,
    malformed or over-long."""
    token = draw(st.sampled_from(tokens))
    kind = draw(st.integers(0, 9))
    if kind < 7:
        return {"Authorization": f"Bearer {token}"}
    if kind == 7:
        return {}
    return {"Authorization": draw(st.one_of(
        st.sampled_from([f"bearer   {token}", f"Basic {token}", token, f"Bearer {token} extra", f"Bearer {token[:-1]}",
                         "Bearer " + "a" * 257, "Bearer zk_" + "b" * 5000, "Bearer", "Bearer ", "",
                         f"Bearer {token}\t", f"Token {token}"]),
        st.sampled_from(INJECTIONS).map(lambda s: "Bearer " + s.replace("\r\n", " ")),
        st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=60).map(lambda s: "Bearer " + s)))}


class Fuzzer:
    """Sends requests, checks each answer, and counts what it saw."""

    def __init__(self, urls: list[str], db: psycopg.Connection[Any]):
        self.urls = urls
        self.db = db
        self.session = requests.Session()
        self.statuses: Counter[int] = Counter()
        self.sent = 0
        self.known: Counter[str] = Counter()
        self.http_s = 0.0

    def _known_n8n_deviation(self, url: str, response: requests.Response) -> bool:
        """n8n's own port answers a body it cannot parse as JSON itself, before the workflow runs:
        422 in n8n's shape. The public URL (the bridge) answers 400 invalid_request instead.
        Tallied, not failed; docs/reliability.md lists it."""
        if url.startswith(self.urls[0]) and response.status_code == 422 and \
                "Failed to parse request body" in response.text:
            self.known["n8n port: 422 for a body that is not JSON"] += 1
            return True
        return False

    def counts(self) -> tuple[int, ...]:
        """Row counts of every table a write may touch."""
        return self.db.execute("""SELECT (SELECT count(*) FROM memories), (SELECT count(*) FROM prompts),
                                         (SELECT count(*) FROM runs), (SELECT count(*) FROM audit_log),
                                         (SELECT count(*) FROM access_tokens), (SELECT count(*) FROM idempotency_keys),
                                         (SELECT count(*) FROM memories WHERE archived_at IS NULL)""").fetchone()

    def send(self, data: bytes, header: dict[str, str], pick: int) -> None:
        """POST one request, then check the answer and that a refused request stored nothing."""
        url = self.urls[pick % len(self.urls)] + "/webhook/zikra"
        started = time.monotonic()
        try:
            self._send(url, data, header)
        finally:
            self.http_s += time.monotonic() - started

    def _send(self, url: str, data: bytes, header: dict[str, str]) -> None:
        before = self.counts()
        try:
            response = self.session.post(url, data=data, headers={"Content-Type": "application/json", **header},
                                         timeout=60)
        except requests.exceptions.InvalidHeader:
            return  # requests refuses to send such a header: nothing reached the server
        self.sent += 1
        self.statuses[response.status_code] += 1
        what = f"{response.status_code} for {data[:300]!r} with {str(header)[:120]} at {url}: {response.text[:300]}"
        if self._known_n8n_deviation(url, response):
            return
        assert response.status_code in DOCUMENTED and response.status_code < 500, what
        assert response.headers.get("Content-Type", "").startswith("application/json"), what
        answer = response.json()
        assert isinstance(answer, dict), what
        assert "Traceback" not in response.text and "    at " not in response.text, what
        if response.status_code >= 400:
            error = answer["error"]
            assert isinstance(error["code"], str) and isinstance(error["message"], str), what
            assert self.counts() == before, f"a refused request changed the database: {what}"
        else:
            assert "error" not in answer, what


def encode(body: Any) -> bytes:
    """JSON with lone surrogates escaped (ensure_ascii), as a hostile client sends them."""
    return json.dumps(body, ensure_ascii=True).encode()


@pytest.fixture(scope="module")
def fuzz_db(pg: postgres.Cluster, worker_url: str) -> Iterator[psycopg.Connection[Any]]:
    """An autocommit connection for the before/after counts."""
    with psycopg.connect(pg.url(), autocommit=True) as conn:
        yield conn


@pytest.fixture(scope="module")
def fuzz_tokens(worker) -> list[str]:
    """Tokens of every role and scope, several of each, so the rate limit rarely decides the answer."""
    specs = [("admin", None), ("writer", None), ("reader", None), ("writer", ["fuzz-a"]),
             ("writer", ["fuzz-a", "fuzz-b"]), ("reader", ["fuzz-b"])] * 4
    made = []
    for i, (role, projects) in enumerate(specs):
        response = worker.post("/tokens/create", {"owner": f"fuzz-{i}", "role": role, "projects": projects})
        assert response.status_code == 201, response.text
        made.append(response.json()["token"])
    return made


def fuzz(n8n_url: str, bridge_url: str, fuzz_db: Any, fuzz_tokens: list[str], examples: int) -> Fuzzer:
    """Run ``examples`` generated requests (each a JSON or raw body) and return the fuzzer's tally."""
    fuzzer = Fuzzer([n8n_url, bridge_url], fuzz_db)

    @settings(max_examples=examples, deadline=None, database=None, derandomize=examples < 1000,
              suppress_health_check=list(HealthCheck))
    @given(body=st.one_of(bodies().map(encode), bodies().map(encode), bodies().map(encode), raw_bodies()),
           header=headers(fuzz_tokens), pick=st.integers(0, 3))
    def one(body: bytes, header: dict[str, str], pick: int) -> None:
        fuzzer.send(body, header, pick)

    started = time.monotonic()
    one()
    print(f"\nfuzz: {time.monotonic() - started:.1f} s, {fuzzer.http_s:.1f} s in HTTP and counts")
    print(f"\nfuzz: {fuzzer.sent} requests, statuses {dict(sorted(fuzzer.statuses.items()))}, "
          f"known deviations {dict(fuzzer.known)}")
    return fuzzer


@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")
def test_a_short_hostile_run_gets_only_documented_answers_and_stores_nothing_refused(
        n8n_url, bridge_url, fuzz_db, fuzz_tokens):
    fuzzer = fuzz(n8n_url, bridge_url, fuzz_db, fuzz_tokens, 300)
    assert fuzzer.sent >= 250 and len(fuzzer.statuses) >= 4


@pytest.mark.fuzz
@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")
def test_ten_thousand_hostile_requests_get_only_documented_answers_and_store_nothing_refused(
        n8n_url, bridge_url, fuzz_db, fuzz_tokens):
    fuzzer = fuzz(n8n_url, bridge_url, fuzz_db, fuzz_tokens, 10_500)
    assert fuzzer.sent >= 10_000


@pytest.mark.fuzz
def test_every_command_refuses_injection_and_junk_in_each_field_and_stores_nothing(
        n8n_url, fuzz_db, fuzz_tokens):
    # Not random: each field of each command gets each injection string and each wrong type once.
    fuzzer = Fuzzer([n8n_url], fuzz_db)
    rng = random.Random(7)
    admins = fuzz_tokens[0::6]  # every admin token in turn: the rate limit is not under test here
    valid = {"search": {"query": "q"}, "save_memory": {"title": "t", "content_md": "c"},
             "get_memory": {"title": "t"}, "get_prompt": {"prompt_name": "p"},
             "save_prompt": {"prompt_name": "p", "content_md": "c"}, "save_requirement": {"title": "t", "content_md": "c"},
             "log_run": {"status": "success"}, "log_error": {"title": "t", "content_md": "c"}, "stats": {}}
    fields = ("project", "title", "content_md", "query", "tags", "memory_type", "id", "prompt_name", "status",
              "limit", "source")
    wrong = (None, 0, -1, 2**63, 1.5, True, [], {}, [None], {"a": [{"b": None}]}, "\x00", "\ud800")
    for command, base in valid.items():
        for field in fields:
            for value in (*INJECTIONS, *wrong):
                fuzzer.send(encode({"command": command, "project": "fuzz-a", **base, field: value}),
                            {"Authorization": f"Bearer {admins[fuzzer.sent % len(admins)]}"}, rng.randrange(4))
    print(f"\ninjection matrix: {fuzzer.sent} requests, statuses {dict(sorted(fuzzer.statuses.items()))}")


DEEP = (b"[" * 5000 + b"]" * 5000, b'{"a":' * 5000 + b"1" + b"}" * 5000)


@pytest.mark.parametrize("where", [
    "bridge",
    # n8n's own port is loopback-only; the public URL (the bridge) refuses such bodies first.
    pytest.param("n8n", marks=[pytest.mark.fuzz, pytest.mark.xfail(
        strict=True, reason="n8n's webhook never answers a JSON body nested 5,000 deep")]),
])
def test_a_deeply_nested_body_is_a_prompt_400_not_a_hang_or_a_500(where, n8n_url, bridge_url, fuzz_tokens):
    url = {"n8n": n8n_url, "bridge": bridge_url}[where] + "/webhook/zikra"
    for body in DEEP:
        for auth in ({"Authorization": f"Bearer {fuzz_tokens[1]}"}, {}):
            try:
                response = requests.post(url, data=body, timeout=10,
                                         headers={"Content-Type": "application/json", **auth})
            except requests.exceptions.Timeout:
                pytest.fail(f"{where} did not answer a body nested 5,000 deep within 10 s")
            assert response.status_code in (400, 401, 413), response.text


def test_the_bridge_refuses_json_nested_past_its_limit_and_keeps_real_bodies():
    from zikra_bridge.forward import MAX_JSON_DEPTH, json_problem

    def nested(depth: int) -> bytes:
        return b'{"a":' * (depth - 1) + b"[1]" + b"}" * (depth - 1)

    assert json_problem(nested(MAX_JSON_DEPTH)) is None
    for body in (nested(MAX_JSON_DEPTH + 1), *DEEP):
        assert "nested more than" in json_problem(body)
    assert json_problem(b'{"command": "search", "query": "x", "project": ["a", "b"]}') is None
