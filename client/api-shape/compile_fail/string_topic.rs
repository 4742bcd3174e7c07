//! The one `TopicPartition` names its topic with an `Arc<str>`: the old
//! admin kind, with a `String`, cannot be built (E0308).

fn main() {
    let _ = kctl_client::admin::TopicPartition {
        topic: String::from("t"),
        partition: 0,
    };
}
