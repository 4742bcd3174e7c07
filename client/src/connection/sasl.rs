//! The client side of SASL PLAIN (RFC 4616) and SCRAM-SHA-256/512
//! (RFC 5802, RFC 7677), as Kafka runs them: each message is the
//! `auth_bytes` of one SaslAuthenticate request (KIP-152), after a
//! SaslHandshake v1 that names the mechanism.
//!
//! The messages are built and checked here without I/O;
//! `Connection::authenticate` carries them.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256, Sha512};

use super::security::{Password, SaslConfig, SaslMechanism};

/// The fewest PBKDF2 iterations accepted from a server, as Kafka's own
/// client enforces: fewer would make a stolen exchange cheap to brute-force.
pub const SCRAM_MIN_ITERATIONS: u32 = 4096;

/// Random bytes in a client nonce; base64 keeps it printable and free of ','.
const NONCE_BYTES: usize = 24;

/// One SASL exchange: [`Authenticator::first`] gives the first message,
/// then [`Authenticator::next`] takes each server message and gives the
/// answer, or `None` once the exchange has succeeded on the client's side.
/// Errors are messages for [`crate::error::ConnectionError::Authentication`];
/// none of them contains the password.
#[derive(Debug)]
pub(crate) struct Authenticator<'a> {
    state: State<'a>,
}

#[derive(Debug)]
enum State<'a> {
    Plain {
        username: &'a str,
        password: &'a Password,
    },
    PlainSent,
    ScramStart(ScramClient<'a>),
    ScramFirstSent(ScramClient<'a>),
    ScramFinalSent(ServerSignature),
    Done,
}

impl<'a> Authenticator<'a> {
    pub(crate) fn new(config: &'a SaslConfig) -> Self {
        let state = match config.mechanism {
            SaslMechanism::Plain => State::Plain {
                username: &config.username,
                password: &config.password,
            },
            SaslMechanism::ScramSha256 | SaslMechanism::ScramSha512 => {
                State::ScramStart(ScramClient::new(
                    config.mechanism,
                    &config.username,
                    &config.password,
                    random_nonce(),
                ))
            }
        };
        Self { state }
    }

    pub(crate) fn first(&mut self) -> Vec<u8> {
        match std::mem::replace(&mut self.state, State::Done) {
            State::Plain { username, password } => {
                self.state = State::PlainSent;
                plain_message(username, password)
            }
            State::ScramStart(client) => {
                let message = client.client_first();
                self.state = State::ScramFirstSent(client);
                message
            }
            other => {
                self.state = other;
                Vec::new()
            }
        }
    }

    pub(crate) fn next(&mut self, server: &[u8]) -> Result<Option<Vec<u8>>, String> {
        match std::mem::replace(&mut self.state, State::Done) {
            // The broker answers PLAIN with an empty message; its error
            // code, checked by the caller, is the verdict.
            State::PlainSent => Ok(None),
            State::ScramFirstSent(client) => {
                let (message, signature) = client.client_final(server)?;
                self.state = State::ScramFinalSent(signature);
                Ok(Some(message))
            }
            State::ScramFinalSent(signature) => {
                signature.verify(server)?;
                Ok(None)
            }
            State::Done => Err("the server sent a message after the exchange ended".into()),
            State::Plain { .. } | State::ScramStart(_) => {
                Err("the exchange has not started".into())
            }
        }
    }
}

/// PLAIN's one message: authzid (empty: act as the authenticated user),
/// authcid and password, NUL-separated.
pub(crate) fn plain_message(username: &str, password: &Password) -> Vec<u8> {
    let mut out = Vec::with_capacity(username.len() + password.expose().len() + 2);
    out.push(0);
    out.extend_from_slice(username.as_bytes());
    out.push(0);
    out.extend_from_slice(password.expose().as_bytes());
    out
}

fn random_nonce() -> String {
    BASE64.encode(rand::random::<[u8; NONCE_BYTES]>())
}

/// RFC 5802's `saslname`: ',' and '=' would end or confuse an attribute.
pub(crate) fn escape_saslname(name: &str) -> String {
    name.replace('=', "=3D").replace(',', "=2C")
}

#[derive(Debug, Clone, Copy)]
enum Hash {
    Sha256,
    Sha512,
}

impl Hash {
    #[allow(clippy::expect_used, reason = "HMAC accepts a key of any length")]
    fn hmac(self, key: &[u8], data: &[u8]) -> Vec<u8> {
        match self {
            Self::Sha256 => {
                let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key");
                mac.update(data);
                mac.finalize().into_bytes().to_vec()
            }
            Self::Sha512 => {
                let mut mac = Hmac::<Sha512>::new_from_slice(key).expect("HMAC takes any key");
                mac.update(data);
                mac.finalize().into_bytes().to_vec()
            }
        }
    }

    /// Whether `HMAC(key, data)` is `expected`, compared in constant time so
    /// the comparison leaks nothing about the right value.
    #[allow(clippy::expect_used, reason = "HMAC accepts a key of any length")]
    fn hmac_matches(self, key: &[u8], data: &[u8], expected: &[u8]) -> bool {
        match self {
            Self::Sha256 => {
                let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key");
                mac.update(data);
                mac.verify_slice(expected).is_ok()
            }
            Self::Sha512 => {
                let mut mac = Hmac::<Sha512>::new_from_slice(key).expect("HMAC takes any key");
                mac.update(data);
                mac.verify_slice(expected).is_ok()
            }
        }
    }

    fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Self::Sha256 => Sha256::digest(data).to_vec(),
            Self::Sha512 => Sha512::digest(data).to_vec(),
        }
    }

    /// RFC 5802's `Hi`, which is PBKDF2 with HMAC-H.
    fn salted_password(self, password: &[u8], salt: &[u8], iterations: u32) -> Vec<u8> {
        match self {
            Self::Sha256 => {
                pbkdf2::pbkdf2_hmac_array::<Sha256, 32>(password, salt, iterations).to_vec()
            }
            Self::Sha512 => {
                pbkdf2::pbkdf2_hmac_array::<Sha512, 64>(password, salt, iterations).to_vec()
            }
        }
    }
}

/// The client side of one SCRAM exchange, up to the client-final message.
pub(crate) struct ScramClient<'a> {
    hash: Hash,
    password: &'a Password,
    nonce: String,
    client_first_bare: String,
}

impl std::fmt::Debug for ScramClient<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScramClient")
            .field("hash", &self.hash)
            .field("client_first_bare", &self.client_first_bare)
            .finish_non_exhaustive()
    }
}

/// What the server must prove in its final message: that it knows the
/// salted password too.
#[derive(Debug)]
pub(crate) struct ServerSignature {
    hash: Hash,
    server_key: Vec<u8>,
    auth_message: String,
}

impl<'a> ScramClient<'a> {
    /// `nonce` must be printable ASCII without ','; callers other than the
    /// tests pass a fresh random one.
    pub(crate) fn new(
        mechanism: SaslMechanism,
        username: &str,
        password: &'a Password,
        nonce: String,
    ) -> Self {
        let hash = match mechanism {
            SaslMechanism::ScramSha512 => Hash::Sha512,
            _ => Hash::Sha256,
        };
        let client_first_bare = format!("n={},r={nonce}", escape_saslname(username));
        Self {
            hash,
            password,
            nonce,
            client_first_bare,
        }
    }

    /// The client-first message: GS2 header `n,,` (no channel binding, no
    /// authzid), then the bare part.
    pub(crate) fn client_first(&self) -> Vec<u8> {
        format!("n,,{}", self.client_first_bare).into_bytes()
    }

    /// Checks the server-first message and computes the client-final one,
    /// with the signature the server's final message must carry.
    pub(crate) fn client_final(
        &self,
        server_first: &[u8],
    ) -> Result<(Vec<u8>, ServerSignature), String> {
        let server_first = std::str::from_utf8(server_first)
            .map_err(|_| "the server-first message is not UTF-8".to_owned())?;
        let first = ServerFirst::parse(server_first)?;
        if !first.nonce.starts_with(&self.nonce) {
            return Err("the server's nonce does not start with the client's".into());
        }
        if first.iterations < SCRAM_MIN_ITERATIONS {
            return Err(format!(
                "the server asks for {} iterations, fewer than the minimum {SCRAM_MIN_ITERATIONS}",
                first.iterations
            ));
        }
        // RFC 5802 wants the password SASLprep-normalised; Kafka's Java
        // client and broker use its UTF-8 bytes as they are, and matching
        // them is what lets the same credentials work here.
        let salted = self.hash.salted_password(
            self.password.expose().as_bytes(),
            &first.salt,
            first.iterations,
        );
        let client_key = self.hash.hmac(&salted, b"Client Key");
        let stored_key = self.hash.digest(&client_key);
        // c=biws is base64("n,,"): the GS2 header, repeated as channel binding.
        let without_proof = format!("c=biws,r={}", first.nonce);
        let auth_message = format!("{},{server_first},{without_proof}", self.client_first_bare);
        let client_signature = self.hash.hmac(&stored_key, auth_message.as_bytes());
        let proof: Vec<u8> = client_key
            .iter()
            .zip(&client_signature)
            .map(|(k, s)| k ^ s)
            .collect();
        let message = format!("{without_proof},p={}", BASE64.encode(proof)).into_bytes();
        let signature = ServerSignature {
            hash: self.hash,
            server_key: self.hash.hmac(&salted, b"Server Key"),
            auth_message,
        };
        Ok((message, signature))
    }
}

impl ServerSignature {
    /// Checks the server-final message `v=<signature>`. A server that cannot
    /// produce it does not know the credentials: whoever answered is not the
    /// broker the password was registered with.
    pub(crate) fn verify(&self, server_final: &[u8]) -> Result<(), String> {
        let text = std::str::from_utf8(server_final)
            .map_err(|_| "the server-final message is not UTF-8".to_owned())?;
        let first = text.split(',').next().unwrap_or_default();
        if let Some(error) = first.strip_prefix("e=") {
            return Err(format!("the server ended the exchange: {error}"));
        }
        let signature = first
            .strip_prefix("v=")
            .ok_or_else(|| "the server-final message has no signature (v=)".to_owned())?;
        let signature = BASE64
            .decode(signature)
            .map_err(|_| "the server signature is not base64".to_owned())?;
        if self
            .hash
            .hmac_matches(&self.server_key, self.auth_message.as_bytes(), &signature)
        {
            Ok(())
        } else {
            Err("the server's signature does not match: it does not know the credentials".into())
        }
    }
}

struct ServerFirst<'s> {
    nonce: &'s str,
    salt: Vec<u8>,
    iterations: u32,
}

impl<'s> ServerFirst<'s> {
    /// `r=<nonce>,s=<base64 salt>,i=<iterations>[,<extensions>]`, in that
    /// order (RFC 5802 §7).
    fn parse(message: &'s str) -> Result<Self, String> {
        let mut attributes = message.split(',');
        let mut next = |name: &str| {
            attributes
                .next()
                .and_then(|a| a.strip_prefix(name))
                .and_then(|a| a.strip_prefix('='))
                .ok_or_else(|| {
                    if message.starts_with("m=") {
                        "the server requires a SCRAM extension this client does not know".to_owned()
                    } else {
                        format!("the server-first message has no {name}= where expected")
                    }
                })
        };
        let nonce = next("r")?;
        let salt = next("s")?;
        let iterations = next("i")?;
        let salt = BASE64
            .decode(salt)
            .map_err(|_| "the server's salt is not base64".to_owned())?;
        let iterations = iterations
            .parse()
            .map_err(|_| format!("the server's iteration count {iterations:?} is not a number"))?;
        if nonce.is_empty() || salt.is_empty() {
            return Err("the server's nonce or salt is empty".into());
        }
        Ok(Self {
            nonce,
            salt,
            iterations,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 7677 §3: user "user", password "pencil".
    const RFC7677_CLIENT_NONCE: &str = "rOprNGfwEbeRWgbNEkqO";
    const RFC7677_CLIENT_FIRST: &str = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
    const RFC7677_SERVER_FIRST: &str = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,\
                                        s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    const RFC7677_CLIENT_FINAL: &str = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,\
                                        p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    const RFC7677_SERVER_FINAL: &str = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

    fn pencil() -> Password {
        Password::new("pencil")
    }

    #[test]
    fn scram_sha256_matches_rfc7677_byte_for_byte() {
        let password = pencil();
        let client = ScramClient::new(
            SaslMechanism::ScramSha256,
            "user",
            &password,
            RFC7677_CLIENT_NONCE.into(),
        );
        assert_eq!(
            String::from_utf8(client.client_first()).unwrap(),
            RFC7677_CLIENT_FIRST
        );
        let (client_final, signature) = client
            .client_final(RFC7677_SERVER_FIRST.as_bytes())
            .unwrap();
        assert_eq!(
            String::from_utf8(client_final).unwrap(),
            RFC7677_CLIENT_FINAL
        );
        signature.verify(RFC7677_SERVER_FINAL.as_bytes()).unwrap();
    }

    #[test]
    fn a_wrong_server_signature_fails_the_exchange() {
        let password = pencil();
        let client = ScramClient::new(
            SaslMechanism::ScramSha256,
            "user",
            &password,
            RFC7677_CLIENT_NONCE.into(),
        );
        let (_, signature) = client
            .client_final(RFC7677_SERVER_FIRST.as_bytes())
            .unwrap();
        // The right length, one bit off.
        let mut forged = BASE64
            .decode(RFC7677_SERVER_FINAL.strip_prefix("v=").unwrap())
            .unwrap();
        forged[0] ^= 1;
        let err = signature
            .verify(format!("v={}", BASE64.encode(forged)).as_bytes())
            .unwrap_err();
        assert!(err.contains("does not match"), "{err}");
        let err = signature.verify(b"e=invalid-proof").unwrap_err();
        assert!(err.contains("invalid-proof"), "{err}");
        assert!(signature.verify(b"x=1").is_err());
    }

    #[test]
    fn server_first_messages_are_checked() {
        let password = pencil();
        let client = ScramClient::new(
            SaslMechanism::ScramSha256,
            "user",
            &password,
            RFC7677_CLIENT_NONCE.into(),
        );
        let cases = [
            (
                "r=rOprNGfwEbeRWgbNEkqO%hvY,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4095",
                "fewer than the minimum 4096",
            ),
            (
                "r=someoneElsesNonce,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
                "does not start with the client's",
            ),
            (
                "m=ext,r=rOprNGfwEbeRWgbNEkqO%hvY,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
                "extension",
            ),
            ("r=rOprNGfwEbeRWgbNEkqO%hvY,i=4096", "no s="),
            (
                "r=rOprNGfwEbeRWgbNEkqO%hvY,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=many",
                "not a number",
            ),
            ("r=rOprNGfwEbeRWgbNEkqO%hvY,s=!!,i=4096", "not base64"),
        ];
        for (server_first, expected) in cases {
            let err = client.client_final(server_first.as_bytes()).unwrap_err();
            assert!(err.contains(expected), "{server_first}: {err}");
            assert!(!err.contains("pencil"));
        }
    }

    /// The server side of RFC 5802, written out independently of
    /// [`ScramClient`]: it checks the client's proof the way a broker does
    /// and signs the exchange.
    fn server_check_sha512(
        password: &str,
        salt: &[u8],
        iterations: u32,
        auth_message: &str,
        proof: &[u8],
    ) -> Option<Vec<u8>> {
        let salted = pbkdf2::pbkdf2_hmac_array::<Sha512, 64>(password.as_bytes(), salt, iterations);
        let hmac = |key: &[u8], data: &[u8]| {
            let mut mac = Hmac::<Sha512>::new_from_slice(key).unwrap();
            mac.update(data);
            mac.finalize().into_bytes().to_vec()
        };
        let stored_key = Sha512::digest(hmac(&salted, b"Client Key")).to_vec();
        let client_signature = hmac(&stored_key, auth_message.as_bytes());
        let client_key: Vec<u8> = proof
            .iter()
            .zip(&client_signature)
            .map(|(p, s)| p ^ s)
            .collect();
        (Sha512::digest(&client_key).as_slice() == stored_key.as_slice())
            .then(|| hmac(&hmac(&salted, b"Server Key"), auth_message.as_bytes()))
    }

    #[test]
    fn scram_sha512_round_trip() {
        let config = SaslConfig::new(SaslMechanism::ScramSha512, "al,ice=", "correct horse");
        let mut auth = Authenticator::new(&config);
        let client_first = String::from_utf8(auth.first()).unwrap();
        let bare = client_first.strip_prefix("n,,").unwrap();
        let nonce = bare.strip_prefix("n=al=2Cice=3D,r=").unwrap();
        assert_eq!(nonce.len(), 32, "24 random bytes in base64");
        let salt = b"NaCl of sixteen!";
        let server_first = format!("r={nonce}srv,s={},i=8192", BASE64.encode(salt));
        let client_final =
            String::from_utf8(auth.next(server_first.as_bytes()).unwrap().unwrap()).unwrap();
        let (without_proof, proof) = client_final.rsplit_once(",p=").unwrap();
        assert_eq!(without_proof, format!("c=biws,r={nonce}srv"));
        let auth_message = format!("{bare},{server_first},{without_proof}");
        let proof = BASE64.decode(proof).unwrap();
        assert_eq!(proof.len(), 64);
        let server_signature =
            server_check_sha512("correct horse", salt, 8192, &auth_message, &proof)
                .expect("the server accepts the client's proof");
        assert!(
            server_check_sha512("wrong horse", salt, 8192, &auth_message, &proof).is_none(),
            "the proof depends on the password"
        );
        let server_final = format!("v={}", BASE64.encode(server_signature));
        assert_eq!(auth.next(server_final.as_bytes()).unwrap(), None);
        assert!(auth.next(b"").is_err(), "nothing comes after the end");
    }

    #[test]
    fn nonces_differ_between_exchanges() {
        let config = SaslConfig::new(SaslMechanism::ScramSha256, "u", "p");
        let a = Authenticator::new(&config).first();
        let b = Authenticator::new(&config).first();
        assert_ne!(a, b);
    }

    #[test]
    fn saslnames_escape_comma_and_equals() {
        assert_eq!(escape_saslname("plain"), "plain");
        assert_eq!(escape_saslname("a=b,c"), "a=3Db=2Cc");
        // '=' first, or the '=' of "=2C" would be escaped again.
        assert_eq!(escape_saslname(",="), "=2C=3D");
    }

    #[test]
    fn plain_is_three_nul_separated_fields() {
        let config = SaslConfig::new(SaslMechanism::Plain, "alice", "s3cret");
        let mut auth = Authenticator::new(&config);
        assert_eq!(auth.first(), b"\0alice\0s3cret");
        assert_eq!(auth.next(b"").unwrap(), None);
    }
}
