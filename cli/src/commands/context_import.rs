//! `kctl context import kaf|rpk|kafkactl [FILE]`: the clusters another
//! tool knows, as kctl contexts, so switching tools keeps them.
//!
//! Each tool's file, as its own code reads it:
//! - kaf (`~/.kaf/config`): `clusters: [{name, brokers, SASL: {mechanism,
//!   username, password}, TLS: {cafile, clientfile, clientkeyfile,
//!   insecure}, security-protocol}]`, `current-cluster`;
//! - rpk (`rpk.yaml`): `profiles: [{name, kafka_api: {brokers, tls:
//!   {ca_file, cert_file, key_file, insecure_skip_verify}, sasl: {user,
//!   password, mechanism}}}]`, `current_profile` (a `tls` key, even empty,
//!   turns TLS on);
//! - kafkactl (`~/.config/kafkactl/config.yml`): `contexts: {NAME: {brokers,
//!   tls: {enabled, ca, cert, certKey, insecure}, sasl: {enabled, username,
//!   password, mechanism}}}`, `current-context`.
//!
//! Passwords are copied as the tool stored them (inline; kctl's file is
//! written readable by its owner only). A SASL mechanism kctl does not
//! speak (OAUTHBEARER, GSSAPI, AWS_MSK_IAM) is left out with a warning
//! rather than guessed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::cli::{ContextImportArgs, ImportTool};
use crate::exit::{Code, Failure, usage};
use crate::printer::Printer;
use crate::settings::{self, Context, Sasl, SaslMechanism, Secret, Tls};

/// One cluster as found in the other tool's file.
#[derive(Debug)]
struct Imported {
    name: String,
    context: Context,
    /// What could not be carried over.
    warnings: Vec<String>,
}

pub(crate) fn run(
    printer: &Printer,
    path: &Path,
    explicit: bool,
    args: &ContextImportArgs,
) -> anyhow::Result<Code> {
    let source = match &args.file {
        Some(file) => file.clone(),
        None => default_file(args.tool)?,
    };
    let text = std::fs::read_to_string(&source).map_err(|e| {
        Failure::new(
            Code::NotFound,
            format!("cannot read {}: {e}", source.display()),
        )
    })?;
    let (clusters, current) = match args.tool {
        ImportTool::Kaf => kaf(&text),
        ImportTool::Rpk => rpk(&text),
        ImportTool::Kafkactl => kafkactl(&text),
    }
    .map_err(|e| {
        usage(format!(
            "{} is not a {:?} config file: {e}",
            source.display(),
            args.tool
        ))
    })?;
    if clusters.is_empty() {
        return Err(Failure::new(
            Code::NotFound,
            format!("{} has no clusters to import", source.display()),
        )
        .into());
    }
    let mut config = settings::load(path, explicit)?;
    for cluster in &clusters {
        for server in &cluster.context.bootstrap_servers {
            settings::check_server(server).map_err(|e| {
                usage(format!(
                    "cluster '{}' in {}: {e}",
                    cluster.name,
                    source.display()
                ))
            })?;
        }
    }
    for cluster in clusters {
        let name = format!("{}{}", args.prefix, cluster.name);
        let security = describe(&cluster.context);
        let replaced = config
            .contexts
            .insert(name.clone(), cluster.context)
            .is_some();
        printer.status(format!(
            "{} context '{name}'{security}",
            if replaced { "replaced" } else { "imported" }
        ));
        for warning in cluster.warnings {
            printer.status(format!("warning: context '{name}': {warning}"));
        }
    }
    if config.current_context.is_none()
        && let Some(current) = current
    {
        config.current_context = Some(format!("{}{current}", args.prefix));
    }
    settings::save(path, &config)?;
    printer.status(format!("saved {}", path.display()));
    Ok(Code::Success)
}

fn describe(context: &Context) -> String {
    let mut parts = vec![context.bootstrap_servers.join(",")];
    if context.tls.is_some() {
        parts.push("TLS".to_owned());
    }
    if let Some(sasl) = &context.sasl {
        parts.push(format!("SASL {}", sasl.mechanism.as_str()));
    }
    format!(" ({})", parts.join(", "))
}

fn default_file(tool: ImportTool) -> anyhow::Result<PathBuf> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let config_home = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| home.as_ref().map(|h| h.join(".config")));
    let file = match tool {
        ImportTool::Kaf => home.map(|h| h.join(".kaf").join("config")),
        ImportTool::Rpk => config_home.map(|c| c.join("rpk").join("rpk.yaml")),
        ImportTool::Kafkactl => config_home.map(|c| c.join("kafkactl").join("config.yml")),
    };
    file.ok_or_else(|| usage("HOME is not set: name the file to import").into())
}

/// A SASL mechanism name as the tools spell it, if kctl speaks it.
fn mechanism(name: &str) -> Option<SaslMechanism> {
    match name.to_ascii_uppercase().replace(['_', '-'], "").as_str() {
        "PLAIN" | "PLAINTEXT" => Some(SaslMechanism::Plain),
        "SCRAMSHA256" => Some(SaslMechanism::ScramSha256),
        "SCRAMSHA512" => Some(SaslMechanism::ScramSha512),
        _ => None,
    }
}

fn sasl(
    mechanism_name: Option<&str>,
    username: Option<String>,
    password: Option<String>,
    warnings: &mut Vec<String>,
) -> Option<Sasl> {
    // kafkactl and kaf default to PLAIN when only credentials are given.
    let name = mechanism_name.filter(|m| !m.is_empty()).unwrap_or("PLAIN");
    match mechanism(name) {
        Some(mechanism) => Some(Sasl {
            mechanism,
            username: username.filter(|u| !u.is_empty()),
            password: password.filter(|p| !p.is_empty()).map(Secret::new),
            password_env: None,
            password_command: None,
        }),
        None => {
            warnings.push(format!(
                "SASL mechanism {name} is not supported by kctl (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512); left out"
            ));
            None
        }
    }
}

fn non_empty(path: Option<String>) -> Option<PathBuf> {
    path.filter(|p| !p.is_empty()).map(PathBuf::from)
}

type Parsed = (Vec<Imported>, Option<String>);

fn kaf(text: &str) -> Result<Parsed, String> {
    #[derive(Deserialize)]
    struct File {
        #[serde(rename = "current-cluster", default)]
        current: Option<String>,
        #[serde(default)]
        clusters: Vec<Cluster>,
    }
    #[derive(Deserialize)]
    struct Cluster {
        name: String,
        #[serde(default)]
        brokers: Vec<String>,
        #[serde(rename = "SASL", default)]
        sasl: Option<KafSasl>,
        #[serde(rename = "TLS", default)]
        tls: Option<KafTls>,
        #[serde(rename = "security-protocol", default)]
        security_protocol: Option<String>,
    }
    #[derive(Deserialize)]
    struct KafSasl {
        mechanism: Option<String>,
        username: Option<String>,
        password: Option<String>,
    }
    #[derive(Deserialize)]
    struct KafTls {
        cafile: Option<String>,
        clientfile: Option<String>,
        clientkeyfile: Option<String>,
        #[serde(default)]
        insecure: bool,
    }
    let file: File = serde_norway::from_str(text).map_err(|e| e.to_string())?;
    let clusters = file
        .clusters
        .into_iter()
        .map(|c| {
            let mut warnings = Vec::new();
            let protocol = c.security_protocol.unwrap_or_default().to_ascii_uppercase();
            let tls = match c.tls {
                Some(t) => Some(Tls {
                    ca_file: non_empty(t.cafile),
                    cert_file: non_empty(t.clientfile),
                    key_file: non_empty(t.clientkeyfile),
                    insecure_skip_verify: t.insecure,
                }),
                None if protocol.ends_with("SSL") => Some(Tls::default()),
                None => None,
            };
            let sasl = c.sasl.and_then(|s| {
                sasl(
                    s.mechanism.as_deref(),
                    s.username,
                    s.password,
                    &mut warnings,
                )
            });
            Imported {
                name: c.name,
                context: Context {
                    bootstrap_servers: c.brokers,
                    tls,
                    sasl,
                },
                warnings,
            }
        })
        .collect();
    Ok((clusters, file.current.filter(|c| !c.is_empty())))
}

fn rpk(text: &str) -> Result<Parsed, String> {
    #[derive(Deserialize)]
    struct File {
        #[serde(default)]
        current_profile: Option<String>,
        #[serde(default)]
        profiles: Vec<Profile>,
    }
    #[derive(Deserialize)]
    struct Profile {
        name: String,
        #[serde(default)]
        kafka_api: Option<KafkaApi>,
    }
    #[derive(Deserialize)]
    struct KafkaApi {
        #[serde(default)]
        brokers: Vec<String>,
        #[serde(default)]
        tls: Option<RpkTls>,
        #[serde(default)]
        sasl: Option<RpkSasl>,
    }
    #[derive(Deserialize, Default)]
    struct RpkTls {
        ca_file: Option<String>,
        cert_file: Option<String>,
        key_file: Option<String>,
        #[serde(default)]
        insecure_skip_verify: bool,
    }
    #[derive(Deserialize)]
    struct RpkSasl {
        user: Option<String>,
        password: Option<String>,
        // rpk.yaml says `mechanism`; redpanda.yaml's older rpk section `type`.
        #[serde(alias = "type")]
        mechanism: Option<String>,
    }
    let file: File = serde_norway::from_str(text).map_err(|e| e.to_string())?;
    let profiles = file
        .profiles
        .into_iter()
        .map(|p| {
            let mut warnings = Vec::new();
            let api = p.kafka_api.unwrap_or(KafkaApi {
                brokers: Vec::new(),
                tls: None,
                sasl: None,
            });
            let mut brokers = api.brokers;
            if brokers.is_empty() {
                // rpk's default.
                brokers.push("127.0.0.1:9092".to_owned());
            }
            Imported {
                name: p.name,
                context: Context {
                    bootstrap_servers: brokers,
                    tls: api.tls.map(|t| Tls {
                        ca_file: non_empty(t.ca_file),
                        cert_file: non_empty(t.cert_file),
                        key_file: non_empty(t.key_file),
                        insecure_skip_verify: t.insecure_skip_verify,
                    }),
                    sasl: api.sasl.and_then(|s| {
                        sasl(s.mechanism.as_deref(), s.user, s.password, &mut warnings)
                    }),
                },
                warnings,
            }
        })
        .collect();
    Ok((profiles, file.current_profile.filter(|c| !c.is_empty())))
}

fn kafkactl(text: &str) -> Result<Parsed, String> {
    #[derive(Deserialize)]
    struct File {
        #[serde(rename = "current-context", default)]
        current: Option<String>,
        #[serde(default)]
        contexts: BTreeMap<String, KafkactlContext>,
    }
    #[derive(Deserialize)]
    struct KafkactlContext {
        #[serde(default)]
        brokers: Vec<String>,
        #[serde(default)]
        tls: Option<KafkactlTls>,
        #[serde(default)]
        sasl: Option<KafkactlSasl>,
    }
    #[derive(Deserialize)]
    struct KafkactlTls {
        #[serde(default)]
        enabled: bool,
        ca: Option<String>,
        cert: Option<String>,
        #[serde(rename = "certKey")]
        cert_key: Option<String>,
        #[serde(default)]
        insecure: bool,
    }
    #[derive(Deserialize)]
    struct KafkactlSasl {
        #[serde(default)]
        enabled: bool,
        username: Option<String>,
        password: Option<String>,
        mechanism: Option<String>,
    }
    let file: File = serde_norway::from_str(text).map_err(|e| e.to_string())?;
    let contexts = file
        .contexts
        .into_iter()
        .map(|(name, c)| {
            let mut warnings = Vec::new();
            Imported {
                name,
                context: Context {
                    bootstrap_servers: c.brokers,
                    tls: c.tls.filter(|t| t.enabled).map(|t| Tls {
                        ca_file: non_empty(t.ca),
                        cert_file: non_empty(t.cert),
                        key_file: non_empty(t.cert_key),
                        insecure_skip_verify: t.insecure,
                    }),
                    sasl: c.sasl.filter(|s| s.enabled).and_then(|s| {
                        sasl(
                            s.mechanism.as_deref(),
                            s.username,
                            s.password,
                            &mut warnings,
                        )
                    }),
                },
                warnings,
            }
        })
        .collect();
    Ok((contexts, file.current.filter(|c| !c.is_empty())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mechanisms_as_the_tools_spell_them() {
        assert_eq!(mechanism("PLAIN"), Some(SaslMechanism::Plain));
        assert_eq!(mechanism("plaintext"), Some(SaslMechanism::Plain));
        assert_eq!(mechanism("scram-sha512"), Some(SaslMechanism::ScramSha512));
        assert_eq!(mechanism("SCRAM-SHA-256"), Some(SaslMechanism::ScramSha256));
        assert_eq!(mechanism("SCRAM_SHA_256"), Some(SaslMechanism::ScramSha256));
        assert_eq!(mechanism("OAUTHBEARER"), None);
        assert_eq!(mechanism("oauth"), None);
    }
}
