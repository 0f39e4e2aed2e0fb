//! `checks::disk_space` on the local file system.

use healthz_actix::{Status, checks};

#[tokio::test]
async fn disk_space_passes_above_and_fails_below_the_minimum() {
    let dir = std::env::temp_dir();
    let check = checks::disk_space(&dir, 1).await;
    assert_eq!(check.status(), Status::Pass, "{:?}", check.output());
    let output = check.output().unwrap();
    assert!(output.contains(" free of "), "{output}");
    assert_eq!(check.observation().map(|(_, unit)| unit), Some("ms"));

    let check = checks::disk_space(&dir, u64::MAX).await;
    assert_eq!(check.status(), Status::Fail);
    let output = check.output().unwrap();
    let prefix = format!("disk {}: ", dir.display());
    assert!(output.starts_with(&prefix), "{output}");
    assert!(
        output.ends_with(" free, below the minimum of 16.0 EiB"),
        "{output}"
    );
}

#[tokio::test]
async fn disk_space_fails_clearly_on_a_missing_path() {
    let check = checks::disk_space("/healthz/no/such/dir", 1).await;
    assert_eq!(check.status(), Status::Fail);
    let missing = std::fs::metadata("/healthz/no/such/dir").unwrap_err();
    assert_eq!(
        check.output().unwrap(),
        format!("disk /healthz/no/such/dir: cannot read free space: {missing}")
    );
}
