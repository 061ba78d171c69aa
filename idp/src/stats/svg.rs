//! A server-side SVG bar chart of logins per month, for the fund and partner consoles: pure, no
//! script, no external resource, every text escaped.

use std::fmt::Write as _;

/// Width of the drawing, in SVG units.
const WIDTH: i64 = 640;
/// Height of the drawing.
const HEIGHT: i64 = 240;
/// Room for the title above and the month labels below.
const TOP: i64 = 30;
const BOTTOM: i64 = 30;
const LEFT: i64 = 40;
const RIGHT: i64 = 10;

/// Escapes text for SVG (XML) content and attributes.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A bar chart of `points` (month `YYYY-MM`, logins), in the given order: one `<rect
/// class="bar">` per month with a `<title>` giving the figure, the month under it, the
/// largest value on the axis, and `title` above. No data: the frame and « Aucune donnée ».
pub fn logins_chart(title: &str, points: &[(String, i64)]) -> String {
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"usage-chart\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" width=\"{WIDTH}\" height=\"{HEIGHT}\" role=\"img\" aria-label=\"{}\">",
        escape(title)
    );
    let _ = write!(
        s,
        "<title>{}</title><text class=\"title\" x=\"{LEFT}\" y=\"18\" font-size=\"14\">{}</text>",
        escape(title),
        escape(title)
    );
    let plot_h = HEIGHT - TOP - BOTTOM;
    let base = TOP + plot_h;
    let _ = write!(
        s,
        "<line class=\"axis\" x1=\"{LEFT}\" y1=\"{base}\" x2=\"{}\" y2=\"{base}\" stroke=\"#555\"/>",
        WIDTH - RIGHT
    );
    if points.is_empty() {
        let _ = write!(
            s,
            "<text class=\"empty\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">Aucune donnée</text></svg>",
            WIDTH / 2,
            TOP + plot_h / 2
        );
        return s;
    }
    let max = points
        .iter()
        .map(|(_, v)| (*v).max(0))
        .max()
        .unwrap_or(0)
        .max(1);
    let _ = write!(
        s,
        "<text class=\"max\" x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"10\">{max}</text>",
        LEFT - 4,
        TOP + 4
    );
    let n = i64::try_from(points.len()).unwrap_or(i64::MAX).max(1);
    let slot = (WIDTH - LEFT - RIGHT) / n;
    let bar_w = (slot * 3 / 4).max(1);
    for (i, (month, value)) in (0_i64..).zip(points) {
        let v = (*value).max(0);
        let h = v * plot_h / max;
        let x = LEFT + i * slot + (slot - bar_w) / 2;
        let y = base - h;
        let label = escape(month);
        let _ = write!(
            s,
            "<rect class=\"bar\" x=\"{x}\" y=\"{y}\" width=\"{bar_w}\" height=\"{h}\" fill=\"#2b6cb0\"><title>{label} : {v}</title></rect>"
        );
        let _ = write!(
            s,
            "<text class=\"month\" x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"10\">{label}</text>",
            x + bar_w / 2,
            base + 14
        );
    }
    s.push_str("</svg>");
    s
}
