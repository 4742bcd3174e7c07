//! ACLs: the store (`acls.json` in the data dir) and the authorizer the
//! handlers consult.
//!
//! The decision follows Kafka's `StandardAuthorizer` (and the older
//! `AclAuthorizer`): a super user is allowed everything; otherwise the ACLs
//! that apply to the resource are those whose pattern names it (literally,
//! by the wildcard `*`, or by a prefix). If none applies, the answer is
//! `allow.everyone.if.no.acl.found`. If one applies, a matching DENY wins;
//! else a matching ALLOW of the operation, of ALL, or of an operation that
//! implies it (READ/WRITE/DELETE/ALTER imply DESCRIBE, ALTER_CONFIGS implies
//! DESCRIBE_CONFIGS) allows; else it is denied. An entry matches a request
//! when its principal is the request's or `User:*` and its host is the
//! request's or `*`.
//!
//! Hot path: while there are no ACLs and everyone is allowed by default,
//! [`AclStore::allows_everything`] is one relaxed atomic load, and the
//! handlers skip authorization entirely.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::RwLock;
use std::sync::atomic::{AtomicBool, Ordering};

use kctl_client::protocol::acl::{
    AccessControlEntry, AclBinding, AclBindingFilter, AclOperation, AclPermissionType,
    ResourcePattern, ResourceType, WILDCARD,
};
use serde::{Deserialize, Serialize};

use crate::config::BrokerConfig;

const ACLS_FILE: &str = "acls.json";

/// Why the ACL file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum AclError {
    #[error("cannot write {path}: {source}")]
    Persist {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a valid ACL file: {reason}")]
    Corrupt { path: PathBuf, reason: String },
}

/// Who sent a request: the principal and the peer's address, as Kafka's
/// `RequestContext` gives them to the authorizer.
#[derive(Debug, Clone, Copy)]
pub struct Session<'a> {
    /// `User:ANONYMOUS` on broker-lite, which has no authentication.
    pub principal: &'a str,
    /// The peer's IP address, as ACL hosts name it (`127.0.0.1`).
    pub host: &'a str,
}

/// The ACLs of the broker, persisted in `acls.json`.
#[derive(Debug)]
pub struct AclStore {
    path: PathBuf,
    /// Sorted and without duplicates (Kafka stores a binding once).
    bindings: RwLock<BTreeSet<AclBinding>>,
    /// `bindings.is_empty() && allow.everyone.if.no.acl.found`, kept in an
    /// atomic so Produce and Fetch pay one load, not a lock, for it.
    open_to_all: AtomicBool,
    allow_everyone_if_no_acl_found: bool,
    super_users: Vec<String>,
}

#[derive(Serialize, Deserialize)]
struct AclsFile {
    acls: Vec<StoredAcl>,
}

/// One binding in `acls.json`, with Kafka's names for the enums so the file
/// reads like `kafka-acls --list`.
#[derive(Serialize, Deserialize)]
struct StoredAcl {
    resource_type: String,
    name: String,
    pattern_type: String,
    principal: String,
    host: String,
    operation: String,
    permission: String,
}

impl StoredAcl {
    fn from_binding(b: &AclBinding) -> Self {
        Self {
            resource_type: b.pattern.resource_type.kafka_name().to_owned(),
            name: b.pattern.name.clone(),
            pattern_type: b.pattern.pattern_type.kafka_name().to_owned(),
            principal: b.entry.principal.clone(),
            host: b.entry.host.clone(),
            operation: b.entry.operation.kafka_name().to_owned(),
            permission: b.entry.permission.kafka_name().to_owned(),
        }
    }

    fn into_binding(self) -> Result<AclBinding, String> {
        let binding = AclBinding {
            pattern: ResourcePattern {
                resource_type: self.resource_type.parse().map_err(|e| format!("{e}"))?,
                name: self.name,
                pattern_type: self.pattern_type.parse().map_err(|e| format!("{e}"))?,
            },
            entry: AccessControlEntry {
                principal: self.principal,
                host: self.host,
                operation: self.operation.parse().map_err(|e| format!("{e}"))?,
                permission: self.permission.parse().map_err(|e| format!("{e}"))?,
            },
        };
        binding.validate()?;
        Ok(binding)
    }
}

impl AclStore {
    /// Loads `acls.json` from the data dir (none yet: no ACLs).
    pub fn open(config: &BrokerConfig) -> Result<Self, AclError> {
        let path = config.data_dir.join(ACLS_FILE);
        let bindings = if path.exists() {
            load(&path)?
        } else {
            BTreeSet::new()
        };
        let store = Self {
            path,
            open_to_all: AtomicBool::new(false),
            bindings: RwLock::new(bindings),
            allow_everyone_if_no_acl_found: config.allow_everyone_if_no_acl_found,
            super_users: config.super_users.clone(),
        };
        store.refresh_open_to_all(&read(&store.bindings));
        Ok(store)
    }

    /// Whether every request is allowed whoever sends it: no ACLs and
    /// `allow.everyone.if.no.acl.found`. Handlers check this first.
    pub fn allows_everything(&self) -> bool {
        self.open_to_all.load(Ordering::Relaxed)
    }

    fn refresh_open_to_all(&self, bindings: &BTreeSet<AclBinding>) {
        self.open_to_all.store(
            bindings.is_empty() && self.allow_everyone_if_no_acl_found,
            Ordering::Relaxed,
        );
    }

    /// Whether `session` may do `operation` on the resource.
    pub fn authorize(
        &self,
        session: Session<'_>,
        operation: AclOperation,
        resource_type: ResourceType,
        name: &str,
    ) -> bool {
        if self.allows_everything() || self.super_users.iter().any(|s| s == session.principal) {
            return true;
        }
        let bindings = read(&self.bindings);
        let mut any_applies = false;
        let mut allowed = false;
        for binding in bindings
            .iter()
            .filter(|b| b.pattern.applies_to(resource_type, name))
        {
            any_applies = true;
            let entry = &binding.entry;
            let principal_matches = entry.principal == session.principal
                || (entry.principal == "User:*" && session.principal.starts_with("User:"));
            if !principal_matches || (entry.host != WILDCARD && entry.host != session.host) {
                continue;
            }
            match entry.permission {
                // Deny wins; DENY of an operation does not extend to the
                // operations it would imply if allowed.
                AclPermissionType::Deny
                    if entry.operation == operation || entry.operation == AclOperation::All =>
                {
                    return false;
                }
                AclPermissionType::Allow if entry.operation.implies(operation) => allowed = true,
                _ => {}
            }
        }
        if !any_applies {
            return self.allow_everyone_if_no_acl_found;
        }
        allowed
    }

    /// Whether `session` may do `operation` on the cluster.
    pub fn authorize_cluster(&self, session: Session<'_>, operation: AclOperation) -> bool {
        self.authorize(
            session,
            operation,
            ResourceType::Cluster,
            kctl_client::protocol::acl::CLUSTER_RESOURCE_NAME,
        )
    }

    /// Adds bindings (an existing one is kept once); one result per binding,
    /// in order: `Err` carries the reason Kafka would give with
    /// INVALID_REQUEST.
    pub fn create(&self, new: Vec<AclBinding>) -> Result<Vec<Result<(), String>>, AclError> {
        let mut bindings = write(&self.bindings);
        let mut results = Vec::with_capacity(new.len());
        let mut changed = false;
        for binding in new {
            match binding.validate() {
                Ok(()) => {
                    changed |= bindings.insert(binding);
                    results.push(Ok(()));
                }
                Err(reason) => results.push(Err(reason)),
            }
        }
        if changed {
            self.persist(&bindings)?;
            self.refresh_open_to_all(&bindings);
        }
        Ok(results)
    }

    /// The bindings `filter` selects, sorted.
    pub fn describe(&self, filter: &AclBindingFilter) -> Vec<AclBinding> {
        read(&self.bindings)
            .iter()
            .filter(|b| filter.matches(b))
            .cloned()
            .collect()
    }

    /// Removes what each filter selects; per filter, the removed bindings.
    /// A binding two filters select is reported for the first only.
    pub fn delete(&self, filters: &[AclBindingFilter]) -> Result<Vec<Vec<AclBinding>>, AclError> {
        let mut bindings = write(&self.bindings);
        let mut removed = Vec::with_capacity(filters.len());
        for filter in filters {
            let matching: Vec<AclBinding> = bindings
                .iter()
                .filter(|b| filter.matches(b))
                .cloned()
                .collect();
            for b in &matching {
                bindings.remove(b);
            }
            removed.push(matching);
        }
        if removed.iter().any(|r| !r.is_empty()) {
            self.persist(&bindings)?;
            self.refresh_open_to_all(&bindings);
        }
        Ok(removed)
    }

    fn persist(&self, bindings: &BTreeSet<AclBinding>) -> Result<(), AclError> {
        let file = AclsFile {
            acls: bindings.iter().map(StoredAcl::from_binding).collect(),
        };
        let json = serde_json::to_vec_pretty(&file).map_err(|e| AclError::Persist {
            path: self.path.clone(),
            source: std::io::Error::other(e),
        })?;
        crate::state::write_file_atomically(&self.path, &json).map_err(|source| AclError::Persist {
            path: self.path.clone(),
            source,
        })
    }
}

fn load(path: &Path) -> Result<BTreeSet<AclBinding>, AclError> {
    let text = std::fs::read_to_string(path).map_err(|source| AclError::Read {
        path: path.to_owned(),
        source,
    })?;
    let corrupt = |reason: String| AclError::Corrupt {
        path: path.to_owned(),
        reason,
    };
    let file: AclsFile = serde_json::from_str(&text).map_err(|e| corrupt(e.to_string()))?;
    file.acls
        .into_iter()
        .map(|a| a.into_binding().map_err(&corrupt))
        .collect()
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kctl_client::protocol::acl::PatternType;

    fn config(dir: &Path) -> BrokerConfig {
        let mut config = BrokerConfig::default();
        config.data_dir = dir.to_owned();
        config
    }

    fn acl(
        name: &str,
        pattern_type: PatternType,
        principal: &str,
        operation: AclOperation,
        permission: AclPermissionType,
    ) -> AclBinding {
        AclBinding {
            pattern: ResourcePattern {
                resource_type: ResourceType::Topic,
                name: name.to_owned(),
                pattern_type,
            },
            entry: AccessControlEntry {
                principal: principal.to_owned(),
                host: WILDCARD.to_owned(),
                operation,
                permission,
            },
        }
    }

    const ANON: Session<'static> = Session {
        principal: "User:ANONYMOUS",
        host: "127.0.0.1",
    };

    #[test]
    fn deny_wins_and_allow_implies_describe() {
        let dir = tempfile::tempdir().unwrap();
        let store = AclStore::open(&config(dir.path())).unwrap();
        assert!(store.allows_everything());
        store
            .create(vec![
                acl(
                    "t",
                    PatternType::Literal,
                    "User:*",
                    AclOperation::Read,
                    AclPermissionType::Allow,
                ),
                acl(
                    "t",
                    PatternType::Prefixed,
                    "User:ANONYMOUS",
                    AclOperation::Read,
                    AclPermissionType::Deny,
                ),
            ])
            .unwrap();
        assert!(!store.allows_everything());
        assert!(!store.authorize(ANON, AclOperation::Read, ResourceType::Topic, "t"));
        // READ allowed implies DESCRIBE; the READ deny does not extend to it.
        assert!(store.authorize(ANON, AclOperation::Describe, ResourceType::Topic, "t"));
        assert!(!store.authorize(ANON, AclOperation::Write, ResourceType::Topic, "t"));
        // No ACL applies to "other": allow.everyone.if.no.acl.found.
        assert!(store.authorize(ANON, AclOperation::Write, ResourceType::Topic, "other"));
    }

    #[test]
    fn acls_survive_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let store = AclStore::open(&config(dir.path())).unwrap();
        let b = acl(
            "p-",
            PatternType::Prefixed,
            "User:a",
            AclOperation::All,
            AclPermissionType::Deny,
        );
        store.create(vec![b.clone(), b.clone()]).unwrap();
        drop(store);
        let reopened = AclStore::open(&config(dir.path())).unwrap();
        assert_eq!(reopened.describe(&AclBindingFilter::default()), vec![b]);
        let removed = reopened.delete(&[AclBindingFilter::default()]).unwrap();
        assert_eq!(removed[0].len(), 1);
        assert!(reopened.allows_everything());
    }

    #[test]
    fn super_users_and_default_deny() {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = config(dir.path());
        cfg.allow_everyone_if_no_acl_found = false;
        cfg.super_users = vec!["User:admin".to_owned()];
        let store = AclStore::open(&cfg).unwrap();
        assert!(!store.allows_everything());
        assert!(!store.authorize(ANON, AclOperation::Describe, ResourceType::Topic, "t"));
        let admin = Session {
            principal: "User:admin",
            host: "10.0.0.1",
        };
        assert!(store.authorize(
            admin,
            AclOperation::Alter,
            ResourceType::Cluster,
            "kafka-cluster"
        ));
    }
}
