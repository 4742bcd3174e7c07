package dev.kctl.interop;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Kafka's Java client against a broker: each check prints "ok NAME ..." or
 * throws, and the process exits 1 on the first failure. Usage:
 * JavaClientCheck BOOTSTRAP CHECK... with checks producer, groups,
 * manual-commit, admin and transactions (or all). JavaClientCheck BOOTSTRAP
 * consumer-protocol-member GROUP TOPIC [PROTOCOL] runs one group member
 * (group.protocol=PROTOCOL, consumer unless given: classic or consumer) for a
 * mixed group with another client (see consumerProtocolMember).
 */
public final class JavaClientCheck {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private final String bootstrap;
    private final String runId = Long.toString(System.nanoTime() % 1_000_000_000L);

    private JavaClientCheck(String bootstrap) {
        this.bootstrap = bootstrap;
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: JavaClientCheck BOOTSTRAP producer|groups|manual-commit|admin|transactions|consumer-protocol|all ...");
            System.exit(2);
        }
        JavaClientCheck check = new JavaClientCheck(args[0]);
        if (args[1].equals("consumer-protocol-member") && (args.length == 4 || args.length == 5)) {
            check.consumerProtocolMember(args[2], args[3], args.length == 5 ? args[4] : "consumer");
            System.exit(0);
        }
        List<String> names = new ArrayList<>(List.of(args).subList(1, args.length));
        if (names.contains("all")) {
            names = List.of("producer", "groups", "manual-commit", "admin", "transactions", "consumer-protocol");
        }
        try {
            for (String name : names) {
                switch (name) {
                    case "producer" -> check.producer();
                    case "groups" -> check.groups();
                    case "manual-commit" -> check.manualCommit();
                    case "admin" -> check.adminApi();
                    case "transactions" -> check.transactions();
                    case "consumer-protocol" -> check.consumerProtocol();
                    default -> throw new IllegalArgumentException("unknown check " + name);
                }
            }
        } catch (Throwable e) {
            System.out.println("FAILED: " + e);
            e.printStackTrace(System.out);
            System.exit(1);
        }
        System.exit(0);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new AssertionError(message);
        }
    }

    private Admin newAdmin() {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 60_000);
        return Admin.create(props);
    }

    private KafkaProducer<String, String> producer(String compression) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        return new KafkaProducer<>(props);
    }

    private KafkaConsumer<String, String> consumer(String group, Map<String, Object> extra) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        if (group != null) {
            props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        }
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        props.putAll(extra);
        return new KafkaConsumer<>(props);
    }

    private void createTopic(Admin admin, String topic, int partitions, Map<String, String> configs) throws Exception {
        admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1).configs(configs))).all().get(60, TimeUnit.SECONDS);
    }

    /** Sends count keyed records, returns the acknowledged (partition, offset) of each value. */
    private Map<String, RecordMetadata> produce(String topic, String compression, int count) throws Exception {
        Map<String, RecordMetadata> acked = new ConcurrentHashMap<>();
        try (KafkaProducer<String, String> producer = producer(compression)) {
            List<java.util.concurrent.Future<RecordMetadata>> futures = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String value = topic + "-value-" + i + "-" + "x".repeat(i % 64);
                futures.add(producer.send(new ProducerRecord<>(topic, "key-" + (i % 97), value)));
            }
            producer.flush();
            for (int i = 0; i < count; i++) {
                String value = topic + "-value-" + i + "-" + "x".repeat(i % 64);
                acked.put(value, futures.get(i).get(60, TimeUnit.SECONDS));
            }
        }
        return acked;
    }

    /** Reads every partition of a topic from the start with assign(), until count records. */
    private List<ConsumerRecord<String, String>> readAll(String topic, int partitions, int count) {
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = consumer(null, Map.of())) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int p = 0; p < partitions; p++) {
                tps.add(new TopicPartition(topic, p));
            }
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (out.size() < count && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    /** An idempotent, acks=all producer with every codec; each record read back once, in order. */
    private void producer() throws Exception {
        int count = 3000;
        try (Admin admin = newAdmin()) {
            for (String codec : List.of("none", "gzip", "snappy", "lz4", "zstd")) {
                String topic = "java-codec-" + codec + "-" + runId;
                createTopic(admin, topic, 3, Map.of());
                Map<String, RecordMetadata> acked = produce(topic, codec, count);
                List<ConsumerRecord<String, String>> read = readAll(topic, 3, count);
                require(read.size() == count, codec + ": read " + read.size() + " of " + count);
                Set<String> seen = new HashSet<>();
                Map<Integer, Long> lastOffset = new HashMap<>();
                for (ConsumerRecord<String, String> record : read) {
                    require(seen.add(record.value()), codec + ": duplicate " + record.value());
                    RecordMetadata meta = acked.get(record.value());
                    require(meta != null, codec + ": never sent " + record.value());
                    require(meta.partition() == record.partition() && meta.offset() == record.offset(),
                        codec + ": " + record.value() + " acked at " + meta.partition() + "/" + meta.offset()
                            + " but read at " + record.partition() + "/" + record.offset());
                    Long last = lastOffset.put(record.partition(), record.offset());
                    require(last == null || last < record.offset(), codec + ": offsets out of order");
                }
                System.out.println("ok producer codec=" + codec + " records=" + count + " idempotent acks=all");
            }
        }
    }

    /** A 3-member classic group with each assignor; each record consumed once, commits after each poll. */
    private void groups() throws Exception {
        for (String assignor : List.of(RangeAssignor.class.getName(), CooperativeStickyAssignor.class.getName())) {
            String shortName = assignor.contains("Range") ? "range" : "cooperative-sticky";
            String topic = "java-group-" + shortName + "-" + runId;
            String group = "java-" + shortName + "-" + runId;
            int partitions = 6;
            int count = 3000;
            try (Admin admin = newAdmin()) {
                createTopic(admin, topic, partitions, Map.of());
                produce(topic, "lz4", count);
                Map<String, Integer> consumed = new ConcurrentHashMap<>();
                AtomicInteger total = new AtomicInteger();
                List<Set<TopicPartition>> assignments = new CopyOnWriteArrayList<>();
                List<Throwable> errors = new CopyOnWriteArrayList<>();
                List<Thread> members = new ArrayList<>();
                for (int m = 0; m < 3; m++) {
                    Set<TopicPartition> owned = ConcurrentHashMap.newKeySet();
                    assignments.add(owned);
                    Thread member = new Thread(() -> {
                        Map<String, Object> extra = Map.of(
                            ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, assignor,
                            ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 50);
                        try (KafkaConsumer<String, String> consumer = consumer(group, extra)) {
                            consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
                                public void onPartitionsRevoked(Collection<TopicPartition> revoked) { }
                                public void onPartitionsAssigned(Collection<TopicPartition> assigned) {
                                    owned.addAll(assigned);
                                }
                            });
                            long deadline = System.nanoTime() + TIMEOUT.toNanos();
                            // Stay until all records are in and every member has had partitions,
                            // so the group really is shared by three.
                            while (System.nanoTime() < deadline
                                && (total.get() < count || assignments.stream().anyMatch(Set::isEmpty))) {
                                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(100));
                                for (ConsumerRecord<String, String> record : records) {
                                    consumed.merge(record.value(), 1, Integer::sum);
                                    total.incrementAndGet();
                                }
                                if (!records.isEmpty()) {
                                    consumer.commitSync();
                                }
                            }
                        } catch (Throwable e) {
                            errors.add(e);
                        }
                    });
                    members.add(member);
                    member.start();
                    Thread.sleep(300);
                }
                for (Thread member : members) {
                    member.join();
                }
                require(errors.isEmpty(), shortName + ": member failed: " + errors);
                require(consumed.size() == count, shortName + ": consumed " + consumed.size() + " distinct of " + count);
                List<String> twice = consumed.entrySet().stream().filter(e -> e.getValue() > 1)
                    .map(Map.Entry::getKey).limit(5).collect(Collectors.toList());
                require(twice.isEmpty(), shortName + ": consumed more than once: " + twice);
                for (int m = 0; m < 3; m++) {
                    require(!assignments.get(m).isEmpty(), shortName + ": member " + m + " never got a partition");
                }
                Map<TopicPartition, OffsetAndMetadata> committed =
                    admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(60, TimeUnit.SECONDS);
                Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
                for (int p = 0; p < partitions; p++) {
                    latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
                }
                Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(latest).all().get(60, TimeUnit.SECONDS);
                for (Map.Entry<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> end : ends.entrySet()) {
                    OffsetAndMetadata commit = committed.get(end.getKey());
                    require(commit != null && commit.offset() == end.getValue().offset(),
                        shortName + ": commit for " + end.getKey() + " is " + commit + ", log end " + end.getValue().offset());
                }
                System.out.println("ok groups assignor=" + shortName + " members=3 records=" + count + " each once, commits at log end");
            }
        }
    }

    /**
     * KIP-848: three members with group.protocol=consumer share eight partitions, a fourth joins
     * halfway, the first leaves; every record is consumed and committed, and the Admin client
     * describes a consumer-protocol group.
     */
    private void consumerProtocol() throws Exception {
        String topic = "java-kip848-" + runId;
        String group = "java-kip848-" + runId;
        int partitions = 8;
        int count = 4000;
        try (Admin admin = newAdmin()) {
            createTopic(admin, topic, partitions, Map.of());
            produce(topic, "none", count / 2);
            Map<String, Integer> consumed = new ConcurrentHashMap<>();
            List<Set<TopicPartition>> assignments = new CopyOnWriteArrayList<>();
            List<Throwable> errors = new CopyOnWriteArrayList<>();
            List<String> commitFailures = new CopyOnWriteArrayList<>();
            List<AtomicInteger> stops = new CopyOnWriteArrayList<>();
            List<Thread> members = new ArrayList<>();
            for (int m = 0; m < 4; m++) {
                if (m == 3) {
                    long deadline = System.nanoTime() + TIMEOUT.toNanos();
                    while (consumed.size() < count / 4 && System.nanoTime() < deadline) {
                        Thread.sleep(20);
                    }
                }
                Set<TopicPartition> owned = ConcurrentHashMap.newKeySet();
                assignments.add(owned);
                AtomicInteger stop = new AtomicInteger();
                stops.add(stop);
                Thread member = new Thread(() -> {
                    Map<String, Object> extra = Map.of(
                        ConsumerConfig.GROUP_PROTOCOL_CONFIG, "consumer",
                        ConsumerConfig.GROUP_REMOTE_ASSIGNOR_CONFIG, "uniform",
                        ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 50);
                    try (KafkaConsumer<String, String> consumer = consumer(group, extra)) {
                        consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
                            public void onPartitionsRevoked(Collection<TopicPartition> revoked) { }
                            public void onPartitionsAssigned(Collection<TopicPartition> assigned) {
                                owned.addAll(assigned);
                            }
                        });
                        long deadline = System.nanoTime() + TIMEOUT.toNanos();
                        while (System.nanoTime() < deadline && stop.get() == 0
                            && (consumed.size() < count || assignments.stream().anyMatch(Set::isEmpty))) {
                            ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(100));
                            for (ConsumerRecord<String, String> record : records) {
                                consumed.merge(record.partition() + "@" + record.offset(), 1, Integer::sum);
                            }
                            if (!records.isEmpty()) {
                                try {
                                    consumer.commitSync();
                                } catch (org.apache.kafka.common.KafkaException e) {
                                    // At least once: a commit refused while partitions move
                                    // means redelivery, not loss.
                                    commitFailures.add(e.toString());
                                }
                            }
                        }
                    } catch (Throwable e) {
                        errors.add(e);
                    }
                });
                members.add(member);
                member.start();
            }
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (assignments.get(3).isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            ConsumerGroupDescription described =
                admin.describeConsumerGroups(List.of(group)).all().get(60, TimeUnit.SECONDS).get(group);
            require(described.type() == org.apache.kafka.common.GroupType.CONSUMER, "group type " + described.type());
            require(described.members().size() == 4, "described " + described.members().size() + " members; errors "
                + errors + "; commit failures " + commitFailures);
            // The first member leaves (closes: epoch -1), then the second half arrives.
            stops.get(0).set(1);
            members.get(0).join();
            produce(topic, "none", count / 2);
            for (Thread member : members) {
                member.join();
            }
            require(errors.isEmpty(), "consumer-protocol: member failed: " + errors);
            require(consumed.size() == count, "consumer-protocol: consumed " + consumed.size() + " distinct of " + count);
            long twice = consumed.values().stream().filter(n -> n > 1).count();
            for (int m = 0; m < 4; m++) {
                require(!assignments.get(m).isEmpty(), "consumer-protocol: member " + m + " never got a partition");
            }
            Map<TopicPartition, OffsetAndMetadata> committed =
                admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(60, TimeUnit.SECONDS);
            long committedTotal = committed.values().stream().mapToLong(OffsetAndMetadata::offset).sum();
            require(committedTotal == count, "consumer-protocol: commits add up to " + committedTotal + " of " + count);
            System.out.println("ok consumer-protocol members=4 records=" + count + " consumed twice=" + twice
                + " commit failures=" + commitFailures.size() + ", commits at log end");
        }
    }

    /**
     * One KIP-848 member (group.protocol=consumer) of a group other clients share: prints
     * "REC partition offset" for every record and "OWNS n" when its assignment changes, commits
     * after every poll, and closes (leaving the group) when stdin reaches its end.
     */
    private void consumerProtocolMember(String group, String topic, String protocol) throws Exception {
        AtomicInteger stop = new AtomicInteger();
        Thread stdin = new Thread(() -> {
            try {
                while (System.in.read() >= 0) { }
            } catch (java.io.IOException e) {
                // Closed either way.
            }
            stop.set(1);
        });
        stdin.setDaemon(true);
        stdin.start();
        Map<String, Object> extra = protocol.equals("classic")
            // A classic member hears of a rebalance on its heartbeat: beat often.
            ? Map.of(
                ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 50,
                ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 6_000,
                ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 300)
            : Map.of(
                ConsumerConfig.GROUP_PROTOCOL_CONFIG, protocol,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 50);
        try (KafkaConsumer<String, String> consumer = consumer(group, extra)) {
            Set<TopicPartition> owned = new HashSet<>();
            consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
                public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
                    // Commit what was read before the partitions go, so the next owner
                    // starts where this one stopped.
                    consumer.commitSync();
                    owned.removeAll(revoked);
                    System.out.println("OWNS " + owned.size());
                }
                public void onPartitionsAssigned(Collection<TopicPartition> assigned) {
                    owned.addAll(assigned);
                    System.out.println("OWNS " + owned.size());
                }
            });
            while (stop.get() == 0) {
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(100));
                for (ConsumerRecord<String, String> record : records) {
                    System.out.println("REC " + record.partition() + " " + record.offset());
                }
                if (!records.isEmpty()) {
                    consumer.commitSync();
                }
                System.out.flush();
            }
        }
    }

    /** commitSync with explicit offsets and metadata; committed() and a new member resume there. */
    private void manualCommit() throws Exception {
        String topic = "java-manual-" + runId;
        String group = "java-manual-" + runId;
        try (Admin admin = newAdmin()) {
            createTopic(admin, topic, 1, Map.of());
        }
        produce(topic, "none", 100);
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaConsumer<String, String> consumer = consumer(group, Map.of())) {
            consumer.subscribe(List.of(topic));
            int read = 0;
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (read < 100 && System.nanoTime() < deadline) {
                read += consumer.poll(Duration.ofMillis(200)).count();
            }
            require(read == 100, "manual-commit: read " + read + " of 100");
            consumer.commitSync(Map.of(tp, new OffsetAndMetadata(42, "checkpoint-42")));
            OffsetAndMetadata committed = consumer.committed(Set.of(tp)).get(tp);
            require(committed != null && committed.offset() == 42 && "checkpoint-42".equals(committed.metadata()),
                "manual-commit: committed() returned " + committed);
        }
        try (KafkaConsumer<String, String> consumer = consumer(group, Map.of())) {
            consumer.subscribe(List.of(topic));
            ConsumerRecord<String, String> first = null;
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (first == null && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    first = record;
                    break;
                }
            }
            require(first != null && first.offset() == 42, "manual-commit: new member started at " + (first == null ? "nothing" : first.offset()));
        }
        System.out.println("ok manual-commit offset=42 metadata round trip, new member resumes at 42");
    }

    /** The Admin API: topics, configs, groups, offsets, DeleteRecords, cluster. */
    private void adminApi() throws Exception {
        String topic = "java-admin-" + runId;
        String group = "java-admin-" + runId;
        try (Admin admin = newAdmin()) {
            DescribeClusterResult cluster = admin.describeCluster();
            require(!cluster.nodes().get().isEmpty(), "admin: describeCluster has no nodes");
            require(cluster.clusterId().get() != null, "admin: no cluster id");
            require(cluster.controller().get() != null, "admin: no controller");

            createTopic(admin, topic, 2, Map.of("retention.ms", "3600000"));
            require(admin.listTopics().names().get().contains(topic), "admin: listTopics misses " + topic);
            TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
            require(description.partitions().size() == 2, "admin: describeTopics partitions " + description.partitions().size());
            require(description.topicId() != null && !description.topicId().toString().equals("AAAAAAAAAAAAAAAAAAAAAA"), "admin: no topic id");
            admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(3))).all().get();
            description = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
            require(description.partitions().size() == 3, "admin: createPartitions left " + description.partitions().size());

            ConfigResource topicResource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            Config config = admin.describeConfigs(List.of(topicResource)).all().get().get(topicResource);
            ConfigEntry retention = config.get("retention.ms");
            require(retention != null && "3600000".equals(retention.value())
                && retention.source() == ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG, "admin: retention.ms is " + retention);
            admin.incrementalAlterConfigs(Map.of(topicResource, List.of(
                new AlterConfigOp(new ConfigEntry("cleanup.policy", "compact,delete"), AlterConfigOp.OpType.SET),
                new AlterConfigOp(new ConfigEntry("retention.ms", ""), AlterConfigOp.OpType.DELETE)))).all().get();
            config = admin.describeConfigs(List.of(topicResource)).all().get().get(topicResource);
            require("compact,delete".equals(config.get("cleanup.policy").value()), "admin: cleanup.policy is " + config.get("cleanup.policy"));
            require(config.get("retention.ms").source() == ConfigEntry.ConfigSource.DEFAULT_CONFIG
                || config.get("retention.ms").source() == ConfigEntry.ConfigSource.STATIC_BROKER_CONFIG,
                "admin: retention.ms after delete is " + config.get("retention.ms"));
            admin.incrementalAlterConfigs(Map.of(topicResource, List.of(
                new AlterConfigOp(new ConfigEntry("cleanup.policy", "delete"), AlterConfigOp.OpType.SET)))).all().get();
            String brokerId = Integer.toString(cluster.nodes().get().iterator().next().id());
            ConfigResource brokerResource = new ConfigResource(ConfigResource.Type.BROKER, brokerId);
            Config brokerConfig = admin.describeConfigs(List.of(brokerResource)).all().get().get(brokerResource);
            require(brokerConfig.get("num.partitions") != null, "admin: broker config has no num.partitions");

            produce(topic, "none", 300);
            Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (int p = 0; p < 3; p++) {
                earliest.put(new TopicPartition(topic, p), OffsetSpec.earliest());
                latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
            }
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(latest).all().get();
            long total = ends.values().stream().mapToLong(ListOffsetsResult.ListOffsetsResultInfo::offset).sum();
            require(total == 300, "admin: listOffsets latest sums to " + total);
            TopicPartition busiest = ends.entrySet().stream()
                .max(Map.Entry.comparingByValue((a, b) -> Long.compare(a.offset(), b.offset()))).get().getKey();
            long busiestEnd = ends.get(busiest).offset();
            long maxTs = admin.listOffsets(Map.of(busiest, OffsetSpec.maxTimestamp())).all().get().get(busiest).offset();
            require(maxTs >= 0 && maxTs < busiestEnd, "admin: max-timestamp offset " + maxTs);
            long byTime = admin.listOffsets(Map.of(busiest, OffsetSpec.forTimestamp(0))).all().get().get(busiest).offset();
            require(byTime == 0, "admin: offset for timestamp 0 is " + byTime);

            long cut = busiestEnd / 2;
            long lowWatermark = admin.deleteRecords(Map.of(busiest, RecordsToDelete.beforeOffset(cut)))
                .lowWatermarks().get(busiest).get().lowWatermark();
            require(lowWatermark == cut, "admin: deleteRecords low watermark " + lowWatermark + ", wanted " + cut);
            long start = admin.listOffsets(Map.of(busiest, OffsetSpec.earliest())).all().get().get(busiest).offset();
            require(start == cut, "admin: earliest after deleteRecords is " + start + ", wanted " + cut);

            Map<TopicPartition, OffsetAndMetadata> commits = new HashMap<>();
            for (int p = 0; p < 3; p++) {
                TopicPartition tp = new TopicPartition(topic, p);
                commits.put(tp, new OffsetAndMetadata(ends.get(tp).offset()));
            }
            admin.alterConsumerGroupOffsets(group, commits).all().get();
            Collection<GroupListing> groups = admin.listGroups().all().get();
            require(groups.stream().anyMatch(g -> g.groupId().equals(group)), "admin: listGroups misses " + group);
            ConsumerGroupDescription groupDescription = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
            require(groupDescription.members().isEmpty(), "admin: describeConsumerGroups members " + groupDescription.members());
            Map<TopicPartition, OffsetAndMetadata> read = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
            require(read.equals(commits), "admin: listConsumerGroupOffsets " + read + ", committed " + commits);
            admin.deleteConsumerGroupOffsets(group, Set.of(busiest)).all().get();
            read = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
            require(!read.containsKey(busiest) && read.size() == 2, "admin: after deleteConsumerGroupOffsets " + read);
            admin.deleteConsumerGroups(List.of(group)).all().get();
            require(admin.listGroups().all().get().stream().noneMatch(g -> g.groupId().equals(group)),
                "admin: group still listed after deleteConsumerGroups");

            admin.deleteTopics(List.of(topic)).all().get();
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (admin.listTopics().names().get().contains(topic) && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            require(!admin.listTopics().names().get().contains(topic), "admin: topic still listed after deleteTopics");
        }
        System.out.println("ok admin cluster, topics, partitions, configs, offsets, DeleteRecords, groups, group offsets");
    }

    private KafkaProducer<String, String> transactionalProducer(String transactionalId) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 60_000);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        return new KafkaProducer<>(props);
    }

    /** Values of a topic's partitions from the start to the end under an isolation level. */
    private List<String> readIsolated(String topic, int partitions, String isolation) {
        List<String> out = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer =
                 consumer(null, Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation))) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int p = 0; p < partitions; p++) {
                tps.add(new TopicPartition(topic, p));
            }
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            // endOffsets answers the last stable offset under read_committed.
            Map<TopicPartition, Long> ends = consumer.endOffsets(tps);
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (tps.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
                require(System.nanoTime() < deadline, "transactions: " + topic + " never read to its end");
                consumer.poll(Duration.ofMillis(200)).forEach(r -> out.add(r.value()));
            }
        }
        out.sort(null);
        return out;
    }

    /**
     * The transactional producer: initTransactions, sendOffsetsToTransaction
     * with the consumer's group metadata, commit and abort (the aborted
     * records and offsets never show under read_committed, the records do
     * under read_uncommitted), and a second producer with the same
     * transactional.id fencing the first.
     */
    private void transactions() throws Exception {
        String in = "java-txn-in-" + runId;
        String out = "java-txn-out-" + runId;
        String group = "java-txn-group-" + runId;
        String transactionalId = "java-txn-" + runId;
        try (Admin admin = newAdmin()) {
            createTopic(admin, in, 1, Map.of());
            createTopic(admin, out, 2, Map.of());
        }
        produce(in, "none", 10);
        TopicPartition input = new TopicPartition(in, 0);
        try (KafkaConsumer<String, String> consumer =
                 consumer(group, Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"));
             KafkaProducer<String, String> first = transactionalProducer(transactionalId)) {
            consumer.subscribe(List.of(in));
            int polled = 0;
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (polled < 10) {
                require(System.nanoTime() < deadline, "transactions: the input never arrived");
                polled += consumer.poll(Duration.ofMillis(200)).count();
            }
            first.initTransactions();
            first.beginTransaction();
            for (int i = 0; i < 5; i++) {
                first.send(new ProducerRecord<>(out, "k" + i, "commit-" + i));
            }
            first.sendOffsetsToTransaction(Map.of(input, new OffsetAndMetadata(5)), consumer.groupMetadata());
            first.commitTransaction();
            first.beginTransaction();
            for (int i = 0; i < 5; i++) {
                first.send(new ProducerRecord<>(out, "k" + i, "abort-" + i));
            }
            first.sendOffsetsToTransaction(Map.of(input, new OffsetAndMetadata(10)), consumer.groupMetadata());
            first.flush();
            first.abortTransaction();
            OffsetAndMetadata committed = consumer.committed(Set.of(input)).get(input);
            require(committed != null && committed.offset() == 5,
                "transactions: the group's offset is " + committed + ", not the committed 5");

            // The next transaction is open when a second instance starts:
            // its initTransactions aborts it and fences the first.
            first.beginTransaction();
            first.send(new ProducerRecord<>(out, "k", "fenced")).get(60, TimeUnit.SECONDS);
            try (KafkaProducer<String, String> second = transactionalProducer(transactionalId)) {
                second.initTransactions();
                boolean fenced = false;
                try {
                    first.commitTransaction();
                } catch (ProducerFencedException e) {
                    fenced = true;
                }
                require(fenced, "transactions: the first producer committed after being fenced");
                second.beginTransaction();
                second.send(new ProducerRecord<>(out, "k", "second"));
                second.commitTransaction();
            }
        }
        List<String> expected = new ArrayList<>(List.of("commit-0", "commit-1", "commit-2", "commit-3", "commit-4", "second"));
        List<String> committedValues = readIsolated(out, 2, "read_committed");
        require(committedValues.equals(expected), "transactions: read_committed saw " + committedValues);
        List<String> everything = readIsolated(out, 2, "read_uncommitted");
        require(everything.size() == 12, "transactions: read_uncommitted saw " + everything);
        System.out.println("ok transactions commit abort send-offsets fencing read_committed");
    }
}
