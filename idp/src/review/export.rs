//! Exports of a signed review (002 art. 2.2.2: the result is sent to the fund « comme preuve »):
//! CSV (UTF-8 with a byte-order mark, `;`-separated, for French spreadsheets), JSON, and a
//! printable HTML page. The lines are read and written page by page into a [`Sink`], so a
//! 50,000-line review never sits in memory as one string; the SHA-256 of the bytes is computed
//! on the way and returned, for the trace and the `Repr-Digest` header. A signed review never
//! changes, so the same export always has the same digest.

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{Attestation, Campaign, Line, PartnerReview, ReviewError, ReviewStatus};
use crate::stats::csv_field;
use crate::stats::svg::escape;
use crate::store::{self, Conn};

/// Lines read per page.
const PAGE: u64 = 2_000;

/// An export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// `;`-separated, UTF-8 with BOM.
    Csv,
    /// One JSON document.
    Json,
    /// A printable HTML page.
    Html,
}

impl Format {
    /// Parses `csv`, `json` or `html`.
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "csv" => Some(Self::Csv),
            "json" => Some(Self::Json),
            "html" => Some(Self::Html),
            _ => None,
        }
    }

    /// The name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Json => "json",
            Self::Html => "html",
        }
    }

    /// The media type.
    pub fn media_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv; charset=utf-8",
            Self::Json => "application/json",
            Self::Html => "text/html; charset=utf-8",
        }
    }
}

/// Where an export's bytes go, one chunk per page.
pub trait Sink {
    /// Takes the next chunk.
    fn put(
        &mut self,
        chunk: Vec<u8>,
    ) -> impl std::future::Future<Output = Result<(), ReviewError>> + Send;
}

/// A sink that keeps nothing (computing the digest only).
#[derive(Debug, Default)]
pub struct Discard;

impl Sink for Discard {
    async fn put(&mut self, _chunk: Vec<u8>) -> Result<(), ReviewError> {
        Ok(())
    }
}

/// A sink into memory (tests, small reviews).
#[derive(Debug, Default)]
pub struct Memory(pub Vec<u8>);

impl Sink for Memory {
    async fn put(&mut self, chunk: Vec<u8>) -> Result<(), ReviewError> {
        self.0.extend_from_slice(&chunk);
        Ok(())
    }
}

/// What the export says about its review, besides the lines.
#[derive(Debug, Clone, Serialize)]
pub struct Header {
    /// Fund code.
    pub fund: String,
    /// Partner's third-party number.
    pub partner: String,
    /// Partner's name.
    pub partner_name: String,
    /// The campaign.
    pub campaign: Campaign,
    /// The review.
    pub review: PartnerReview,
    /// The signed attestation (none while the digest of the attestation itself is computed).
    pub attestation: Option<Attestation>,
}

/// An export written.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Format.
    pub format: Format,
    /// SHA-256 of the bytes, hexadecimal.
    pub sha256: String,
    /// Bytes written.
    pub bytes: u64,
    /// Lines written.
    pub lines: u64,
}

const CSV_COLUMNS: [&str; 19] = [
    "year",
    "partner",
    "login",
    "family_name",
    "given_name",
    "account_status",
    "service",
    "role",
    "group",
    "convention",
    "territory",
    "granted_at",
    "granted_by",
    "valid_from",
    "valid_until",
    "last_login",
    "decision",
    "decided_at",
    "line",
];

fn opt(s: Option<&str>) -> &str {
    s.unwrap_or("")
}

fn csv_line(out: &mut Vec<u8>, h: &Header, l: &Line) {
    let last = l.last_login_at.map(|t| t.date().to_string());
    let decided = l.decided_at.map(|t| t.date().to_string());
    let year = h.campaign.year.to_string();
    let id = l.id.to_string();
    let d = &l.details;
    let cells: [&str; 19] = [
        &year,
        &h.partner,
        &l.login,
        &d.family_name,
        &d.given_name,
        &d.account_status,
        opt(l.service.as_deref()),
        opt(l.role.as_deref()),
        opt(l.group.as_deref()),
        opt(d.convention.as_deref()),
        opt(d.territory.as_deref()),
        opt(d.granted_at.as_deref()),
        opt(d.granted_by.as_deref()),
        opt(d.valid_from.as_deref()),
        opt(d.valid_until.as_deref()),
        opt(last.as_deref()),
        l.decision.map_or("", |x| x.as_str()),
        opt(decided.as_deref()),
        &id,
    ];
    let row: Vec<String> = cells.iter().map(|c| csv_field(c)).collect();
    out.extend_from_slice(row.join(";").as_bytes());
    out.extend_from_slice(b"\r\n");
}

fn html_head(h: &Header) -> String {
    let a = h.attestation.as_ref();
    let title = format!(
        "Revue inverse des habilitations {} — {} ({})",
        h.campaign.year, h.partner_name, h.partner
    );
    let mut s = format!(
        "<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n<title>{t}</title>\n</head>\n<body>\n<main>\n<h1>{t}</h1>\n<dl>\n<dt>Caisse</dt><dd>{fund}</dd>\n<dt>Campagne</dt><dd>{camp}</dd>\n<dt>Échéance</dt><dd>{due}</dd>\n",
        t = escape(&title),
        fund = escape(&h.fund),
        camp = escape(&h.campaign.title),
        due = h.campaign.due_on,
    );
    if let Some(a) = a {
        s.push_str(&format!(
            "<dt>Signée par</dt><dd>{}</dd>\n<dt>Le</dt><dd>{}</dd>\n<dt>Déclaration</dt><dd>{}</dd>\n<dt>Conservées</dt><dd>{}</dd>\n<dt>Retirées</dt><dd>{}</dd>\n",
            escape(&a.signer_name),
            a.signed_at.date(),
            escape(&a.statement),
            a.kept,
            a.withdrawn
        ));
    }
    s.push_str("</dl>\n<table>\n<caption>Habilitations revues / Reviewed habilitations</caption>\n<thead><tr>");
    for c in [
        "Identifiant",
        "Nom",
        "Prénom",
        "Service",
        "Rôle",
        "Groupe",
        "Territoire",
        "Accordée le",
        "Accordée par",
        "Dernière connexion",
        "Décision",
    ] {
        s.push_str(&format!("<th scope=\"col\">{c}</th>"));
    }
    s.push_str("</tr></thead>\n<tbody>\n");
    s
}

fn html_line(out: &mut String, l: &Line) {
    let d = &l.details;
    let decision = match l.decision {
        Some(super::Decision::Keep) => "conservée",
        Some(super::Decision::Withdraw) => "retirée",
        None => "",
    };
    let last = l
        .last_login_at
        .map_or_else(|| "jamais".to_owned(), |t| t.date().to_string());
    out.push_str("<tr>");
    for c in [
        l.login.as_str(),
        &d.family_name,
        &d.given_name,
        opt(l.service.as_deref()),
        opt(l.role.as_deref()),
        opt(l.group.as_deref()),
        opt(d.territory.as_deref()),
        opt(d.granted_at.as_deref()),
        opt(d.granted_by.as_deref()),
        &last,
        decision,
    ] {
        out.push_str("<td>");
        out.push_str(&escape(c));
        out.push_str("</td>");
    }
    out.push_str("</tr>\n");
}

/// A sink with the running digest and size.
struct Hashing<'a, S> {
    sink: &'a mut S,
    hasher: Sha256,
    bytes: u64,
}

impl<S: Sink + Send> Hashing<'_, S> {
    async fn put(&mut self, chunk: Vec<u8>) -> Result<(), ReviewError> {
        self.hasher.update(&chunk);
        self.bytes += chunk.len() as u64;
        self.sink.put(chunk).await
    }
}

/// Only a signed review (with its attestation) is handed out.
pub fn ensure_signed(header: &Header) -> Result<(), ReviewError> {
    if header.review.status == ReviewStatus::Signed && header.attestation.is_some() {
        Ok(())
    } else {
        Err(ReviewError::NotSigned)
    }
}

/// Writes the review in `format` into `sink`, page by page; returns the digest. Callers handing
/// the export out check [`ensure_signed`] first (signing itself digests the unsigned lines).
pub async fn write<S: Sink + Send>(
    db: &impl Conn,
    header: &Header,
    format: Format,
    sink: &mut S,
) -> Result<Summary, ReviewError> {
    let mut out = Hashing {
        sink,
        hasher: Sha256::new(),
        bytes: 0,
    };
    let mut lines = 0u64;
    let json_err = |e: serde_json::Error| ReviewError::Io(e.to_string());
    let start: Vec<u8> = match format {
        Format::Csv => {
            let mut v = "\u{feff}".as_bytes().to_vec();
            v.extend_from_slice(CSV_COLUMNS.join(";").as_bytes());
            v.extend_from_slice(b"\r\n");
            v
        }
        Format::Json => {
            let mut head = serde_json::to_string(header).map_err(json_err)?;
            head.pop(); // the closing brace: the lines follow
            head.push_str(",\"lines\":[");
            head.into_bytes()
        }
        Format::Html => html_head(header).into_bytes(),
    };
    out.put(start).await?;
    let mut after = 0i64;
    loop {
        let page = store::review::lines_after(db, header.review.id, after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        let mut chunk = Vec::with_capacity(page.len() * 200);
        match format {
            Format::Csv => {
                for l in &page {
                    csv_line(&mut chunk, header, l);
                }
            }
            Format::Json => {
                for (i, l) in page.iter().enumerate() {
                    if lines > 0 || i > 0 {
                        chunk.push(b',');
                    }
                    serde_json::to_writer(&mut chunk, l).map_err(json_err)?;
                }
            }
            Format::Html => {
                let mut s = String::with_capacity(page.len() * 300);
                for l in &page {
                    html_line(&mut s, l);
                }
                chunk = s.into_bytes();
            }
        }
        lines += page.len() as u64;
        out.put(chunk).await?;
    }
    let end: &[u8] = match format {
        Format::Csv => b"",
        Format::Json => b"]}",
        Format::Html => b"</tbody>\n</table>\n</main>\n</body>\n</html>\n",
    };
    if !end.is_empty() {
        out.put(end.to_vec()).await?;
    }
    Ok(Summary {
        format,
        sha256: hex::encode(out.hasher.finalize()),
        bytes: out.bytes,
        lines,
    })
}
