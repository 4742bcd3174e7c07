use super::*;

#[test]
fn idempotence_defaults_follow_java() {
    let base = ProducerConfig::new(["localhost:9092"]);
    assert!(base.resolve_idempotence().unwrap());
    assert!(
        !base
            .clone()
            .acks(Acks::Leader)
            .resolve_idempotence()
            .unwrap(),
        "acks=1 quietly turns it off"
    );
    let err = base
        .clone()
        .acks(Acks::Leader)
        .enable_idempotence(true)
        .resolve_idempotence()
        .unwrap_err();
    assert!(matches!(err, Error::Config(_)));
    assert!(
        base.clone()
            .max_in_flight(6)
            .enable_idempotence(true)
            .resolve_idempotence()
            .is_err()
    );
}
