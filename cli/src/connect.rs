//! Connecting to the cluster within `--timeout`.
//!
//! A refused connection is retried (a broker may be restarting), but not
//! for long: when every bootstrap address keeps refusing or does not
//! resolve for [`UNREACHABLE_GRACE`], kctl stops with the timeout exit code
//! and names each address and its error (kcat gives up after 5 s). Anything
//! else (a listener that accepts and stays silent, a black-holed SYN) is
//! retried until `--timeout`.

use std::future::Future;
use std::time::Duration;

use kctl_client::admin::{Admin, AdminConfig};
use kctl_client::backoff::Backoff;
use kctl_client::connection::ConnectionConfig;
use kctl_client::error::{ConnectionError, RequestError};
use kctl_client::{ClientConfig, ConsumerConfig, ProducerConfig};
use tokio::time::Instant;

use crate::exit::{Code, Failure};
use crate::settings::Settings;

/// How long every bootstrap address may refuse (or fail to resolve) before
/// kctl gives up, whatever `--timeout` says: long enough for a broker that
/// is restarting to bind its port, short enough to beat kcat's 5 s.
pub(crate) const UNREACHABLE_GRACE: Duration = Duration::from_secs(3);

pub(crate) fn connection_config(settings: &Settings) -> ConnectionConfig {
    let timeout_ms = settings.timeout.as_millis() as u64;
    ConnectionConfig::default()
        .request_timeout_ms(timeout_ms)
        .connect_timeout_ms(timeout_ms.min(10_000))
        .security(settings.security.clone())
}

pub(crate) fn client_config(settings: &Settings) -> ClientConfig {
    let mut config = ClientConfig::new(settings.bootstrap.clone());
    config.connection = connection_config(settings);
    // kctl never creates a topic by looking at it.
    config.allow_auto_topic_creation = false;
    config
}

pub(crate) fn admin_config(settings: &Settings) -> AdminConfig {
    let timeout_ms = settings.timeout.as_millis() as u64;
    AdminConfig::default()
        .api_timeout_ms(timeout_ms)
        .operation_timeout_ms(i32::try_from(timeout_ms).unwrap_or(i32::MAX))
}

pub(crate) async fn admin(settings: &Settings) -> anyhow::Result<Admin> {
    let config = admin_config(settings);
    within_timeout(settings, || {
        Admin::connect(client_config(settings), config.clone())
    })
    .await
}

pub(crate) async fn producer(
    settings: &Settings,
    mut config: ProducerConfig,
) -> anyhow::Result<kctl_client::Producer> {
    config.client = client_config(settings);
    within_timeout(settings, || kctl_client::Producer::new(config.clone())).await
}

pub(crate) async fn consumer(
    settings: &Settings,
    mut config: ConsumerConfig,
) -> anyhow::Result<kctl_client::Consumer> {
    let client_id = config.client.connection.client_id.take();
    config.client = client_config(settings);
    if client_id.is_some() {
        config.client.connection.client_id = client_id;
    }
    // The consumer refuses a long poll that cannot finish within a request.
    let timeout_ms = settings.timeout.as_millis() as u64;
    config.fetch_max_wait_ms = config.fetch_max_wait_ms.min(timeout_ms / 2);
    within_timeout(settings, || kctl_client::Consumer::new(config.clone())).await
}

/// A share-group member with the context's connection settings.
pub(crate) async fn share_consumer(
    settings: &Settings,
    mut config: kctl_client::consumer::share::ShareConsumerConfig,
) -> anyhow::Result<kctl_client::consumer::share::ShareConsumer> {
    config.client = client_config(settings);
    // A long poll must finish within one request.
    let timeout_ms = settings.timeout.as_millis() as u64;
    config.fetch_max_wait_ms = config.fetch_max_wait_ms.min(timeout_ms / 2);
    within_timeout(settings, || {
        kctl_client::consumer::share::ShareConsumer::connect(config.clone())
    })
    .await
}

/// Runs `connect` again after failures until it succeeds or `--timeout`
/// passes.
async fn within_timeout<T, F, Fut>(settings: &Settings, mut connect: F) -> anyhow::Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = kctl_client::Result<T>>,
{
    let deadline = Instant::now() + settings.timeout;
    let backoff = Backoff {
        initial_ms: 100,
        max_ms: 1_000,
        jitter: 0.2,
    };
    let mut last = None;
    let mut unreachable_since = None;
    for attempt in 1u32.. {
        match tokio::time::timeout_at(deadline, connect()).await {
            Ok(Ok(connected)) => return Ok(connected),
            Ok(Err(e @ kctl_client::Error::Config(_))) => return Err(e.into()),
            // Wrong credentials or an untrusted certificate will not get
            // better by waiting: report them now, with the auth exit code.
            Ok(Err(e)) if is_permanent(&e) => return Err(e.into()),
            Ok(Err(kctl_client::Error::BootstrapUnreachable { attempts })) => {
                let since = *unreachable_since.get_or_insert_with(Instant::now);
                tracing::debug!(attempt, "every bootstrap server refused or did not resolve");
                if since.elapsed() >= UNREACHABLE_GRACE {
                    return Err(bootstrap_unreachable(settings, &attempts));
                }
                last = Some(kctl_client::Error::BootstrapUnreachable { attempts });
            }
            Ok(Err(e)) => {
                unreachable_since = None;
                tracing::debug!(error = %e, attempt, "connecting failed");
                last = Some(e);
            }
            Err(_) => break,
        }
        let delay = backoff.delay(attempt);
        if Instant::now() + delay >= deadline {
            break;
        }
        tokio::time::sleep(delay).await;
    }
    Err(unreachable(settings, last))
}

/// Wrong credentials or an untrusted certificate do not get better by
/// waiting: they are reported at once, with the auth exit code.
fn is_permanent(error: &kctl_client::Error) -> bool {
    matches!(error, kctl_client::Error::Request(RequestError::Connection(c)) if !c.is_retriable())
}

fn unreachable(settings: &Settings, last: Option<kctl_client::Error>) -> anyhow::Error {
    let last = last.map_or_else(String::new, |e| format!(" (last error: {e})"));
    Failure::new(
        Code::Timeout,
        format!(
            "timed out after {} connecting to {} from {}{last}",
            human(settings.timeout),
            settings.bootstrap.join(","),
            settings.bootstrap_from,
        ),
    )
    .hint("check that a broker listens there; pass -b/--bootstrap-server, set KCTL_BOOTSTRAP_SERVER or --context, or raise --timeout")
    .into()
}

/// Every bootstrap address refused or did not resolve: each with its error.
fn bootstrap_unreachable(
    settings: &Settings,
    attempts: &[(String, ConnectionError)],
) -> anyhow::Error {
    let mut message = format!(
        "no bootstrap server reachable (from {}; tried for {}):",
        settings.bootstrap_from,
        human(UNREACHABLE_GRACE)
    );
    for (addr, error) in attempts {
        let why = match error {
            // Its text repeats the address; the io error alone reads better.
            ConnectionError::Connect { source, .. } => source.to_string(),
            other => other.to_string(),
        };
        message.push_str(&format!("\n  {addr}: {why}"));
    }
    Failure::new(Code::Timeout, message)
        .hint("check that a broker listens there; pass -b/--bootstrap-server, set KCTL_BOOTSTRAP_SERVER or --context")
        .into()
}

pub(crate) fn human(duration: Duration) -> String {
    let ms = duration.as_millis();
    if ms.is_multiple_of(1000) {
        format!("{} s", ms / 1000)
    } else {
        format!("{ms} ms")
    }
}
