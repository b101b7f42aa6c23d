"""The passport page's first load on a phone: every byte the browser receives (HTML, CSS, JavaScript,
images, fonts: bodies as sent, compressed, plus response headers) and every host it asks, with an empty
cache; then a second visit with that cache.

    python bench/bench_phone.py --database sqlite --size 10k

Debian's Chromium (/usr/bin/chromium; never a downloaded browser) through Playwright, as a 390 × 844 phone,
against the app under gunicorn with production settings. The young person signs in over HTTP and the
browser sends the session cookie, so the page load measured is the passport page alone, as it is the first
time the phone opens it.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path
from urllib.parse import urlsplit

from common import emit, load_manifest
from servers import Server, sign_in

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE_USER_AGENT = (
    "Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Mobile Safari/537.36"
)


def load(context, url: str, origin: str) -> dict:
    """Open `url` in a new page of `context`; what came over the wire."""
    page = context.new_page()
    responses = []
    page.on("requestfinished", lambda request: responses.append(request))
    failed = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.goto(url, wait_until="networkidle")
    items = []
    for request in responses:
        sizes = request.sizes()
        response = request.response()
        items.append(
            {
                "url": request.url.replace(origin, ""),
                "type": request.resource_type,
                "status": response.status if response else None,
                "encoding": (response.headers.get("content-encoding") if response else None) or "",
                "body_bytes": sizes["responseBodySize"],
                "header_bytes": sizes["responseHeadersSize"],
                "from_cache": bool(response and response.from_service_worker)
                or sizes["responseBodySize"] < 0,
            }
        )
    third_party = sorted(
        {urlsplit(u).netloc for u in [i["url"] for i in items] + failed if urlsplit(u).netloc}
        - {urlsplit(origin).netloc}
    )
    title = page.title()
    page.close()
    return {
        "title": title,
        "requests": items,
        "failed": failed,
        "third_party_hosts": third_party,
        "total_bytes": sum(max(0, i["body_bytes"]) + max(0, i["header_bytes"]) for i in items),
        "body_bytes": sum(max(0, i["body_bytes"]) for i in items),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--size", default="10k")
    arguments = parser.parse_args()
    if not Path(CHROMIUM).exists():
        emit({"skipped": "Debian's Chromium is not installed (apt-get install chromium)"})
        return
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        emit({"skipped": "Playwright is not installed (make install-dev)"})
        return
    manifest = load_manifest(arguments.database, arguments.size)
    with Server("wsgi:app", manifest["url"]) as server:
        server.wait_until_up("/healthz")
        cookie_header = sign_in(server.port, manifest["email"], manifest["password"])
        origin = server.base
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = browser.new_context(
                viewport={"width": 390, "height": 844},
                device_scale_factor=3,
                is_mobile=True,
                has_touch=True,
                user_agent=PHONE_USER_AGENT,
            )
            # The production cookies are Secure and __Host-: a browser would not take them over plain HTTP,
            # so the session cookie goes with every request as a header instead.
            context.set_extra_http_headers({"Cookie": cookie_header})
            first = load(context, origin + "/my-passport/", origin)
            second = load(context, origin + "/my-passport/", origin)
            browser.close()
    assert first["title"].startswith("My health passport"), first["title"]
    emit({"database": arguments.database, "size": arguments.size, "first_load": first, "second_load": second})


if __name__ == "__main__":
    main()
