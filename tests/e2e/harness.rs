//! The harness checks itself: axe-core does find violations (a check that never fails would
//! prove nothing), and it runs inside Habilis pages despite their strict Content-Security-Policy
//! (`script-src 'self'`), because WebDriver's "execute script" is not subject to it.

use anyhow::ensure;
use e2e::axe;
use e2e::browser::Browser;
use e2e::server::Habilis;

/// An unlabelled field and an image without a text alternative.
const BROKEN: &str = "data:text/html;charset=utf-8,<!doctype html><html lang=\"fr\"><title>Cassée\
</title><main><h1>Page cassée</h1><input type=\"text\" name=\"q\"><img src=\"x.png\"></main></html>";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axe_reports_violations_and_runs_under_the_strict_csp_of_the_pages() -> anyhow::Result<()> {
    let b = Browser::start("harness").await?;
    let habilis = Habilis::start().await?;
    let outcome = async {
        b.goto(BROKEN).await?;
        let (violations, _) = axe::run(b.client()).await?;
        let failing: Vec<&str> = violations
            .iter()
            .filter(|v| v.fails())
            .map(|v| v.rule.as_str())
            .collect();
        ensure!(
            failing.contains(&"label") && failing.contains(&"image-alt"),
            "axe missed the broken page's violations: {failing:?}"
        );
        ensure!(
            b.assert_accessible("broken").await.is_err(),
            "assert_accessible accepted a page with serious violations"
        );

        let page = format!("{}/password/forgot", habilis.base);
        let csp = reqwest::get(&page).await?.headers()["content-security-policy"]
            .to_str()?
            .to_owned();
        ensure!(csp.contains("script-src 'self'"), "{csp}");
        b.goto(&page).await?;
        let (violations, _) = axe::run(b.client()).await?;
        ensure!(violations.iter().all(|v| !v.fails()), "{violations:?}");
        let loaded = b
            .client()
            .execute("return typeof window.axe.run;", vec![])
            .await?;
        ensure!(loaded == "function", "axe not in the page: {loaded}");
        Ok(())
    }
    .await;
    let outcome = b.finish(outcome).await;
    habilis.stop().await?;
    outcome
}
