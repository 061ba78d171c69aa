//! Small declarative macros shared by domain modules.

/// Gives a field-less enum `as_str()` and `parse()` over its stored lower-case names, so the
/// database, the CLI and the API all spell the values the same way.
macro_rules! str_enum {
    ($t:ty { $($v:ident = $s:literal),* $(,)? }) => {
        impl $t {
            /// The stored name.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$v => $s),* }
            }
            /// Parses a stored or typed name (case-insensitive).
            pub fn parse(s: &str) -> Option<Self> {
                match s.trim().to_ascii_lowercase().as_str() { $($s => Some(Self::$v),)* _ => None }
            }
            /// Every allowed name, for error messages.
            pub const NAMES: &'static [&'static str] = &[$($s),*];
        }
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use str_enum;
