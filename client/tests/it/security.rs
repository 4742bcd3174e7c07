//! TLS and SASL end to end.
//!
//! broker-lite speaks plaintext only, so each test puts a *front* written
//! here before it: the front terminates TLS (tokio-rustls, with a CA and
//! certificates made by rcgen for each test) and/or plays the broker's side
//! of SASL (PLAIN, SCRAM-SHA-256/512, checking the client's proof with its
//! own code, not the client's), then forwards the connection to
//! broker-lite. broker-lite advertises the front, so every connection the
//! client opens after bootstrap goes through it too.
//!
//! The front reads and writes Kafka frames with the protocol module only.

use std::path::PathBuf;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::{Bytes, BytesMut};
use hmac::{Hmac, Mac};
use kctl_client::connection::security::SaslMechanism;
use kctl_client::error::{ConnectionError, RequestError};
use kctl_client::protocol::api::ApiKey;
use kctl_client::protocol::header::{self, RequestFrame};
use kctl_client::protocol::messages::api_versions_response::ApiVersion;
use kctl_client::protocol::messages::{
    ApiVersionsRequest, SaslAuthenticateRequest, SaslAuthenticateResponse, SaslHandshakeRequest,
    SaslHandshakeResponse,
};
use kctl_client::protocol::{Encodable, ErrorCode, StrBytes, frame};
use kctl_client::{Error, Producer, ProducerConfig, Record};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::RootCertStore;
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::WebPkiClientVerifier;
use sha2::{Digest, Sha256, Sha512};
use tempfile::TempDir;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

use crate::support::{TestBroker, create_topic, fetch_all, with_timeout};

// ---------------------------------------------------------------- certificates

/// A certificate authority made for one test, with its PEM file on disk.
struct TestCa {
    params: CertificateParams,
    key: KeyPair,
    pem_path: PathBuf,
}

impl TestCa {
    fn new(dir: &TempDir, name: &str) -> Self {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let cert = params.self_signed(&key).unwrap();
        let pem_path = dir.path().join(format!("{name}.pem"));
        std::fs::write(&pem_path, cert.pem()).unwrap();
        Self {
            params,
            key,
            pem_path,
        }
    }

    /// A leaf certificate for `names`, signed by this CA.
    fn issue(&self, names: &[&str]) -> (rcgen::Certificate, KeyPair) {
        let key = KeyPair::generate().unwrap();
        let params =
            CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
                .unwrap();
        let cert = params
            .signed_by(&key, &Issuer::from_params(&self.params, &self.key))
            .unwrap();
        (cert, key)
    }

    fn root_store(&self) -> RootCertStore {
        let mut roots = RootCertStore::empty();
        let cert = self.params.self_signed(&self.key).unwrap();
        roots.add(cert.der().clone()).unwrap();
        roots
    }
}

fn private_key(key: &KeyPair) -> PrivateKeyDer<'static> {
    PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()))
}

/// The broker's TLS side: a certificate for `names` from `ca`, and, for
/// mutual TLS, the CA whose client certificates it accepts.
fn acceptor(ca: &TestCa, names: &[&str], client_ca: Option<&TestCa>) -> TlsAcceptor {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .unwrap();
    let builder = match client_ca {
        Some(client_ca) => builder.with_client_cert_verifier(
            WebPkiClientVerifier::builder_with_provider(Arc::new(client_ca.root_store()), provider)
                .build()
                .unwrap(),
        ),
        None => builder.with_no_client_auth(),
    };
    let (cert, key) = ca.issue(names);
    let config = builder
        .with_single_cert(vec![cert.der().clone()], private_key(&key))
        .unwrap();
    TlsAcceptor::from(Arc::new(config))
}

// ----------------------------------------------------------------------- front

/// The broker's SASL side.
struct SaslServer {
    enabled: Vec<SaslMechanism>,
    username: String,
    password: String,
    /// Sign SCRAM's server-final message with the wrong key, as an impostor
    /// that accepts any proof but does not know the credentials would.
    forge_signature: bool,
}

impl SaslServer {
    fn new(enabled: &[SaslMechanism], username: &str, password: &str) -> Self {
        Self {
            enabled: enabled.to_vec(),
            username: username.into(),
            password: password.into(),
            forge_signature: false,
        }
    }
}

#[derive(Default)]
struct Front {
    tls: Option<TlsAcceptor>,
    sasl: Option<SaslServer>,
}

/// broker-lite behind `front`, advertised as `advertised_host` and the
/// front's port. Returns the broker and the address to bootstrap from.
async fn start(front: Front, advertised_host: &str) -> (TestBroker, String) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let host = advertised_host.to_owned();
    let broker = TestBroker::start_with(false, move |config| {
        config.advertise = Some((host, port));
    })
    .await;
    let upstream = broker.handle.as_ref().unwrap().local_addr().to_string();
    let front = Arc::new(front);
    tokio::spawn(async move {
        while let Ok((conn, _)) = listener.accept().await {
            let front = Arc::clone(&front);
            let upstream = upstream.clone();
            tokio::spawn(async move { front.serve(conn, &upstream).await });
        }
    });
    (broker, format!("{advertised_host}:{port}"))
}

impl Front {
    async fn serve(&self, conn: TcpStream, upstream: &str) {
        match &self.tls {
            Some(acceptor) => {
                if let Ok(tls) = acceptor.accept(conn).await {
                    self.forward(tls, upstream).await;
                }
            }
            None => self.forward(conn, upstream).await,
        }
    }

    async fn forward<S: AsyncRead + AsyncWrite + Unpin>(&self, mut client: S, upstream: &str) {
        let Ok(mut server) = TcpStream::connect(upstream).await else {
            return;
        };
        if let Some(sasl) = &self.sasl {
            let Some(rest) = sasl.authenticate(&mut client, &mut server).await else {
                // Kafka closes a connection whose authentication failed.
                return;
            };
            if server.write_all(&rest).await.is_err() {
                return;
            }
        }
        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
    }
}

async fn read_frame<S: AsyncRead + Unpin>(stream: &mut S, buf: &mut BytesMut) -> Option<Bytes> {
    loop {
        if let Some(frame) = frame::decode(buf, 1 << 20).ok()? {
            return Some(frame.freeze());
        }
        if stream.read_buf(buf).await.ok()? == 0 {
            return None;
        }
    }
}

async fn respond<S: AsyncWrite + Unpin, T: Encodable>(
    client: &mut S,
    request: &RequestFrame,
    body: &T,
) {
    let mut out = BytesMut::new();
    header::encode_response(
        &mut out,
        request.api_key,
        request.version(),
        request.correlation_id(),
        body,
    )
    .unwrap();
    let _ = client.write_all(&out).await;
}

enum ScramState {
    Start,
    /// After server-first: what the client-final message must match.
    SentFirst {
        client_first_bare: String,
        server_first: String,
        nonce: String,
        salted: Vec<u8>,
    },
}

impl SaslServer {
    /// Runs the broker's side of ApiVersions and SASL. Returns the bytes the
    /// client sent past the end of authentication, to be forwarded, or
    /// `None` if the connection is to be closed.
    async fn authenticate<S: AsyncRead + AsyncWrite + Unpin>(
        &self,
        client: &mut S,
        server: &mut TcpStream,
    ) -> Option<BytesMut> {
        let mut buf = BytesMut::new();
        let mut mechanism = None;
        let mut scram = ScramState::Start;
        loop {
            let frame = read_frame(client, &mut buf).await?;
            let request = header::decode_request(frame.clone()).ok()?;
            let mut body = request.body.clone();
            match request.api_key {
                ApiKey::ApiVersions => self.api_versions(client, server, &request, frame).await?,
                ApiKey::SaslHandshake => {
                    let handshake: SaslHandshakeRequest =
                        header::decode_body(&mut body, request.version()).ok()?;
                    let offered: Vec<StrBytes> = self
                        .enabled
                        .iter()
                        .map(|m| StrBytes::from_static_str(m.as_str()))
                        .collect();
                    let chosen = self
                        .enabled
                        .iter()
                        .copied()
                        .find(|m| m.as_str() == handshake.mechanism.as_str());
                    let code = if chosen.is_some() {
                        0
                    } else {
                        ErrorCode::UnsupportedSaslMechanism.code()
                    };
                    let response = SaslHandshakeResponse::default()
                        .with_error_code(code)
                        .with_mechanisms(offered);
                    respond(client, &request, &response).await;
                    mechanism = Some(chosen?);
                }
                ApiKey::SaslAuthenticate => {
                    let auth: SaslAuthenticateRequest =
                        header::decode_body(&mut body, request.version()).ok()?;
                    let step = match mechanism? {
                        SaslMechanism::Plain => self.plain(&auth.auth_bytes),
                        m => self.scram(
                            m == SaslMechanism::ScramSha512,
                            &mut scram,
                            &auth.auth_bytes,
                        ),
                    };
                    let (response, done) = match step {
                        Ok((bytes, done)) => (
                            SaslAuthenticateResponse::default().with_auth_bytes(bytes.into()),
                            done,
                        ),
                        Err(message) => {
                            let response = SaslAuthenticateResponse::default()
                                .with_error_code(ErrorCode::SaslAuthenticationFailed.code())
                                .with_error_message(Some(StrBytes::from_string(message)));
                            respond(client, &request, &response).await;
                            return None;
                        }
                    };
                    respond(client, &request, &response).await;
                    if done {
                        return Some(buf);
                    }
                }
                // Kafka closes a connection that sends anything else before
                // authenticating.
                _ => return None,
            }
        }
    }

    /// Forwards ApiVersions to broker-lite and adds the SASL APIs to its
    /// answer, as a SASL listener of a real broker lists them.
    async fn api_versions<S: AsyncWrite + Unpin>(
        &self,
        client: &mut S,
        server: &mut TcpStream,
        request: &RequestFrame,
        frame: Bytes,
    ) -> Option<()> {
        let mut out = BytesMut::new();
        let mark = frame::begin(&mut out);
        out.extend_from_slice(&frame);
        mark.finish(&mut out).ok()?;
        server.write_all(&out).await.ok()?;
        let mut upstream_buf = BytesMut::new();
        let answer = read_frame(server, &mut upstream_buf).await?;
        let (_, mut versions) =
            header::decode_response::<ApiVersionsRequest>(answer, request.version()).ok()?;
        assert_eq!(
            versions.error_code, 0,
            "broker-lite speaks the client's version"
        );
        for (key, max) in [(ApiKey::SaslHandshake, 1), (ApiKey::SaslAuthenticate, 2)] {
            versions.api_keys.push(
                ApiVersion::default()
                    .with_api_key(key as i16)
                    .with_min_version(0)
                    .with_max_version(max),
            );
        }
        respond(client, request, &versions).await;
        Some(())
    }

    fn plain(&self, message: &[u8]) -> Result<(Vec<u8>, bool), String> {
        let fields: Vec<&[u8]> = message.split(|&b| b == 0).collect();
        match fields.as_slice() {
            [authzid, user, password]
                if (authzid.is_empty() || *authzid == self.username.as_bytes())
                    && *user == self.username.as_bytes()
                    && *password == self.password.as_bytes() =>
            {
                Ok((Vec::new(), true))
            }
            // Kafka's own message for PLAIN.
            _ => Err("Authentication failed: Invalid username or password".into()),
        }
    }

    fn scram(
        &self,
        sha512: bool,
        state: &mut ScramState,
        message: &[u8],
    ) -> Result<(Vec<u8>, bool), String> {
        let failed = || {
            format!(
                "Authentication failed during authentication due to invalid credentials \
                 with SASL mechanism SCRAM-SHA-{}",
                if sha512 { 512 } else { 256 }
            )
        };
        let text = std::str::from_utf8(message).map_err(|_| failed())?;
        match std::mem::replace(state, ScramState::Start) {
            ScramState::Start => {
                let bare = text.strip_prefix("n,,").ok_or_else(failed)?;
                let (user, client_nonce) = bare
                    .strip_prefix("n=")
                    .and_then(|rest| rest.split_once(",r="))
                    .ok_or_else(failed)?;
                let user = user.replace("=2C", ",").replace("=3D", "=");
                if user != self.username {
                    return Err(failed());
                }
                let salt = rand::random::<[u8; 16]>();
                let nonce = format!(
                    "{client_nonce}{}",
                    BASE64.encode(rand::random::<[u8; 12]>())
                );
                let iterations = 4096;
                let server_first = format!("r={nonce},s={},i={iterations}", BASE64.encode(salt));
                *state = ScramState::SentFirst {
                    client_first_bare: bare.to_owned(),
                    server_first: server_first.clone(),
                    nonce,
                    salted: salted_password(sha512, self.password.as_bytes(), &salt, iterations),
                };
                Ok((server_first.into_bytes(), false))
            }
            ScramState::SentFirst {
                client_first_bare,
                server_first,
                nonce,
                salted,
            } => {
                let (without_proof, proof) = text.rsplit_once(",p=").ok_or_else(failed)?;
                if without_proof != format!("c=biws,r={nonce}") {
                    return Err(failed());
                }
                let proof = BASE64.decode(proof).map_err(|_| failed())?;
                let auth_message = format!("{client_first_bare},{server_first},{without_proof}");
                let stored_key = digest(sha512, &hmac(sha512, &salted, b"Client Key"));
                let client_signature = hmac(sha512, &stored_key, auth_message.as_bytes());
                if proof.len() != client_signature.len() {
                    return Err(failed());
                }
                let client_key: Vec<u8> = proof
                    .iter()
                    .zip(&client_signature)
                    .map(|(p, s)| p ^ s)
                    .collect();
                if digest(sha512, &client_key) != stored_key {
                    return Err(failed());
                }
                let server_key = if self.forge_signature {
                    b"not the server key".to_vec()
                } else {
                    hmac(sha512, &salted, b"Server Key")
                };
                let signature = hmac(sha512, &server_key, auth_message.as_bytes());
                Ok((format!("v={}", BASE64.encode(signature)).into_bytes(), true))
            }
        }
    }
}

fn hmac(sha512: bool, key: &[u8], data: &[u8]) -> Vec<u8> {
    if sha512 {
        let mut mac = Hmac::<Sha512>::new_from_slice(key).unwrap();
        mac.update(data);
        mac.finalize().into_bytes().to_vec()
    } else {
        let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
        mac.update(data);
        mac.finalize().into_bytes().to_vec()
    }
}

fn digest(sha512: bool, data: &[u8]) -> Vec<u8> {
    if sha512 {
        Sha512::digest(data).to_vec()
    } else {
        Sha256::digest(data).to_vec()
    }
}

fn salted_password(sha512: bool, password: &[u8], salt: &[u8], iterations: u32) -> Vec<u8> {
    if sha512 {
        pbkdf2::pbkdf2_hmac_array::<Sha512, 64>(password, salt, iterations).to_vec()
    } else {
        pbkdf2::pbkdf2_hmac_array::<Sha256, 32>(password, salt, iterations).to_vec()
    }
}

// ---------------------------------------------------------------------- client

fn producer_config(bootstrap: &str, security: &[(&str, &str)]) -> ProducerConfig {
    let mut pairs = vec![
        ("bootstrap.servers", bootstrap),
        ("linger.ms", "2"),
        ("request.timeout.ms", "5000"),
        ("delivery.timeout.ms", "20000"),
        ("reconnect.backoff.ms", "20"),
    ];
    pairs.extend_from_slice(security);
    ProducerConfig::from_properties(pairs).unwrap()
}

/// Produces a few records with `config` and reads them back over the same
/// (secured) client.
async fn produce_and_read_back(config: ProducerConfig, topic: &str) {
    with_timeout("produce and read back", 30, async {
        let producer = Producer::new(config).await.unwrap();
        let client = producer.client().clone();
        create_topic(&client, topic, 1, 1).await;
        let values: Vec<String> = (0..5).map(|i| format!("{topic}-{i}")).collect();
        for value in &values {
            producer
                .send_and_wait(Record::new(topic).partition(0).value(value.as_bytes()))
                .await
                .unwrap();
        }
        let read: Vec<String> = fetch_all(&client, topic, 0)
            .await
            .into_iter()
            .map(|r| String::from_utf8(r.value.unwrap().to_vec()).unwrap())
            .collect();
        assert_eq!(read, values);
        producer.close().await;
    })
    .await;
}

/// Building a producer with `config` fails; the connection error says why.
async fn connect_error(config: ProducerConfig) -> ConnectionError {
    let err = with_timeout("a refused connection", 30, Producer::new(config))
        .await
        .expect_err("the connection must be refused");
    match err {
        Error::Request(RequestError::Connection(e)) => e,
        Error::NoBrokerAvailable { last } => match *last {
            Error::Request(RequestError::Connection(e)) => e,
            other => panic!("not a connection error: {other:?}"),
        },
        other => panic!("not a connection error: {other:?}"),
    }
}

// ------------------------------------------------------------------------- TLS

#[tokio::test]
async fn ssl_with_the_ca_produces_and_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new(&dir, "kctl-test-ca");
    let front = Front {
        tls: Some(acceptor(&ca, &["localhost"], None)),
        ..Front::default()
    };
    let (_broker, bootstrap) = start(front, "localhost").await;
    let ca_path = ca.pem_path.to_str().unwrap();
    produce_and_read_back(
        producer_config(
            &bootstrap,
            &[("security.protocol", "SSL"), ("ssl.ca.location", ca_path)],
        ),
        "tls-topic",
    )
    .await;
}

#[tokio::test]
async fn ssl_with_another_ca_fails_with_a_tls_error() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new(&dir, "kctl-test-ca");
    let stranger = TestCa::new(&dir, "some-other-ca");
    let front = Front {
        tls: Some(acceptor(&ca, &["localhost"], None)),
        ..Front::default()
    };
    let (_broker, bootstrap) = start(front, "localhost").await;
    for endpoint_identification in ["https", "none"] {
        let err = connect_error(producer_config(
            &bootstrap,
            &[
                ("security.protocol", "SSL"),
                ("ssl.ca.location", stranger.pem_path.to_str().unwrap()),
                (
                    "ssl.endpoint.identification.algorithm",
                    endpoint_identification,
                ),
            ],
        ))
        .await;
        // Turning off the name check must not turn off the chain check.
        assert!(
            matches!(&err, ConnectionError::Tls { message, .. } if message.contains("UnknownIssuer")),
            "{endpoint_identification}: {err}"
        );
        assert!(!err.is_retriable());
        assert!(err.to_string().contains(&bootstrap), "{err}");
    }
}

#[tokio::test]
async fn a_hostname_mismatch_fails_unless_identification_is_off() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new(&dir, "kctl-test-ca");
    let front = Front {
        tls: Some(acceptor(&ca, &["kafka.internal"], None)),
        ..Front::default()
    };
    // Reached as 127.0.0.1; the certificate names only kafka.internal.
    let (_broker, bootstrap) = start(front, "127.0.0.1").await;
    let ca_path = ca.pem_path.to_str().unwrap();
    let err = connect_error(producer_config(
        &bootstrap,
        &[("security.protocol", "SSL"), ("ssl.ca.location", ca_path)],
    ))
    .await;
    assert!(
        matches!(&err, ConnectionError::Tls { message, .. } if message.contains("not valid for name")),
        "{err}"
    );

    // The name the certificate has, given explicitly, passes the check.
    let mut config = producer_config(
        &bootstrap,
        &[("security.protocol", "SSL"), ("ssl.ca.location", ca_path)],
    );
    config
        .client
        .connection
        .security
        .tls
        .as_mut()
        .unwrap()
        .server_name = Some("kafka.internal".into());
    produce_and_read_back(config, "tls-server-name").await;

    produce_and_read_back(
        producer_config(
            &bootstrap,
            &[
                ("security.protocol", "SSL"),
                ("ssl.ca.location", ca_path),
                ("ssl.endpoint.identification.algorithm", "none"),
            ],
        ),
        "tls-no-identification",
    )
    .await;
}

#[tokio::test]
async fn mutual_tls_needs_the_client_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new(&dir, "kctl-test-ca");
    let clients_ca = TestCa::new(&dir, "kctl-clients-ca");
    let front = Front {
        tls: Some(acceptor(&ca, &["localhost"], Some(&clients_ca))),
        ..Front::default()
    };
    let (_broker, bootstrap) = start(front, "localhost").await;
    let ca_path = ca.pem_path.to_str().unwrap();

    // TLS 1.3 lets the client finish its handshake before the server
    // checks the certificate, so the refusal arrives as an alert on the
    // first read; it is still reported as a TLS failure.
    let err = connect_error(producer_config(
        &bootstrap,
        &[("security.protocol", "SSL"), ("ssl.ca.location", ca_path)],
    ))
    .await;
    assert!(
        matches!(&err, ConnectionError::Tls { message, .. } if message.contains("CertificateRequired")),
        "{err}"
    );

    let (cert, key) = clients_ca.issue(&["kctl-client"]);
    let cert_path = dir.path().join("client.pem");
    let key_path = dir.path().join("client.key");
    std::fs::write(&cert_path, cert.pem()).unwrap();
    std::fs::write(&key_path, key.serialize_pem()).unwrap();
    produce_and_read_back(
        producer_config(
            &bootstrap,
            &[
                ("security.protocol", "SSL"),
                ("ssl.ca.location", ca_path),
                ("ssl.certificate.location", cert_path.to_str().unwrap()),
                ("ssl.key.location", key_path.to_str().unwrap()),
            ],
        ),
        "mtls-topic",
    )
    .await;
}

// ------------------------------------------------------------------------ SASL

const USERNAME: &str = "ops,team=kafka";
const PASSWORD: &str = "correct horse battery staple";

fn sasl_properties(mechanism: SaslMechanism, password: &str) -> Vec<(&'static str, String)> {
    vec![
        ("security.protocol", "SASL_PLAINTEXT".into()),
        ("sasl.mechanism", mechanism.as_str().into()),
        ("sasl.username", USERNAME.into()),
        ("sasl.password", password.into()),
    ]
}

fn sasl_config(bootstrap: &str, mechanism: SaslMechanism, password: &str) -> ProducerConfig {
    let pairs = sasl_properties(mechanism, password);
    let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    producer_config(bootstrap, &pairs)
}

const ALL_MECHANISMS: [SaslMechanism; 3] = [
    SaslMechanism::Plain,
    SaslMechanism::ScramSha256,
    SaslMechanism::ScramSha512,
];

#[tokio::test]
async fn each_sasl_mechanism_authenticates_and_produces() {
    let front = Front {
        sasl: Some(SaslServer::new(&ALL_MECHANISMS, USERNAME, PASSWORD)),
        ..Front::default()
    };
    let (_broker, bootstrap) = start(front, "127.0.0.1").await;
    for mechanism in ALL_MECHANISMS {
        let topic = format!("sasl-{}", mechanism.as_str().to_lowercase());
        produce_and_read_back(sasl_config(&bootstrap, mechanism, PASSWORD), &topic).await;
    }
}

#[tokio::test]
async fn sasl_ssl_runs_scram_inside_tls() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new(&dir, "kctl-test-ca");
    let front = Front {
        tls: Some(acceptor(&ca, &["localhost"], None)),
        sasl: Some(SaslServer::new(
            &[SaslMechanism::ScramSha512],
            USERNAME,
            PASSWORD,
        )),
    };
    let (_broker, bootstrap) = start(front, "localhost").await;
    produce_and_read_back(
        producer_config(
            &bootstrap,
            &[
                ("security.protocol", "SASL_SSL"),
                ("ssl.ca.location", ca.pem_path.to_str().unwrap()),
                ("sasl.mechanism", "SCRAM-SHA-512"),
                ("sasl.username", USERNAME),
                ("sasl.password", PASSWORD),
            ],
        ),
        "sasl-ssl-topic",
    )
    .await;
}

#[tokio::test]
async fn a_wrong_password_is_a_typed_error_without_the_password() {
    let front = Front {
        sasl: Some(SaslServer::new(&ALL_MECHANISMS, USERNAME, PASSWORD)),
        ..Front::default()
    };
    let (_broker, bootstrap) = start(front, "127.0.0.1").await;
    let wrong = "Tr0ub4dor&3-wrong";
    for mechanism in ALL_MECHANISMS {
        let err = connect_error(sasl_config(&bootstrap, mechanism, wrong)).await;
        match &err {
            ConnectionError::Authentication {
                mechanism: m,
                code: Some(ErrorCode::SaslAuthenticationFailed),
                message,
            } => {
                assert_eq!(*m, mechanism);
                assert!(
                    message.starts_with("Authentication failed"),
                    "the broker's message: {message}"
                );
            }
            other => panic!("{mechanism}: not an authentication failure: {other:?}"),
        }
        assert!(!err.is_retriable());
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains(wrong), "{shown}");
        assert!(!shown.contains(PASSWORD), "{shown}");
    }
}

#[tokio::test]
async fn an_unsupported_mechanism_lists_the_brokers() {
    let front = Front {
        sasl: Some(SaslServer::new(
            &[SaslMechanism::ScramSha512, SaslMechanism::ScramSha256],
            USERNAME,
            PASSWORD,
        )),
        ..Front::default()
    };
    let (_broker, bootstrap) = start(front, "127.0.0.1").await;
    let err = connect_error(sasl_config(&bootstrap, SaslMechanism::Plain, PASSWORD)).await;
    assert!(
        matches!(
            &err,
            ConnectionError::Authentication {
                mechanism: SaslMechanism::Plain,
                code: Some(ErrorCode::UnsupportedSaslMechanism),
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("does not enable PLAIN; it offers SCRAM-SHA-512, SCRAM-SHA-256"),
        "{err}"
    );
}

#[tokio::test]
async fn a_server_that_cannot_sign_the_exchange_is_rejected() {
    let mut sasl = SaslServer::new(&[SaslMechanism::ScramSha256], USERNAME, PASSWORD);
    sasl.forge_signature = true;
    let front = Front {
        sasl: Some(sasl),
        ..Front::default()
    };
    let (_broker, bootstrap) = start(front, "127.0.0.1").await;
    let err = connect_error(sasl_config(
        &bootstrap,
        SaslMechanism::ScramSha256,
        PASSWORD,
    ))
    .await;
    assert!(
        matches!(
            &err,
            ConnectionError::Authentication { code: None, message, .. }
                if message.contains("signature does not match")
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn sasl_against_a_listener_without_it_says_so() {
    let broker = TestBroker::start().await;
    let err = connect_error(sasl_config(
        &broker.bootstrap(),
        SaslMechanism::Plain,
        PASSWORD,
    ))
    .await;
    assert!(
        matches!(&err, ConnectionError::Authentication { code: None, message, .. }
            if message.contains("does not offer SASL")),
        "{err:?}"
    );
}
