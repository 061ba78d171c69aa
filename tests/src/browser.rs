//! Headless Chromium driven through chromedriver (W3C WebDriver), and the page helpers the
//! scenarios are written with: they find things the way a person does — a field by its label,
//! a button or a link by its text, the error summary by its `alert` role — never by CSS path.
//!
//! Each [`Browser`] has its own chromedriver on a random port, in its own process group, and
//! its own empty profile: scenarios run in parallel and leave nothing behind (the whole group,
//! Chromium included, is killed when the `Browser` is dropped, even after a failed assertion).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

use crate::{artifacts, axe};

/// Chromium flags: headless, no sandbox (root in a container), and none of the background
/// connections (updates, sync, safe browsing) this machine's closed network refuses.
const FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--window-size=1280,900",
    "--lang=fr-FR",
];

/// How long a click may take to load the next page (Argon2 hashing on a busy machine included).
const NAVIGATION_TIMEOUT: Duration = Duration::from_secs(30);

/// The Chromium binary: `HABILIS_CHROMIUM`, else Debian's `/usr/bin/chromium`.
fn chromium() -> String {
    std::env::var("HABILIS_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned())
}

/// The chromedriver binary: `HABILIS_CHROMEDRIVER`, else Debian's `/usr/bin/chromedriver`.
fn chromedriver() -> String {
    std::env::var("HABILIS_CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".to_owned())
}

/// A chromedriver process (and the Chromium it starts), killed as a group on drop.
struct Driver {
    child: Child,
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        // The group id is chromedriver's pid (`process_group(0)`); Chromium inherits it.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where helpers look: the whole page, or inside one element (a table row, a section).
#[derive(Clone)]
enum Root {
    Page,
    Element(Element),
}

/// A headless Chromium session for one scenario.
pub struct Browser {
    client: Client,
    scenario: String,
    _driver: Driver,
}

impl Browser {
    /// Starts chromedriver and Chromium for `scenario` (the prefix of its screenshots).
    pub async fn start(scenario: &str) -> anyhow::Result<Self> {
        let driver_bin = chromedriver();
        for bin in [&driver_bin, &chromium()] {
            if !std::path::Path::new(bin).exists() {
                bail!(
                    "{bin} is missing: run scripts/test.sh, which installs Debian's chromium and \
                     chromium-driver (apt-get install chromium chromium-driver)"
                );
            }
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let profile = tempfile::tempdir().context("profile folder")?;
        use std::os::unix::process::CommandExt;
        let child = Command::new(&driver_bin)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .with_context(|| format!("starting {driver_bin}"))?;
        let driver = Driver {
            child,
            _profile: profile,
        };
        let url = format!("http://127.0.0.1:{port}");
        wait_ready(&url).await?;
        let mut args: Vec<String> = FLAGS.iter().map(|f| (*f).to_owned()).collect();
        args.push(format!(
            "--user-data-dir={}",
            driver._profile.path().display()
        ));
        let caps = json!({
            "browserName": "chrome",
            "pageLoadStrategy": "normal",
            // Headless Chromium ignores `--lang` for Accept-Language: a French person's browser.
            "goog:chromeOptions": {
                "binary": chromium(),
                "args": args,
                "prefs": { "intl.accept_languages": "fr-FR,fr" },
            },
        });
        let Value::Object(caps) = caps else {
            bail!("capabilities are an object");
        };
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&url)
            .await
            .context("opening a Chromium session")?;
        Ok(Self {
            client,
            scenario: scenario.to_owned(),
            _driver: driver,
        })
    }

    /// The WebDriver client, for what the helpers do not cover.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Opens `url`.
    pub async fn goto(&self, url: &str) -> anyhow::Result<()> {
        self.client
            .goto(url)
            .await
            .with_context(|| format!("opening {url}"))
    }

    /// The current URL.
    pub async fn url(&self) -> anyhow::Result<url::Url> {
        Ok(self.client.current_url().await?)
    }

    /// The page's language (`<html lang>`).
    pub async fn lang(&self) -> anyhow::Result<String> {
        let html = self.client.find(Locator::XPath("/html")).await?;
        Ok(html.attr("lang").await?.unwrap_or_default())
    }

    /// The text of the page's `h1`.
    pub async fn heading(&self) -> anyhow::Result<String> {
        let h1 = self
            .client
            .find(Locator::XPath("//h1"))
            .await
            .context("the page has no h1")?;
        Ok(h1.text().await?.trim().to_owned())
    }

    /// The visible text of the whole page.
    pub async fn page_text(&self) -> anyhow::Result<String> {
        Ok(self
            .client
            .find(Locator::XPath("/html/body"))
            .await?
            .text()
            .await?)
    }

    /// The text of the element with `id` (data the page marks for reading, like a key).
    pub async fn text_by_id(&self, id: &str) -> anyhow::Result<String> {
        let e = self
            .client
            .find(Locator::Id(id))
            .await
            .with_context(|| format!("no element #{id}"))?;
        Ok(e.text().await?.trim().to_owned())
    }

    /// Whether an image named `label` (`<img alt>`, or `role="img"` with `aria-label`) is
    /// displayed with a size.
    pub async fn image(&self, label: &str) -> anyhow::Result<bool> {
        let lit = literal(label);
        let xp = format!("//img[@alt={lit}]|//*[@role='img'][@aria-label={lit}]");
        for e in self.client.find_all(Locator::XPath(&xp)).await? {
            let (_, _, w, h) = e.rectangle().await?;
            if e.is_displayed().await? && w > 0.0 && h > 0.0 {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The messages of the error summary (every element with `role="alert"`), in page order.
    pub async fn error_summary(&self) -> anyhow::Result<Vec<String>> {
        let mut out = vec![];
        for e in self
            .client
            .find_all(Locator::XPath("//*[@role='alert']"))
            .await?
        {
            let t = e.text().await?;
            if !t.trim().is_empty() {
                out.push(t.trim().to_owned());
            }
        }
        Ok(out)
    }

    /// The whole page's helpers (the same as [`Scope`]'s, at the page level).
    pub fn page(&self) -> Scope<'_> {
        Scope {
            browser: self,
            root: Root::Page,
            what: "the page".to_owned(),
        }
    }

    /// Helpers limited to the table row that contains `text` (e.g. a partner's name).
    pub async fn within_row(&self, text: &str) -> anyhow::Result<Scope<'_>> {
        let xp = format!("//tr[contains(normalize-space(), {})]", literal(text));
        self.scope(&xp, &format!("the row with {text:?}")).await
    }

    /// Helpers limited to the navigation landmark named `label` (e.g. the main menu, when a
    /// breadcrumb repeats one of its links).
    pub async fn within_nav(&self, label: &str) -> anyhow::Result<Scope<'_>> {
        let xp = format!("//nav[@aria-label={}]", literal(label));
        self.scope(&xp, &format!("the navigation {label:?}")).await
    }

    /// Helpers limited to the section, form or fieldset titled `title` (a heading or legend).
    pub async fn within_section(&self, title: &str) -> anyhow::Result<Scope<'_>> {
        let t = literal(title);
        let xp = format!(
            "//*[self::section or self::form or self::fieldset or self::article]\
             [./*[self::h2 or self::h3 or self::h4 or self::legend][normalize-space()={t}]]"
        );
        self.scope(&xp, &format!("the section {title:?}")).await
    }

    async fn scope(&self, xpath: &str, what: &str) -> anyhow::Result<Scope<'_>> {
        let found = self.client.find_all(Locator::XPath(xpath)).await?;
        let mut found = found.into_iter();
        match (found.next(), found.next()) {
            (Some(e), None) => Ok(Scope {
                browser: self,
                root: Root::Element(e),
                what: what.to_owned(),
            }),
            (None, _) => bail!("{what} is not on the page"),
            (Some(_), Some(_)) => bail!("{what} is ambiguous: several match"),
        }
    }

    /// Fills the field labelled `label` with `value` (whole page).
    pub async fn fill(&self, label: &str, value: &str) -> anyhow::Result<()> {
        self.page().fill(label, value).await
    }

    /// Clicks the button whose text is `text` (whole page).
    pub async fn click_button(&self, text: &str) -> anyhow::Result<()> {
        self.page().click_button(text).await
    }

    /// Follows the link whose text is `text` (whole page).
    pub async fn click_link(&self, text: &str) -> anyhow::Result<()> {
        self.page().click_link(text).await
    }

    /// Ticks or unticks the checkbox (or picks the radio button) labelled `label` (whole page).
    pub async fn check(&self, label: &str, on: bool) -> anyhow::Result<()> {
        self.page().check(label, on).await
    }

    /// Waits until the page that held `clicked` is replaced by a fully loaded one. The pages
    /// work without JavaScript, so every button and link loads a page; WebDriver's click may
    /// return before the new page has replaced the old one.
    async fn wait_replaced(&self, clicked: &Element, what: &str) -> anyhow::Result<()> {
        let deadline = Instant::now() + NAVIGATION_TIMEOUT;
        loop {
            match clicked.tag_name().await {
                Err(e) if e.is_stale_element_reference() || e.is_no_such_element() => break,
                // While the old document is torn down, Chromium may answer this instead of a
                // stale reference: the page was replaced all the same.
                Err(e) if e.to_string().contains("does not belong to the document") => break,
                Err(e) => return Err(e.into()),
                Ok(_) if Instant::now() > deadline => {
                    bail!("{what:?} loaded no new page within {NAVIGATION_TIMEOUT:?}")
                }
                Ok(_) => tokio::time::sleep(Duration::from_millis(25)).await,
            }
        }
        loop {
            let state = self
                .client
                .execute("return document.readyState;", vec![])
                .await?;
            if state == "complete" {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("the page after {what:?} did not finish loading");
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Presses Tab once; returns the text (or label) of the element that then has the focus.
    pub async fn tab(&self) -> anyhow::Result<String> {
        let keys = KeyActions::new("keyboard".to_owned())
            .then(KeyAction::Down {
                value: Key::Tab.into(),
            })
            .then(KeyAction::Up {
                value: Key::Tab.into(),
            });
        self.client.perform_actions(keys).await?;
        let e = self.client.active_element().await?;
        Ok(e.text().await?.trim().to_owned())
    }

    /// Forgets every cookie of the current site (a new visitor on the same browser).
    pub async fn forget_cookies(&self) -> anyhow::Result<()> {
        Ok(self.client.delete_all_cookies().await?)
    }

    /// Scrolls the element with `id` to the top of the window (for a screenshot of what the
    /// viewport would otherwise cut off).
    pub async fn scroll_to(&self, id: &str) -> anyhow::Result<()> {
        let e = self
            .client
            .find(Locator::Id(id))
            .await
            .with_context(|| format!("no element #{id}"))?;
        self.client
            .execute(
                "arguments[0].scrollIntoView({block: 'start'});",
                vec![serde_json::to_value(e)?],
            )
            .await?;
        Ok(())
    }

    /// Saves a screenshot as `target/e2e-artifacts/SCENARIO-NAME.png`.
    pub async fn screenshot(&self, name: &str) -> anyhow::Result<std::path::PathBuf> {
        let png = self.client.screenshot().await.context("screenshot")?;
        artifacts::save(&format!("{}-{name}.png", self.scenario), &png)
    }

    /// Runs axe-core in the page; fails on a serious or critical violation (all violations are
    /// printed, and the report saved as `SCENARIO-NAME.axe.json`).
    pub async fn assert_accessible(&self, name: &str) -> anyhow::Result<()> {
        let (violations, report) = axe::run(&self.client).await?;
        let file = format!("{}-{name}.axe.json", self.scenario);
        artifacts::save(&file, serde_json::to_string_pretty(&report)?.as_bytes())?;
        for v in &violations {
            eprintln!("axe {}/{name}: {v}", self.scenario);
        }
        let failing: Vec<String> = violations
            .iter()
            .filter(|v| v.fails())
            .map(ToString::to_string)
            .collect();
        if !failing.is_empty() {
            self.screenshot(&format!("{name}-axe")).await?;
            bail!(
                "accessibility of {name} ({}): {}",
                self.url().await?,
                failing.join("\n")
            );
        }
        Ok(())
    }

    /// Ends a scenario: on failure, keeps a screenshot and the page's HTML as artefacts and
    /// adds where the browser was to the error; then closes the session.
    pub async fn finish(self, outcome: anyhow::Result<()>) -> anyhow::Result<()> {
        let outcome = match outcome {
            Ok(()) => Ok(()),
            Err(e) => {
                let at = self
                    .url()
                    .await
                    .map_or_else(|_| "?".to_owned(), |u| u.to_string());
                let shot = self.screenshot("failure").await;
                if let Ok(html) = self.client.source().await {
                    let _ = artifacts::save(
                        &format!("{}-failure.html", self.scenario),
                        html.as_bytes(),
                    );
                }
                let shot = shot.map_or_else(
                    |e| format!("no screenshot: {e}"),
                    |p| p.display().to_string(),
                );
                Err(e.context(format!("browser at {at}; screenshot {shot}")))
            }
        };
        let _ = self.client.close().await;
        outcome
    }
}

/// Helpers inside part of the page (see [`Browser::within_row`]).
pub struct Scope<'b> {
    browser: &'b Browser,
    root: Root,
    what: String,
}

impl Scope<'_> {
    async fn find_all(&self, xpath: &str) -> anyhow::Result<Vec<Element>> {
        Ok(match &self.root {
            Root::Page => self.browser.client.find_all(Locator::XPath(xpath)).await?,
            Root::Element(e) => e.find_all(Locator::XPath(&format!(".{xpath}"))).await?,
        })
    }

    /// The one displayed element matching `xpath` (relative, starting with `//`).
    async fn one(&self, xpath: &str, what: &str) -> anyhow::Result<Element> {
        let mut shown = vec![];
        for e in self.find_all(xpath).await? {
            if e.is_displayed().await? {
                shown.push(e);
            }
        }
        let mut shown = shown.into_iter();
        match (shown.next(), shown.next()) {
            (Some(e), None) => Ok(e),
            (None, _) => bail!("no {what} in {}", self.what),
            (Some(_), Some(_)) => bail!("several {what} in {}", self.what),
        }
    }

    /// The form control labelled `label`: `<label for>` or a control inside the label;
    /// the label's whole text must match (spaces normalised), else its beginning (labels that
    /// carry a hint or a "required" mark).
    pub async fn field(&self, label: &str) -> anyhow::Result<Element> {
        let lit = literal(label);
        let mut labels = self
            .find_all(&format!("//label[normalize-space()={lit}]"))
            .await?;
        if labels.is_empty() {
            labels = self
                .find_all(&format!("//label[starts-with(normalize-space(), {lit})]"))
                .await?;
        }
        let mut labels = labels.into_iter();
        let label_el = match (labels.next(), labels.next()) {
            (Some(l), None) => l,
            (None, _) => bail!("no field labelled {label:?} in {}", self.what),
            (Some(_), Some(_)) => bail!("several fields labelled {label:?} in {}", self.what),
        };
        if let Some(id) = label_el.attr("for").await?.filter(|s| !s.is_empty()) {
            return self
                .browser
                .client
                .find(Locator::Id(&id))
                .await
                .with_context(|| format!("label {label:?} points to a missing #{id}"));
        }
        label_el
            .find(Locator::XPath(".//input|.//select|.//textarea"))
            .await
            .with_context(|| format!("label {label:?} has no for= and no control inside"))
    }

    /// Fills the field labelled `label` (a text field is cleared first; a `select` takes the
    /// option whose text is `value`).
    pub async fn fill(&self, label: &str, value: &str) -> anyhow::Result<()> {
        let field = self.field(label).await?;
        if field.tag_name().await?.eq_ignore_ascii_case("select") {
            return field
                .select_by_label(value)
                .await
                .with_context(|| format!("no option {value:?} in {label:?}"));
        }
        field.clear().await?;
        field
            .send_keys(value)
            .await
            .with_context(|| format!("typing into {label:?}"))
    }

    /// Ticks or unticks the checkbox (or picks the radio button) labelled `label`.
    pub async fn check(&self, label: &str, on: bool) -> anyhow::Result<()> {
        let field = self.field(label).await?;
        if field.is_selected().await? != on {
            field.click().await?;
        }
        Ok(())
    }

    /// Clicks the button whose text (or value) is `text`.
    pub async fn click_button(&self, text: &str) -> anyhow::Result<()> {
        let lit = literal(text);
        let xp = format!(
            "//button[normalize-space()={lit}]\
             |//input[(@type='submit' or @type='button') and normalize-space(@value)={lit}]"
        );
        let b = self.one(&xp, &format!("button {text:?}")).await?;
        b.click()
            .await
            .with_context(|| format!("clicking {text:?}"))?;
        self.browser.wait_replaced(&b, text).await
    }

    /// Follows the link whose text is `text`.
    pub async fn click_link(&self, text: &str) -> anyhow::Result<()> {
        let xp = format!("//a[normalize-space()={}]", literal(text));
        let a = self.one(&xp, &format!("link {text:?}")).await?;
        a.click()
            .await
            .with_context(|| format!("following {text:?}"))?;
        self.browser.wait_replaced(&a, text).await
    }

    /// The messages tied to the field labelled `label` through `aria-describedby` (its hint,
    /// and the refusal shown next to it).
    pub async fn field_messages(&self, label: &str) -> anyhow::Result<Vec<String>> {
        let field = self.field(label).await?;
        let ids = field.attr("aria-describedby").await?.unwrap_or_default();
        let mut out = vec![];
        for id in ids.split_whitespace() {
            let e = self
                .browser
                .client
                .find(Locator::Id(id))
                .await
                .map_err(|_| anyhow!("{label:?} is described by a missing #{id}"))?;
            out.push(e.text().await?.trim().to_owned());
        }
        Ok(out)
    }

    /// The visible text of this part of the page.
    pub async fn text(&self) -> anyhow::Result<String> {
        Ok(match &self.root {
            Root::Page => self.browser.page_text().await?,
            Root::Element(e) => e.text().await?,
        })
    }
}

/// Waits for chromedriver's `/status` to say it is ready.
async fn wait_ready(url: &str) -> anyhow::Result<()> {
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(r) = http.get(format!("{url}/status")).send().await
            && let Ok(v) = r.json::<Value>().await
            && v.pointer("/value/ready") == Some(&Value::Bool(true))
        {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("chromedriver at {url} not ready after 20 s");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// An XPath 1.0 string literal for any text (XPath has no escapes: texts with both quote
/// kinds — French has apostrophes — are built with `concat`).
pub fn literal(s: &str) -> String {
    if !s.contains('\'') {
        return format!("'{s}'");
    }
    if !s.contains('"') {
        return format!("\"{s}\"");
    }
    let parts: Vec<String> = s.split('\'').map(|p| format!("'{p}'")).collect();
    format!("concat({})", parts.join(", \"'\", "))
}

#[cfg(test)]
mod tests {
    use super::literal;

    #[test]
    fn xpath_literals_quote_any_text() {
        assert_eq!(literal("Connexion"), "'Connexion'");
        assert_eq!(literal("Code d'accès"), "\"Code d'accès\"");
        assert_eq!(
            literal("l'« \"accueil\" »"),
            "concat('l', \"'\", '« \"accueil\" »')"
        );
    }
}
