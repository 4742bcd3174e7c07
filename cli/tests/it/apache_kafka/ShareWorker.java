// A Kafka Java share-group member for the share-group tests: accepts every
// record (explicit acknowledgement) and prints "offset deliveryCount" per
// record, until no record has arrived for IDLE_MS. With RENEW_EVERY > 0 it
// first renews (KIP-1222, AcknowledgeType.RENEW) each record whose offset is
// a multiple of RENEW_EVERY, printing "renewed offset deliveryCount", and
// accepts it when the consumer hands it back; a batch with a renewal is not
// committed, so the next poll carries the renewal (a ShareFetch v2 with
// IsRenewAck).
//
//   java ShareWorker BOOTSTRAP TOPIC GROUP IDLE_MS [RENEW_EVERY]

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Properties;

import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

public class ShareWorker {
    public static void main(String[] args) {
        Properties props = new Properties();
        props.put("bootstrap.servers", args[0]);
        props.put("group.id", args[2]);
        props.put("share.acknowledgement.mode", "explicit");
        props.put("client.id", "java-share-worker");
        props.put("key.deserializer", StringDeserializer.class.getName());
        props.put("value.deserializer", StringDeserializer.class.getName());
        long idleMs = Long.parseLong(args[3]);
        long renewEvery = args.length > 4 ? Long.parseLong(args[4]) : 0;
        Set<Long> renewed = new HashSet<>();
        try (KafkaShareConsumer<String, String> consumer = new KafkaShareConsumer<>(props)) {
            consumer.subscribe(List.of(args[1]));
            long lastRecord = System.currentTimeMillis();
            while (System.currentTimeMillis() - lastRecord < idleMs) {
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
                boolean renewing = false;
                for (ConsumerRecord<String, String> r : records) {
                    short count = r.deliveryCount().orElse((short) -1);
                    if (renewEvery > 0 && r.offset() % renewEvery == 0 && renewed.add(r.offset())) {
                        System.out.println("renewed " + r.offset() + " " + count);
                        consumer.acknowledge(r, AcknowledgeType.RENEW);
                        renewing = true;
                        continue;
                    }
                    System.out.println(r.offset() + " " + count);
                    consumer.acknowledge(r, AcknowledgeType.ACCEPT);
                }
                if (!records.isEmpty()) {
                    lastRecord = System.currentTimeMillis();
                }
                if (!renewing) {
                    consumer.commitSync();
                }
            }
            System.out.flush();
        }
    }
}
