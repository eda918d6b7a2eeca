"""The HTML report in a real browser: headless Chromium driven by Selenium
through the system chromedriver (no download, no network).

The page of a solved instance that uses every feature is opened from a file.
It must load without console errors and without fetching anything, show all
six charts with decoded images of non-zero size, and look like something
(a screenshot that is not a single colour).

Chromium is required, not optional: the CI script installs it
(``apt-get install -y chromium chromium-driver``), so a missing browser is a
failure here, never a skip.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

import planner
from planner.report.charts.figures import CHARTS
from planner.report.html import render_html

ROOT = Path(__file__).resolve().parents[2]
INSTANCE = ROOT / "tests" / "data" / "every-feature.yaml"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,1600",
]
INSTALL = "apt-get update && apt-get install -y chromium chromium-driver"


def _executables() -> tuple[str, str]:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not (browser and driver):
        pytest.fail(f"headless Chromium and chromedriver are required; install them: {INSTALL}")
    return browser, driver


@pytest.fixture(scope="module")
def page_url(tmp_path_factory):
    instance = planner.load_instance(INSTANCE)
    plan = planner.solve(instance)
    bottlenecks = [
        {
            "limit": "max_debt_on_balance_sheet",
            "kind": "money",
            "step": "+100 $M from 2027-01",
            "gain_mw": 7.5,
        }
    ]
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(render_html(plan, instance, bottlenecks), encoding="utf-8")
    return path.as_uri()


@pytest.fixture(scope="module")
def browser(page_url, tmp_path_factory):
    binary, driver_path = _executables()
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.fail('selenium is required: pip install -e ".[test]"')
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in FLAGS + [f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(20)
    try:
        driver.get(page_url)
        driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "Promise.all([...document.images].map(i => i.decode().catch(() => null)))"
            ".then(() => done(true));"
        )
        yield driver
    finally:
        driver.quit()


def test_page_loads_without_console_errors(browser):
    assert browser.execute_script("return document.readyState") == "complete"
    assert browser.title.startswith("planner report: every-feature")
    errors = [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
    assert errors == []


def test_page_fetches_nothing(browser):
    fetched = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    assert [url for url in fetched if not url.startswith("data:")] == []


@pytest.mark.parametrize("name", list(CHARTS))
def test_chart_is_shown_and_decoded(browser, name):
    from selenium.webdriver.common.by import By

    figure = browser.find_element(By.CSS_SELECTOR, f"figure.chart#chart-{name}")
    image = figure.find_element(By.TAG_NAME, "img")
    browser.execute_script("arguments[0].scrollIntoView()", figure)
    assert figure.is_displayed() and image.is_displayed()
    assert image.size["width"] > 100 and image.size["height"] > 100
    decoded = browser.execute_script(
        "const i = arguments[0]; return [i.complete, i.naturalWidth, i.naturalHeight,"
        " i.clientWidth, i.clientHeight];",
        image,
    )
    assert decoded[0] and decoded[1] > 0 and decoded[2] > 0
    # shown 1:1 (inside its border), so the charts' 9 pt text keeps its size on the page
    assert decoded[3:] == decoded[1:3]
    assert len(image.get_attribute("alt")) > 30
    _assert_not_blank(image.screenshot_as_png)


def test_sections_and_bottlenecks_are_shown(browser):
    from selenium.webdriver.common.by import By

    for sid in ("summary", "bottlenecks", "charts", "tables"):
        assert browser.find_element(By.ID, sid).is_displayed()
    bottlenecks = browser.find_element(By.ID, "bottlenecks").text
    assert "+100 $M from 2027-01" in bottlenecks and "7.5" in bottlenecks
    assert "max_debt_on_balance_sheet" not in bottlenecks  # explain's words, not the rule's id
    assert len(browser.find_elements(By.CSS_SELECTOR, "#tables table.data")) == 4


def test_screenshot_is_not_blank(browser):
    browser.execute_script("window.scrollTo(0, 0)")
    _assert_not_blank(browser.get_screenshot_as_png())


def _assert_not_blank(png: bytes) -> None:
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.width > 0 and image.height > 0
    colours = image.getcolors(maxcolors=1 << 20)
    assert colours is None or len(colours) > 20, "the screenshot is (nearly) one colour"
