//! LDAP names and entries as plain values: [`AttrName`] (case-insensitive attribute type),
//! [`Dn`] (RFC 4514 distinguished name) and [`LdapEntry`].
//!
//! Invariants:
//! - Two names that an LDAP server considers the same compare equal here: attribute types are
//!   compared without case (RFC 4512 §2.5), and DN values of the naming attributes we use
//!   (`ou`, `cn`, `uid`, `dc`: all `caseIgnoreMatch`) without case and with insignificant spaces
//!   folded (RFC 4518 §2.6.1). A `Dn` keeps the spelling it was built with for display.
//! - `Dn::to_string` always produces a string that `Dn::parse` reads back to an equal `Dn`
//!   (RFC 4514 §2.4 escaping).
//!
//! Nothing here does IO.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;
use std::sync::Arc;

use crate::error::DnError;

#[cfg(test)]
mod tests;

/// An attribute type name (`cn`, `departmentNumber`, `2.5.4.3`), compared case-insensitively.
#[derive(Clone)]
pub struct AttrName {
    name: String,
    key: String,
}

impl AttrName {
    /// Parses a descriptor (`keystring` of RFC 4512 §1.4) or a numeric OID.
    pub fn parse(name: &str) -> Result<Self, DnError> {
        let valid_descr = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        let valid_oid = !name.is_empty()
            && name
                .split('.')
                .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_digit()));
        if valid_descr || valid_oid {
            Ok(Self {
                name: name.to_owned(),
                key: name.to_ascii_lowercase(),
            })
        } else {
            Err(DnError::InvalidAttrName(name.to_owned()))
        }
    }

    /// The name as it was spelt.
    pub fn as_str(&self) -> &str {
        &self.name
    }

    /// True when this is the same attribute type as `other`, ignoring case.
    pub fn is(&self, other: &str) -> bool {
        self.key.eq_ignore_ascii_case(other)
    }
}

impl PartialEq for AttrName {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl Eq for AttrName {}
impl PartialOrd for AttrName {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for AttrName {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key.cmp(&other.key)
    }
}
impl Hash for AttrName {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.key.hash(state);
    }
}
impl fmt::Display for AttrName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}
impl fmt::Debug for AttrName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.name)
    }
}
impl FromStr for AttrName {
    type Err = DnError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// One `type=value` pair of a relative distinguished name. The value is kept unescaped.
#[derive(Clone, Debug)]
pub struct Ava {
    attr: AttrName,
    value: String,
}

impl Ava {
    /// The attribute type.
    pub fn attr(&self) -> &AttrName {
        &self.attr
    }
    /// The value, unescaped.
    pub fn value(&self) -> &str {
        &self.value
    }
}

/// One relative distinguished name with its comparison key and display form computed once.
#[derive(Debug)]
struct Rdn {
    /// One or more AVAs (`cn=a+sn=b`), sorted by type and folded value.
    avas: Vec<Ava>,
    /// Types and values case-folded, spaces folded, canonical escaping.
    key: String,
    /// As spelt, escaped.
    display: String,
}

impl Rdn {
    fn new(mut avas: Vec<Ava>) -> Arc<Self> {
        if avas.len() > 1 {
            avas.sort_by(|a, b| {
                a.attr
                    .cmp(&b.attr)
                    .then_with(|| fold_value(&a.value).cmp(&fold_value(&b.value)))
            });
        }
        let mut key = String::new();
        let mut display = String::new();
        for (i, ava) in avas.iter().enumerate() {
            if i > 0 {
                key.push('+');
                display.push('+');
            }
            key.push_str(&ava.attr.name.to_ascii_lowercase());
            key.push('=');
            key.push_str(&escape_value(&fold_value(&ava.value)));
            display.push_str(&ava.attr.name);
            display.push('=');
            display.push_str(&escape_value(&ava.value));
        }
        Arc::new(Self { avas, key, display })
    }
}

/// A distinguished name (RFC 4514): a sequence of RDNs, the leftmost being the entry's own.
/// RDNs are shared between a DN and its children, so building child DNs is cheap.
#[derive(Clone)]
pub struct Dn {
    /// Leftmost RDN first.
    rdns: Vec<Arc<Rdn>>,
    /// The comparison key: the RDN keys joined with `,`.
    key: String,
    /// The string form: the RDN display forms joined with `,`.
    display: String,
}

impl Dn {
    /// Parses the string form of RFC 4514 §3, including `\XX` hex escapes and multi-valued RDNs.
    /// The empty string is the root DSE's empty DN.
    pub fn parse(dn: &str) -> Result<Self, DnError> {
        let mut rdns = Vec::new();
        if dn.trim().is_empty() {
            return Ok(Self::from_rdns(Vec::new()));
        }
        let mut rdn: Vec<Ava> = Vec::new();
        let mut chars = dn.chars().peekable();
        loop {
            // Attribute type, up to the unescaped `=`.
            let mut attr = String::new();
            loop {
                match chars.next() {
                    Some('=') => break,
                    Some(c) => attr.push(c),
                    None => {
                        return Err(DnError::MissingEquals {
                            dn: dn.to_owned(),
                            component: attr,
                        });
                    }
                }
            }
            let attr = AttrName::parse(attr.trim())?;
            // Value, up to an unescaped `,` or `+`.
            let mut bytes: Vec<u8> = Vec::new();
            // Length of `bytes` up to the last escaped or non-space character, so that
            // unescaped trailing spaces are dropped (RFC 4514 §3: they are not part of the value).
            let mut significant = 0;
            let mut separator = None;
            let mut leading = true;
            while let Some(c) = chars.next() {
                match c {
                    ',' | '+' => {
                        separator = Some(c);
                        break;
                    }
                    '\\' => {
                        leading = false;
                        let first = chars
                            .next()
                            .ok_or_else(|| DnError::BadEscape(dn.to_owned()))?;
                        if let Some(hi) = first.to_digit(16) {
                            let lo = chars
                                .next()
                                .and_then(|c| c.to_digit(16))
                                .ok_or_else(|| DnError::BadEscape(dn.to_owned()))?;
                            bytes.push(
                                u8::try_from(hi * 16 + lo)
                                    .map_err(|_| DnError::BadEscape(dn.to_owned()))?,
                            );
                        } else if " \"#+,;<=>\\".contains(first) {
                            let mut buf = [0u8; 4];
                            bytes.extend_from_slice(first.encode_utf8(&mut buf).as_bytes());
                        } else {
                            return Err(DnError::BadEscape(dn.to_owned()));
                        }
                        significant = bytes.len();
                    }
                    ' ' if leading => {}
                    c => {
                        leading = false;
                        let mut buf = [0u8; 4];
                        bytes.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                        if c != ' ' {
                            significant = bytes.len();
                        }
                    }
                }
            }
            bytes.truncate(significant);
            let value = String::from_utf8(bytes).map_err(|_| DnError::NotUtf8(dn.to_owned()))?;
            rdn.push(Ava { attr, value });
            match separator {
                Some('+') => {}
                Some(_) => rdns.push(Rdn::new(std::mem::take(&mut rdn))),
                None => {
                    rdns.push(Rdn::new(std::mem::take(&mut rdn)));
                    break;
                }
            }
            // `a=b,,c=d` or a trailing `,`: an empty component.
            if chars.peek().is_none_or(|c| *c == ',') {
                return Err(DnError::EmptyComponent(dn.to_owned()));
            }
        }
        Ok(Self::from_rdns(rdns))
    }

    /// The empty DN (the root DSE).
    pub fn root() -> Self {
        Self::from_rdns(Vec::new())
    }

    /// The DN of a child entry named `attr=value` under this one. The value is taken as is and
    /// escaped when the DN is written out, so any text is safe here.
    pub fn child(&self, attr: &AttrName, value: &str) -> Self {
        let rdn = Rdn::new(vec![Ava {
            attr: attr.clone(),
            value: value.to_owned(),
        }]);
        let join = |first: &str, rest: &str| {
            if rest.is_empty() {
                first.to_owned()
            } else {
                let mut out = String::with_capacity(first.len() + 1 + rest.len());
                out.push_str(first);
                out.push(',');
                out.push_str(rest);
                out
            }
        };
        let key = join(&rdn.key, &self.key);
        let display = join(&rdn.display, &self.display);
        let mut rdns = Vec::with_capacity(self.rdns.len() + 1);
        rdns.push(rdn);
        rdns.extend(self.rdns.iter().cloned());
        Self { rdns, key, display }
    }

    /// The comparison key and the string form of `self.child(attr, value)`, without building
    /// it: for the many member values of a group.
    pub(crate) fn child_strings(&self, attr: &AttrName, value: &str) -> (String, String) {
        let join = |rdn: String, rest: &str| {
            if rest.is_empty() {
                rdn
            } else {
                let mut out = rdn;
                out.reserve(rest.len() + 1);
                out.push(',');
                out.push_str(rest);
                out
            }
        };
        let key = format!(
            "{}={}",
            attr.name.to_ascii_lowercase(),
            escape_value(&fold_value(value))
        );
        let display = format!("{}={}", attr.name, escape_value(value));
        (join(key, &self.key), join(display, &self.display))
    }

    /// The parent entry's DN, or `None` for the empty DN.
    pub fn parent(&self) -> Option<Self> {
        let (first, rest) = self.rdns.split_first()?;
        let tail = |s: &str, skip: usize| s.get(skip + 1..).unwrap_or_default().to_owned();
        Some(Self {
            rdns: rest.to_vec(),
            key: tail(&self.key, first.key.len()),
            display: tail(&self.display, first.display.len()),
        })
    }

    /// The AVAs of the leftmost RDN (empty for the empty DN).
    pub fn rdn(&self) -> &[Ava] {
        self.rdns.first().map_or(&[], |rdn| rdn.avas.as_slice())
    }

    /// The number of RDNs.
    pub fn depth(&self) -> usize {
        self.rdns.len()
    }

    /// True when this DN is `ancestor` or lies below it.
    pub fn is_within(&self, ancestor: &Dn) -> bool {
        self.rdns.len() >= ancestor.rdns.len()
            && self
                .rdns
                .iter()
                .rev()
                .zip(ancestor.rdns.iter().rev())
                .all(|(a, b)| a.key == b.key)
    }

    /// The comparison key (case-folded, spaces folded); two DNs are equal when their keys are.
    pub fn normalized(&self) -> &str {
        &self.key
    }

    fn from_rdns(rdns: Vec<Arc<Rdn>>) -> Self {
        let key = rdns
            .iter()
            .map(|r| r.key.as_str())
            .collect::<Vec<_>>()
            .join(",");
        let display = rdns
            .iter()
            .map(|r| r.display.as_str())
            .collect::<Vec<_>>()
            .join(",");
        Self { rdns, key, display }
    }
}

/// RFC 4518 §2.6.1 for `caseIgnoreMatch`: case folded, leading and trailing spaces removed,
/// inner runs of spaces collapsed to one.
pub(crate) fn fold_value(value: &str) -> String {
    let plain = !value.starts_with(' ')
        && !value.ends_with(' ')
        && !value.contains("  ")
        && value.bytes().all(|b| {
            b.is_ascii() && !b.is_ascii_uppercase() && (b == b' ' || !b.is_ascii_whitespace())
        });
    if plain {
        return value.to_owned();
    }
    value
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// RFC 4514 §2.4: escapes `" + , ; < > \` anywhere, `=` (optional, for readability of values
/// such as `a=b`), a leading `#` or space, a trailing space, and NUL.
pub fn escape_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 4);
    let last = value.chars().count().saturating_sub(1);
    for (i, c) in value.chars().enumerate() {
        match c {
            '"' | '+' | ',' | ';' | '<' | '>' | '\\' | '=' => {
                out.push('\\');
                out.push(c);
            }
            '#' if i == 0 => out.push_str("\\#"),
            ' ' if i == 0 || i == last => out.push_str("\\ "),
            '\0' => out.push_str("\\00"),
            c => out.push(c),
        }
    }
    out
}

impl fmt::Display for Dn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display)
    }
}
impl fmt::Debug for Dn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Dn({self})")
    }
}
impl PartialEq for Dn {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl Eq for Dn {}
impl PartialOrd for Dn {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Dn {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key.cmp(&other.key)
    }
}
impl Hash for Dn {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.key.hash(state);
    }
}
impl FromStr for Dn {
    type Err = DnError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// One directory entry: its DN, its object classes and its other attributes.
///
/// `objectClass` is kept apart from `attrs` because the plan treats it specially (compared
/// without case, and the structural class cannot be changed in place).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LdapEntry {
    /// The entry's name.
    pub dn: Dn,
    /// The `objectClass` values.
    pub object_classes: BTreeSet<String>,
    /// Every other attribute; an attribute with no values is absent, never an empty set.
    pub attrs: BTreeMap<AttrName, BTreeSet<String>>,
}

impl LdapEntry {
    /// An entry with the given object classes and no other attribute yet.
    pub fn new(dn: Dn, object_classes: &[&str]) -> Self {
        Self {
            dn,
            object_classes: object_classes.iter().map(|c| (*c).to_owned()).collect(),
            attrs: BTreeMap::new(),
        }
    }

    /// Adds a value to an attribute; empty values are skipped (LDAP has no empty strings for
    /// the directory-string syntax).
    pub fn push(&mut self, attr: &AttrName, value: impl Into<String>) {
        let value = value.into();
        if value.is_empty() {
            return;
        }
        // Look up before inserting: cloning the name for every value of a big group shows.
        match self.attrs.get_mut(attr) {
            Some(values) => {
                values.insert(value);
            }
            None => {
                self.attrs.insert(attr.clone(), BTreeSet::from([value]));
            }
        }
    }

    /// The values of an attribute (empty when absent).
    pub fn values(&self, attr: &str) -> impl Iterator<Item = &str> {
        self.attrs
            .iter()
            .filter(move |(name, _)| name.is(attr))
            .flat_map(|(_, values)| values.iter().map(String::as_str))
    }

    /// True when the entry has `objectClass: class`, ignoring case.
    pub fn has_class(&self, class: &str) -> bool {
        self.object_classes
            .iter()
            .any(|c| c.eq_ignore_ascii_case(class))
    }
}

/// Attribute names used by the layout, parsed once. Descriptors are spelt as in the stock
/// OpenLDAP schemas so the LDIF reads naturally.
pub(crate) mod names {
    use super::AttrName;

    fn known(name: &str) -> AttrName {
        AttrName {
            name: name.to_owned(),
            key: name.to_ascii_lowercase(),
        }
    }

    pub(crate) fn object_class() -> AttrName {
        known("objectClass")
    }
    pub(crate) fn ou() -> AttrName {
        known("ou")
    }
    pub(crate) fn cn() -> AttrName {
        known("cn")
    }
    pub(crate) fn sn() -> AttrName {
        known("sn")
    }
    pub(crate) fn uid() -> AttrName {
        known("uid")
    }
    pub(crate) fn given_name() -> AttrName {
        known("givenName")
    }
    pub(crate) fn mail() -> AttrName {
        known("mail")
    }
    pub(crate) fn department_number() -> AttrName {
        known("departmentNumber")
    }
    pub(crate) fn business_category() -> AttrName {
        known("businessCategory")
    }
    pub(crate) fn employee_type() -> AttrName {
        known("employeeType")
    }
    pub(crate) fn description() -> AttrName {
        known("description")
    }
    pub(crate) fn unique_identifier() -> AttrName {
        known("uniqueIdentifier")
    }
    pub(crate) fn member() -> AttrName {
        known("member")
    }
    pub(crate) fn user_password() -> AttrName {
        known("userPassword")
    }
}
