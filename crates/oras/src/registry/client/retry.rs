//! Retries: backoff with jitter, `Retry-After`, and pausing every request to a host that
//! answered 429 or 503.

use std::time::Duration;

use reqwest::Response;

use super::Client;

/// How requests that fail for a reason worth retrying (a connection error, 408, 429, 5xx) are
/// retried; a failed TLS handshake (a server without TLS, an untrusted certificate) is not,
/// it fails alike every time, nor a connection refused by a host that never answered
/// (nothing listens there). Only requests whose body can be sent again are retried.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Retries after the first attempt (default 5; 0: no retries).
    pub max_retries: u32,
    /// The wait before the first retry, doubled for each next one, ±10 % jitter (default
    /// 250 ms).
    pub initial_backoff: Duration,
    /// The longest wait, also for a `Retry-After` the registry asks for (default 3 s).
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 5,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(3),
        }
    }
}

setters!(RetryPolicy {
    /// Sets [`RetryPolicy::max_retries`].
    max_retries: u32,
    /// Sets [`RetryPolicy::initial_backoff`].
    initial_backoff: Duration,
    /// Sets [`RetryPolicy::max_backoff`].
    max_backoff: Duration,
});

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> RetryPolicy {
        RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        }
    }

    /// The wait before retry number `attempt` (from 0): the initial backoff doubled per
    /// attempt, ±10 % jitter from the clock's low bits, at most the maximum.
    pub(super) fn backoff(&self, attempt: u32) -> Duration {
        let base = self.initial_backoff.saturating_mul(1u32 << attempt.min(16));
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let jitter = (nanos % 21) as f64 / 100.0 - 0.1;
        // a policy near what a Duration holds saturates instead of overflowing
        Duration::try_from_secs_f64(base.as_secs_f64() * (1.0 + jitter))
            .unwrap_or(Duration::MAX)
            .min(self.max_backoff)
    }
}

impl Client {
    /// Holds back every request to `host` for `wait` (or longer if already paused longer).
    pub(super) fn pause(&self, host: &str, wait: Duration) {
        let until = tokio::time::Instant::now() + wait;
        let mut paused = self.paused.lock().expect("paused hosts");
        let entry = paused.entry(host.to_string()).or_insert(until);
        *entry = (*entry).max(until);
    }

    pub(super) async fn wait_while_paused(&self, host: &str) {
        loop {
            let until = self.paused.lock().expect("paused hosts").get(host).copied();
            match until {
                Some(t) if t > tokio::time::Instant::now() => tokio::time::sleep_until(t).await,
                _ => return,
            }
        }
    }
}

pub(super) fn retry_after(resp: &Response) -> Option<Duration> {
    resp.headers()
        .get("Retry-After")?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::RetryPolicy;

    #[test]
    fn backoff_doubles_with_jitter_and_is_clamped() {
        let p = RetryPolicy::default();
        let first = p.backoff(0);
        assert!(first >= Duration::from_millis(225) && first <= Duration::from_millis(275));
        let third = p.backoff(2);
        assert!(third >= Duration::from_millis(900) && third <= Duration::from_millis(1100));
        assert_eq!(p.backoff(10), Duration::from_secs(3));
        assert_eq!(p.backoff(u32::MAX), Duration::from_secs(3));
        let slow = RetryPolicy::default()
            .initial_backoff(Duration::from_secs(u64::MAX))
            .max_backoff(Duration::from_secs(7));
        assert_eq!(slow.backoff(3), Duration::from_secs(7));
        let huge = RetryPolicy::default()
            .initial_backoff(Duration::MAX)
            .max_backoff(Duration::MAX);
        assert!(huge.backoff(3) > Duration::from_secs(u64::MAX / 2));
    }
}
