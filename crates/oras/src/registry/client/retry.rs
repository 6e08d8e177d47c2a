//! Retries: backoff with jitter, `Retry-After`, and pausing every request to a host that
//! answered 429 or 503.

use std::time::Duration;

use reqwest::Response;

use super::Client;

pub(super) const MAX_RETRIES: u32 = 5;

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

pub(super) fn backoff(attempt: u32) -> Duration {
    let base = 250u64.saturating_mul(1 << attempt.min(8));
    // ±10 % jitter from the clock's low bits; clamped to [200 ms, 3 s].
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos() as u64)
        .unwrap_or(0);
    let jitter = (nanos % 21) as i64 - 10;
    let ms = (base as i64 + base as i64 * jitter / 100).clamp(200, 3000) as u64;
    Duration::from_millis(ms)
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
    #[test]
    fn backoff_is_clamped() {
        assert!(super::backoff(0) >= std::time::Duration::from_millis(200));
        assert!(super::backoff(10) <= std::time::Duration::from_secs(3));
    }
}
