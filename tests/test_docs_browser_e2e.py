"""The API docs as a front-end developer on a county intranet uses them: Swagger UI at /docs and
ReDoc at /redoc load everything from the gateway (no CDN), and a person logs in through Authorize
and makes a call, in headless Chromium."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from jiceng_shared.testing.browser import headless_chromium, requested_urls

pytestmark = pytest.mark.e2e


def _wait(driver, css: str, timeout: float = 20):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(ec.element_to_be_clickable((By.CSS_SELECTOR, css)))


def _click(driver, element) -> None:
    # a script click: Swagger UI's modal and sticky headers may lie over the element's centre
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();", element)


def _only_local(driver, gateway: str) -> None:
    host = urlsplit(gateway).netloc
    foreign = [u for u in requested_urls(driver) if u.startswith("http") and urlsplit(u).netloc != host]
    assert foreign == [], f"the page reached outside the gateway: {foreign}"


def test_swagger_ui_loads_offline_logs_in_through_authorize_and_calls_the_api(stack):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    gateway = stack.url("gateway")
    with headless_chromium() as driver:
        driver.get(f"{gateway}/docs")
        _click(driver, _wait(driver, "button.authorize"))
        _wait(driver, "input#oauth_username").send_keys("grid_worker.bufeng")
        driver.find_element(By.CSS_SELECTOR, "input#oauth_password").send_keys("demo")
        _click(driver, driver.find_element(By.CSS_SELECTOR, ".auth-container button.modal-btn.authorize"))
        # authorised: the flow's button turns to Logout
        WebDriverWait(driver, 20).until(
            lambda d: any(b.text == "Logout" for b in d.find_elements(By.CSS_SELECTOR, ".auth-container button"))
        )
        _click(driver, driver.find_element(By.CSS_SELECTOR, "button.btn-done"))

        _click(driver, _wait(driver, "[id$='-gateway_me'] .opblock-summary-control"))
        _click(driver, _wait(driver, "[id$='-gateway_me'] button.try-out__btn"))
        _click(driver, _wait(driver, "[id$='-gateway_me'] button.execute"))
        # the logged-in grid worker's own bindings come back
        WebDriverWait(driver, 20).until(
            lambda d: "320971100201001"
            in d.find_element(By.CSS_SELECTOR, "[id$='-gateway_me'] .live-responses-table").text
        )
        cells = driver.find_elements(By.CSS_SELECTOR, "[id$='-gateway_me'] .live-responses-table .response-col_status")
        assert [c.text.strip() for c in cells] == ["Code", "200"]
        _only_local(driver, gateway)


def test_redoc_loads_offline_and_shows_the_merged_contract(stack):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    gateway = stack.url("gateway")
    with headless_chromium() as driver:
        driver.get(f"{gateway}/redoc")
        WebDriverWait(driver, 30).until(lambda d: "report_incident" in d.page_source or "事件" in d.page_source)
        assert driver.find_elements(By.CSS_SELECTOR, "[data-section-id]")
        _only_local(driver, gateway)
