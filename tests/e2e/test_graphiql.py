"""GraphiQL at GET /graphql in headless Chromium: it runs a query with nothing but the hub to reach."""

from __future__ import annotations

import pytest

from tests.conftest import Server
from tests.e2e.browser import browser_page

pytestmark = pytest.mark.e2e


def test_graphiql_runs_a_query_without_the_internet(server: Server) -> None:
    with browser_page(server.url) as page:
        # the page would fetch React and GraphiQL from unpkg.com; here anything off the hub is refused
        page.page.route(
            "**/*", lambda route: route.continue_() if route.request.url.startswith(server.url) else route.abort()
        )
        page.page.goto(f"{server.url}/graphql")  # (with ?query= a GET would run the query, not open GraphiQL)
        run = page.page.locator(".graphiql-execute-button")
        run.wait_for(timeout=60_000)
        page.page.evaluate(
            "(q) => document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(q)",
            "{ sectors { code name } }",
        )
        run.click()
        page.page.wait_for_function(
            "() => (document.querySelector('.graphiql-response') || {}).textContent?.includes('东北片区')",
            timeout=30_000,
        )
        answer = page.page.locator(".graphiql-response").inner_text()
        assert all(f'"{code}"' in answer for code in ("NE", "SE", "SW", "NW"))
        assert page.foreign() == []
        assert page.failed == []
        assert page.errors == []
