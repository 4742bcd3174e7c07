//! Request and response headers, and whole messages (header + body) in and
//! out of frames.
//!
//! Header versions follow the body's version: flexible versions add a
//! tagged-field section to the header (request header v2, response header
//! v1). ApiVersions is the exception every broker must get right: its
//! response header is always v0, even for flexible request versions, because
//! a client that does not yet know the broker's versions must be able to
//! read it.

// Headers are read off the wire: a short or forged frame must be an error,
// never an out-of-bounds panic.
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

use bytes::{Bytes, BytesMut};
use kafka_protocol::messages::{ApiKey, RequestHeader, ResponseHeader};
use kafka_protocol::protocol::{Decodable, Encodable, HeaderVersion, Request, StrBytes};

use super::{ProtocolError, frame};

/// The API key and version at the front of every request, read without
/// decoding anything else.
pub fn peek_api_key_and_version(frame: &[u8]) -> Result<(i16, i16), ProtocolError> {
    let &[k0, k1, v0, v1] = first_four(frame)?;
    Ok((i16::from_be_bytes([k0, k1]), i16::from_be_bytes([v0, v1])))
}

/// The first four bytes of `frame`, or how many it lacks.
fn first_four(frame: &[u8]) -> Result<&[u8; 4], ProtocolError> {
    frame.first_chunk::<4>().ok_or(ProtocolError::Truncated {
        needed_bytes: 4,
        available_bytes: frame.len(),
    })
}

/// A request whose header has been read; the body is left encoded so the
/// receiver can decide, from the key and version, whether to decode it.
#[derive(Debug, Clone)]
pub struct RequestFrame {
    /// The request's API.
    pub api_key: ApiKey,
    /// Its decoded header (version, correlation id, client id).
    pub header: RequestHeader,
    /// The body, still encoded.
    pub body: Bytes,
}

impl RequestFrame {
    /// The request's API version.
    pub fn version(&self) -> i16 {
        self.header.request_api_version
    }

    /// The id the response must carry.
    pub fn correlation_id(&self) -> i32 {
        self.header.correlation_id
    }
}

/// Reads the request header off a frame. An API key Kafka does not define is
/// reported as [`ProtocolError::UnknownApiKey`] before anything else is read.
pub fn decode_request(frame: Bytes) -> Result<RequestFrame, ProtocolError> {
    let (key, version) = peek_api_key_and_version(&frame)?;
    let api_key = ApiKey::try_from(key).map_err(|()| ProtocolError::UnknownApiKey(key))?;
    let mut body = frame;
    let header = RequestHeader::decode(&mut body, api_key.request_header_version(version))
        .map_err(|e| ProtocolError::Decode {
            what: "RequestHeader",
            version,
            reason: e.to_string(),
        })?;
    Ok(RequestFrame {
        api_key,
        header,
        body,
    })
}

/// Decodes a message body at `version`, naming the type in any error.
pub fn decode_body<T: Decodable>(body: &mut Bytes, version: i16) -> Result<T, ProtocolError> {
    T::decode(body, version).map_err(|e| ProtocolError::Decode {
        what: short_type_name::<T>(),
        version,
        reason: e.to_string(),
    })
}

/// Appends one complete response frame (size, header, body) to `out`.
pub fn encode_response<T: Encodable>(
    out: &mut BytesMut,
    api_key: ApiKey,
    version: i16,
    correlation_id: i32,
    body: &T,
) -> Result<(), ProtocolError> {
    let mark = frame::begin(out);
    let encode_error = encode_error::<T>(version);
    ResponseHeader::default()
        .with_correlation_id(correlation_id)
        .encode(out, api_key.response_header_version(version))
        .map_err(encode_error)?;
    body.encode(out, version).map_err(encode_error)?;
    mark.finish(out)
}

/// Appends one complete request frame (size, header, body) to `out`.
pub fn encode_request<R: Request>(
    out: &mut BytesMut,
    version: i16,
    correlation_id: i32,
    client_id: Option<&str>,
    body: &R,
) -> Result<(), ProtocolError> {
    let mark = frame::begin(out);
    let header = RequestHeader::default()
        .with_request_api_key(R::KEY)
        .with_request_api_version(version)
        .with_correlation_id(correlation_id)
        .with_client_id(client_id.map(|id| StrBytes::from_string(id.to_owned())));
    let encode_error = encode_error::<R>(version);
    header
        .encode(out, R::header_version(version))
        .map_err(encode_error)?;
    body.encode(out, version).map_err(encode_error)?;
    mark.finish(out)
}

/// Reads the correlation id at the front of a response frame, whatever its
/// header version (the id always comes first). A client uses it to find the
/// pending request, which then tells it how to decode the rest.
pub fn peek_correlation_id(frame: &[u8]) -> Result<i32, ProtocolError> {
    first_four(frame).map(|bytes| i32::from_be_bytes(*bytes))
}

/// Decodes a response frame's header and body for the request type `R` at
/// `version`.
pub fn decode_response<R: Request>(
    mut frame: Bytes,
    version: i16,
) -> Result<(ResponseHeader, R::Response), ProtocolError> {
    let header_version = <R::Response as HeaderVersion>::header_version(version);
    let header =
        ResponseHeader::decode(&mut frame, header_version).map_err(|e| ProtocolError::Decode {
            what: "ResponseHeader",
            version,
            reason: e.to_string(),
        })?;
    let body = decode_body::<R::Response>(&mut frame, version)?;
    Ok((header, body))
}

fn short_type_name<T>() -> &'static str {
    let full = std::any::type_name::<T>();
    full.rsplit("::").next().unwrap_or(full)
}

// `kafka-protocol` reports failures as `anyhow::Error`; they are turned into
// `ProtocolError` here so that type never leaks into our API.
fn encode_error<T>(version: i16) -> impl Fn(anyhow::Error) -> ProtocolError + Copy {
    move |e| ProtocolError::Encode {
        what: short_type_name::<T>(),
        version,
        reason: e.to_string(),
    }
}
