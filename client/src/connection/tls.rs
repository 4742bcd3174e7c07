//! The rustls client configuration built from a [`TlsConfig`], once per
//! client, and the TLS handshake of each connection.
//!
//! The crypto provider is `ring`, passed explicitly rather than installed
//! process-wide, so an application that installs another default is not
//! affected, and nothing depends on which one it chose.

use std::path::Path;
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use super::security::{EndpointIdentification, TlsConfig};
use crate::error::{ConnectionError, Error, Result};

/// A ready TLS setup: the trusted roots, the client certificate if any, and
/// how names are checked.
#[derive(Clone)]
pub(crate) struct Tls {
    connector: TlsConnector,
    server_name: Option<ServerName<'static>>,
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tls")
            .field("server_name", &self.server_name)
            .finish_non_exhaustive()
    }
}

impl Tls {
    /// Reads the CA, certificate and key files. Everything that can be wrong
    /// with them is reported here, as [`Error::Config`], rather than at the
    /// first connection.
    pub(crate) fn new(config: &TlsConfig) -> Result<Self> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let roots = Arc::new(root_store(config)?);
        let verifier = WebPkiServerVerifier::builder_with_provider(roots, Arc::clone(&provider))
            .build()
            .map_err(|e| Error::Config(format!("cannot use the trusted CAs: {e}")))?;
        let verifier: Arc<dyn ServerCertVerifier> = match config.endpoint_identification {
            EndpointIdentification::Https => verifier,
            EndpointIdentification::None => Arc::new(AnyName(verifier)),
        };
        let builder = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::Config(format!("TLS setup: {e}")))?
            .dangerous()
            .with_custom_certificate_verifier(verifier);
        let client_config = match (&config.certificate_location, &config.key_location) {
            (Some(cert), Some(key)) => {
                let chain = read_certificates(cert, "ssl.certificate.location")?;
                let key = PrivateKeyDer::from_pem_file(key).map_err(|e| {
                    Error::Config(format!(
                        "ssl.key.location {}: no usable PEM private key: {e}",
                        key.display()
                    ))
                })?;
                builder.with_client_auth_cert(chain, key).map_err(|e| {
                    Error::Config(format!(
                        "ssl.certificate.location and ssl.key.location do not make a usable pair: {e}"
                    ))
                })?
            }
            (None, None) => builder.with_no_client_auth(),
            _ => {
                return Err(Error::Config(
                    "ssl.certificate.location and ssl.key.location go together (mutual TLS)".into(),
                ));
            }
        };
        let server_name = config
            .server_name
            .as_deref()
            .map(|name| {
                ServerName::try_from(name.to_owned())
                    .map_err(|_| Error::Config(format!("TLS server name {name:?} is not valid")))
            })
            .transpose()?;
        Ok(Self {
            connector: TlsConnector::from(Arc::new(client_config)),
            server_name,
        })
    }

    /// Runs the TLS handshake on `stream`, connected to `addr`
    /// (`host:port`). Certificate problems come back as
    /// [`ConnectionError::Tls`].
    pub(crate) async fn connect<S>(
        &self,
        addr: &str,
        stream: S,
    ) -> Result<TlsStream<S>, ConnectionError>
    where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        let server_name = match &self.server_name {
            Some(name) => name.clone(),
            None => ServerName::try_from(host_of(addr).to_owned()).map_err(|_| {
                ConnectionError::Tls {
                    addr: addr.to_owned(),
                    message: format!("{:?} is not a valid TLS server name", host_of(addr)),
                }
            })?,
        };
        self.connector
            .connect(server_name, stream)
            .await
            .map_err(|e| handshake_error(addr, e))
    }
}

/// The host part of `host:port`, `[v6]:port` or a bare host.
fn host_of(addr: &str) -> &str {
    if let Some(rest) = addr.strip_prefix('[')
        && let Some((host, _)) = rest.split_once(']')
    {
        return host;
    }
    match addr.rsplit_once(':') {
        // A bare IPv6 address has several colons and no port.
        Some((host, port)) if !host.contains(':') && port.parse::<u16>().is_ok() => host,
        _ => addr,
    }
}

/// A TLS alert that reached the connection after the handshake, as a
/// [`ConnectionError::Tls`]. In TLS 1.3 the server checks a client
/// certificate only after the client has finished its handshake, so a
/// refused (or missing) certificate shows up on the first read, inside
/// ApiVersions.
pub(crate) fn alert_after_handshake(addr: &str, e: ConnectionError) -> ConnectionError {
    match &e {
        ConnectionError::Io(io) => {
            match io.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
                Some(tls) => ConnectionError::Tls {
                    addr: addr.to_owned(),
                    message: tls.to_string(),
                },
                None => e,
            }
        }
        _ => e,
    }
}

fn handshake_error(addr: &str, e: std::io::Error) -> ConnectionError {
    // tokio-rustls wraps TLS failures in an io::Error; a plain I/O failure
    // (reset, EOF) stays an I/O error, since a retry may fix it.
    match e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        Some(tls) => ConnectionError::Tls {
            addr: addr.to_owned(),
            message: tls.to_string(),
        },
        None => ConnectionError::from(e),
    }
}

fn root_store(config: &TlsConfig) -> Result<RootCertStore> {
    let mut roots = RootCertStore::empty();
    if config.ca_locations.is_empty() {
        let found = rustls_native_certs::load_native_certs();
        let (added, _) = roots.add_parsable_certificates(found.certs);
        if added == 0 {
            let why = found
                .errors
                .first()
                .map_or(String::new(), |e| format!(" ({e})"));
            return Err(Error::Config(format!(
                "no CA certificates in the system trust store{why}; set ssl.ca.location"
            )));
        }
        return Ok(roots);
    }
    for location in &config.ca_locations {
        let files = if location.is_dir() {
            let mut files: Vec<_> = std::fs::read_dir(location)
                .map_err(|e| Error::Config(format!("ssl.ca.location {}: {e}", location.display())))?
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .collect();
            files.sort();
            files
        } else {
            vec![location.clone()]
        };
        let mut added = 0;
        for file in &files {
            // In a directory, files that are not PEM certificates (keys,
            // READMEs) are passed over; a named file must be one.
            let certs = match read_certificates(file, "ssl.ca.location") {
                Ok(certs) => certs,
                Err(_) if location.is_dir() => continue,
                Err(e) => return Err(e),
            };
            let (ok, _) = roots.add_parsable_certificates(certs);
            added += ok;
        }
        if added == 0 {
            return Err(Error::Config(format!(
                "ssl.ca.location {}: no usable CA certificate",
                location.display()
            )));
        }
    }
    Ok(roots)
}

fn read_certificates(path: &Path, key: &str) -> Result<Vec<CertificateDer<'static>>> {
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| Error::Config(format!("{key} {}: {e}", path.display())))?;
    if certs.is_empty() {
        return Err(Error::Config(format!(
            "{key} {}: no PEM certificate in it",
            path.display()
        )));
    }
    Ok(certs)
}

/// `ssl.endpoint.identification.algorithm=none`: the chain is verified as
/// usual and only a name mismatch is forgiven. webpki checks the name after
/// the chain, so a name error means the chain was good.
#[derive(Debug)]
struct AnyName(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for AnyName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_is_taken_from_the_address() {
        assert_eq!(host_of("kafka-1.example:9093"), "kafka-1.example");
        assert_eq!(host_of("127.0.0.1:9093"), "127.0.0.1");
        assert_eq!(host_of("[::1]:9093"), "::1");
        assert_eq!(host_of("::1"), "::1");
        assert_eq!(host_of("kafka"), "kafka");
    }

    #[test]
    fn unreadable_files_are_config_errors_naming_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.pem");
        let not_pem = dir.path().join("not.pem");
        std::fs::write(&not_pem, "hello").unwrap();
        for (config, expected) in [
            (
                TlsConfig {
                    ca_locations: vec![missing.clone()],
                    ..TlsConfig::default()
                },
                "ssl.ca.location",
            ),
            (
                TlsConfig {
                    ca_locations: vec![not_pem.clone()],
                    ..TlsConfig::default()
                },
                "no PEM certificate",
            ),
            (
                TlsConfig {
                    ca_locations: vec![dir.path().into()],
                    ..TlsConfig::default()
                },
                "no usable CA certificate",
            ),
            (
                TlsConfig {
                    certificate_location: Some(missing.clone()),
                    key_location: Some(missing.clone()),
                    ..TlsConfig::default()
                },
                "ssl.certificate.location",
            ),
        ] {
            let err = Tls::new(&config).unwrap_err();
            assert!(
                matches!(&err, Error::Config(m) if m.contains(expected)),
                "{expected}: {err}"
            );
        }
    }

    #[test]
    fn a_ca_file_and_a_ca_directory_both_load() {
        let dir = tempfile::tempdir().unwrap();
        let ca = rcgen::generate_simple_self_signed(vec!["ca.test".into()]).unwrap();
        let file = dir.path().join("ca.pem");
        std::fs::write(&file, ca.cert.pem()).unwrap();
        std::fs::write(dir.path().join("README"), "not a certificate").unwrap();
        for location in [file, dir.path().to_owned()] {
            let config = TlsConfig {
                ca_locations: vec![location],
                server_name: Some("kafka.test".into()),
                ..TlsConfig::default()
            };
            let tls = Tls::new(&config).unwrap();
            assert!(tls.server_name.is_some());
        }
    }
}
