//! The buildx release an engine has, which decides what it can export.

/// Reads `docker buildx version`: "github.com/docker/buildx v0.13.1 …" or
/// Debian's "… 0.29.1+ds1 …", as (major, minor); (0, 0) when unreadable.
pub fn parse_buildx(text: &str) -> (u64, u64) {
    let version = text
        .split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .trim_start_matches('v');
    let mut parts = version
        .split(['.', '+', '-'])
        .map(|p| p.parse::<u64>().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buildx_versions_upstream_and_debian() {
        assert_eq!(
            parse_buildx(
                "github.com/docker/buildx v0.13.1 788433953af10f2a698f5c07611dddce2e08c7a0"
            ),
            (0, 13)
        );
        assert_eq!(
            parse_buildx("github.com/docker/buildx 0.29.1+ds1 0.29.1+ds1-4"),
            (0, 29)
        );
        assert_eq!(parse_buildx(""), (0, 0));
        assert!(parse_buildx("x v0.17.0 y") >= (0, 17));
    }
}
