//! Timeouts for PostgreSQL, on both ends of the connection. The server is told to cancel a
//! statement that runs too long (`statement_timeout`) and to end a session that sits idle in a
//! transaction (`idle_in_transaction_session_timeout`), which rolls it back and frees the
//! writer lock. The client keeps a list of the store calls in flight; [`stalled`] resolves
//! when one has waited past its limit plus a grace (so that, when the link works, the server's
//! own cancellation is what the user sees). A frozen link — a proxy that stops forwarding, a
//! peer gone without a reset — then ends the command instead of hanging it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::StoreError;

/// How long each phase may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Opening a connection (TCP, TLS, authentication).
    pub connect: Duration,
    /// One statement, and the client's wait for its answer.
    pub statement: Duration,
    /// A transaction left idle on the server (the client gone silent).
    pub idle: Duration,
}

impl Default for Timeouts {
    fn default() -> Timeouts {
        Timeouts {
            connect: Duration::from_secs(10),
            statement: Duration::from_secs(60),
            idle: Duration::from_secs(60),
        }
    }
}

/// Time past a limit before the client gives up on the server.
fn grace(limit: Duration) -> Duration {
    Duration::from_secs(1) + limit / 10
}

struct InFlight {
    id: u64,
    since: Instant,
    limit: Duration,
    phase: &'static str,
}

static NEXT: AtomicU64 = AtomicU64::new(1);
static IN_FLIGHT: Mutex<Vec<InFlight>> = Mutex::new(Vec::new());

fn in_flight() -> std::sync::MutexGuard<'static, Vec<InFlight>> {
    IN_FLIGHT.lock().unwrap_or_else(|e| e.into_inner())
}

/// A store call in flight; it is done when the guard drops (a `?` or a cancelled future too).
#[must_use]
pub struct Guard(u64);

/// Marks a call to the server in flight in `phase`, for at most `limit`.
pub fn watch(phase: &'static str, limit: Duration) -> Guard {
    let id = NEXT.fetch_add(1, Ordering::Relaxed);
    in_flight().push(InFlight {
        id,
        since: Instant::now(),
        limit,
        phase,
    });
    Guard(id)
}

impl Drop for Guard {
    fn drop(&mut self) {
        in_flight().retain(|f| f.id != self.0);
    }
}

/// Resolves, with the error to report, when a call has been in flight longer than its limit
/// and grace; never otherwise. Race it against the work that uses the store.
pub async fn stalled() -> StoreError {
    loop {
        let overdue = in_flight()
            .iter()
            .find(|f| f.since.elapsed() > f.limit + grace(f.limit))
            .map(|f| (f.phase, f.limit));
        if let Some((phase, limit)) = overdue {
            return StoreError::Timeout { phase, limit };
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
