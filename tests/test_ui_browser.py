"""The memory browser end to end: Debian's headless Chromium (Playwright, /usr/bin/chromium) on the
bridge's /ui, over the real n8n, worker and PostgreSQL. One browser for the module, one context
(cookie jar) per user. Screenshots of the main pages land in var/screenshots/."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from conftest import REPO
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = REPO / "var" / "screenshots"
HOSTILE = ("Before.\n\n<script>window.__pwned = 'script'</script>\n\n"
           "<img src=x onerror=\"window.__pwned = 'img'\">\n\n[link](javascript:window.__pwned='link')\n\nAfter.")

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium: scripts/install-browser.sh")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the module."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def seeded(worker: Any, pg: Any) -> dict[str, Any]:
    """A project with memories (one hostile, one fading, one archived) and runs, written straight to
    the worker and the database."""
    project = f"ui-{uuid.uuid4().hex[:8]}"
    ids = {
        "deploy": worker.save(project, "Deploy with container images",
                              "We deploy **every service** as a container image.\n\n- build\n- push\n- roll out",
                              tags=["ops", "deploy"])["id"],
        "db": worker.save(project, "Postgres connection limits", "Use a pool of 20 connections per worker.",
                          memory_type="reference", tags=["db"])["id"],
        "bug": worker.save(project, "Timeouts in CI", "The CI runner times out on large uploads.",
                           memory_type="error", tags=["ci"])["id"],
        "hostile": worker.save(project, "Hostile note", HOSTILE, tags=["security"])["id"],
        "fading": worker.save(project, "Flaky DNS in staging", "Retry twice.", memory_type="error")["id"],
        "archived": worker.save(project, "Old release train", "Fridays.", memory_type="decision")["id"],
    }
    with psycopg.connect(pg.url(), autocommit=True) as conn:
        conn.execute("UPDATE memories SET archived_at = now() WHERE id = %s", (ids["archived"],))
    for status, tokens_in, tokens_out, summary in [("success", 12000, 3400, "Added the deploy script"),
                                                   ("failure", 5000, 800, "Tests failed on CI"),
                                                   ("partial", 9000, 2100, "Half of the migration")]:
        response = worker.post("/log_run", {"project": project, "status": status, "tokens_in": tokens_in,
                                            "tokens_out": tokens_out, "output_summary": summary, "agent": "claude-code",
                                            "files_changed": ["deploy.sh", "README.md"]})
        assert response.status_code == 201, response.text
    return {"project": project, "ids": ids}


def _context(browser: Browser) -> BrowserContext:
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    context.on("page", lambda page: page.on("dialog", lambda dialog: dialog.accept()))
    return context


def _login(context: BrowserContext, bridge_url: str, token: str) -> Page:
    page = context.new_page()
    page.goto(f"{bridge_url}/ui/")
    expect(page).to_have_url(re.compile(r"/ui/login$"))
    page.fill("#token", token)
    page.click("#login")
    expect(page).to_have_url(re.compile(r"/ui/search$"))
    assert token not in page.url and token not in page.content()
    return page


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def writer_page(browser: Browser, bridge_url: str, tokens: dict[str, str]) -> Iterator[Page]:
    """A logged-in writer's page."""
    context = _context(browser)
    yield _login(context, bridge_url, tokens["writer"])
    context.close()


def test_login_keeps_the_token_in_a_strict_http_only_session_cookie(browser, bridge_url, tokens):
    context = _context(browser)
    page = context.new_page()
    page.goto(f"{bridge_url}/ui/login")
    _shot(page, "login")
    page.fill("#token", "zk_not_a_real_token")
    page.click("#login")
    expect(page.locator("#login-error")).to_be_visible()
    page.fill("#token", tokens["writer"])
    page.click("#login")
    expect(page.locator("#role")).to_have_text("writer")
    cookies = context.cookies()
    assert [c["name"] for c in cookies] == ["zikra_ui"]
    assert cookies[0]["httpOnly"] and cookies[0]["sameSite"] == "Strict"
    assert tokens["writer"] not in cookies[0]["value"]
    assert page.evaluate("document.cookie") == ""
    page.click("text=Log out")
    expect(page).to_have_url(re.compile(r"/ui/login$"))
    page.goto(f"{bridge_url}/ui/search")
    expect(page).to_have_url(re.compile(r"/ui/login$"))
    context.close()


def test_search_shows_score_parts_and_a_memory_archives_and_restores(writer_page, bridge_url, seeded, db):
    page = writer_page
    page.fill("#project", seeded["project"])
    page.fill("#q", "how do we deploy services")
    page.click("#search")
    first = page.locator("li.result").first
    expect(first.locator("a.title")).to_have_text("Deploy with container images")
    for part in ("score", "vector rank", "keyword rank", "confidence"):
        expect(first.locator("dl.parts")).to_contain_text(part)
    if first.locator("details.explain").count():  # when the worker explains its ranking
        first.locator("details.explain summary").click()
    _shot(page, "search")
    page.goto(f"{bridge_url}/ui/search?project={seeded['project']}&q=&tags=deploy")
    expect(page.locator("li.result a.title")).to_have_text(["Deploy with container images"])
    page.goto(f"{bridge_url}/ui/search?project={seeded['project']}&q=&archived=only")
    expect(page.locator("li.result a.title")).to_have_text(["Old release train"])
    page.goto(f"{bridge_url}/ui/search?project={seeded['project']}&q=deploy")
    page.locator("li.result a.title", has_text="Deploy with container images").click()
    expect(page.locator("#memory-title")).to_have_text("Deploy with container images")
    expect(page.locator("#content strong")).to_have_text("every service")
    expect(page.locator("section.decay svg.chart")).to_be_visible()
    expect(page.locator("#below-at")).to_have_text(re.compile(r"\d{4}-\d{2}-\d{2}"))
    _shot(page, "memory")
    memory_id = seeded["ids"]["deploy"]
    page.click("#archive")
    expect(page.locator("#archived-badge")).to_be_visible()
    assert db.execute("SELECT archived_at FROM memories WHERE id = %s", (memory_id,)).fetchone()["archived_at"]
    page.click("#restore")
    expect(page.locator("#archived-badge")).to_have_count(0)
    expect(page.locator("#archive")).to_be_visible()
    assert db.execute("SELECT archived_at FROM memories WHERE id = %s", (memory_id,)).fetchone()["archived_at"] is None


def test_a_writer_edits_a_memory(writer_page, bridge_url, seeded, db):
    page = writer_page
    memory_id = seeded["ids"]["db"]
    page.goto(f"{bridge_url}/ui/memories/{memory_id}/edit")
    page.fill("#content_md", "Use a pool of **25** connections per worker.")
    page.fill("#tags", "db, limits")
    page.click("#save")
    expect(page).to_have_url(re.compile(f"/ui/memories/{memory_id}$"))
    expect(page.locator("#content strong")).to_have_text("25")
    row = db.execute("SELECT content_md, tags FROM memories WHERE id = %s", (memory_id,)).fetchone()
    assert row["tags"] == ["db", "limits"] and "25" in row["content_md"]


def test_script_in_a_memory_never_runs(writer_page, bridge_url, seeded):
    page = writer_page
    page.goto(f"{bridge_url}/ui/memories/{seeded['ids']['hostile']}")
    content = page.locator("#content")
    expect(content).to_contain_text("<script>window.__pwned = 'script'</script>")
    expect(content).to_contain_text("onerror")
    assert content.locator("script, img, iframe, [onerror]").count() == 0
    page.wait_for_timeout(300)  # give a broken image's onerror time to fire, were there one
    assert page.evaluate("window.__pwned") is None
    page.goto(f"{bridge_url}/ui/search?project={seeded['project']}&q=hostile+note")
    expect(page.locator("li.result").first).to_contain_text("Hostile note")
    page.goto(f"{bridge_url}/ui/search?project={seeded['project']}&q=")
    page.wait_for_timeout(300)
    assert page.evaluate("window.__pwned") is None


def test_a_reader_sees_no_edit_buttons_and_gets_403_when_it_tries(browser, bridge_url, tokens, seeded, db):
    context = _context(browser)
    page = _login(context, bridge_url, tokens["reader"])
    memory_id = seeded["ids"]["bug"]
    page.goto(f"{bridge_url}/ui/memories/{memory_id}")
    expect(page.locator("#memory-title")).to_have_text("Timeouts in CI")
    for button in ("#actions", "#edit", "#archive", "#restore"):
        expect(page.locator(button)).to_have_count(0)
    expect(page.locator("a[href='/ui/tokens']")).to_have_count(0)
    _shot(page, "memory-reader")
    # The edit form itself is reachable by URL; the API refuses what it sends.
    page.goto(f"{bridge_url}/ui/memories/{memory_id}/edit")
    page.fill("#title", "Renamed by a reader")
    with page.expect_response(re.compile(r"/edit$")) as answer:
        page.click("#save")
    assert answer.value.status == 403
    expect(page.locator("#status")).to_have_text("403")
    # A forged POST from the page, with the session's own CSRF token.
    page.goto(f"{bridge_url}/ui/memories/{memory_id}/edit")
    status = page.evaluate("""async (id) => {
        const csrf = document.querySelector('input[name=csrf]').value;
        const r = await fetch(`/ui/memories/${id}/archive`, {method: 'POST', body: new URLSearchParams({csrf})});
        return r.status; }""", memory_id)
    assert status == 403
    row = db.execute("SELECT title, archived_at FROM memories WHERE id = %s", (memory_id,)).fetchone()
    assert row == {"title": "Timeouts in CI", "archived_at": None}
    page.goto(f"{bridge_url}/ui/tokens")
    expect(page.locator("#status")).to_have_text("403")
    context.close()


def test_a_post_without_the_csrf_token_is_refused(writer_page, bridge_url, seeded, db):
    status = writer_page.evaluate("""async (id) => {
        const r = await fetch(`/ui/memories/${id}/archive`, {method: 'POST', body: new URLSearchParams({csrf: 'x'})});
        return r.status; }""", seeded["ids"]["bug"])
    assert status == 403
    assert db.execute("SELECT archived_at FROM memories WHERE id = %s",
                      (seeded["ids"]["bug"],)).fetchone()["archived_at"] is None


def test_runs_and_decay_pages_draw_their_charts(writer_page, bridge_url, seeded, db):
    page = writer_page
    # Aged here: a search that returns a memory reinforces it, and earlier tests search.
    db.execute("UPDATE memories SET reinforced_at = now() - interval '45 days' WHERE id = %s", (seeded["ids"]["fading"],))
    page.goto(f"{bridge_url}/ui/runs?project={seeded['project']}&days=7")
    timeline = page.locator(f"section.timeline[data-project='{seeded['project']}'] li.run")
    expect(timeline).to_have_count(3)
    expect(timeline.first).to_contain_text("in /")
    expect(page.locator("svg.chart rect.s-in title")).to_have_count(1)  # one bar: all three runs are today
    _shot(page, "runs")
    page.goto(f"{bridge_url}/ui/decay?project={seeded['project']}")
    table = page.locator("#decay-table")
    expect(table.locator("tr", has_text="decision").locator("td")).to_have_text(["2", "0", "1", "90 days"])
    expect(table.locator("tr", has_text="error").locator("td")).to_have_text(["1", "1", "0", "30 days"])
    for state in ("s-fresh", "s-fading", "s-archived"):
        expect(page.locator(f"svg.chart rect.{state} title").first).to_be_attached()
    _shot(page, "decay")


def test_an_admin_creates_a_token_shown_once_and_revokes_it(browser, bridge_url, tokens, api):
    context = _context(browser)
    page = _login(context, bridge_url, tokens["admin"])
    page.click("a[href='/ui/tokens']")
    owner = f"ui-{uuid.uuid4().hex[:6]}"
    page.fill("#owner", owner)
    page.select_option("#new-role", "reader")
    page.click("#create")
    new_token = page.locator("#new-token").inner_text()
    assert new_token.startswith("zk_")
    assert api.call("stats", token=new_token).status_code == 200
    _shot(page, "tokens")
    page.goto(f"{bridge_url}/ui/tokens")
    expect(page.locator("#new-token")).to_have_count(0)
    assert new_token not in page.content()
    row = page.locator("#tokens tr", has_text=owner)
    row.locator("button", has_text="Revoke").click()
    expect(page.locator("#tokens tr", has_text=owner)).to_contain_text("revoked")
    assert api.call("stats", token=new_token).status_code == 401
    context.close()


def test_the_bridge_log_never_holds_a_token(bridge_process, tokens):
    log = Path(bridge_process.log_path).read_text(errors="replace")
    for token in tokens.values():
        assert token not in log
