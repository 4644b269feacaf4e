"""Headless Chromium for the tests of pages the gateway serves (Debian's chromium and
chromium-driver; `.ci/run` installs them). Without them the page tests skip and say why."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


@contextmanager
def headless_chromium() -> Iterator[Any]:
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip("headless Chromium is not installed (apt-get install chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1400,1000",
    ):
        options.add_argument(flag)
    # every request the page makes is logged, so a test can show that none left the machine
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def requested_urls(driver: Any, settle_seconds: float = 10.0) -> list[str]:
    """The URLs the page fetched so far (from Chromium's performance log): requests the page's
    Content-Security-Policy blocked before they left are not counted.

    Chromium logs a request before its fate, so a request read between the two would count as
    fetched although the policy blocks it a moment later: the log is read until every request has
    an outcome (a response, or a failure), for at most ``settle_seconds``."""
    import json
    import time

    urls: dict[str, str] = {}
    settled: set[str] = set()
    blocked: set[str] = set()
    deadline = time.monotonic() + settle_seconds
    while True:
        for entry in driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            method, params = message.get("method"), message.get("params", {})
            if method == "Network.requestWillBeSent":
                urls[params["requestId"]] = params["request"]["url"]
            elif method in ("Network.responseReceived", "Network.loadingFinished"):
                settled.add(params["requestId"])
            elif method == "Network.loadingFailed":
                settled.add(params["requestId"])
                if params.get("blockedReason") == "csp":
                    blocked.add(params["requestId"])
        pending = [rid for rid, url in urls.items() if rid not in settled and url.startswith("http")]
        if not pending or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    return [url for request_id, url in urls.items() if request_id not in blocked]
