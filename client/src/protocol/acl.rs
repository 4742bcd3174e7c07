//! ACL bindings and filters as CreateAcls, DescribeAcls and DeleteAcls carry
//! them (KIP-140, prefixed patterns from KIP-290).
//!
//! The wire carries every enum as an `i8`; these types give the codes names
//! (Kafka's `ResourceType`, `PatternType`, `AclOperation`,
//! `AclPermissionType`) and implement Kafka's filter semantics
//! (`AclBindingFilter.matches`), which a broker needs to answer DescribeAcls
//! and DeleteAcls and a client needs to explain what a filter selects.

use std::fmt;
use std::str::FromStr;

/// The principal Kafka gives a connection that did not authenticate.
pub const ANONYMOUS_PRINCIPAL: &str = "User:ANONYMOUS";
/// The principal and host that match every principal and every host.
pub const WILDCARD: &str = "*";
/// The only name a CLUSTER resource has.
pub const CLUSTER_RESOURCE_NAME: &str = "kafka-cluster";

/// A string that names no value of an ACL enum.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {value:?} (expected one of: {expected})")]
pub struct ParseAclError {
    /// Which enum was being parsed ("operation", "resource type", ...).
    pub what: &'static str,
    /// The string that did not parse.
    pub value: String,
    /// The accepted names, comma separated.
    pub expected: &'static str,
}

/// Normalises a name for comparison: Kafka's tools accept `DescribeConfigs`,
/// `describe-configs`, `DESCRIBE_CONFIGS` and `describe_configs` alike.
fn normalise(s: &str) -> String {
    s.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

macro_rules! acl_enum {
    (
        $(#[$meta:meta])*
        $name:ident, $what:literal {
            $($(#[$vmeta:meta])* $variant:ident = $code:literal, $kafka:literal;)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// Every value, in code order.
            pub const ALL_VALUES: &'static [$name] = &[$($name::$variant,)+];

            /// The code on the wire.
            pub fn code(self) -> i8 {
                match self {
                    $($name::$variant => $code,)+
                }
            }

            /// The value of a wire code; `None` for a code Kafka does not
            /// define (which Kafka itself reads as UNKNOWN).
            pub fn from_code(code: i8) -> Option<Self> {
                match code {
                    $($code => Some($name::$variant),)+
                    _ => None,
                }
            }

            /// Kafka's name of the value (`DESCRIBE_CONFIGS`).
            pub fn kafka_name(self) -> &'static str {
                match self {
                    $($name::$variant => $kafka,)+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.kafka_name())
            }
        }

        impl FromStr for $name {
            type Err = ParseAclError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let wanted = normalise(s);
                Self::ALL_VALUES
                    .iter()
                    .copied()
                    .find(|v| normalise(v.kafka_name()) == wanted)
                    .ok_or_else(|| ParseAclError {
                        what: $what,
                        value: s.to_owned(),
                        expected: concat!($($kafka, " "),+),
                    })
            }
        }
    };
}

acl_enum! {
    /// What kind of resource an ACL protects.
    ResourceType, "resource type" {
        /// A code this client does not know.
        Unknown = 0, "UNKNOWN";
        /// Filters only: any resource type.
        Any = 1, "ANY";
        /// A topic.
        Topic = 2, "TOPIC";
        /// A consumer group.
        Group = 3, "GROUP";
        /// The cluster (its only name is `kafka-cluster`).
        Cluster = 4, "CLUSTER";
        /// A transactional id.
        TransactionalId = 5, "TRANSACTIONAL_ID";
        /// A delegation token.
        DelegationToken = 6, "DELEGATION_TOKEN";
        /// A user (for SCRAM credentials and quotas).
        User = 7, "USER";
    }
}

acl_enum! {
    /// How an ACL's resource name matches resource names.
    PatternType, "pattern type" {
        /// A code this client does not know.
        Unknown = 0, "UNKNOWN";
        /// Filters only: a binding of any pattern type whose name equals the
        /// filter's name.
        Any = 1, "ANY";
        /// Filters only: every binding that would apply to the named
        /// resource (the literal name, the wildcard `*`, and prefixes of it).
        Match = 2, "MATCH";
        /// The name is the resource's name (or `*`, every resource).
        Literal = 3, "LITERAL";
        /// The name is a prefix of the resources' names.
        Prefixed = 4, "PREFIXED";
    }
}

acl_enum! {
    /// What an ACL allows or denies.
    AclOperation, "operation" {
        /// A code this client does not know.
        Unknown = 0, "UNKNOWN";
        /// Filters only: any operation.
        Any = 1, "ANY";
        /// Every operation.
        All = 2, "ALL";
        /// Consume from a topic, join or commit in a group.
        Read = 3, "READ";
        /// Produce to a topic or a transactional id.
        Write = 4, "WRITE";
        /// Create topics.
        Create = 5, "CREATE";
        /// Delete topics, records or groups.
        Delete = 6, "DELETE";
        /// Alter a topic (partitions) or the cluster (ACLs).
        Alter = 7, "ALTER";
        /// See a resource in metadata and descriptions.
        Describe = 8, "DESCRIBE";
        /// Broker-to-broker operations.
        ClusterAction = 9, "CLUSTER_ACTION";
        /// Read configs.
        DescribeConfigs = 10, "DESCRIBE_CONFIGS";
        /// Change configs.
        AlterConfigs = 11, "ALTER_CONFIGS";
        /// Idempotent produce (deprecated by Kafka 3.0's WRITE check).
        IdempotentWrite = 12, "IDEMPOTENT_WRITE";
        /// Create delegation tokens.
        CreateTokens = 13, "CREATE_TOKENS";
        /// Describe delegation tokens.
        DescribeTokens = 14, "DESCRIBE_TOKENS";
        /// Two-phase commit of a transactional id (KIP-939).
        TwoPhaseCommit = 15, "TWO_PHASE_COMMIT";
    }
}

acl_enum! {
    /// Whether an ACL allows or denies.
    AclPermissionType, "permission type" {
        /// A code this client does not know.
        Unknown = 0, "UNKNOWN";
        /// Filters only: either.
        Any = 1, "ANY";
        /// Denies; a matching DENY wins over every ALLOW.
        Deny = 2, "DENY";
        /// Allows.
        Allow = 3, "ALLOW";
    }
}

impl AclOperation {
    /// The operations an ALLOW of `self` also grants: Kafka lets READ,
    /// WRITE, DELETE and ALTER imply DESCRIBE, and ALTER_CONFIGS imply
    /// DESCRIBE_CONFIGS (`AclEntry`/`StandardAuthorizerData`), so a
    /// consumer allowed to read can also look the topic up.
    pub fn implies(self, wanted: AclOperation) -> bool {
        use AclOperation::*;
        self == All
            || self == wanted
            || (wanted == Describe && matches!(self, Read | Write | Delete | Alter))
            || (wanted == DescribeConfigs && self == AlterConfigs)
    }
}

/// A resource type, name and pattern type: what an ACL applies to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourcePattern {
    /// What kind of resource.
    pub resource_type: ResourceType,
    /// The name, the prefix, or `*`.
    pub name: String,
    /// LITERAL or PREFIXED.
    pub pattern_type: PatternType,
}

impl ResourcePattern {
    /// Whether this pattern applies to the resource `resource_type`/`name`
    /// (a literal equal name, the literal wildcard, or a prefix).
    pub fn applies_to(&self, resource_type: ResourceType, name: &str) -> bool {
        self.resource_type == resource_type
            && match self.pattern_type {
                PatternType::Literal => self.name == name || self.name == WILDCARD,
                PatternType::Prefixed => name.starts_with(self.name.as_str()),
                _ => false,
            }
    }
}

/// Who may or may not do what from where.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccessControlEntry {
    /// `Type:Name`, e.g. `User:alice`; `User:*` is every user.
    pub principal: String,
    /// An IP address, or `*` for every host.
    pub host: String,
    /// The operation.
    pub operation: AclOperation,
    /// ALLOW or DENY.
    pub permission: AclPermissionType,
}

/// One ACL: a resource pattern and an entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AclBinding {
    /// What it applies to.
    pub pattern: ResourcePattern,
    /// Who, where, what, allow or deny.
    pub entry: AccessControlEntry,
}

impl AclBinding {
    /// Why Kafka would refuse to create this binding, if it would: filter-only
    /// values (ANY, MATCH), unknown codes, a cluster resource not named
    /// `kafka-cluster`, a principal without a type, an empty name.
    pub fn validate(&self) -> Result<(), String> {
        let p = &self.pattern;
        let e = &self.entry;
        if matches!(p.resource_type, ResourceType::Any | ResourceType::Unknown) {
            return Err(format!("invalid resource type {}", p.resource_type));
        }
        if !matches!(p.pattern_type, PatternType::Literal | PatternType::Prefixed) {
            return Err(format!("invalid pattern type {}", p.pattern_type));
        }
        if p.name.is_empty() {
            return Err("resource name must not be empty".to_owned());
        }
        if p.resource_type == ResourceType::Cluster && p.name != CLUSTER_RESOURCE_NAME {
            return Err(format!(
                "the cluster resource is named {CLUSTER_RESOURCE_NAME}, not {}",
                p.name
            ));
        }
        if matches!(e.operation, AclOperation::Any | AclOperation::Unknown) {
            return Err(format!("invalid operation {}", e.operation));
        }
        if matches!(
            e.permission,
            AclPermissionType::Any | AclPermissionType::Unknown
        ) {
            return Err(format!("invalid permission type {}", e.permission));
        }
        match e.principal.split_once(':') {
            Some((kind, name)) if !kind.is_empty() && !name.is_empty() => {}
            _ => {
                return Err(format!(
                    "principal {:?} is not of the form Type:Name",
                    e.principal
                ));
            }
        }
        if e.host.is_empty() {
            return Err("host must not be empty (use * for every host)".to_owned());
        }
        Ok(())
    }
}

/// Selects ACL bindings, as DescribeAcls and DeleteAcls carry it. `None`
/// fields and ANY values match everything.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AclBindingFilter {
    /// ANY, or one resource type.
    pub resource_type: ResourceType,
    /// A name, or `None` for any.
    pub name: Option<String>,
    /// ANY, MATCH, LITERAL or PREFIXED.
    pub pattern_type: PatternType,
    /// A principal, or `None` for any.
    pub principal: Option<String>,
    /// A host, or `None` for any.
    pub host: Option<String>,
    /// ANY, or one operation.
    pub operation: AclOperation,
    /// ANY, ALLOW or DENY.
    pub permission: AclPermissionType,
}

impl Default for AclBindingFilter {
    /// The filter that matches every binding.
    fn default() -> Self {
        Self {
            resource_type: ResourceType::Any,
            name: None,
            pattern_type: PatternType::Any,
            principal: None,
            host: None,
            operation: AclOperation::Any,
            permission: AclPermissionType::Any,
        }
    }
}

impl AclBindingFilter {
    /// Whether `binding` is selected, with Kafka's semantics
    /// (`ResourcePatternFilter.matches` and `AccessControlEntryFilter.matches`):
    /// entry fields compare exactly (a filter for `User:alice` does not
    /// select a `User:*` binding), and the pattern type MATCH selects every
    /// binding that applies to the named resource.
    pub fn matches(&self, binding: &AclBinding) -> bool {
        self.matches_pattern(&binding.pattern) && self.matches_entry(&binding.entry)
    }

    fn matches_pattern(&self, pattern: &ResourcePattern) -> bool {
        if self.resource_type != ResourceType::Any && self.resource_type != pattern.resource_type {
            return false;
        }
        let Some(name) = self.name.as_deref() else {
            return match self.pattern_type {
                PatternType::Any | PatternType::Match => true,
                wanted => wanted == pattern.pattern_type,
            };
        };
        match self.pattern_type {
            PatternType::Any => pattern.name == name,
            PatternType::Match => match pattern.pattern_type {
                PatternType::Literal => pattern.name == name || pattern.name == WILDCARD,
                PatternType::Prefixed => name.starts_with(pattern.name.as_str()),
                _ => false,
            },
            wanted => wanted == pattern.pattern_type && pattern.name == name,
        }
    }

    fn matches_entry(&self, entry: &AccessControlEntry) -> bool {
        self.principal
            .as_deref()
            .is_none_or(|p| p == entry.principal)
            && self.host.as_deref().is_none_or(|h| h == entry.host)
            && (self.operation == AclOperation::Any || self.operation == entry.operation)
            && (self.permission == AclPermissionType::Any || self.permission == entry.permission)
    }

    /// Why Kafka would refuse this filter, if it would: UNKNOWN codes.
    pub fn validate(&self) -> Result<(), String> {
        if self.resource_type == ResourceType::Unknown {
            return Err("invalid resource type filter UNKNOWN".to_owned());
        }
        if self.pattern_type == PatternType::Unknown {
            return Err("invalid pattern type filter UNKNOWN".to_owned());
        }
        if self.operation == AclOperation::Unknown {
            return Err("invalid operation filter UNKNOWN".to_owned());
        }
        if self.permission == AclPermissionType::Unknown {
            return Err("invalid permission type filter UNKNOWN".to_owned());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binding(name: &str, pattern_type: PatternType, principal: &str) -> AclBinding {
        AclBinding {
            pattern: ResourcePattern {
                resource_type: ResourceType::Topic,
                name: name.to_owned(),
                pattern_type,
            },
            entry: AccessControlEntry {
                principal: principal.to_owned(),
                host: WILDCARD.to_owned(),
                operation: AclOperation::Read,
                permission: AclPermissionType::Allow,
            },
        }
    }

    #[test]
    fn names_parse_in_every_spelling_kafka_tools_accept() {
        for s in ["DescribeConfigs", "describe-configs", "DESCRIBE_CONFIGS"] {
            assert_eq!(s.parse(), Ok(AclOperation::DescribeConfigs));
        }
        assert_eq!(
            "transactional-id".parse(),
            Ok(ResourceType::TransactionalId)
        );
        assert!("nope".parse::<PatternType>().is_err());
        for op in AclOperation::ALL_VALUES {
            assert_eq!(AclOperation::from_code(op.code()), Some(*op));
        }
    }

    #[test]
    fn match_filter_selects_literal_wildcard_and_prefixes() {
        let filter = AclBindingFilter {
            resource_type: ResourceType::Topic,
            name: Some("orders-eu".to_owned()),
            pattern_type: PatternType::Match,
            ..AclBindingFilter::default()
        };
        assert!(filter.matches(&binding("orders-eu", PatternType::Literal, "User:a")));
        assert!(filter.matches(&binding("*", PatternType::Literal, "User:a")));
        assert!(filter.matches(&binding("orders", PatternType::Prefixed, "User:a")));
        assert!(!filter.matches(&binding("orders", PatternType::Literal, "User:a")));
        assert!(!filter.matches(&binding("orders-eu-2", PatternType::Prefixed, "User:a")));
    }

    #[test]
    fn any_filter_compares_names_exactly_across_pattern_types() {
        let filter = AclBindingFilter {
            name: Some("orders".to_owned()),
            ..AclBindingFilter::default()
        };
        assert!(filter.matches(&binding("orders", PatternType::Prefixed, "User:a")));
        assert!(filter.matches(&binding("orders", PatternType::Literal, "User:a")));
        assert!(!filter.matches(&binding("*", PatternType::Literal, "User:a")));
        let by_principal = AclBindingFilter {
            principal: Some("User:a".to_owned()),
            ..AclBindingFilter::default()
        };
        assert!(!by_principal.matches(&binding("orders", PatternType::Literal, "User:*")));
    }

    #[test]
    fn implied_operations_follow_kafka() {
        assert!(AclOperation::Read.implies(AclOperation::Describe));
        assert!(AclOperation::AlterConfigs.implies(AclOperation::DescribeConfigs));
        assert!(AclOperation::All.implies(AclOperation::Write));
        assert!(!AclOperation::Describe.implies(AclOperation::Read));
        assert!(!AclOperation::Create.implies(AclOperation::Describe));
    }

    #[test]
    fn validate_rejects_filter_values_in_bindings() {
        assert!(
            binding("t", PatternType::Literal, "User:a")
                .validate()
                .is_ok()
        );
        assert!(
            binding("t", PatternType::Match, "User:a")
                .validate()
                .is_err()
        );
        assert!(
            binding("t", PatternType::Literal, "alice")
                .validate()
                .is_err()
        );
    }
}
