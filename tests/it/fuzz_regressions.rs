//! Every input the fuzzers found a fault with, kept under
//! `fuzz/regressions/<target>/`, replayed through the target's own body
//! (`fuzz/harness.rs`): none may panic, and none may run away (each gets
//! a generous bound, far above its normal milliseconds, so a hang fails
//! the test instead of stalling the suite).

#[allow(dead_code)]
#[path = "../../fuzz/harness.rs"]
mod harness;

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

const BOUND: Duration = Duration::from_secs(60);

#[test]
fn kept_fuzz_findings_stay_fixed() {
    let root = Path::new("fuzz/regressions");
    let mut replayed = 0;
    for folder in std::fs::read_dir(root).unwrap_or_else(|e| panic!("{e}")) {
        let folder = folder.unwrap_or_else(|e| panic!("{e}")).path();
        let name = folder
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let Some(&(_, run)) = harness::TARGETS.iter().find(|(t, _)| *t == name) else {
            panic!("{}: no fuzz target of that name", folder.display());
        };
        for input in std::fs::read_dir(&folder).unwrap_or_else(|e| panic!("{e}")) {
            let path = input.unwrap_or_else(|e| panic!("{e}")).path();
            let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{e}"));
            let (done, wait) = mpsc::channel();
            std::thread::spawn(move || {
                run(&data);
                let _ = done.send(());
            });
            match wait.recv_timeout(BOUND) {
                Ok(()) => replayed += 1,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    panic!("{}: still running after {BOUND:?}", path.display())
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    panic!("{}: the target panicked", path.display())
                }
            }
        }
    }
    assert!(replayed > 0, "no inputs under {}", root.display());
}
