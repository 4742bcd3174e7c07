//! broker-lite's integration tests, one binary (faster to link than one per
//! file). Each module starts its own broker on port 0.

mod acls;
mod bad_input;
mod cluster;
mod cluster_coordinator;
mod cluster_kip320;
mod cluster_offsets_compaction;
mod cluster_support;
mod cluster_transactions;
mod compaction;
mod consumer_groups;
mod crash;
mod crash_loop;
mod disk_full;
mod franz_go;
mod group_interop;
mod group_restart;
mod groups;
mod hostile;
mod idempotence;
mod interop;
mod kafka_tools;
mod librdkafka_suite;
mod live_configs;
mod load;
mod power_loss;
mod protocol;
mod restart;
mod share_crash;
mod share_groups;
mod share_interop;
mod share_renew;
mod support;
mod transactions;
mod versions;
