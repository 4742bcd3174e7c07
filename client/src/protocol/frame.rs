//! Size-prefixed frames: a big-endian `i32` byte count, then that many bytes.
//!
//! The size is checked against a limit *before* anything is reserved, so a
//! peer that declares 2 GiB costs us four bytes of reading, not 2 GiB of
//! memory.

// The size prefix is read off the wire: a short buffer must wait for more
// bytes, never index past its end.
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

use bytes::{Buf, BufMut, BytesMut};

use super::ProtocolError;

/// Bytes taken by the size prefix itself.
pub const SIZE_PREFIX_BYTES: usize = 4;

/// Kafka's `socket.request.max.bytes` default (100 MiB).
pub const DEFAULT_MAX_FRAME_BYTES: usize = 104_857_600;

/// Most [`decode`] reserves ahead of the bytes it has seen.
const RESERVE_AHEAD_MAX_BYTES: usize = 1024 * 1024;

/// Takes one whole frame off the front of `buf`, without its size prefix.
///
/// Returns `Ok(None)` while the frame is incomplete; the caller reads more
/// and calls again. Once the prefix is known, `buf` is grown to hold the
/// rest of the frame (up to 1 MiB ahead at a time), so reads land in place. A declared size over
/// `max_frame_bytes`, or a negative one, is an error and nothing is reserved.
pub fn decode(
    buf: &mut BytesMut,
    max_frame_bytes: usize,
) -> Result<Option<BytesMut>, ProtocolError> {
    let Some(prefix) = buf.first_chunk::<SIZE_PREFIX_BYTES>() else {
        return Ok(None);
    };
    let declared = i32::from_be_bytes(*prefix);
    let declared_bytes =
        usize::try_from(declared).map_err(|_| ProtocolError::NegativeFrameSize(declared))?;
    if declared_bytes > max_frame_bytes {
        return Err(ProtocolError::FrameTooLarge {
            declared_bytes,
            max_bytes: max_frame_bytes,
        });
    }
    let total = SIZE_PREFIX_BYTES + declared_bytes;
    if buf.len() < total {
        // Room for what is declared, up to a cap: a peer that declares a
        // large frame and then sends nothing (or trickles) must not make us
        // hold the whole size. Past the cap the buffer grows as bytes come.
        buf.reserve((total - buf.len()).min(RESERVE_AHEAD_MAX_BYTES));
        return Ok(None);
    }
    buf.advance(SIZE_PREFIX_BYTES);
    Ok(Some(buf.split_to(declared_bytes)))
}

/// A frame being written: the size prefix is reserved first and filled in by
/// [`FrameMark::finish`], so the body is encoded once, in place.
#[derive(Debug)]
#[must_use = "a frame without its size filled in is corrupt"]
pub struct FrameMark {
    prefix_at: usize,
}

/// Reserves the size prefix of a new frame at the end of `out`.
pub fn begin(out: &mut BytesMut) -> FrameMark {
    let prefix_at = out.len();
    out.put_i32(0);
    FrameMark { prefix_at }
}

impl FrameMark {
    /// Writes the size of everything appended since [`begin`].
    #[allow(
        clippy::indexing_slicing,
        reason = "begin() put the prefix at prefix_at in this buffer, which only grows"
    )]
    pub fn finish(self, out: &mut BytesMut) -> Result<(), ProtocolError> {
        let body_bytes = out.len() - self.prefix_at - SIZE_PREFIX_BYTES;
        let size = i32::try_from(body_bytes).map_err(|_| ProtocolError::FrameTooLarge {
            declared_bytes: body_bytes,
            max_bytes: i32::MAX as usize,
        })?;
        out[self.prefix_at..self.prefix_at + SIZE_PREFIX_BYTES]
            .copy_from_slice(&size.to_be_bytes());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn incomplete_prefix_and_body_wait_for_more() {
        let mut buf = BytesMut::from(&[0u8, 0][..]);
        assert!(decode(&mut buf, 100).unwrap().is_none());
        let mut buf = BytesMut::from(&[0u8, 0, 0, 5, 1, 2][..]);
        assert!(decode(&mut buf, 100).unwrap().is_none());
        assert!(buf.capacity() >= 9, "the rest of the frame is reserved");
    }

    #[test]
    fn oversized_frame_is_refused_without_allocating() {
        let mut buf = BytesMut::from(&0x7fff_ffffi32.to_be_bytes()[..]);
        let before = buf.capacity();
        let err = decode(&mut buf, DEFAULT_MAX_FRAME_BYTES).unwrap_err();
        assert!(matches!(
            err,
            ProtocolError::FrameTooLarge {
                declared_bytes: 0x7fff_ffff,
                ..
            }
        ));
        assert_eq!(buf.capacity(), before);
    }

    #[test]
    fn negative_size_is_an_error() {
        let mut buf = BytesMut::from(&(-1i32).to_be_bytes()[..]);
        assert!(matches!(
            decode(&mut buf, 100),
            Err(ProtocolError::NegativeFrameSize(-1))
        ));
    }

    proptest! {
        #[test]
        fn frames_round_trip(bodies in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 0..8)) {
            let mut wire = BytesMut::new();
            for body in &bodies {
                let mark = begin(&mut wire);
                wire.extend_from_slice(body);
                mark.finish(&mut wire).unwrap();
            }
            let mut decoded = Vec::new();
            while let Some(frame) = decode(&mut wire, 1000).unwrap() {
                decoded.push(frame.to_vec());
            }
            prop_assert_eq!(decoded, bodies);
            prop_assert!(wire.is_empty());
        }
    }
}
