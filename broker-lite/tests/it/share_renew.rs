//! RENEW (KIP-1222, ShareFetch/ShareAcknowledge v2): a member keeps a
//! record past its acquisition lock by renewing it, and Kafka's refusals.

use std::time::{Duration, Instant};

use kctl_client::protocol::ErrorCode;
use kctl_client::protocol::messages::{ApiKey, ApiVersionsRequest};
use kctl_client::protocol::share::AcknowledgeType;

use crate::share_groups::{
    Fetched, Member, offsets, produce_n, set_earliest, start_offset, topic_with_id,
};
use crate::support::TestBroker;

/// Short enough that holding a record for 2.5 locks takes 1.5 s.
const LOCK_MS: u64 = 600;

const ACCEPT: AcknowledgeType = AcknowledgeType::Accept;
const RENEW: AcknowledgeType = AcknowledgeType::Renew;

/// ShareAcknowledge at `version` with `IsRenewAck` = `renew_flag` (v2+),
/// at the member's session epoch (advanced when the request is accepted).
/// Returns the top-level and partition error codes and the lock duration
/// the answer carries (v2+).
async fn acknowledge_at(
    member: &mut Member,
    version: i16,
    renew_flag: bool,
    acks: &[(i64, i64, AcknowledgeType)],
) -> (i16, i16, i32) {
    let request = member
        .acknowledge_request(member.session_epoch, acks)
        .with_is_renew_ack(renew_flag);
    let response = member.client.send(version, &request).await;
    if response.error_code == 0 {
        member.session_epoch += 1;
    }
    let partition = response
        .responses
        .first()
        .and_then(|t| t.partitions.first())
        .map_or(-100, |p| p.error_code);
    (
        response.error_code,
        partition,
        response.acquisition_lock_timeout_ms,
    )
}

/// A ShareFetch v2 with `IsRenewAck` carrying `acks`; `max_records` must
/// be 0 for Kafka to take it.
async fn renewing_fetch(
    member: &mut Member,
    acks: &[(i64, i64, AcknowledgeType)],
    max_records: i32,
) -> Fetched {
    let request = member
        .request(member.session_epoch, acks)
        .with_is_renew_ack(true)
        .with_max_wait_ms(0)
        .with_max_bytes(0)
        .with_max_records(max_records);
    member.send_fetch(2, &request).await
}

/// A record renewed every half lock stays with its member for 2.5 locks
/// while another member polls for it, then is accepted and never comes
/// back. The control: a record nobody renews goes to the other member once
/// its lock runs out.
#[tokio::test]
async fn renewing_every_half_lock_keeps_a_record_past_twice_the_lock() {
    let broker = TestBroker::start_with(|c| c.group.share_record_lock_duration_ms = LOCK_MS).await;
    let mut admin = broker.client().await;
    let topic_id = topic_with_id(&mut admin, "renew").await;
    set_earliest(&mut admin, "g-renew").await;
    produce_n(&mut admin, "renew", 0, 1).await;
    let mut a = Member::join(&broker.bootstrap(), "g-renew", "a", "renew", topic_id).await;
    let mut b = Member::join(&broker.bootstrap(), "g-renew", "b", "renew", topic_id).await;

    assert_eq!(a.fetch(10, 0, &[]).await.acquired, vec![(0, 1)]);
    let held_since = Instant::now();
    for round in 0..5 {
        tokio::time::sleep(Duration::from_millis(LOCK_MS / 2)).await;
        // Both ways Kafka takes a renewal: ShareAcknowledge and a ShareFetch
        // that only acknowledges.
        if round % 2 == 0 {
            let (top, partition, lock_ms) = acknowledge_at(&mut a, 2, true, &[(0, 0, RENEW)]).await;
            assert_eq!((top, partition), (0, 0), "round {round}");
            assert_eq!(lock_ms, LOCK_MS as i32, "the renewed lock's length");
        } else {
            let got = renewing_fetch(&mut a, &[(0, 0, RENEW)], 0).await;
            assert_eq!((got.error, got.ack_error), (0, 0), "round {round}");
            assert!(got.acquired.is_empty(), "a renewing fetch fetches nothing");
        }
        let got = b.fetch(10, 0, &[]).await;
        assert_eq!(got.error, 0);
        assert!(
            got.acquired.is_empty(),
            "b got {:?} in round {round}",
            got.acquired
        );
    }
    assert!(held_since.elapsed() >= Duration::from_millis(2 * LOCK_MS));
    let (top, partition, _) = acknowledge_at(&mut a, 2, false, &[(0, 0, ACCEPT)]).await;
    assert_eq!(
        (top, partition),
        (0, 0),
        "the holder accepts it after renewing"
    );
    assert_eq!(start_offset(&mut admin, "g-renew", "renew").await, 1);
    assert!(
        b.fetch(10, (2 * LOCK_MS) as i32, &[])
            .await
            .acquired
            .is_empty(),
        "an accepted record is never delivered again"
    );

    // The control: a holds offset 1 and does not renew; b, polling, gets
    // it once the lock runs out, counted as a second delivery.
    produce_n(&mut admin, "renew", 1, 1).await;
    assert_eq!(offsets(&a.fetch(10, 0, &[]).await), vec![1]);
    let got = b.fetch(10, (3 * LOCK_MS) as i32, &[]).await;
    assert_eq!(got.acquired, vec![(1, 2)]);
    let (_, partition, _) = acknowledge_at(&mut a, 2, true, &[(1, 1, RENEW)]).await;
    assert_eq!(
        partition,
        ErrorCode::InvalidRecordState.code(),
        "a lock that ran out cannot be renewed"
    );
}

/// Kafka's refusals: RENEW of a record the member does not hold
/// (INVALID_RECORD_STATE), RENEW in v1 or without `IsRenewAck`
/// (INVALID_REQUEST for the partition), and a renewing ShareFetch that
/// also asks for records (INVALID_REQUEST for the request).
#[tokio::test]
async fn renew_is_refused_where_kafka_refuses_it() {
    let broker = TestBroker::start().await;
    let mut admin = broker.client().await;
    let versions = admin.send(3, &ApiVersionsRequest::default()).await;
    for key in [ApiKey::ShareFetch, ApiKey::ShareAcknowledge] {
        let advertised = versions
            .api_keys
            .iter()
            .find(|k| k.api_key == key as i16)
            .unwrap();
        assert_eq!(
            (advertised.min_version, advertised.max_version),
            (1, 2),
            "{key:?}"
        );
    }
    let topic_id = topic_with_id(&mut admin, "refused").await;
    set_earliest(&mut admin, "g-refused").await;
    produce_n(&mut admin, "refused", 0, 3).await;
    let mut a = Member::join(&broker.bootstrap(), "g-refused", "a", "refused", topic_id).await;
    let mut b = Member::join(&broker.bootstrap(), "g-refused", "b", "refused", topic_id).await;
    assert_eq!(offsets(&a.fetch(1, 0, &[]).await), vec![0]);
    assert_eq!(offsets(&b.fetch(1, 0, &[]).await), vec![1]);

    let (top, partition, _) = acknowledge_at(&mut b, 2, true, &[(0, 0, RENEW)]).await;
    assert_eq!(
        (top, partition),
        (0, ErrorCode::InvalidRecordState.code()),
        "b does not hold offset 0"
    );
    let (top, partition, _) = acknowledge_at(&mut a, 1, false, &[(0, 0, RENEW)]).await;
    assert_eq!(
        (top, partition),
        (0, ErrorCode::InvalidRequest.code()),
        "RENEW in v1"
    );
    let (top, partition, _) = acknowledge_at(&mut a, 2, false, &[(0, 0, RENEW)]).await;
    assert_eq!(
        (top, partition),
        (0, ErrorCode::InvalidRequest.code()),
        "RENEW without IsRenewAck"
    );
    let got = renewing_fetch(&mut a, &[(0, 0, RENEW)], 10).await;
    assert_eq!(
        got.error,
        ErrorCode::InvalidRequest.code(),
        "a renewing fetch may not ask for records"
    );
    // Offset 2 is available, yet a renewing fetch acquires nothing.
    let got = renewing_fetch(&mut a, &[(0, 0, RENEW)], 0).await;
    assert_eq!((got.error, got.ack_error), (0, 0));
    assert!(got.acquired.is_empty());
    assert_eq!(offsets(&a.fetch(10, 0, &[(0, 0, ACCEPT)]).await), vec![2]);
}
