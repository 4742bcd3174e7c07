/*
 * A 3-broker librdkafka mock cluster, driven over stdin/stdout by the
 * client's integration tests (tests/it/mock_cluster.rs).
 *
 * Usage: harness <topic> <partitions>
 * Prints the bootstrap list on the first line, then reads one command per
 * line and answers "ok" (or "error ...") for each:
 *   leader <topic> <partition> <broker>
 *   down <broker>
 *   up <broker>
 *   coordinator <group> <broker>   (moves the group's coordinator)
 *   topic <name> <partitions>      (creates another topic, replication 3)
 *   quit
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s <topic> <partitions>\n", argv[0]);
        return 2;
    }
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    /* The mock cluster lives inside a client handle; it is never used to produce. */
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (!rk) {
        fprintf(stderr, "rd_kafka_new: %s\n", errstr);
        return 1;
    }
    rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, 3);
    if (!mc) {
        fprintf(stderr, "rd_kafka_mock_cluster_new failed\n");
        return 1;
    }
    rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(mc, argv[1], atoi(argv[2]), 3);
    if (err) {
        fprintf(stderr, "topic_create: %s\n", rd_kafka_err2str(err));
        return 1;
    }
    printf("%s\n", rd_kafka_mock_cluster_bootstraps(mc));
    fflush(stdout);

    char line[512], topic[256], group[256];
    int partition, broker;
    while (fgets(line, sizeof line, stdin)) {
        err = RD_KAFKA_RESP_ERR_NO_ERROR;
        if (sscanf(line, "leader %255s %d %d", topic, &partition, &broker) == 3)
            err = rd_kafka_mock_partition_set_leader(mc, topic, partition, broker);
        else if (sscanf(line, "down %d", &broker) == 1)
            err = rd_kafka_mock_broker_set_down(mc, broker);
        else if (sscanf(line, "up %d", &broker) == 1)
            err = rd_kafka_mock_broker_set_up(mc, broker);
        else if (sscanf(line, "topic %255s %d", topic, &partition) == 2)
            err = rd_kafka_mock_topic_create(mc, topic, partition, 3);
        else if (sscanf(line, "coordinator %255s %d", group, &broker) == 2)
            err = rd_kafka_mock_coordinator_set(mc, "group", group, broker);
        else if (strncmp(line, "quit", 4) == 0)
            break;
        else {
            printf("error unknown command\n");
            fflush(stdout);
            continue;
        }
        if (err)
            printf("error %s\n", rd_kafka_err2str(err));
        else
            printf("ok\n");
        fflush(stdout);
    }
    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(rk);
    return 0;
}
