//! Child processes that never outlive their owner.

use std::os::unix::process::CommandExt;
use std::process::{Child, Command};
use std::sync::mpsc::{Sender, channel};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// A child started in its own process group. Dropping it stops the whole
/// group: SIGTERM, a grace period, then SIGKILL for anything left. A
/// process that ends without dropping it (SIGKILL, `process::exit`, a
/// static) still takes the leader with it: the kernel sends it SIGTERM
/// (`PR_SET_PDEATHSIG`).
pub struct ChildGroup {
    child: Child,
    name: &'static str,
    /// Set by the first [`ChildGroup::stop`]: once the leader is reaped its
    /// id (the group's) may be reused, so the group is never signalled again.
    stopped: bool,
}

impl ChildGroup {
    /// Starts `cmd` as the leader of a new process group, named `name` in
    /// messages.
    pub fn spawn(name: &'static str, mut cmd: Command) -> std::io::Result<Self> {
        cmd.process_group(0);
        let child = spawn_from_keeper(cmd)?;
        Ok(Self {
            child,
            name,
            stopped: false,
        })
    }

    /// The leader's process id (the group's).
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// The group's leader.
    pub fn child(&mut self) -> &mut Child {
        &mut self.child
    }

    /// Stops the whole group and reaps the leader; true if this call did.
    /// Idempotent: later calls (and the drop after an explicit stop) signal
    /// nothing and return false.
    #[expect(unsafe_code, reason = "kill(2) on the process group")]
    pub fn stop(&mut self) -> bool {
        if std::mem::replace(&mut self.stopped, true) {
            return false;
        }
        let pgid = self.child.id() as i32;
        if let Ok(Some(_)) = self.child.try_wait() {
            // The leader is gone (reaped just now, so the id is still the
            // group's); members may remain.
            // SAFETY: signalling the process group we created.
            unsafe { libc::kill(-pgid, libc::SIGKILL) };
            return true;
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
        // SAFETY: as above; the leader is not reaped until the wait below.
        unsafe { libc::kill(-pgid, libc::SIGKILL) };
        let _ = self.child.wait();
        eprintln!("stopped {}", self.name);
        true
    }
}

impl Drop for ChildGroup {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

/// A request to the keeper thread: a command, and where to send its child.
type Spawn = (Command, Sender<std::io::Result<Child>>);

/// Spawns `cmd` from one thread that lives as long as the process, with
/// `PR_SET_PDEATHSIG`: the kernel sends that signal when the thread that
/// forked the child ends, not the process, so children forked from a test's
/// or a runtime's worker thread would be signalled when that thread ends.
#[expect(unsafe_code, reason = "pre_exec, to set the parent-death signal")]
fn spawn_from_keeper(cmd: Command) -> std::io::Result<Child> {
    static KEEPER: OnceLock<Mutex<Sender<Spawn>>> = OnceLock::new();
    let keeper = KEEPER.get_or_init(|| {
        let (tx, rx) = channel::<Spawn>();
        std::thread::Builder::new()
            .name("child keeper".into())
            .spawn(move || {
                for (mut cmd, reply) in rx {
                    // SAFETY: prctl is async-signal-safe; nothing else runs
                    // between fork and exec.
                    unsafe {
                        cmd.pre_exec(|| {
                            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
                            Ok(())
                        });
                    }
                    let _ = reply.send(cmd.spawn());
                }
            })
            .expect("the child keeper thread starts");
        Mutex::new(tx)
    });
    let (reply, answer) = channel();
    keeper
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .send((cmd, reply))
        .map_err(|_| std::io::Error::other("the child keeper thread is gone"))?;
    answer
        .recv()
        .map_err(|_| std::io::Error::other("the child keeper thread is gone"))?
}

/// The live processes whose `/proc/<pid>` directory `keep` accepts.
pub fn pids_where(keep: impl Fn(&std::path::Path) -> bool) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| {
            let pid = entry.file_name().to_string_lossy().parse::<u32>().ok()?;
            keep(&entry.path()).then_some(pid)
        })
        .collect()
}

/// The processes running the Lambda function `name`: an emulator starts
/// each with `AWS_LAMBDA_FUNCTION_NAME` in its environment, as Lambda does.
pub fn pids_of_function(name: &str) -> Vec<u32> {
    let wanted = format!("AWS_LAMBDA_FUNCTION_NAME={name}");
    pids_where(|dir| {
        std::fs::read(dir.join("environ")).is_ok_and(|environ| {
            environ
                .split(|b| *b == 0)
                .any(|var| var == wanted.as_bytes())
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stopping_twice_signals_the_group_once() {
        let mut cmd = Command::new("sleep");
        cmd.arg("30");
        let mut group = ChildGroup::spawn("sleep", cmd).unwrap();
        assert!(group.stop(), "the first stop stops it");
        assert!(group.child().try_wait().unwrap().is_some(), "reaped");
        // A second stop (and the drop) must not signal a reaped group,
        // whose id another process may hold by now.
        assert!(!group.stop(), "the second stop signals nothing");
    }

    #[test]
    fn a_child_outlives_the_thread_that_started_it() {
        // The parent-death signal follows the forking thread: a child
        // started from a thread that then ends must still be running.
        let mut group = std::thread::spawn(|| {
            let mut cmd = Command::new("sleep");
            cmd.arg("30");
            ChildGroup::spawn("sleep", cmd).unwrap()
        })
        .join()
        .unwrap();
        std::thread::sleep(Duration::from_millis(200));
        assert!(
            group.child().try_wait().unwrap().is_none(),
            "the child died with the thread that started it"
        );
        assert!(group.stop());
    }
}
