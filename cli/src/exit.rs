//! kctl's exit codes, documented in docs/cli.md. Scripts can rely on them.
//!
//! Commands return `anyhow::Result<Code>`; an error is classified here by
//! what is in its chain: an explicit [`Failure`], or a client error whose
//! Kafka code or kind says "not found", "not authorized" or "timed out".

use std::fmt;
use std::process::ExitCode;

use kctl_client::ErrorCode;
use kctl_client::error::{ConnectionError, Error as ClientError, RequestError};

/// Why kctl stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Code {
    Success = 0,
    /// The command ran and failed.
    Failure = 1,
    /// The command line was wrong: a bad flag, a bad combination, a refusal
    /// to act without confirmation. (clap uses 2 for its own errors too.)
    Usage = 2,
    /// A topic, broker or context does not exist.
    NotFound = 3,
    /// The cluster refused: authentication or authorization failed.
    Auth = 4,
    /// The cluster did not answer in time (--timeout).
    Timeout = 5,
    /// Some items succeeded and some failed (e.g. 2 of 3 topics deleted,
    /// records that were not delivered).
    Partial = 6,
}

impl From<Code> for ExitCode {
    fn from(code: Code) -> Self {
        ExitCode::from(code as u8)
    }
}

/// An error that knows its exit code and what the user could try.
#[derive(Debug)]
pub(crate) struct Failure {
    pub code: Code,
    pub message: String,
    pub hint: Option<String>,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

impl Failure {
    pub(crate) fn new(code: Code, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            hint: None,
        }
    }

    pub(crate) fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// A usage error (exit 2).
pub(crate) fn usage(message: impl Into<String>) -> Failure {
    Failure::new(Code::Usage, message)
}

/// The exit code for a Kafka error code.
pub(crate) fn code_for_kafka(code: ErrorCode) -> Code {
    match code {
        ErrorCode::UnknownTopicOrPartition
        | ErrorCode::UnknownTopicId
        | ErrorCode::GroupIdNotFound => Code::NotFound,
        ErrorCode::TopicAuthorizationFailed
        | ErrorCode::GroupAuthorizationFailed
        | ErrorCode::ClusterAuthorizationFailed
        | ErrorCode::TransactionalIdAuthorizationFailed
        | ErrorCode::DelegationTokenAuthorizationFailed
        | ErrorCode::SaslAuthenticationFailed
        | ErrorCode::UnsupportedSaslMechanism
        | ErrorCode::IllegalSaslState => Code::Auth,
        ErrorCode::RequestTimedOut => Code::Timeout,
        _ => Code::Failure,
    }
}

/// The exit code of a client error, and a hint when there is an obvious
/// next step.
pub(crate) fn classify_client(error: &ClientError) -> (Code, Option<&'static str>) {
    match error {
        ClientError::Kafka { code, .. } => {
            let exit = code_for_kafka(*code);
            let hint = match exit {
                Code::NotFound if *code == ErrorCode::GroupIdNotFound => {
                    Some("check the name; `kctl group list` shows the groups")
                }
                Code::NotFound => Some("check the name; `kctl topic list` shows the topics"),
                Code::Auth => Some("check the credentials and ACLs of the context you use"),
                _ => None,
            };
            (exit, hint)
        }
        ClientError::OperationTimeout { .. }
        | ClientError::MetadataTimeout { .. }
        | ClientError::DeliveryTimeout { .. }
        | ClientError::Request(
            RequestError::Timeout { .. }
            | RequestError::Connection(ConnectionError::ConnectTimeout { .. }),
        ) => (
            Code::Timeout,
            Some(
                "the cluster is slow or unreachable; check -b/--bootstrap-server or raise --timeout",
            ),
        ),
        ClientError::Request(RequestError::Connection(ConnectionError::Authentication {
            ..
        })) => (
            Code::Auth,
            Some("check the SASL mechanism, user and password of the context you use"),
        ),
        ClientError::Request(RequestError::Connection(ConnectionError::Tls { .. })) => (
            Code::Auth,
            Some("check the CA, certificate and key files of the context you use"),
        ),
        ClientError::Request(RequestError::UnsupportedApi { .. }) => (
            Code::Failure,
            Some("the broker is too old for this command, or does not implement it"),
        ),
        ClientError::BootstrapUnreachable { .. } => (
            Code::Timeout,
            Some(
                "check that a broker listens there; pass -b/--bootstrap-server, set KCTL_BOOTSTRAP_SERVER or --context",
            ),
        ),
        ClientError::NoBrokerAvailable { .. } => (
            Code::Failure,
            Some("check that a broker is running at -b/--bootstrap-server"),
        ),
        _ => (Code::Failure, None),
    }
}

/// Whether the error is stdout closing under us (`kctl topic list | head`).
pub(crate) fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Prints the error chain and a hint on stderr and picks the exit code.
pub(crate) fn report(error: &anyhow::Error) -> ExitCode {
    if is_broken_pipe(error) {
        return Code::Success.into();
    }
    let (code, hint) = classify(error);
    eprintln!("error: {error}");
    for cause in error.chain().skip(1) {
        eprintln!("  caused by: {cause}");
    }
    if let Some(hint) = hint {
        eprintln!("hint: {hint}");
    }
    code.into()
}

fn classify(error: &anyhow::Error) -> (Code, Option<String>) {
    for cause in error.chain() {
        if let Some(failure) = cause.downcast_ref::<Failure>() {
            return (failure.code, failure.hint.clone());
        }
        if let Some(client) = cause.downcast_ref::<ClientError>() {
            let (code, hint) = classify_client(client);
            return (code, hint.map(str::to_owned));
        }
    }
    (Code::Failure, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kctl_client::error::ErrorContext;

    #[test]
    fn codes_are_distinct() {
        let codes = [
            Code::Success,
            Code::Failure,
            Code::Usage,
            Code::NotFound,
            Code::Auth,
            Code::Timeout,
            Code::Partial,
        ];
        for (i, a) in codes.iter().enumerate() {
            assert_eq!(*a as u8, i as u8, "codes are 0..=6 in order");
        }
    }

    #[test]
    fn client_errors_map_to_their_codes() {
        let missing = anyhow::Error::new(ClientError::kafka(
            ErrorCode::UnknownTopicOrPartition,
            ErrorContext::default(),
        ))
        .context("describing topic x");
        assert_eq!(classify(&missing).0, Code::NotFound);
        let denied = anyhow::Error::new(ClientError::kafka(
            ErrorCode::TopicAuthorizationFailed,
            ErrorContext::default(),
        ));
        assert_eq!(classify(&denied).0, Code::Auth);
        let slow = anyhow::Error::new(ClientError::OperationTimeout {
            operation: "Metadata",
            timeout_ms: 10,
            last: None,
        });
        assert_eq!(classify(&slow).0, Code::Timeout);
        let usage: anyhow::Error = usage("bad").into();
        assert_eq!(classify(&usage).0, Code::Usage);
        let pipe = anyhow::Error::new(std::io::Error::from(std::io::ErrorKind::BrokenPipe))
            .context("writing the table");
        assert!(is_broken_pipe(&pipe));
    }
}
