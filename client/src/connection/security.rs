//! Security settings of a connection: TLS and SASL, and the Kafka-style
//! properties that set them.
//!
//! | property | meaning |
//! |---|---|
//! | `security.protocol` | `PLAINTEXT` (default), `SSL`, `SASL_PLAINTEXT` or `SASL_SSL` |
//! | `ssl.ca.location` | PEM file (or directory of PEM files) of trusted CAs; comma-separated for several. Unset: the system's trust store |
//! | `ssl.certificate.location` | PEM client certificate chain, for mutual TLS |
//! | `ssl.key.location` | PEM private key (PKCS#8, PKCS#1 or SEC1) of that certificate |
//! | `ssl.endpoint.identification.algorithm` | `https` (default): the certificate must name the broker's host; `none` (or empty, as Java writes it): any name is accepted, the chain is still verified |
//! | `sasl.mechanism` (or librdkafka's `sasl.mechanisms`) | `PLAIN`, `SCRAM-SHA-256` or `SCRAM-SHA-512` |
//! | `sasl.username`, `sasl.password` | the credentials |
//!
//! [`SecurityConfig::from_properties`] is the one parser of these keys: the
//! producer's, consumer's and admin's properties constructors hand it the
//! pairs for which [`is_security_property`] holds.
//!
//! The SASL password is a [`Password`], whose `Debug` prints `***`; it is
//! never logged and never part of an error message.

use std::fmt;
use std::path::PathBuf;

use crate::error::{Error, Result};

/// Every key [`SecurityConfig::from_properties`] understands.
pub const SECURITY_PROPERTIES: &[&str] = &[
    "security.protocol",
    "ssl.ca.location",
    "ssl.certificate.location",
    "ssl.key.location",
    "ssl.endpoint.identification.algorithm",
    "sasl.mechanism",
    "sasl.mechanisms",
    "sasl.username",
    "sasl.password",
];

/// Whether `key` is one of [`SECURITY_PROPERTIES`].
pub fn is_security_property(key: &str) -> bool {
    SECURITY_PROPERTIES.contains(&key)
}

/// Kafka's `security.protocol`: whether the connection is encrypted and
/// whether it authenticates with SASL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SecurityProtocol {
    /// Neither TLS nor SASL (the default).
    #[default]
    Plaintext,
    /// TLS, no SASL.
    Ssl,
    /// SASL over an unencrypted connection.
    SaslPlaintext,
    /// SASL over TLS.
    SaslSsl,
}

impl SecurityProtocol {
    /// Whether connections are encrypted with TLS.
    pub fn uses_tls(self) -> bool {
        matches!(self, Self::Ssl | Self::SaslSsl)
    }

    /// Whether connections authenticate with SASL.
    pub fn uses_sasl(self) -> bool {
        matches!(self, Self::SaslPlaintext | Self::SaslSsl)
    }

    /// Kafka's name for it, e.g. `SASL_SSL`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Plaintext => "PLAINTEXT",
            Self::Ssl => "SSL",
            Self::SaslPlaintext => "SASL_PLAINTEXT",
            Self::SaslSsl => "SASL_SSL",
        }
    }
}

impl fmt::Display for SecurityProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for SecurityProtocol {
    type Err = Error;

    /// Case-insensitive, as Java and librdkafka accept it.
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_uppercase().as_str() {
            "PLAINTEXT" => Ok(Self::Plaintext),
            "SSL" => Ok(Self::Ssl),
            "SASL_PLAINTEXT" => Ok(Self::SaslPlaintext),
            "SASL_SSL" => Ok(Self::SaslSsl),
            _ => Err(invalid(
                "security.protocol",
                s,
                "PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL",
            )),
        }
    }
}

/// The SASL mechanisms this client speaks. Non-exhaustive: OAUTHBEARER
/// and GSSAPI are the likely next ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SaslMechanism {
    /// `PLAIN`: the password is sent as is (use it over TLS only).
    Plain,
    /// `SCRAM-SHA-256` (RFC 7677): the password never crosses the wire.
    ScramSha256,
    /// `SCRAM-SHA-512`: as SCRAM-SHA-256, with SHA-512.
    ScramSha512,
}

impl SaslMechanism {
    /// The name on the wire (SaslHandshake) and in properties.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Plain => "PLAIN",
            Self::ScramSha256 => "SCRAM-SHA-256",
            Self::ScramSha512 => "SCRAM-SHA-512",
        }
    }
}

impl fmt::Display for SaslMechanism {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for SaslMechanism {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_uppercase().as_str() {
            "PLAIN" => Ok(Self::Plain),
            "SCRAM-SHA-256" => Ok(Self::ScramSha256),
            "SCRAM-SHA-512" => Ok(Self::ScramSha512),
            _ => Err(invalid(
                "sasl.mechanism",
                s,
                "PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512",
            )),
        }
    }
}

/// A secret whose `Debug` prints `***` and which has no `Display`, so it
/// cannot end up in a log line or an error message by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// Wraps a secret.
    pub fn new(password: impl Into<String>) -> Self {
        Self(password.into())
    }

    /// The secret itself, for the SASL exchange.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl From<String> for Password {
    fn from(s: String) -> Self {
        Self(s)
    }
}

impl From<&str> for Password {
    fn from(s: &str) -> Self {
        Self(s.to_owned())
    }
}

/// SASL credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaslConfig {
    /// The mechanism (`sasl.mechanism`).
    pub mechanism: SaslMechanism,
    /// The user name (`sasl.username`).
    pub username: String,
    /// The password (`sasl.password`); its `Debug` prints `***`.
    pub password: Password,
}

impl SaslConfig {
    /// Credentials for `mechanism`.
    pub fn new(
        mechanism: SaslMechanism,
        username: impl Into<String>,
        password: impl Into<Password>,
    ) -> Self {
        Self {
            mechanism,
            username: username.into(),
            password: password.into(),
        }
    }
}

/// How the broker's certificate is matched to the address connected to
/// (`ssl.endpoint.identification.algorithm`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EndpointIdentification {
    /// The certificate must be valid for the host name (or IP address).
    #[default]
    Https,
    /// Any name is accepted. The chain is still verified against the
    /// trusted CAs; only the name check is skipped.
    None,
}

/// TLS settings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TlsConfig {
    /// PEM files, or directories of them, holding the CAs to trust. Empty:
    /// the operating system's trust store.
    pub ca_locations: Vec<PathBuf>,
    /// PEM certificate chain presented to the broker (mutual TLS); needs
    /// `key_location`.
    pub certificate_location: Option<PathBuf>,
    /// The PEM private key (PKCS#8, PKCS#1 or SEC1) of
    /// `certificate_location`.
    pub key_location: Option<PathBuf>,
    /// The name sent in SNI and checked against the certificate, instead of
    /// the host of the broker's address, e.g. when connecting through a
    /// tunnel.
    pub server_name: Option<String>,
    /// Whether the certificate must name the host (`ssl.endpoint.identification.algorithm`).
    /// Default [`EndpointIdentification::Https`].
    pub endpoint_identification: EndpointIdentification,
}

/// TLS and SASL for every connection of a client. The protocol follows from
/// which of the two are set, so no combination is invalid:
///
/// | `tls` | `sasl` | Kafka's `security.protocol` |
/// |---|---|---|
/// | `None` | `None` | `PLAINTEXT` |
/// | `Some` | `None` | `SSL` |
/// | `None` | `Some` | `SASL_PLAINTEXT` |
/// | `Some` | `Some` | `SASL_SSL` |
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SecurityConfig {
    /// TLS settings; `None` for an unencrypted connection.
    pub tls: Option<TlsConfig>,
    /// SASL credentials; `None` for no authentication.
    pub sasl: Option<SaslConfig>,
}

impl SecurityConfig {
    /// The `security.protocol` these settings amount to.
    pub fn protocol(&self) -> SecurityProtocol {
        match (&self.tls, &self.sasl) {
            (None, None) => SecurityProtocol::Plaintext,
            (Some(_), None) => SecurityProtocol::Ssl,
            (None, Some(_)) => SecurityProtocol::SaslPlaintext,
            (Some(_), Some(_)) => SecurityProtocol::SaslSsl,
        }
    }

    /// Settings from the [`SECURITY_PROPERTIES`] among `properties`; other
    /// keys are the caller's business and are ignored here.
    ///
    /// Strict where a mistake would silently weaken security or fail late:
    /// `ssl.*` keys without a TLS protocol, or `sasl.*` keys without a SASL
    /// one, are an error (the usual cause is a forgotten
    /// `security.protocol`), and a SASL protocol needs all of mechanism,
    /// username and password.
    pub fn from_properties<K, V>(properties: impl IntoIterator<Item = (K, V)>) -> Result<Self>
    where
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut protocol = None;
        let mut tls = TlsConfig::default();
        let mut tls_keys = Vec::new();
        let mut mechanism = None;
        let mut username = None;
        let mut password = None;
        let mut sasl_keys = Vec::new();
        for (key, value) in properties {
            let key = key.as_ref().trim();
            let value = value.as_ref().trim();
            match key {
                "security.protocol" => protocol = Some(value.parse::<SecurityProtocol>()?),
                "ssl.ca.location" => {
                    tls.ca_locations = value
                        .split(',')
                        .map(str::trim)
                        .filter(|p| !p.is_empty())
                        .map(PathBuf::from)
                        .collect();
                }
                "ssl.certificate.location" => {
                    tls.certificate_location = Some(non_empty(key, value)?.into())
                }
                "ssl.key.location" => tls.key_location = Some(non_empty(key, value)?.into()),
                "ssl.endpoint.identification.algorithm" => {
                    tls.endpoint_identification = match value.to_ascii_lowercase().as_str() {
                        "https" => EndpointIdentification::Https,
                        "none" | "" => EndpointIdentification::None,
                        _ => return Err(invalid(key, value, "https or none")),
                    }
                }
                "sasl.mechanism" | "sasl.mechanisms" => {
                    mechanism = Some(value.parse::<SaslMechanism>().map_err(|_| {
                        invalid(key, value, "PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512")
                    })?)
                }
                "sasl.username" => username = Some(value.to_owned()),
                "sasl.password" => password = Some(Password::new(value)),
                _ => continue,
            }
            if key.starts_with("ssl.") {
                tls_keys.push(key.to_owned());
            } else if key.starts_with("sasl.") {
                sasl_keys.push(key.to_owned());
            }
        }
        let protocol = protocol.unwrap_or_default();
        if !protocol.uses_tls() && !tls_keys.is_empty() {
            return Err(Error::Config(format!(
                "{} set, but security.protocol={protocol} does not use TLS (set SSL or SASL_SSL)",
                tls_keys.join(", ")
            )));
        }
        if !protocol.uses_sasl() && !sasl_keys.is_empty() {
            return Err(Error::Config(format!(
                "{} set, but security.protocol={protocol} does not use SASL \
                 (set SASL_PLAINTEXT or SASL_SSL)",
                sasl_keys.join(", ")
            )));
        }
        let sasl = if protocol.uses_sasl() {
            let missing: Vec<&str> = [
                ("sasl.mechanism", mechanism.is_none()),
                ("sasl.username", username.is_none()),
                ("sasl.password", password.is_none()),
            ]
            .into_iter()
            .filter_map(|(k, missing)| missing.then_some(k))
            .collect();
            if !missing.is_empty() {
                return Err(Error::Config(format!(
                    "security.protocol={protocol} needs {}",
                    missing.join(", ")
                )));
            }
            #[allow(
                clippy::expect_used,
                reason = "the missing-key check above returned for any None"
            )]
            let sasl = SaslConfig {
                mechanism: mechanism.expect("checked above"),
                username: username.expect("checked above"),
                password: password.expect("checked above"),
            };
            Some(sasl)
        } else {
            None
        };
        let tls = protocol.uses_tls().then_some(tls);
        let config = Self { tls, sasl };
        config.validate()?;
        Ok(config)
    }

    /// Checks what can be checked without reading files.
    pub fn validate(&self) -> Result<()> {
        if let Some(tls) = &self.tls
            && tls.certificate_location.is_some() != tls.key_location.is_some()
        {
            return Err(Error::Config(
                "ssl.certificate.location and ssl.key.location go together (mutual TLS)".into(),
            ));
        }
        if let Some(sasl) = &self.sasl
            && sasl.username.is_empty()
        {
            return Err(Error::Config("sasl.username is empty".into()));
        }
        Ok(())
    }
}

fn invalid(key: &str, value: &str, expected: &str) -> Error {
    Error::Config(format!("{key}={value:?} is invalid: expected {expected}"))
}

fn non_empty<'a>(key: &str, value: &'a str) -> Result<&'a str> {
    if value.is_empty() {
        Err(Error::Config(format!("{key} is empty")))
    } else {
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocols_and_their_keys() {
        let config = SecurityConfig::from_properties([
            ("security.protocol", "sasl_ssl"),
            ("ssl.ca.location", "/etc/ca.pem, /etc/other.pem"),
            ("ssl.certificate.location", "/etc/me.pem"),
            ("ssl.key.location", "/etc/me.key"),
            ("ssl.endpoint.identification.algorithm", ""),
            ("sasl.mechanisms", "SCRAM-SHA-512"),
            ("sasl.username", "ops"),
            ("sasl.password", "hunter2"),
            ("linger.ms", "5"),
        ])
        .unwrap();
        assert_eq!(config.protocol(), SecurityProtocol::SaslSsl);
        let tls = config.tls.as_ref().unwrap();
        assert_eq!(
            tls.ca_locations,
            [
                PathBuf::from("/etc/ca.pem"),
                PathBuf::from("/etc/other.pem")
            ]
        );
        assert_eq!(tls.key_location.as_deref(), Some("/etc/me.key".as_ref()));
        assert_eq!(tls.endpoint_identification, EndpointIdentification::None);
        let sasl = config.sasl.as_ref().unwrap();
        assert_eq!(
            (
                sasl.mechanism,
                sasl.username.as_str(),
                sasl.password.expose()
            ),
            (SaslMechanism::ScramSha512, "ops", "hunter2")
        );

        let plain = SecurityConfig::from_properties([("linger.ms", "5")]).unwrap();
        assert_eq!(plain, SecurityConfig::default());
        assert_eq!(plain.protocol(), SecurityProtocol::Plaintext);
        let ssl = SecurityConfig::from_properties([("security.protocol", "SSL")]).unwrap();
        assert_eq!(ssl.tls, Some(TlsConfig::default()));
        assert_eq!(ssl.protocol(), SecurityProtocol::Ssl);
    }

    #[test]
    fn mistakes_are_named() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[("security.protocol", "TLS")], "security.protocol=\"TLS\""),
            (
                &[("ssl.ca.location", "/ca.pem")],
                "ssl.ca.location set, but security.protocol=PLAINTEXT",
            ),
            (
                &[("security.protocol", "SSL"), ("sasl.username", "u")],
                "sasl.username set, but security.protocol=SSL",
            ),
            (
                &[
                    ("security.protocol", "SASL_PLAINTEXT"),
                    ("sasl.username", "u"),
                ],
                "needs sasl.mechanism, sasl.password",
            ),
            (
                &[
                    ("security.protocol", "SASL_SSL"),
                    ("sasl.mechanism", "GSSAPI"),
                ],
                "sasl.mechanism=\"GSSAPI\"",
            ),
            (
                &[
                    ("security.protocol", "SSL"),
                    ("ssl.certificate.location", "/me.pem"),
                ],
                "go together",
            ),
            (
                &[
                    ("security.protocol", "SSL"),
                    ("ssl.endpoint.identification.algorithm", "dns"),
                ],
                "https or none",
            ),
        ];
        for (pairs, expected) in cases {
            let err = SecurityConfig::from_properties(pairs.iter().copied()).unwrap_err();
            assert!(err.to_string().contains(expected), "{pairs:?}: {err}");
        }
    }

    #[test]
    fn the_password_never_shows() {
        let config = SecurityConfig::from_properties([
            ("security.protocol", "SASL_PLAINTEXT"),
            ("sasl.mechanism", "PLAIN"),
            ("sasl.username", "alice"),
            ("sasl.password", " s3cret "),
        ])
        .unwrap();
        let shown = format!("{config:?}");
        assert!(shown.contains("password: ***"), "{shown}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert_eq!(format!("{:?}", Password::new("x")), "***");
        assert_eq!(config.sasl.unwrap().password.expose(), "s3cret");
    }
}
