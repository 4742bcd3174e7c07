//! `consume -o json`: one JSON object per record, in the record format of
//! `produce --input json`, so a dump can be produced again byte for byte.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq};

use kctl_client::consumer::RecordFields;

/// Appends `record` as one JSON line.
pub(crate) fn write_json_line(
    record: &impl RecordFields,
    out: &mut Vec<u8>,
) -> serde_json::Result<()> {
    serde_json::to_writer(&mut *out, &JsonOut(record))?;
    out.push(b'\n');
    Ok(())
}

/// A record in `produce --input json`'s format. Field order is fixed
/// (topic, partition, offset, timestamp, key, value, headers) so dumps of
/// the same records are byte-identical.
struct JsonOut<'a, R>(&'a R);

/// Bytes as text when they are UTF-8, else under the `_b64` name.
fn text_or_b64<M: SerializeMap>(
    map: &mut M,
    field: &'static str,
    field_b64: &'static str,
    bytes: Option<&[u8]>,
) -> Result<(), M::Error> {
    match bytes {
        None => map.serialize_entry(field, &None::<&str>),
        Some(bytes) => match std::str::from_utf8(bytes) {
            Ok(text) => map.serialize_entry(field, text),
            Err(_) => map.serialize_entry(field_b64, &BASE64.encode(bytes)),
        },
    }
}

impl<R: RecordFields> Serialize for JsonOut<'_, R> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let record = self.0;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("topic", record.topic())?;
        map.serialize_entry("partition", &record.partition())?;
        map.serialize_entry("offset", &record.offset())?;
        map.serialize_entry("timestamp", &record.timestamp_ms())?;
        text_or_b64(&mut map, "key", "key_b64", record.key())?;
        text_or_b64(&mut map, "value", "value_b64", record.value())?;
        map.serialize_entry("headers", &JsonHeaders(record))?;
        map.end()
    }
}

struct JsonHeaders<'a, R>(&'a R);

impl<R: RecordFields> Serialize for JsonHeaders<'_, R> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.header_count()))?;
        for (key, value) in self.0.headers() {
            // Kafka's clients write header names as UTF-8 strings; produce's
            // format has no other way to carry one.
            let name = String::from_utf8_lossy(key);
            match value.map(std::str::from_utf8) {
                None => seq.serialize_element(&(name, None::<&str>))?,
                Some(Ok(text)) => seq.serialize_element(&(name, Some(text)))?,
                Some(Err(_)) => {
                    let value = value.unwrap_or_default();
                    seq.serialize_element(&JsonBinaryHeader {
                        key: name,
                        value_b64: BASE64.encode(value),
                    })?;
                }
            }
        }
        seq.end()
    }
}

#[derive(Serialize)]
struct JsonBinaryHeader<'a> {
    key: std::borrow::Cow<'a, str>,
    value_b64: String,
}
