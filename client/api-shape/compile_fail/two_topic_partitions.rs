//! With two kinds of `TopicPartition` (the admin client's with a `String`
//! topic, the consumer's with an `Arc<str>`), a trait could be implemented
//! for each. There is one type, so the second impl conflicts (E0119).

trait Kind {}
impl Kind for kctl_client::admin::TopicPartition {}
impl Kind for kctl_client::consumer::TopicPartition {}

fn main() {}
