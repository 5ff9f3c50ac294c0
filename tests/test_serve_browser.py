"""The web form in a real browser: Debian's headless Chromium at a phone's size, against the real
Waitress server on loopback. Log in, watch a conditional item come and go, fill the dust
checklist as its example, lose the connection mid-form and get the draft back, submit; the
answers file on disk checks as the example. With --screenshots, each page is saved in
out/screenshots/ (phone and desktop size) to be looked at: a third of the test's time, so
only when someone will look."""

from __future__ import annotations

import shutil
import time

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait
from test_serve import PASSWORD, form_like

from engine import check
from engine.loader import load_rules
from helpers import EXAMPLES, ROOT, RULES, office_folder, on_loopback
from webapp import create_app
from webapp.users import add_user, users_path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
pytestmark = [
    pytest.mark.skipif(not (CHROMIUM and DRIVER), reason="Chromium and chromedriver are installed by ./dev.sh test"),
    pytest.mark.usefixtures("fast_password_hashes"),
]
SCREENSHOTS = ROOT / "out" / "screenshots"
PHONE, DESKTOP = (360, 740), (1280, 900)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = office_folder(tmp_path_factory.mktemp("web") / "office")
    add_user(users_path(root / "office.yaml"), "李明", "inspector", PASSWORD)
    add_user(users_path(root / "office.yaml"), "王芳", "office", PASSWORD)
    app = create_app(root / "office.yaml", load_rules(RULES), root / "inspections")
    with on_loopback(app, threads=2) as served:
        yield f"http://127.0.0.1:{served.effective_port}", root


@pytest.fixture(scope="module")
def browser(request):
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", f"--window-size={PHONE[0]},{PHONE[1]}", "--lang=zh-CN"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_window_size(*PHONE)
    driver.screenshots = request.config.getoption("--screenshots")
    yield driver
    driver.quit()


def shoot(driver, name: str) -> None:
    """The page at phone and desktop size, whole (not only the first screen), when asked."""
    if not driver.screenshots:
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for label, (width, _) in (("phone", PHONE), ("desktop", DESKTOP)):
        driver.set_window_size(width, 600)
        # The window is taller than the page it shows: grow it by what the page still lacks.
        lacking = driver.execute_script("return document.documentElement.scrollHeight - window.innerHeight")
        driver.set_window_size(width, min(600 + max(lacking, 0), 8000))
        driver.save_screenshot(str(SCREENSHOTS / f"{name}-{label}.png"))
    driver.set_window_size(*PHONE)


def wait_for(driver, condition, seconds: float = 10):
    return WebDriverWait(driver, seconds, poll_frequency=0.05).until(lambda d: condition(d))


def status(driver) -> str:
    return driver.find_element(By.ID, "save-status").text


#: Finds the element an inspector acts on for one field and brings it into view: the option
#: to tap (none when already ticked), or the input to type into (its fold opened first; none
#: when the item does not apply). A date or time is set as the phone's picker sets it.
_FIND_FIELD = """
const [name, value] = arguments;
const all = Array.from(document.getElementsByName(name));
if (!all.length) return null;
const first = all[0];
if (first.type === 'radio' || first.type === 'checkbox') {
    const option = all.find(element => element.value === value);
    if (!option || option.checked) return null;
    option.scrollIntoView({block: 'center'});
    return [option, 'tap'];
}
if (first.tagName === 'SELECT') return [first, 'select'];
if (first.type === 'date' || first.type === 'time') {
    first.value = value;
    first.dispatchEvent(new Event('change', {bubbles: true}));
    return null;
}
const fold = first.closest('details');
if (fold) fold.open = true;
if (first.offsetParent === null) return null;
first.scrollIntoView({block: 'center'});
first.value = '';
return [first, 'type'];
"""

#: The same for many fields in one call, each option clicked and each text set with the
#: input and change events typing sends: the checklist's items, which the form handles alike.
_FILL_FIELDS = """
for (const [name, value] of arguments[0]) {
    const all = Array.from(document.getElementsByName(name));
    if (!all.length) continue;
    const first = all[0];
    if (first.type === 'radio' || first.type === 'checkbox') {
        const option = all.find(element => element.value === value);
        if (option && !option.checked) option.click();
        continue;
    }
    const fold = first.closest('details');
    if (fold) fold.open = true;
    if (first.offsetParent === null) continue;
    first.value = value;
    for (const kind of ['input', 'change']) first.dispatchEvent(new Event(kind, {bubbles: true}));
}
"""


def fill(driver, fields: list[tuple[str, str]]) -> None:
    """Type and tap as an inspector does the site's facts and the inspection's (a tap on each
    chosen option, text typed; 处数 and 说明 sit under a fold the inspector opens first), and
    set the checklist's answers by script, each with the events a tap or typing sends."""
    by_hand = [(name, value) for name, value in fields if not name.startswith("answers.")]
    for name, value in by_hand:
        found = driver.execute_script(_FIND_FIELD, name, value)
        if found is None:
            continue
        element, action = found
        if action == "tap":
            element.click()
        elif action == "select":
            Select(element).select_by_value(value)
        else:
            element.send_keys(value)
    driver.execute_script(_FILL_FIELDS, [[name, value] for name, value in fields if name.startswith("answers.")])


def test_inspector_on_a_phone__fills_loses_the_connection_recovers_and_submits(server, browser) -> None:
    url, root = server
    driver = browser
    driver.get(url + "/")
    assert "/login" in driver.current_url
    shoot(driver, "1-login")
    driver.find_element(By.NAME, "name").send_keys("李明")
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(driver, lambda d: "新建检查" in d.page_source)
    shoot(driver, "2-home")
    Select(driver.find_element(By.NAME, "checklist")).select_by_value("dust_six_100pct")
    wait_for(driver, lambda d: d.find_elements(By.XPATH, "//button[text()='开始填写']"))[0].click()
    wait_for(driver, lambda d: d.find_elements(By.ID, "inspection"))
    assert driver.execute_script("return document.documentElement.scrollWidth") <= PHONE[0]  # nothing wider than the phone

    # A conditional item follows the site type, by the engine's when:.
    wet = driver.find_element(By.CSS_SELECTOR, "[data-item=wet_demolition]")
    Select(driver.find_element(By.NAME, "site.type")).select_by_value("construction")
    wait_for(driver, lambda d: not wet.is_displayed())
    Select(driver.find_element(By.NAME, "site.type")).select_by_value("demolition")
    wait_for(driver, lambda d: wet.is_displayed())

    example = EXAMPLES / "dust_six_100pct_noncompliant.yaml"
    fill(driver, form_like(example))
    wait_for(driver, lambda d: "已自动保存" in status(d))

    # A photo of the gap in the hoarding, shrunk by the phone before it is sent.
    from PIL import Image

    picture = root.parent / "gap.jpg"
    Image.new("RGB", (3000, 2000), (90, 110, 130)).save(picture, "JPEG")
    camera = driver.find_element(By.CSS_SELECTOR, "input[data-photo-item=hoarding_closed]")
    camera.send_keys(str(picture))
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "[data-photos=hoarding_closed] figure img"), 20)
    shoot(driver, "3-form")

    # The connection drops: the change is kept in the phone, and sent once it is back.
    driver.set_network_conditions(offline=True, latency=0, download_throughput=0, upload_throughput=0)
    note = driver.find_element(By.NAME, "answers.hoarding_base.note")
    driver.execute_script("arguments[0].closest('details').open = true; arguments[0].scrollIntoView({block: 'center'})", note)
    note.send_keys("南侧无防溢座")
    wait_for(driver, lambda d: "网络不通" in status(d))
    shoot(driver, "4-offline")
    driver.set_network_conditions(offline=False, latency=0, download_throughput=500_000, upload_throughput=500_000)
    driver.refresh()
    wait_for(driver, lambda d: "已自动保存" in status(d))
    driver.refresh()  # what the server holds now, with nothing left in the phone
    time.sleep(0.2)
    assert driver.find_element(By.NAME, "answers.hoarding_base.note").get_attribute("value") == "南侧无防溢座"
    # Typed and the page left at once, before the pause after typing has run out: kept all the same.
    note = driver.find_element(By.NAME, "answers.hoarding_base.note")
    driver.execute_script("arguments[0].closest('details').open = true; arguments[0].scrollIntoView({block: 'center'})", note)
    note.send_keys("，长约3米")
    driver.refresh()
    wait_for(driver, lambda d: "已自动保存" in status(d))
    driver.refresh()
    wait_for(driver, lambda d: d.find_elements(By.NAME, "answers.hoarding_base.note"))
    assert driver.find_element(By.NAME, "answers.hoarding_base.note").get_attribute("value") == "南侧无防溢座，长约3米"

    # The site's person signs with a finger on the screen.
    from selenium.webdriver.common.action_chains import ActionChains

    pad = driver.find_element(By.CSS_SELECTOR, "[data-signer=party]")
    canvas = pad.find_element(By.TAG_NAME, "canvas")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", canvas)
    ActionChains(driver, duration=50).move_to_element_with_offset(canvas, -100, 10).click_and_hold().move_by_offset(60, -30).move_by_offset(60, 40).move_by_offset(60, -30).release().perform()
    pad.find_element(By.CSS_SELECTOR, "[data-save]").click()
    wait_for(driver, lambda d: "签名已保存" in status(d))
    shoot(driver, "4b-signed")

    driver.find_element(By.XPATH, "//button[text()='提交']").click()
    wait_for(driver, lambda d: "发现的问题" in d.page_source or d.find_elements(By.CSS_SELECTOR, "[role=alert]"))
    assert [alert.text for alert in driver.find_elements(By.CSS_SELECTOR, "[role=alert]")] == []
    shoot(driver, "5-result")
    assert "不合格" in driver.page_source
    (written,) = list((root / "inspections").rglob("*.yaml"))
    rules = load_rules(RULES)
    got, want = check(written, rules), check(example, rules)
    assert (got.verdict, got.score, [f.item_id for f in got.findings]) == (want.verdict, want.score, [f.item_id for f in want.findings])
    assert "南侧无防溢座，长约3米" in written.read_text(encoding="utf-8")
    (photo,) = list((root / "inspections").rglob("photos/*.jpg"))
    with Image.open(photo) as image:
        assert max(image.size) <= 1600  # shrunk on the phone, before it was sent
    assert f"photos/{photo.name}" in written.read_text(encoding="utf-8")
    (signature,) = list((root / "inspections").rglob("signatures/*-party.png"))
    with Image.open(signature) as image:
        assert image.getextrema()[0][0] < 100  # ink: the stroke drawn above

    # At the office: log in as the clerk, issue the documents with one tap, see them listed.
    driver.find_element(By.XPATH, "//button[text()='退出']").click()
    wait_for(driver, lambda d: "/login" in d.current_url and d.find_elements(By.NAME, "name"))
    driver.find_element(By.NAME, "name").send_keys("王芳")
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    # Each tap loads a page: wait for what comes next rather than look for it at once.
    wait_for(driver, lambda d: d.find_elements(By.PARTIAL_LINK_TEXT, "登记并出具文书"))[0].click()
    wait_for(driver, lambda d: d.find_elements(By.XPATH, "//button[text()='登记并出具']"))[0].click()
    wait_for(driver, lambda d: d.find_elements(By.PARTIAL_LINK_TEXT, "责令整改通知书"), 60)
    shoot(driver, "6-office")
    assert driver.find_elements(By.XPATH, "//button[text()='重新生成文书']")

    # The office's other pages, as the clerk sees them: the open findings, the lists, the users.
    for link, page, shown in (("未销号的问题", "7-findings", "书面销号"), ("清单和汇总", "8-lists", "逾期未销号清单"), ("用户", "9-users", "添加用户")):
        driver.get(url + "/")
        wait_for(driver, lambda d, link=link: d.find_elements(By.LINK_TEXT, link))[0].click()
        wait_for(driver, lambda d, shown=shown: shown in d.page_source)
        assert driver.execute_script("return document.documentElement.scrollWidth") <= PHONE[0]  # nothing wider than the phone
        shoot(driver, page)
