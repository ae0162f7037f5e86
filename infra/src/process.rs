//! Child processes that never outlive their owner.

use std::os::unix::process::CommandExt;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// A child started in its own process group. Dropping it stops the whole
/// group: SIGTERM, a grace period, then SIGKILL for anything left.
pub struct ChildGroup {
    child: Child,
    name: &'static str,
}

impl ChildGroup {
    pub fn spawn(name: &'static str, mut cmd: Command) -> std::io::Result<Self> {
        let child = cmd.process_group(0).spawn()?;
        Ok(Self { child, name })
    }

    pub fn child(&mut self) -> &mut Child {
        &mut self.child
    }

    pub fn stop(&mut self) {
        let pgid = self.child.id() as i32;
        if let Ok(Some(_)) = self.child.try_wait() {
            // The leader is gone; members may remain.
            unsafe { libc::kill(-pgid, libc::SIGKILL) };
            return;
        }
        // SAFETY: signalling the process group we created.
        unsafe { libc::kill(-pgid, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        unsafe { libc::kill(-pgid, libc::SIGKILL) };
        let _ = self.child.wait();
        eprintln!("stopped {}", self.name);
    }
}

impl Drop for ChildGroup {
    fn drop(&mut self) {
        self.stop();
    }
}
