//! How many nodes of a copy move at once: an exact cap when the caller gave one, else an
//! adaptive limit (slow start, additive increase, multiplicative decrease).
//!
//! The adaptive limit starts at [`START`] nodes in flight. It first grows by one with every
//! completed transfer (doubling per window of `limit` transfers, as TCP's slow start does)
//! until a window's mean duration is more than [`SLOWER`] times the fastest window seen (back
//! to the limit that window began with), or an overload comes; from then on it grows by one
//! after every window whose mean duration stayed within that bound (more requests in flight
//! are not just queueing at the registry), up to [`MAX`]. It is halved when a store reports
//! more overload answers (429, 503, which the client retries) than it had when the window's
//! transfers began. The bytes of the transfers in flight are bounded by [`MAX_BYTES`], a blob
//! counting at most [`MAX_CHARGE`] (big blobs are streamed, not held), so up to four big blobs
//! move together.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::Notify;

/// Nodes in flight when an adaptive copy starts.
pub(super) const START: usize = 10;
/// The most nodes an adaptive copy has in flight.
pub(super) const MAX: usize = 64;
/// The most bytes an adaptive copy has in flight.
pub(super) const MAX_BYTES: u64 = 64 << 20;
/// The most one blob counts towards [`MAX_BYTES`].
pub(super) const MAX_CHARGE: u64 = MAX_BYTES / 4;
/// How much slower than the fastest window a window may be for the limit to keep growing.
const SLOWER: f64 = 1.5;

/// Admits nodes of a copy to their I/O.
pub(super) struct Limiter {
    state: Mutex<State>,
    changed: Notify,
    adaptive: bool,
}

struct State {
    limit: usize,
    in_flight: usize,
    bytes: u64,
    /// Transfers that close the current window (the limit when it began), those completed
    /// in it, and their summed durations.
    window: usize,
    done: usize,
    busy: Duration,
    /// The fastest mean duration of a window so far.
    best: Option<Duration>,
    /// Overload answers counted so far (the latest count a permit reported).
    overloads: u64,
    /// Decreases so far: a permit taken before the latest one does not halve again.
    epoch: u64,
    /// The most permits that were out at once.
    peak: usize,
    /// Still growing with every completed transfer (no slow window nor overload yet).
    starting: bool,
}

/// A node's admission; given back with [`Permit::finish`] (or when dropped, as if nothing
/// moved).
pub(super) struct Permit<'a> {
    limiter: &'a Limiter,
    bytes: u64,
    started: Instant,
    epoch: u64,
    overloads: u64,
    given_back: bool,
}

impl Permit<'_> {
    /// Gives the permit back; `overloads` is the stores' count of overload answers now,
    /// `moved` whether it covered a transfer (only those steer the limit).
    pub(super) fn finish(mut self, overloads: u64, moved: bool) {
        self.given_back = true;
        self.limiter.release(&self, overloads, moved);
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if !self.given_back {
            self.limiter.release(self, self.overloads, false);
        }
    }
}

impl Limiter {
    /// `concurrency` 0: adaptive; else an exact cap.
    pub(super) fn new(concurrency: usize) -> Limiter {
        let adaptive = concurrency == 0;
        let limit = if adaptive { START } else { concurrency };
        Limiter {
            state: Mutex::new(State {
                limit,
                in_flight: 0,
                bytes: 0,
                window: limit,
                done: 0,
                busy: Duration::ZERO,
                best: None,
                overloads: 0,
                epoch: 0,
                peak: 0,
                starting: true,
            }),
            changed: Notify::new(),
            adaptive,
        }
    }

    /// Waits until a transfer of `bytes` may start; `overloads` is the stores' count of
    /// overload answers now.
    pub(super) async fn acquire(&self, bytes: u64, overloads: u64) -> Permit<'_> {
        let bytes = bytes.min(MAX_CHARGE);
        loop {
            let wait = self.changed.notified();
            tokio::pin!(wait);
            wait.as_mut().enable();
            {
                let mut s = self.state.lock().expect("copy limiter");
                let fits = !self.adaptive || s.in_flight == 0 || s.bytes + bytes <= MAX_BYTES;
                if s.in_flight < s.limit && fits {
                    s.in_flight += 1;
                    s.bytes += bytes;
                    s.peak = s.peak.max(s.in_flight);
                    return Permit {
                        limiter: self,
                        bytes,
                        started: Instant::now(),
                        epoch: s.epoch,
                        overloads,
                        given_back: false,
                    };
                }
            }
            wait.await;
        }
    }

    fn release(&self, permit: &Permit<'_>, overloads: u64, moved: bool) {
        {
            let mut s = self.state.lock().expect("copy limiter");
            s.in_flight -= 1;
            s.bytes -= permit.bytes;
            if self.adaptive {
                s.steer(permit, overloads, moved);
            }
        }
        self.changed.notify_waiters();
    }

    /// The limit now.
    #[cfg(test)]
    pub(super) fn limit(&self) -> usize {
        self.state.lock().expect("copy limiter").limit
    }

    /// The most permits that were out at once.
    #[cfg(test)]
    pub(super) fn peak(&self) -> usize {
        self.state.lock().expect("copy limiter").peak
    }
}

impl State {
    fn steer(&mut self, permit: &Permit<'_>, overloads: u64, moved: bool) {
        if overloads > permit.overloads.max(self.overloads) {
            self.overloads = overloads;
            self.starting = false;
            if permit.epoch == self.epoch {
                self.limit = (self.limit / 2).max(1);
                self.epoch += 1;
                self.new_window();
            }
            return;
        }
        if !moved {
            return;
        }
        self.done += 1;
        self.busy += permit.started.elapsed();
        if self.starting {
            self.limit = (self.limit + 1).min(MAX);
        }
        if self.done < self.window {
            return;
        }
        let mean = self.busy / self.done as u32;
        let best = *self.best.get_or_insert(mean);
        if mean < best {
            self.best = Some(mean);
        }
        if mean.as_secs_f64() > best.as_secs_f64() * SLOWER {
            if self.starting {
                // back to the limit the window began with: the growth in it only queued
                self.limit = self.window;
                self.starting = false;
            }
        } else if !self.starting {
            self.limit = (self.limit + 1).min(MAX);
        }
        self.new_window();
    }

    /// Starts a window of as many transfers as the limit now.
    fn new_window(&mut self) {
        self.window = self.limit;
        self.done = 0;
        self.busy = Duration::ZERO;
    }
}

#[cfg(test)]
mod tests {
    use futures::FutureExt;

    use super::*;

    #[tokio::test]
    async fn an_exact_cap_is_never_exceeded_nor_changed() {
        let l = Limiter::new(2);
        let a = l.acquire(1 << 40, 0).await;
        let b = l.acquire(1 << 40, 0).await;
        assert!(l.acquire(0, 0).now_or_never().is_none());
        a.finish(7, true);
        b.finish(7, true);
        assert_eq!((l.limit(), l.peak()), (2, 2));
    }

    /// A transfer that took `took` (its permit dated back by that much), with `overloads`
    /// counted before and after it.
    async fn transfer(l: &Limiter, took: Duration, overloads: u64) {
        let mut p = l.acquire(1024, overloads).await;
        p.started = Instant::now() - took;
        p.finish(overloads, true);
    }

    #[tokio::test]
    async fn adaptive_starts_fast_grows_while_transfers_keep_their_pace_and_halves_on_overload() {
        let pace = Duration::from_millis(50);
        let l = Limiter::new(0);
        assert_eq!(l.limit(), START);
        // slow start: one more with every transfer that moved
        for _ in 0..START {
            transfer(&l, pace, 0).await;
        }
        let grown = 2 * START;
        assert_eq!(l.limit(), grown);
        // a window three times slower ends the slow start, back at the limit it began with
        for _ in 0..grown {
            transfer(&l, 3 * pace, 0).await;
        }
        let slowed = grown;
        assert_eq!(l.limit(), slowed);
        for _ in 0..slowed {
            transfer(&l, 3 * pace, 0).await;
        }
        assert_eq!(l.limit(), slowed, "slow windows do not grow the limit");
        // then one more per window that kept its pace
        for _ in 0..slowed {
            transfer(&l, pace, 0).await;
        }
        assert_eq!(l.limit(), slowed + 1);

        let before = l.limit();
        let p = l.acquire(1024, 0).await;
        let q = l.acquire(1024, 0).await;
        p.finish(3, true);
        let halved = before / 2;
        assert_eq!(l.limit(), halved);
        // the same overload seen by a permit taken before the decrease does not halve again
        q.finish(4, true);
        assert_eq!(l.limit(), halved);
    }

    #[tokio::test]
    async fn an_overload_ends_the_slow_start() {
        let pace = Duration::from_millis(50);
        let l = Limiter::new(0);
        let p = l.acquire(1024, 0).await;
        p.finish(1, true);
        assert_eq!(l.limit(), START / 2);
        for _ in 0..START / 2 {
            transfer(&l, pace, 1).await;
        }
        assert_eq!(
            l.limit(),
            START / 2 + 1,
            "one more per window, not one per transfer"
        );
    }

    #[tokio::test]
    async fn adaptive_bounds_the_bytes_in_flight() {
        let l = Limiter::new(0);
        let big: Vec<_> = futures::future::join_all((0..4).map(|_| l.acquire(u64::MAX, 0))).await;
        assert!(l.acquire(1, 0).now_or_never().is_none());
        drop(big);
        let small: Vec<_> = futures::future::join_all((0..START).map(|_| l.acquire(1, 0))).await;
        assert_eq!(l.peak(), START);
        drop(small);
    }
}
