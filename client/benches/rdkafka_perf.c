/*
 * The librdkafka side of client/benches/produce.sh: N records of S bytes,
 * acks=1, linger 5 ms, no compression, no idempotence (librdkafka's
 * defaults but for acks), with the delivery latency of every record taken
 * from its delivery report. Prints `records_per_s mb_per_s p50_ms p99_ms`.
 *
 *   rdkafka_perf BOOTSTRAP TOPIC RECORDS RECORD_BYTES
 */
#include <librdkafka/rdkafka.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int64_t *latencies_us;
static size_t delivered;
static size_t failed;

static int64_t now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque) {
    (void)rk;
    (void)opaque;
    if (msg->err) {
        failed++;
        return;
    }
    latencies_us[delivered++] = now_us() - (int64_t)(intptr_t)msg->_private;
}

static int compare(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void set(rd_kafka_conf_t *conf, const char *key, const char *value) {
    char err[512];
    if (rd_kafka_conf_set(conf, key, value, err, sizeof err) != RD_KAFKA_CONF_OK) {
        fprintf(stderr, "%s=%s: %s\n", key, value, err);
        exit(2);
    }
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s BOOTSTRAP TOPIC RECORDS RECORD_BYTES\n", argv[0]);
        return 2;
    }
    size_t records = strtoul(argv[3], NULL, 10), record_bytes = strtoul(argv[4], NULL, 10);
    latencies_us = calloc(records, sizeof *latencies_us);
    char *payloads = malloc(record_bytes * 64);
    for (size_t i = 0; i < record_bytes * 64; i++) payloads[i] = (char)rand();

    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    set(conf, "bootstrap.servers", argv[1]);
    set(conf, "acks", "1");
    set(conf, "linger.ms", "5");
    set(conf, "queue.buffering.max.messages", "2000000");
    set(conf, "queue.buffering.max.kbytes", "262144");
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    char err[512];
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    rd_kafka_topic_t *topic = rd_kafka_topic_new(rk, argv[2], NULL);

    int64_t started = now_us();
    for (size_t i = 0; i < records; i++) {
        char *value = payloads + (i % 64) * record_bytes;
        while (rd_kafka_produce(topic, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, value, record_bytes, NULL, 0,
                                (void *)(intptr_t)now_us()) == -1) {
            if (rd_kafka_last_error() != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                fprintf(stderr, "produce: %s\n", rd_kafka_err2str(rd_kafka_last_error()));
                return 1;
            }
            rd_kafka_poll(rk, 1);
        }
        rd_kafka_poll(rk, 0);
    }
    rd_kafka_flush(rk, 60000);
    double elapsed_s = (now_us() - started) / 1e6;

    qsort(latencies_us, delivered, sizeof *latencies_us, compare);
    double p50 = delivered ? latencies_us[(size_t)((delivered - 1) * 0.50)] / 1000.0 : 0;
    double p99 = delivered ? latencies_us[(size_t)((delivered - 1) * 0.99)] / 1000.0 : 0;
    double per_s = records / elapsed_s, mb_per_s = records * record_bytes / elapsed_s / 1e6;
    fprintf(stderr,
            "librdkafka %s: %zu records of %zu B in %.2f s: %.0f records/s, %.1f MB/s, delivery latency p50 %.1f ms, p99 %.1f ms (%zu failed)\n",
            rd_kafka_version_str(), records, record_bytes, elapsed_s, per_s, mb_per_s, p50, p99, failed);
    printf("%.0f %.1f %.2f %.2f\n", per_s, mb_per_s, p50, p99);
    rd_kafka_topic_destroy(topic);
    rd_kafka_destroy(rk);
    return failed ? 1 : 0;
}
