//! Rust toolchain versions, `X.Y[.Z]`, compared numerically (1.100 > 1.99).

/// A Rust version, `X.Y` or `X.Y.Z`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RustVersion {
    pub major: u64,
    pub minor: u64,
    /// Absent in `X.Y`, which names the newest patch release.
    pub patch: Option<u64>,
}

impl RustVersion {
    /// Parses `X.Y` or `X.Y.Z`; anything else is `None`.
    pub fn parse(text: &str) -> Option<RustVersion> {
        let mut parts = text.split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        let patch = match parts.next() {
            Some(p) => Some(p.parse().ok()?),
            None => None,
        };
        parts.next().is_none().then_some(RustVersion {
            major,
            minor,
            patch,
        })
    }

    /// Whether a toolchain of this version is older than `need`. `X.Y`
    /// stands for its newest patch release, so it meets any `X.Y.Z`.
    pub fn older_than(self, need: RustVersion) -> bool {
        (self.major, self.minor, self.patch.unwrap_or(u64::MAX))
            < (need.major, need.minor, need.patch.unwrap_or(0))
    }
}

impl std::fmt::Display for RustVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.patch {
            Some(p) => write!(f, "{}.{}.{p}", self.major, self.minor),
            None => write!(f, "{}.{}", self.major, self.minor),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> RustVersion {
        RustVersion::parse(text).unwrap()
    }

    #[test]
    fn rust_versions_parse_and_compare() {
        assert_eq!(v("1.86").to_string(), "1.86");
        assert_eq!(v("1.86.1").to_string(), "1.86.1");
        for bad in ["1", "1.x", "latest", "1.2.3.4", ""] {
            assert_eq!(RustVersion::parse(bad), None, "{bad}");
        }
        assert!(v("1.85").older_than(v("1.86.0")));
        assert!(!v("1.86").older_than(v("1.86.1")));
        assert!(v("1.86.0").older_than(v("1.86.1")));
        assert!(!v("1.95.0").older_than(v("1.95.0")));
    }
}
