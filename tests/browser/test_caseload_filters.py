"""The caseload's filter panel fits its box at 1280 and at 390 pixels wide, in English, Welsh and Arabic: no
control pokes out of the white panel and no select cuts its chosen option short (it did both: a fixed grid
of quarters made "Care status" overflow at 1280 and cut "Fewest days to 18th birthday")."""

from __future__ import annotations

import pytest

from tests.browser.conftest import PHONE, choose_language, sign_in

pytestmark = pytest.mark.browser

DESK = {"width": 1280, "height": 800}

MEASURE = """() => {
  const form = document.querySelector("form.app-filters");
  const box = form.getBoundingClientRect();
  const padding = parseFloat(getComputedStyle(form).paddingLeft);
  const inside = {left: box.left + padding - 0.5, right: box.right - padding + 0.5};
  const problems = [];
  for (const control of form.querySelectorAll("input, select, label, button")) {
    if (getComputedStyle(control).opacity === "0") { continue; }  // the NHS checkbox's hidden input
    const r = control.getBoundingClientRect();
    if (r.left < inside.left || r.right > inside.right) {
      problems.push(`${control.tagName} ${control.id || control.textContent.trim()} at ${r.left}-${r.right}`);
    }
  }
  const canvas = document.createElement("canvas").getContext("2d");
  for (const select of form.querySelectorAll("select")) {
    for (const option of select.options) {
      const style = getComputedStyle(select);
      canvas.font = `${style.fontSize} ${style.fontFamily}`;
      const needs = canvas.measureText(option.text).width + parseFloat(style.paddingLeft) + 24;  // arrow
      if (needs > select.getBoundingClientRect().width) {
        problems.push(`#${select.id} cuts "${option.text}" short`);
      }
    }
  }
  return {problems, sideways: document.documentElement.scrollWidth - window.innerWidth};
}"""


@pytest.mark.parametrize("locale", ["en_GB", "cy", "ar"])
@pytest.mark.parametrize(("size_name", "size"), [("desk", DESK), ("phone", PHONE)])
def test_the_filters_fit_their_panel(browser, live_server, world, screenshot, locale, size_name, size):
    context = browser.new_context(viewport=size, locale="en-GB")
    page = context.new_page()
    sign_in(page, live_server, world.nurse.email)
    page.goto(f"{live_server}/staff/caseload")
    if locale != "en_GB":
        choose_language(page, locale)
    found = page.evaluate(MEASURE)
    screenshot(page, f"caseload-filters-{size_name}-{locale}")
    assert found == {"problems": [], "sideways": 0}
    context.close()
