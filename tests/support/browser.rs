//! A real headless browser for end-to-end tests: Debian's Chromium driven
//! through Debian's ChromeDriver (both installed by scripts/setup.sh) with
//! fantoccini, a WebDriver client.
//!
//! ```ignore
//! let browser = Browser::start().await;
//! browser.client.goto(&format!("{base}/")).await?;
//! browser.screenshot(&artifact_path("accueil.png")).await;
//! browser.close().await;
//! ```

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

use crate::util;

/// ChromeDriver starts in well under a second; Chromium itself starts when
/// the session is created (inside `connect`).
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// A browser session: a ChromeDriver process (with its Chromium) and a
/// fantoccini client connected to it. Dropping it kills both; `close()` ends
/// the session properly first.
pub struct Browser {
    /// The WebDriver client: navigate, find elements, fill forms...
    pub client: Client,
    /// The viewport this session was started with.
    pub viewport: Viewport,
    driver: Child,
    // ChromeDriver's port, for the one command fantoccini lacks (the
    // browser's console log).
    port: u16,
    // A fresh Chromium profile for this session, removed on drop (after the
    // processes are killed: fields drop after `Drop::drop`).
    _profile: tempfile::TempDir,
    _logs: tempfile::TempDir,
}

/// The size of the browser's window, in CSS pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Viewport {
    pub width: u32,
    pub height: u32,
}

impl Viewport {
    /// A desktop screen: the DSFR's large layout (≥ 992 px).
    pub const DESKTOP: Viewport = Viewport { width: 1280, height: 1600 };
    /// A common phone (375 px): the DSFR's small layout, with the header's
    /// links behind the « Menu » button.
    pub const PHONE: Viewport = Viewport { width: 375, height: 812 };

    /// Whether the DSFR shows its small-screen layout (below 992 px).
    pub fn is_small(self) -> bool {
        self.width < 992
    }
}

/// A serious or critical accessibility violation axe-core found.
#[derive(Debug)]
pub struct Violation {
    pub rule: String,
    pub impact: String,
    pub help: String,
    /// CSS selectors of (some of) the offending elements.
    pub targets: Vec<String>,
}

impl Browser {
    /// Starts ChromeDriver and a headless Chromium. Panics with an
    /// explanation when they are missing or fail: a browser test must fail,
    /// not pass silently, on a machine without a browser.
    pub async fn start() -> Browser {
        Self::start_with(Viewport::DESKTOP).await
    }

    /// Like `start`, with a window of this size.
    pub async fn start_with(viewport: Viewport) -> Browser {
        match Self::try_start(viewport).await {
            Ok(browser) => browser,
            Err(e) => panic!("cannot start the browser: {e}"),
        }
    }

    /// Like `start_with`, with JavaScript turned off for pages (as some
    /// usagers browse, and as a failed script leaves them): the core
    /// journeys must work on the server's HTML alone. WebDriver's own
    /// synchronous scripts (page state) still run; axe-core does not.
    pub async fn start_without_javascript(viewport: Viewport) -> Browser {
        match Self::try_start_with(viewport, false).await {
            Ok(browser) => browser,
            Err(e) => panic!("cannot start the browser: {e}"),
        }
    }

    /// Starts ChromeDriver and a headless Chromium.
    pub async fn try_start(viewport: Viewport) -> Result<Browser, String> {
        Self::try_start_with(viewport, true).await
    }

    async fn try_start_with(viewport: Viewport, javascript: bool) -> Result<Browser, String> {
        let chromedriver = util::env_path("GUICHET_CHROMEDRIVER", "/usr/bin/chromedriver");
        let chromium = util::env_path("GUICHET_CHROMIUM", "/usr/bin/chromium");
        for (what, path) in [("chromedriver", &chromedriver), ("chromium", &chromium)] {
            if !path.exists() {
                return Err(format!(
                    "{what} not found at {}: run scripts/setup.sh (it installs Debian's chromium and chromium-driver), or set GUICHET_{}",
                    path.display(),
                    what.to_uppercase()
                ));
            }
        }

        let profile = tempfile::Builder::new()
            .prefix("guichet-chromium-")
            .tempdir()
            .map_err(|e| format!("cannot create a temporary directory: {e}"))?;
        let logs = tempfile::Builder::new()
            .prefix("guichet-chromedriver-")
            .tempdir()
            .map_err(|e| format!("cannot create a temporary directory: {e}"))?;

        // The port is free when chosen but may be taken before ChromeDriver
        // binds it: retry with a new one.
        let mut last_error = String::new();
        for attempt in 0..3 {
            let log_path = logs.path().join(format!("chromedriver-{attempt}.log"));
            match spawn_driver(&chromedriver, &log_path).await {
                Ok((mut driver, port)) => match connect(port, &chromium, profile.path(), viewport, javascript).await {
                    Ok(client) => {
                        return Ok(Browser { client, viewport, driver, port, _profile: profile, _logs: logs });
                    }
                    Err(e) => {
                        kill_group(&mut driver);
                        // A session that cannot be created will not be on a
                        // retry either (bad binary, incompatible versions).
                        return Err(format!("{e}\nChromeDriver's log:\n{}", util::read_log(&log_path)));
                    }
                },
                Err(e) => last_error = e,
            }
        }
        Err(last_error)
    }

    /// Clicks a button that submits a form (or a link) and waits until the
    /// next page has loaded. WebDriver's click returns before a POST-redirect
    /// lands, so reading the page, or navigating, right after it races the
    /// browser: waiting for the old document to go stale removes the race.
    pub async fn submit(&self, button: fantoccini::Locator<'_>) {
        let old = self.client.find(fantoccini::Locator::Css("html")).await.expect("the current page");
        self.client
            .find(button)
            .await
            .unwrap_or_else(|e| panic!("the button to click is missing: {e}"))
            .click()
            .await
            .expect("click");
        let deadline = std::time::Instant::now() + Duration::from_secs(15);
        loop {
            match old.tag_name().await {
                Err(fantoccini::error::CmdError::Standard(e))
                    if e.error == fantoccini::error::ErrorStatus::StaleElementReference =>
                {
                    break;
                }
                _ if std::time::Instant::now() > deadline => panic!("the page did not change after the click"),
                _ => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        }
        loop {
            let state = self.client.execute("return document.readyState", vec![]).await;
            if matches!(state.as_ref().ok().and_then(|v| v.as_str()), Some("complete")) {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "the next page did not finish loading");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Types `text` into the field whose id is `id`, as a person would.
    pub async fn type_into(&self, id: &str, text: &str) {
        self.client
            .find(fantoccini::Locator::Id(id))
            .await
            .unwrap_or_else(|e| panic!("no field #{id}: {e}"))
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("cannot type into #{id}: {e}"));
    }

    /// Picks the option of value `value` in the list whose id is `id`.
    pub async fn choose(&self, id: &str, value: &str) {
        self.client
            .find(fantoccini::Locator::Id(id))
            .await
            .unwrap_or_else(|e| panic!("no list #{id}: {e}"))
            .select_by_value(value)
            .await
            .unwrap_or_else(|e| panic!("no option {value:?} in #{id}: {e}"));
    }

    /// Signs in through the login page at `url`.
    pub async fn log_in(&self, url: &str, email: &str, password: &str) {
        self.client.goto(url).await.expect("goto the login page");
        self.type_into("email", email).await;
        self.type_into("password", password).await;
        self.submit(fantoccini::Locator::Css("form[action='/connexion'] button[type=submit]")).await;
    }

    /// Clicks a link or button of the site's header. On a small screen the
    /// header's links are in the menu modal: the « Menu » button opens it
    /// first, as a person would.
    pub async fn header_action(&self, text: &str) {
        let xpath = |root: &str| format!("{root}//*[(self::a or self::button) and normalize-space(.)='{text}']");
        if self.viewport.is_small() {
            self.client
                .find(fantoccini::Locator::Id("bouton-menu"))
                .await
                .expect("the header's « Menu » button")
                .click()
                .await
                .expect("open the menu");
            let link = xpath("//div[contains(@class,'fr-header__menu-links')]");
            self.client
                .wait()
                .at_most(Duration::from_secs(5))
                .for_element(fantoccini::Locator::XPath(&link))
                .await
                .unwrap_or_else(|e| panic!("no « {text} » in the header's menu: {e}"));
            // The modal fades in: wait until the link can take a click.
            let deadline = std::time::Instant::now() + Duration::from_secs(5);
            loop {
                let element = self.client.find(fantoccini::Locator::XPath(&link)).await.expect("menu link");
                if element.is_displayed().await.unwrap_or(false) {
                    break;
                }
                assert!(std::time::Instant::now() < deadline, "« {text} » in the menu never became visible");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            self.submit(fantoccini::Locator::XPath(&link)).await;
        } else {
            self.submit(fantoccini::Locator::XPath(&xpath("//div[contains(@class,'fr-header__tools-links')]"))).await;
        }
    }

    /// The browser console's errors since the last call (ChromeDriver hands
    /// each entry out once): uncaught exceptions, `console.error`, resources
    /// that failed to load, CSP refusals.
    pub async fn console_errors(&self) -> Vec<String> {
        let session = self.client.session_id().await.ok().flatten().expect("a WebDriver session");
        let response = reqwest::Client::new()
            .post(format!("http://127.0.0.1:{}/session/{session}/se/log", self.port))
            .header("content-type", "application/json")
            .body(r#"{"type":"browser"}"#)
            .send()
            .await
            .expect("ChromeDriver's log command");
        let text = response.text().await.expect("ChromeDriver's log");
        let log: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
        let entries = log["value"].as_array().unwrap_or_else(|| panic!("no log entries in {text}"));
        entries
            .iter()
            .filter(|e| e["level"] == "SEVERE")
            .map(|e| e["message"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    /// Runs axe-core on the current page and returns its serious and
    /// critical violations. axe is injected through WebDriver, which the
    /// page's CSP does not govern (our pages allow no inline script).
    pub async fn axe_violations(&self) -> Vec<Violation> {
        let axe = axe_source();
        self.client.execute(&format!("{axe}\n;return true;"), vec![]).await.expect("inject axe-core");
        let result = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];\n\
                 axe.run(document, { resultTypes: ['violations'] })\n\
                   .then(r => done(r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')\n\
                     .map(v => ({ rule: v.id, impact: v.impact, help: v.help,\n\
                                  targets: v.nodes.slice(0, 5).map(n => n.target.join(' ')) }))))\n\
                   .catch(e => done([{ rule: 'axe-error', impact: 'critical', help: String(e), targets: [] }]));",
                vec![],
            )
            .await
            .expect("axe.run");
        result
            .as_array()
            .map(|list| {
                list.iter()
                    .map(|v| Violation {
                        rule: v["rule"].as_str().unwrap_or_default().to_owned(),
                        impact: v["impact"].as_str().unwrap_or_default().to_owned(),
                        help: v["help"].as_str().unwrap_or_default().to_owned(),
                        targets: v["targets"]
                            .as_array()
                            .map(|t| t.iter().filter_map(|s| s.as_str().map(str::to_owned)).collect())
                            .unwrap_or_default(),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Fails the test when the current page has serious or critical
    /// accessibility violations or the console shows an error. `what` names
    /// the page in the failure message; a screenshot is saved under it.
    pub async fn check_page(&self, what: &str) {
        let violations = self.axe_violations().await;
        let url = self.client.current_url().await.map(|u| u.to_string()).unwrap_or_default();
        let errors = self.page_errors(&url).await;
        if violations.is_empty() && errors.is_empty() {
            return;
        }
        self.screenshot(&artifact_path(&format!("echec-{what}.png"))).await;
        panic!(
            "{what} ({url}, {} px wide):\naccessibility violations: {violations:#?}\nconsole errors: {errors:#?}",
            self.viewport.width
        );
    }

    /// Fails the test when the console shows an error. For pages without
    /// JavaScript, where axe-core cannot run (it needs the page's event
    /// loop); the JavaScript journeys check the same pages with axe-core.
    pub async fn check_console(&self, what: &str) {
        let url = self.client.current_url().await.map(|u| u.to_string()).unwrap_or_default();
        let errors = self.page_errors(&url).await;
        if errors.is_empty() {
            return;
        }
        self.screenshot(&artifact_path(&format!("echec-{what}.png"))).await;
        panic!("{what} ({url}): console errors: {errors:#?}");
    }

    /// The console's errors but one: a refused form comes back with 422 on
    /// purpose (the page says why), and Chromium logs that status of the
    /// document at `url` itself as an error.
    async fn page_errors(&self, url: &str) -> Vec<String> {
        let own_422 = format!("{url} - Failed to load resource: the server responded with a status of 422");
        self.console_errors().await.into_iter().filter(|e| !e.starts_with(&own_422)).collect()
    }

    /// Saves a PNG screenshot of the viewport to `path`, creating its parent
    /// directories. Panics on failure (a test helper).
    pub async fn screenshot(&self, path: &Path) {
        let png = self.client.screenshot().await.unwrap_or_else(|e| panic!("cannot take a screenshot: {e}"));
        if let Some(parent) = path.parent() {
            tokio::fs::create_dir_all(parent)
                .await
                .unwrap_or_else(|e| panic!("cannot create {}: {e}", parent.display()));
        }
        tokio::fs::write(path, png).await.unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    }

    /// Ends the WebDriver session (Chromium quits), then stops ChromeDriver.
    pub async fn close(self) {
        // `Client::close` consumes a client; a clone shares the session. An
        // error here only means the session is already gone.
        let _ = self.client.clone().close().await;
        // Drop kills ChromeDriver's process group.
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        kill_group(&mut self.driver);
    }
}

/// Where tests put screenshots and other files to look at after a run:
/// `$GUICHET_TEST_ARTIFACTS`, else `$CARGO_TARGET_DIR/test-artifacts`, else
/// a directory under the system's temporary directory.
pub fn artifact_path(name: &str) -> PathBuf {
    let dir = match std::env::var_os("GUICHET_TEST_ARTIFACTS") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => match std::env::var_os("CARGO_TARGET_DIR") {
            Some(target) if !target.is_empty() => PathBuf::from(target).join("test-artifacts"),
            _ => std::env::temp_dir().join("guichet-test-artifacts"),
        },
    };
    dir.join(name)
}

/// axe-core's source, installed by scripts/setup.sh (`$GUICHET_AXE`).
fn axe_source() -> String {
    let path = std::env::var_os("GUICHET_AXE").map(PathBuf::from).unwrap_or_else(|| {
        std::env::var_os("GUICHET_CACHE")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/guichet")))
            .unwrap_or_default()
            .join("axe-core/axe.min.js")
    });
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("axe-core not found at {} ({e}): run scripts/setup.sh", path.display()))
}

async fn spawn_driver(chromedriver: &Path, log_path: &Path) -> Result<(Child, u16), String> {
    let log = std::fs::File::create(log_path).map_err(|e| format!("cannot create {}: {e}", log_path.display()))?;
    let log_err = log.try_clone().map_err(|e| format!("cannot duplicate a file handle: {e}"))?;
    let port = util::free_port()?;
    let mut driver = Command::new(chromedriver)
        .arg(format!("--port={port}"))
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_err)
        // Its own process group, so that Drop can kill ChromeDriver and the
        // Chromium processes it started in one go, leaving no orphan browser.
        .process_group(0)
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", chromedriver.display()))?;
    if let Err(e) = util::wait_for_port(port, &mut driver, log_path, "chromedriver", START_TIMEOUT).await {
        kill_group(&mut driver);
        return Err(e);
    }
    Ok((driver, port))
}

async fn connect(
    port: u16,
    chromium: &Path,
    profile: &Path,
    viewport: Viewport,
    javascript: bool,
) -> Result<Client, String> {
    // The flags the machine notes say headless Chromium needs here: as root
    // (--no-sandbox), without GPU, and without the background connections to
    // Google's services that this closed network refuses.
    let args = [
        "--headless".to_owned(),
        "--no-sandbox".to_owned(),
        "--disable-gpu".to_owned(),
        "--disable-quic".to_owned(),
        "--no-first-run".to_owned(),
        "--disable-background-networking".to_owned(),
        "--disable-component-update".to_owned(),
        "--disable-sync".to_owned(),
        "--disable-dev-shm-usage".to_owned(),
        format!("--window-size={},{}", viewport.width, viewport.height),
        // Our usagers' browsers are French: date inputs show jj/mm/aaaa.
        "--lang=fr-FR".to_owned(),
        format!("--user-data-dir={}", profile.display()),
    ];
    let mut options = json!({ "binary": chromium.display().to_string(), "args": args });
    if !javascript {
        // The content setting a person changes in Chromium's settings:
        // pages' scripts do not run, WebDriver's do.
        options["prefs"] = json!({ "profile.managed_default_content_settings.javascript": 2 });
    }
    if viewport.is_small() {
        // Headless Chromium keeps windows at least 500 px wide: a phone's
        // width needs the device emulation (as DevTools' device mode).
        options["mobileEmulation"] = json!({
            "deviceMetrics": { "width": viewport.width, "height": viewport.height, "pixelRatio": 2.0 },
        });
    }
    let capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": options,
        // The console (uncaught exceptions, failed loads, CSP refusals) is
        // kept by ChromeDriver for `Browser::console_errors`.
        "goog:loggingPrefs": { "browser": "ALL" },
    });
    let serde_json::Value::Object(capabilities) = capabilities else {
        unreachable!("json! of an object literal is an object");
    };
    // Plain HTTP to ChromeDriver on loopback: no TLS stack needed.
    let connector = HttpConnector::new();
    let client = tokio::time::timeout(
        START_TIMEOUT,
        ClientBuilder::new(connector).capabilities(capabilities).connect(&format!("http://127.0.0.1:{port}")),
    )
    .await
    .map_err(|_| format!("no browser session within {START_TIMEOUT:?}"))?
    .map_err(|e| format!("cannot create a browser session: {e}"))?;
    Ok(client)
}

/// Kills ChromeDriver's whole process group (ChromeDriver and its Chromium)
/// and reaps ChromeDriver. Errors are ignored: used from Drop, when the
/// processes may already be gone.
fn kill_group(driver: &mut Child) {
    if let Ok(None) = driver.try_wait() {
        // `kill -KILL -- -PGID`: std has no process-group kill, and the
        // workspace denies unsafe code (so no direct libc call).
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", driver.id())])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
    util::kill_and_reap(driver);
}
