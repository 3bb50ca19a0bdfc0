//! Installing from a manifest: pins are enforced, failures are clear, a second install is a
//! no-op. A small real package from PyPI stands in for the big ones.

use xcode_toolchains::{Error, InstallOptions, InstallState, Manifest, Toolchains};

const SIX: &str = "0a8d7b3f1f4e0e2e4f2e3b3bb0b8a2c8d79a2e6d5f7a8f3f4c1f0e5b8d9c7a6f";

fn manifest(sha256: &str, package: &str) -> Manifest {
    let text = format!(
        r#"
        [artifacts.six]
        registry = "pypi"
        package = "{package}"
        version = "1.16.0"
        sha256 = "{sha256}"
        files = {{ "six.py" = "{sha256}" }}

        [languages.six]
        name = "Six"
        version = "1.16.0"
        source = "main.six"
        artifacts = ["six"]
        build = "python3"
        [languages.six.run]
        module = "{{toolchain}}/python.wasm"
        args = ["six"]
        "#
    );
    Manifest::parse(&text).expect("a valid manifest")
}

fn install(toolchains: &Toolchains) -> Result<(), Error> {
    toolchains.install(&["six".into()], &InstallOptions::default(), &mut |_| {})
}

#[test]
fn a_download_that_differs_from_its_pin_is_refused() {
    let home = tempfile::tempdir().expect("tempdir");
    let toolchains = Toolchains::with_manifest(
        manifest(SIX, "six"),
        home.path(),
        home.path().join("modules"),
    );
    let err = install(&toolchains).expect_err("the pin is wrong");
    let message = err.to_string();
    assert!(matches!(err, Error::Checksum { .. }), "{message}");
    assert!(
        message.contains(SIX) && message.contains("six 1.16.0"),
        "{message}"
    );
    assert_eq!(toolchains.state("six"), InstallState::Missing);
}

#[test]
fn a_package_the_registry_does_not_have_is_a_clear_error() {
    let home = tempfile::tempdir().expect("tempdir");
    let toolchains = Toolchains::with_manifest(
        manifest(SIX, "xcode-no-such-package-anywhere"),
        home.path(),
        home.path().join("modules"),
    );
    let err = install(&toolchains).expect_err("no such package");
    let message = err.to_string();
    assert!(matches!(err, Error::Fetch { .. }), "{message}");
    assert!(
        message.starts_with("pypi could not fetch xcode-no-such-package-anywhere 1.16.0"),
        "{message}"
    );
}

#[test]
fn installed_toolchains_are_checked_not_rebuilt() {
    // The real manifest: after the first install (by .ci/run or another test), a second one
    // only re-checks pins and stamps.
    let harness = crate::ensure("python3");
    let started = std::time::Instant::now();
    harness
        .toolchains
        .install(&["python3".into()], &InstallOptions::default(), &mut |_| {})
        .expect("installs");
    assert_eq!(harness.toolchains.state("python3"), InstallState::Installed);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}
