//! Accessibility check: axe-core (Deque, the engine behind most RGAA/WCAG audit tools) injected
//! into the page through WebDriver and run against the WCAG 2.1 A/AA rules and axe's best
//! practices. A `serious` or `critical` violation fails the scenario; the others are reported.
//!
//! The script is injected with WebDriver's "execute script", which Chromium runs outside the
//! page's Content-Security-Policy (`script-src 'self'` would block a `<script>` we added): the
//! pages are checked with their real, strict headers.

use std::path::PathBuf;
use std::sync::OnceLock;

use anyhow::{Context, anyhow, bail};
use serde_json::{Value, json};

/// The axe-core version `scripts/test.sh` installs (and the one these rules were read from).
pub const AXE_VERSION: &str = "4.14.1";

/// The rule sets run: WCAG 2.0 and 2.1, levels A and AA (RGAA 4 follows WCAG 2.1 AA), and
/// axe's best practices (landmarks, one `h1`, skip links).
const TAGS: [&str; 5] = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"];

/// Impacts that fail a scenario.
const FAILING: [&str; 2] = ["serious", "critical"];

/// `axe.min.js`: `HABILIS_AXE_JS`, else `tests/e2e/node_modules/axe-core/axe.min.js`.
pub fn script_path() -> PathBuf {
    std::env::var_os("HABILIS_AXE_JS").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("e2e/node_modules/axe-core/axe.min.js"),
        PathBuf::from,
    )
}

/// The script's source, read once per test process.
pub fn source() -> anyhow::Result<&'static str> {
    static SOURCE: OnceLock<Result<String, String>> = OnceLock::new();
    SOURCE
        .get_or_init(|| {
            let path = script_path();
            std::fs::read_to_string(&path).map_err(|e| {
                format!(
                    "axe-core not found at {} ({e}): run scripts/test.sh, or \
                     `npm install --prefix tests/e2e --no-save axe-core@{AXE_VERSION}`",
                    path.display()
                )
            })
        })
        .as_deref()
        .map_err(|e| anyhow!("{e}"))
}

/// One violated rule.
#[derive(Debug, Clone)]
pub struct Violation {
    /// The rule (`color-contrast`, `label`, …).
    pub rule: String,
    /// `minor`, `moderate`, `serious` or `critical`.
    pub impact: String,
    /// What the rule asks.
    pub help: String,
    /// The offending elements (CSS paths axe computed) and why they fail.
    pub nodes: Vec<String>,
}

impl Violation {
    /// Whether it fails the check.
    pub fn fails(&self) -> bool {
        FAILING.contains(&self.impact.as_str())
    }
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{}] {}: {}", self.impact, self.rule, self.help)?;
        for n in &self.nodes {
            write!(f, "\n    {n}")?;
        }
        Ok(())
    }
}

/// Runs axe-core in the current page; returns every violation (with the raw report).
pub async fn run(client: &fantoccini::Client) -> anyhow::Result<(Vec<Violation>, Value)> {
    let loaded = client
        .execute("return typeof window.axe === 'object';", vec![])
        .await?;
    if loaded != Value::Bool(true) {
        let src = source()?;
        client
            .execute(&format!("{src}\n;return typeof window.axe;"), vec![])
            .await
            .context("injecting axe-core")?;
    }
    let script = r"
        const done = arguments[arguments.length - 1];
        window.axe
          .run(document, { runOnly: { type: 'tag', values: arguments[0] }, resultTypes: ['violations'] })
          .then(r => done({ violations: r.violations.map(v => ({
              id: v.id, impact: v.impact, help: v.help,
              nodes: v.nodes.map(n => n.target.join(' ') + ' — ' + (n.failureSummary || '').replace(/\s+/g, ' '))
          })) }))
          .catch(e => done({ error: String(e) }));";
    let report = client
        .execute_async(script, vec![json!(TAGS)])
        .await
        .context("running axe-core")?;
    if let Some(e) = report.get("error") {
        bail!("axe-core failed in the page: {e}");
    }
    let list = report
        .get("violations")
        .and_then(Value::as_array)
        .ok_or_else(|| anyhow!("axe-core report without violations: {report}"))?;
    let violations = list
        .iter()
        .map(|v| Violation {
            rule: text(v, "id", ""),
            impact: text(v, "impact", "unknown"),
            help: text(v, "help", ""),
            nodes: v
                .get("nodes")
                .and_then(Value::as_array)
                .map(|ns| {
                    ns.iter()
                        .filter_map(|n| n.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default(),
        })
        .collect();
    Ok((violations, report))
}

/// A string member of a JSON object, or `default`.
fn text(v: &Value, key: &str, default: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or(default)
        .to_owned()
}
