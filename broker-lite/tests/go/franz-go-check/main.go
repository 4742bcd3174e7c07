// franz-go-check drives franz-go (kgo and kadm), a Kafka client nobody on the
// kctl team wrote, against a broker: admin calls, idempotent produce with every
// codec, a three-member consumer group, and transactions. Each passed check
// prints one "ok ..." line; the first failure exits 1 with its reason.
// broker-lite/tests/it/franz_go.rs runs it against broker-lite.
//
//	go run . BOOTSTRAP [admin|produce|group|txn|all]
package main

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

var bootstrap string

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "FAIL "+format+"\n", args...)
	os.Exit(1)
}

func must(err error, what string) {
	if err != nil {
		fail("%s: %v", what, err)
	}
}

func client(opts ...kgo.Opt) *kgo.Client {
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(strings.Split(bootstrap, ",")...)}, opts...)...)
	must(err, "new client")
	return cl
}

func timeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}

func unique(prefix string) string {
	return fmt.Sprintf("%s-%d", prefix, time.Now().UnixNano())
}

func createTopic(adm *kadm.Client, topic string, partitions int32, configs map[string]*string) {
	ctx, cancel := timeout(10 * time.Second)
	defer cancel()
	resp, err := adm.CreateTopic(ctx, partitions, 1, configs, topic)
	must(err, "create topic "+topic)
	must(resp.Err, "create topic "+topic)
}

// readAll consumes every partition of topic from the start until want
// records arrived, then half a second more to catch any extra.
func readAll(topic string, want int, opts ...kgo.Opt) []*kgo.Record {
	cl := client(append([]kgo.Opt{
		kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxWait(200 * time.Millisecond),
	}, opts...)...)
	defer cl.Close()
	var records []*kgo.Record
	deadline := time.Now().Add(30 * time.Second)
	var settle time.Time
	for time.Now().Before(deadline) {
		if len(records) >= want {
			if settle.IsZero() {
				settle = time.Now().Add(500 * time.Millisecond)
			} else if time.Now().After(settle) {
				break
			}
		}
		ctx, cancel := timeout(300 * time.Millisecond)
		fetches := cl.PollFetches(ctx)
		cancel()
		fetches.EachError(func(t string, p int32, err error) {
			if err != context.DeadlineExceeded && err != context.Canceled {
				fail("fetch %s[%d]: %v", t, p, err)
			}
		})
		records = append(records, fetches.Records()...)
	}
	return records
}

func checkAdmin() {
	cl := client()
	defer cl.Close()
	adm := kadm.NewClient(cl)
	topic := unique("fg-admin")
	retention := "3600000"
	createTopic(adm, topic, 3, map[string]*string{"retention.ms": &retention})

	ctx, cancel := timeout(10 * time.Second)
	defer cancel()
	topics, err := adm.ListTopics(ctx)
	must(err, "list topics")
	if d, ok := topics[topic]; !ok || len(d.Partitions) != 3 {
		fail("list topics: %s missing or without 3 partitions: %v", topic, topics[topic])
	}

	configValue := func(name string) string {
		rcs, err := adm.DescribeTopicConfigs(ctx, topic)
		must(err, "describe topic configs")
		rc, err := rcs.On(topic, nil)
		must(err, "describe topic configs of "+topic)
		must(rc.Err, "describe topic configs of "+topic)
		for _, c := range rc.Configs {
			if c.Key == name {
				return c.MaybeValue()
			}
		}
		fail("describe topic configs: %s has no %s", topic, name)
		return ""
	}
	if got := configValue("retention.ms"); got != retention {
		fail("retention.ms is %q, want %q", got, retention)
	}
	// Not cleanup.policy=compact: Kafka refuses DeleteRecords on a
	// compacted topic (POLICY_VIOLATION), which comes next.
	retentionBytes := "1073741824"
	altered, err := adm.AlterTopicConfigs(ctx, []kadm.AlterConfig{{Op: kadm.SetConfig, Name: "retention.bytes", Value: &retentionBytes}}, topic)
	must(err, "alter topic configs")
	for _, a := range altered {
		must(a.Err, "alter topic configs of "+a.Name)
	}
	if got := configValue("retention.bytes"); got != retentionBytes {
		fail("retention.bytes is %q after the alter, want %s", got, retentionBytes)
	}

	grown, err := adm.UpdatePartitions(ctx, 5, topic)
	must(err, "update partitions")
	for _, g := range grown {
		must(g.Err, "update partitions of "+g.Topic)
	}
	topics, err = adm.ListTopics(ctx, topic)
	must(err, "list topics after growing")
	if n := len(topics[topic].Partitions); n != 5 {
		fail("%s has %d partitions after UpdatePartitions(5)", topic, n)
	}

	producer := client(kgo.RecordPartitioner(kgo.ManualPartitioner()))
	var batch []*kgo.Record
	for i := 0; i < 10; i++ {
		batch = append(batch, &kgo.Record{Topic: topic, Partition: 0, Key: []byte(fmt.Sprint(i)), Value: []byte("v")})
	}
	must(producer.ProduceSync(ctx, batch...).FirstErr(), "produce to partition 0")
	// Closed now: a producer that still knows the topic refreshes its
	// metadata, and that request would auto-create the topic again after
	// the delete below (as it would on Kafka, auto.create.topics.enable).
	producer.Close()
	ends, err := adm.ListEndOffsets(ctx, topic)
	must(err, "list end offsets")
	if end, _ := ends.Lookup(topic, 0); end.Offset != 10 {
		fail("end offset of %s[0] is %d, want 10", topic, end.Offset)
	}
	var before kadm.Offsets
	before.AddOffset(topic, 0, 4, -1)
	deleted, err := adm.DeleteRecords(ctx, before)
	must(err, "delete records")
	must(deleted.Error(), "delete records")
	starts, err := adm.ListStartOffsets(ctx, topic)
	must(err, "list start offsets")
	if start, _ := starts.Lookup(topic, 0); start.Offset != 4 {
		fail("start offset of %s[0] is %d after DeleteRecords(4)", topic, start.Offset)
	}

	dropped, err := adm.DeleteTopics(ctx, topic)
	must(err, "delete topics")
	must(dropped.Error(), "delete topics")
	// A fresh client: kgo answers Metadata from its own cache for a while
	// (MetadataMinAge), which still holds the topic.
	fresh := client()
	defer fresh.Close()
	topics, err = kadm.NewClient(fresh).ListTopics(ctx)
	must(err, "list topics after delete")
	if _, ok := topics[topic]; ok {
		fail("%s is still listed after DeleteTopics", topic)
	}
	fmt.Println("ok admin create list describe-configs alter-configs create-partitions list-offsets delete-records delete-topics")
}

func checkProduce() {
	codecs := []struct {
		name  string
		codec kgo.CompressionCodec
	}{
		{"none", kgo.NoCompression()},
		{"gzip", kgo.GzipCompression()},
		{"snappy", kgo.SnappyCompression()},
		{"lz4", kgo.Lz4Compression()},
		{"zstd", kgo.ZstdCompression()},
	}
	admCl := client()
	defer admCl.Close()
	adm := kadm.NewClient(admCl)
	const n = 2000
	for _, c := range codecs {
		topic := unique("fg-codec-" + c.name)
		createTopic(adm, topic, 3, nil)
		// franz-go is idempotent unless told otherwise; acks=all is what
		// idempotence needs.
		producer := client(kgo.ProducerBatchCompression(c.codec), kgo.RequiredAcks(kgo.AllISRAcks()))
		ctx, cancel := timeout(30 * time.Second)
		var records []*kgo.Record
		for i := 0; i < n; i++ {
			records = append(records, &kgo.Record{
				Topic:   topic,
				Key:     []byte(fmt.Sprintf("key-%d", i)),
				Value:   []byte(fmt.Sprintf("value-%d-%s", i, strings.Repeat("x", i%50))),
				Headers: []kgo.RecordHeader{{Key: "seq", Value: []byte(fmt.Sprint(i))}},
			})
		}
		must(producer.ProduceSync(ctx, records...).FirstErr(), "produce "+c.name)
		cancel()
		producer.Close()

		got := readAll(topic, n)
		if len(got) != n {
			fail("codec %s: read %d records back, want %d", c.name, len(got), n)
		}
		placed := map[string]int32{}
		lastOffset := map[int32]int64{}
		for _, r := range got {
			var i int
			fmt.Sscanf(string(r.Key), "key-%d", &i)
			want := fmt.Sprintf("value-%d-%s", i, strings.Repeat("x", i%50))
			if string(r.Value) != want || len(r.Headers) != 1 || string(r.Headers[0].Value) != fmt.Sprint(i) {
				fail("codec %s: record %q came back as %q with headers %v", c.name, r.Key, r.Value, r.Headers)
			}
			if prev, ok := lastOffset[r.Partition]; ok && r.Offset != prev+1 {
				fail("codec %s: partition %d jumps from offset %d to %d", c.name, r.Partition, prev, r.Offset)
			}
			lastOffset[r.Partition] = r.Offset
			placed[string(r.Key)] = r.Partition
		}
		if len(placed) != n {
			fail("codec %s: %d distinct keys, want %d (duplicates)", c.name, len(placed), n)
		}
		fmt.Printf("ok produce codec=%s records=%d idempotent acks=all\n", c.name, n)
	}
}

func checkGroup() {
	admCl := client()
	defer admCl.Close()
	adm := kadm.NewClient(admCl)
	topic := unique("fg-group")
	group := unique("fg-group")
	const partitions, n = 6, 6000
	createTopic(adm, topic, partitions, nil)
	producer := client()
	ctx, cancel := timeout(30 * time.Second)
	defer cancel()
	var records []*kgo.Record
	for i := 0; i < n; i++ {
		records = append(records, &kgo.Record{Topic: topic, Key: []byte(fmt.Sprint(i)), Value: []byte(fmt.Sprint(i))})
	}
	must(producer.ProduceSync(ctx, records...).FirstErr(), "produce for the group")
	producer.Close()

	var mu sync.Mutex
	seen := map[string]int{}
	byMember := map[int]int{}
	stop := make(chan struct{})
	members := make([]*kgo.Client, 3)
	var wg sync.WaitGroup
	for m := range members {
		// Each poll blocks rebalances until its records are committed, so
		// no record is handed to two members.
		members[m] = client(
			kgo.ConsumerGroup(group),
			kgo.ConsumeTopics(topic),
			kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
			kgo.Balancers(kgo.CooperativeStickyBalancer()),
			kgo.DisableAutoCommit(),
			kgo.BlockRebalanceOnPoll(),
			kgo.FetchMaxWait(200*time.Millisecond),
			kgo.FetchMaxBytes(64*1024),
			kgo.FetchMaxPartitionBytes(8*1024),
		)
		wg.Add(1)
		go func(m int, cl *kgo.Client) {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				pctx, pcancel := timeout(300 * time.Millisecond)
				fetches := cl.PollRecords(pctx, 100)
				pcancel()
				got := fetches.Records()
				mu.Lock()
				for _, r := range got {
					seen[string(r.Value)]++
					byMember[m]++
				}
				mu.Unlock()
				if len(got) > 0 {
					cctx, ccancel := timeout(10 * time.Second)
					must(cl.CommitRecords(cctx, got...), "commit")
					ccancel()
				}
				cl.AllowRebalance()
				// Slow enough that every member joins before the topic is drained.
				time.Sleep(20 * time.Millisecond)
			}
		}(m, members[m])
	}
	deadline := time.Now().Add(90 * time.Second)
	for {
		mu.Lock()
		done := len(seen) == n
		mu.Unlock()
		if done || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Give a straggling duplicate the chance to show before the check.
	time.Sleep(500 * time.Millisecond)

	described, err := adm.DescribeGroups(ctx, group)
	must(err, "describe groups")
	d := described[group]
	must(d.Err, "describe group")
	if d.State != "Stable" || len(d.Members) != 3 || d.Protocol != "cooperative-sticky" {
		fail("group %s described as state %q, %d members, protocol %q", group, d.State, len(d.Members), d.Protocol)
	}
	listed, err := adm.ListGroups(ctx)
	must(err, "list groups")
	if _, ok := listed[group]; !ok {
		fail("list groups does not show %s", group)
	}
	lags, err := adm.Lag(ctx, group)
	must(err, "lag")
	lag := lags[group]
	must(lag.Error(), "lag of "+group)
	close(stop)
	wg.Wait()

	mu.Lock()
	duplicates := 0
	for _, c := range seen {
		if c > 1 {
			duplicates += c - 1
		}
	}
	if len(seen) != n || duplicates != 0 {
		fail("group read %d distinct records of %d, %d duplicates", len(seen), n, duplicates)
	}
	var counts []int
	for _, c := range byMember {
		counts = append(counts, c)
	}
	mu.Unlock()
	if total := lag.Lag.Total(); total != 0 {
		fail("group lag is %d after every record was committed", total)
	}
	sort.Ints(counts)
	fmt.Printf("ok group members=3 records=%d duplicates=0 per-member=%v lag=0 describe list\n", n, counts)

	for _, m := range members {
		m.Close()
	}
	deletedGroups, err := adm.DeleteGroups(ctx, group)
	must(err, "delete groups")
	must(deletedGroups.Error(), "delete group "+group)
	fmt.Println("ok group delete")
}

func checkTxn() {
	admCl := client()
	defer admCl.Close()
	adm := kadm.NewClient(admCl)
	topic := unique("fg-txn")
	createTopic(adm, topic, 2, nil)
	producer := client(kgo.TransactionalID(unique("fg-txn")), kgo.DefaultProduceTopic(topic))
	defer producer.Close()
	ctx, cancel := timeout(30 * time.Second)
	defer cancel()
	transaction := func(prefix string, end kgo.TransactionEndTry) {
		must(producer.BeginTransaction(), "begin transaction")
		var records []*kgo.Record
		for i := 0; i < 50; i++ {
			records = append(records, &kgo.Record{Key: []byte(fmt.Sprint(i)), Value: []byte(fmt.Sprintf("%s-%d", prefix, i))})
		}
		must(producer.ProduceSync(ctx, records...).FirstErr(), "produce in a transaction")
		must(producer.EndTransaction(ctx, end), "end transaction ("+prefix+")")
	}
	transaction("aborted", kgo.TryAbort)
	transaction("committed", kgo.TryCommit)

	committed := readAll(topic, 50, kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	for _, r := range committed {
		if !strings.HasPrefix(string(r.Value), "committed-") {
			fail("a read_committed consumer read %q", r.Value)
		}
	}
	if len(committed) != 50 {
		fail("a read_committed consumer read %d records, want the 50 committed", len(committed))
	}
	everything := readAll(topic, 100)
	if len(everything) != 100 {
		fail("a read_uncommitted consumer read %d records, want 100", len(everything))
	}
	fmt.Println("ok txn abort commit read_committed=50 read_uncommitted=100")
}

func main() {
	if len(os.Args) < 2 {
		fail("usage: franz-go-check BOOTSTRAP [admin|produce|group|txn|all]")
	}
	bootstrap = os.Args[1]
	what := "all"
	if len(os.Args) > 2 {
		what = os.Args[2]
	}
	checks := map[string]func(){"admin": checkAdmin, "produce": checkProduce, "group": checkGroup, "txn": checkTxn}
	for _, name := range []string{"admin", "produce", "group", "txn"} {
		if what == "all" || what == name {
			checks[name]()
		}
	}
}
