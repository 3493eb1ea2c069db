//! Loads a run's report.html in a real headless Chromium and checks every figure decodes.
//! Chromium comes from Debian's `chromium` package (.ci/run installs it). Without it the test
//! says so and passes, except under CI (`CI` set), where it fails.

use std::path::Path;
use std::process::Command;

fn chromium() -> Option<String> {
    let candidates = [
        std::env::var("LSO_CHROMIUM").ok(),
        Some("chromium".into()),
        Some("chromium-browser".into()),
    ];
    candidates.into_iter().flatten().find(|c| {
        Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

/// The DOM of `report` after Chromium loaded it (and ran its load handler).
fn dump_dom(browser: &str, profile: &Path, report: &Path) -> String {
    let o = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
        ])
        .args([
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", report.display()))
        .output()
        .unwrap();
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn attr(dom: &str, name: &str) -> Option<String> {
    let start = dom.find(&format!("{name}=\""))? + name.len() + 2;
    Some(dom[start..].split('"').next()?.to_string())
}

#[test]
fn every_report_figure_renders_in_chromium() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must run the browser test: install Debian's chromium"
        );
        eprintln!("skipping: no chromium found (apt-get install chromium, or set LSO_CHROMIUM)");
        return;
    };
    let t = tempfile::tempdir().unwrap();
    let profile = t.path().join("chromium-profile");
    // One report per problem: the report structure is shared, the figures are each problem's.
    for (fixture, out, removable) in [
        ("small.toml", "ising", "data_energy.png"),
        ("small-chiral.toml", "chiral", "w_distribution.png"),
        ("small-shapes.toml", "shapes", "latent_map.png"),
    ] {
        let cfg = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(fixture);
        let o = Command::new(env!("CARGO_BIN_EXE_lso"))
            .arg("run")
            .arg(&cfg)
            .args(["--out", out])
            .current_dir(t.path())
            .output()
            .unwrap();
        assert!(o.status.success(), "{out}: {}", String::from_utf8_lossy(&o.stderr));
        let report = t.path().join(out).join("report.html");
        let dom = dump_dom(&browser, &profile, &report);
        let expected: usize = attr(&dom, "data-figures-expected")
            .expect("report declares its figures")
            .parse()
            .unwrap();
        assert!(expected >= 4, "{out}: the report shows its figures ({expected})");
        assert_eq!(
            attr(&dom, "data-figures-rendered"),
            Some(format!("{expected}/{expected}")),
            "{out}: figures that decoded in Chromium"
        );
        // The browser really checks: a missing figure is reported as such.
        std::fs::remove_file(t.path().join(out).join("report").join(removable)).unwrap();
        let dom = dump_dom(&browser, &profile, &report);
        assert_eq!(
            attr(&dom, "data-figures-rendered"),
            Some(format!("{}/{expected}", expected - 1)),
            "{out}"
        );
    }
    // The benchmark's report: residual and ground-state curves per family.
    let cfg = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/small-compare.toml");
    let o = Command::new(env!("CARGO_BIN_EXE_lso"))
        .arg("compare")
        .arg(&cfg)
        .args(["--out", "compare"])
        .current_dir(t.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "compare: {}", String::from_utf8_lossy(&o.stderr));
    let dom = dump_dom(&browser, &profile, &t.path().join("compare/report.html"));
    // 3 families × (residual, residual with data cost, ground-state probability).
    assert_eq!(attr(&dom, "data-figures-expected").as_deref(), Some("9"));
    assert_eq!(attr(&dom, "data-figures-rendered").as_deref(), Some("9/9"));
}
