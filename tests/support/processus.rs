//! Runs one test of this binary in a process of its own, for measurements
//! that read the whole process, such as its peak memory: the other tests,
//! running alongside in threads of the same process, would count in them.

use std::process::Command;

/// Runs test `name` (its full path in the binary) alone in a child process
/// of this test binary, and fails with the child's output when it fails.
/// The test must be `#[ignore]`d, so that the normal run leaves it to its
/// caller. What the child prints on stderr (its measurements) is printed.
pub fn dans_un_processus_seul(name: &str) {
    let exe = std::env::current_exe().expect("path of the running test binary");
    let output = Command::new(&exe)
        .args([name, "--exact", "--ignored", "--nocapture", "--test-threads=1"])
        .output()
        .unwrap_or_else(|e| panic!("cannot run {} {name}: {e}", exe.display()));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    eprint!("{stderr}");
    assert!(
        output.status.success() && stdout.contains("test result: ok. 1 passed"),
        "{name}, run alone in a process of its own, failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
}
