//! Record keys of `__consumer_offsets`, in Kafka's layout, so that
//! compaction (`cleanup.policy=compact`) keeps exactly the latest state of
//! every committed offset and every group.
//!
//! Kafka keys offset commits by (group, topic, partition) and group
//! metadata by group, each key led by its schema version
//! (`GroupCoordinatorRecordSerde`): `OffsetCommitKey` is version 1
//! (`group:string topic:string partition:int32`) and `GroupMetadataKey`
//! version 2 (`group:string`), strings as `int16 length + UTF-8`. A deleted
//! offset or group is a tombstone (null value) under its key.

use super::ProtocolError;

const WHAT: &str = "__consumer_offsets key";

fn invalid(version: i16, reason: impl Into<String>) -> ProtocolError {
    ProtocolError::Decode {
        what: WHAT,
        version,
        reason: reason.into(),
    }
}

/// Kafka's `OffsetCommitKey` version.
const OFFSET_COMMIT_KEY_VERSION: i16 = 1;
/// Kafka's `GroupMetadataKey` version.
const GROUP_METADATA_KEY_VERSION: i16 = 2;

/// The key of one `__consumer_offsets` record.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OffsetsTopicKey {
    /// One committed offset of a group.
    Offset {
        /// The group.
        group: String,
        /// The committed partition's topic.
        topic: String,
        /// The committed partition.
        partition: i32,
    },
    /// The group's own state (generation, protocol, members).
    Group {
        /// The group.
        group: String,
    },
}

impl OffsetsTopicKey {
    /// The group the key belongs to.
    pub fn group(&self) -> &str {
        match self {
            Self::Offset { group, .. } | Self::Group { group } => group,
        }
    }

    /// The key's bytes.
    pub fn encode(&self) -> Result<Vec<u8>, ProtocolError> {
        let mut out = Vec::new();
        match self {
            Self::Offset {
                group,
                topic,
                partition,
            } => {
                let version = OFFSET_COMMIT_KEY_VERSION;
                out.extend_from_slice(&version.to_be_bytes());
                put_string(&mut out, group, version)?;
                put_string(&mut out, topic, version)?;
                out.extend_from_slice(&partition.to_be_bytes());
            }
            Self::Group { group } => {
                let version = GROUP_METADATA_KEY_VERSION;
                out.extend_from_slice(&version.to_be_bytes());
                put_string(&mut out, group, version)?;
            }
        }
        Ok(out)
    }

    /// Reads a key; offset keys of version 0 (the same fields) are read
    /// too. Trailing bytes are an error, as is an unknown version.
    pub fn decode(bytes: &[u8]) -> Result<Self, ProtocolError> {
        let mut reader = Reader(bytes, -1);
        reader.1 = reader.i16()?;
        let key = match reader.1 {
            0 | OFFSET_COMMIT_KEY_VERSION => Self::Offset {
                group: reader.string()?,
                topic: reader.string()?,
                partition: reader.i32()?,
            },
            GROUP_METADATA_KEY_VERSION => Self::Group {
                group: reader.string()?,
            },
            other => return Err(invalid(other, "unknown key version")),
        };
        if !reader.0.is_empty() {
            return Err(invalid(
                reader.1,
                format!("{} bytes after the key", reader.0.len()),
            ));
        }
        Ok(key)
    }
}

fn put_string(out: &mut Vec<u8>, text: &str, version: i16) -> Result<(), ProtocolError> {
    let len = i16::try_from(text.len()).map_err(|_| ProtocolError::Encode {
        what: WHAT,
        version,
        reason: format!("a {}-byte name does not fit a key", text.len()),
    })?;
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(text.as_bytes());
    Ok(())
}

/// The bytes left, and the key's version (for errors).
struct Reader<'a>(&'a [u8], i16);

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], ProtocolError> {
        if self.0.len() < n {
            return Err(invalid(self.1, "cut short"));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn i16(&mut self) -> Result<i16, ProtocolError> {
        let b = self.take(2)?;
        Ok(i16::from_be_bytes([b[0], b[1]]))
    }

    fn i32(&mut self) -> Result<i32, ProtocolError> {
        let b = self.take(4)?;
        Ok(i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn string(&mut self) -> Result<String, ProtocolError> {
        let len = usize::try_from(self.i16()?).map_err(|_| invalid(self.1, "a null string"))?;
        String::from_utf8(self.take(len)?.to_vec()).map_err(|_| invalid(self.1, "not UTF-8"))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn offset_keys_have_kafkas_layout() {
        let key = OffsetsTopicKey::Offset {
            group: "g".into(),
            topic: "t".into(),
            partition: 3,
        };
        assert_eq!(
            key.encode().unwrap(),
            [0, 1, 0, 1, b'g', 0, 1, b't', 0, 0, 0, 3]
        );
        let group = OffsetsTopicKey::Group { group: "g".into() };
        assert_eq!(group.encode().unwrap(), [0, 2, 0, 1, b'g']);
    }

    #[test]
    fn bad_keys_are_errors() {
        for bad in [
            &[][..],
            &[0, 9, 0, 0],
            &[0, 2, 0, 5, b'g'],
            &[0, 2, 0, 1, b'g', 0],
        ] {
            assert!(OffsetsTopicKey::decode(bad).is_err(), "{bad:?}");
        }
    }

    proptest! {
        #[test]
        fn keys_round_trip(group in ".{0,40}", topic in ".{0,40}", partition in any::<i32>(), offset in any::<bool>()) {
            let key = if offset {
                OffsetsTopicKey::Offset { group, topic, partition }
            } else {
                OffsetsTopicKey::Group { group }
            };
            prop_assert_eq!(OffsetsTopicKey::decode(&key.encode().unwrap()).unwrap(), key);
        }
    }
}
