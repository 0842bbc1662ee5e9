use super::*;

#[test]
fn lockfile_names() {
    let text = "version = 4\n[[package]]\nname = \"b\"\nversion = \"1.0.0\"\n[[package]]\nname = \"a\"\nversion = \"1.0.0\"\n";
    assert_eq!(lockfile_crates(text).unwrap(), ["a", "b"]);
    assert!(
        lockfile_crates("[[package]\n")
            .unwrap_err()
            .contains("not a valid lockfile")
    );
}

#[test]
fn toolchain_files_in_both_forms() {
    assert_eq!(parse_toolchain("1.85.0\n", false).unwrap(), "1.85.0");
    assert_eq!(
        parse_toolchain(
            "[toolchain]\nchannel = \"1.90\"\ncomponents = [\"clippy\"]\n",
            true
        )
        .unwrap(),
        "1.90"
    );
    assert_eq!(
        parse_toolchain("[toolchain]\nchannel = \"stable\"\n", false).unwrap(),
        "stable"
    );
    assert_eq!(
        parse_toolchain("[toolchain]\nprofile = \"minimal\"\n", true).unwrap_err(),
        "[toolchain] has no `channel`"
    );
    assert!(
        parse_toolchain("[toolchain\n", true)
            .unwrap_err()
            .starts_with("not a valid toolchain file: ")
    );
}
