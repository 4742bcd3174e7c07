//! The admin client, one call of each kind: the cluster, topics and their
//! partitions, configs, offsets and record deletion, consumer groups and
//! their committed offsets and lag. It creates a topic and a group named
//! after `prefix`, and deletes both at the end.
//!
//! ```text
//! cargo run -p kctl-client --example admin -- localhost:9092 [prefix]
//! ```

use kctl_client::admin::{
    AlterConfigOp, ConfigResource, DescribeConfigsOptions, ItemResults, ListGroupsOptions,
    NewPartitions, NewTopic,
};
use kctl_client::{Admin, IsolationLevel, OffsetSpec, Producer, Record, TopicPartition};

#[tokio::main]
async fn main() -> kctl_client::Result<()> {
    let mut args = std::env::args().skip(1);
    let bootstrap = args.next().unwrap_or_else(|| "localhost:9092".into());
    let prefix = args.next().unwrap_or_else(|| "kctl-admin-example".into());
    let topic = format!("{prefix}-orders");
    let group = format!("{prefix}-billing");

    let admin = Admin::builder([bootstrap.clone()])
        .client_id("admin-example")
        .api_timeout_ms(30_000)
        .build()
        .await?;

    // The cluster.
    let cluster = admin.describe_cluster().await?;
    println!(
        "cluster {:?}: {} broker(s), controller {:?}",
        cluster.cluster_id,
        cluster.brokers.len(),
        cluster.controller_id
    );

    // Topics: create one (single-item form: a refusal is an Err), grow it,
    // list and describe.
    let created = admin
        .create_topic(
            NewTopic::new(&topic)
                .partitions(2)
                .config("retention.ms", "86400000"),
        )
        .await?;
    println!(
        "created {} with {:?} partitions",
        created.name, created.partitions
    );
    admin
        .create_partitions(&[NewPartitions::increase_to(&topic, 3)], false)
        .await?
        .all()?;
    let listed = admin.list_topics(false).await?;
    println!("{} topic(s) in the cluster", listed.len());
    let described = admin.describe_topic(&topic).await?;
    for p in &described.partitions {
        println!(
            "  {}-{}: leader {:?}, replicas {:?}, isr {:?}",
            topic, p.partition, p.leader, p.replicas, p.isr
        );
    }

    // Configs: set one incrementally, then read it back with its source.
    let resource = ConfigResource::Topic(topic.clone());
    admin
        .incremental_alter_configs(
            &[(
                resource.clone(),
                vec![AlterConfigOp::Set {
                    name: "cleanup.policy".into(),
                    value: "delete".into(),
                }],
            )],
            false,
        )
        .await?
        .all()?;
    let configs = admin
        .describe_configs(
            std::slice::from_ref(&resource),
            &DescribeConfigsOptions::default(),
        )
        .await?
        .all()?;
    for entry in configs[0].iter().filter(|e| e.name == "cleanup.policy") {
        println!(
            "  {} = {:?} ({})",
            entry.name,
            entry.value,
            entry.source.as_str()
        );
    }

    // Some records, so offsets have something to say.
    let producer = Producer::builder([bootstrap]).build().await?;
    for i in 0..30 {
        let record = Record::new(&topic)
            .partition(i % 3)
            .key(format!("customer-{i}"))
            .value("order");
        drop(producer.send(record).await?);
    }
    producer.close().await;

    // Offsets: earliest and latest of each partition, from its leader.
    let partitions: Vec<TopicPartition> = (0..3).map(|p| TopicPartition::new(&topic, p)).collect();
    let asks: Vec<(TopicPartition, OffsetSpec)> = partitions
        .iter()
        .flat_map(|tp| {
            [
                (tp.clone(), OffsetSpec::Earliest),
                (tp.clone(), OffsetSpec::Latest),
            ]
        })
        .collect();
    let offsets = admin
        .list_offsets(&asks, IsolationLevel::ReadUncommitted)
        .await?;
    for (ask, listed) in asks.iter().zip(&offsets) {
        println!(
            "  {} {}: {}",
            ask.0,
            ask.1,
            listed.result.as_ref().map_err(Clone::clone)?
        );
    }

    // Delete the first 5 records of partition 0.
    let low_watermarks = admin
        .delete_records(&[(partitions[0].clone(), 5)])
        .await?
        .all()?;
    println!(
        "{} now starts at offset {}",
        partitions[0], low_watermarks[0]
    );

    // A group's committed offsets: set them as an admin (the group has no
    // members), read them back, show the lag, then clean up.
    let commits: Vec<(TopicPartition, i64)> = partitions.iter().map(|tp| (tp.clone(), 7)).collect();
    admin.alter_group_offsets(&group, &commits).await?.all()?;
    for committed in admin
        .list_group_offsets(&group, None)
        .await?
        .all()?
        .into_iter()
        .flatten()
    {
        println!("  {group} committed {committed}");
    }
    let groups = admin.list_groups(&ListGroupsOptions::default()).await?;
    println!("{} group(s) in the cluster", groups.len());
    let description = admin.describe_group(&group).await?;
    println!(
        "{group} is {} with {} member(s)",
        description.state,
        description.members.len()
    );
    for lag in admin
        .group_lag(&group, IsolationLevel::ReadCommitted)
        .await?
    {
        println!(
            "  {}: committed {:?}, lag {}",
            lag.partition, lag.committed_offset, lag.lag
        );
    }
    admin
        .delete_group_offsets(&group, &partitions[..1])
        .await?
        .all()?;
    admin.delete_groups(&[&group]).await?.all()?;
    admin.delete_topic(&topic).await?;
    println!("deleted {group} and {topic}");
    admin.close().await;
    Ok(())
}
