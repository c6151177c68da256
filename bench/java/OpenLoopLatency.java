import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * kafkit's latency scenario with the plain Java client (kafka-clients, from the Kafka jars the bench
 * already runs): a producer sends 1 KiB records on an open-loop schedule (sends are due at
 * start + i / rate, never paced by acknowledgements) and a consumer in the same JVM, subscribed
 * before the first send, receives them. Both latencies are measured from the time a send was due,
 * as bench/scenarios/latency.ts does; the first `warmupSeconds` of records are left out.
 *
 * <p>Arguments, as name=value: bootstrap, topic, group, rate, seconds, warmupSeconds, recordBytes,
 * keys, lingerMs, batchBytes. Prints one line: RESULT {json}, latencies in milliseconds.
 */
public final class OpenLoopLatency {
  public static void main(String[] argv) throws Exception {
    Map<String, String> args = new HashMap<>();
    for (String a : argv) {
      int eq = a.indexOf('=');
      args.put(a.substring(0, eq), a.substring(eq + 1));
    }
    String bootstrap = args.get("bootstrap");
    String topic = args.get("topic");
    int rate = Integer.parseInt(args.get("rate"));
    int total = rate * Integer.parseInt(args.get("seconds"));
    int warmup = rate * Integer.parseInt(args.get("warmupSeconds"));
    int recordBytes = Integer.parseInt(args.get("recordBytes"));
    int keys = Integer.parseInt(args.get("keys"));

    Properties cp = new Properties();
    cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    cp.put(ConsumerConfig.GROUP_ID_CONFIG, args.get("group"));
    cp.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(cp, new StringDeserializer(), new ByteArrayDeserializer());

    Properties pp = new Properties();
    pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    pp.put(ProducerConfig.ACKS_CONFIG, "all");
    pp.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    pp.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
    pp.put(ProducerConfig.LINGER_MS_CONFIG, args.get("lingerMs"));
    pp.put(ProducerConfig.BATCH_SIZE_CONFIG, args.get("batchBytes"));
    KafkaProducer<String, byte[]> producer = new KafkaProducer<>(pp, new StringSerializer(), new ByteArraySerializer());

    // Latencies in microseconds per sequence number; the due time travels in the value's first 8 bytes.
    long[] ack = new long[total];
    long[] e2e = new long[total];
    AtomicInteger failures = new AtomicInteger();
    CountDownLatch assigned = new CountDownLatch(1);
    CountDownLatch acked = new CountDownLatch(total);
    CountDownLatch received = new CountDownLatch(total);

    Thread reader =
        new Thread(
            () -> {
              consumer.subscribe(
                  List.of(topic),
                  new ConsumerRebalanceListener() {
                    public void onPartitionsRevoked(Collection<TopicPartition> p) {}

                    public void onPartitionsAssigned(Collection<TopicPartition> p) {
                      if (!p.isEmpty()) assigned.countDown();
                    }
                  });
              while (received.getCount() > 0) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                  long now = System.nanoTime();
                  int seq = seqOf(r.value());
                  if (seq < 0 || e2e[seq] != 0) continue;
                  e2e[seq] = Math.max(1, (now - dueOf(r.value())) / 1000);
                  received.countDown();
                }
              }
              consumer.close();
            });
    reader.setDaemon(true);
    reader.start();
    if (!assigned.await(60, TimeUnit.SECONDS)) throw new IllegalStateException("no partitions assigned in 60 s");

    // Connections and metadata first: the schedule starts warm (as the kafkit producer's first publish).
    producer.send(new ProducerRecord<>(topic, "k0", value(recordBytes, -1, System.nanoTime()))).get();

    double interval = 1e9 / rate;
    long start = System.nanoTime() + 20_000_000L;
    long lagNanos = 0;
    for (int seq = 0; seq < total; seq++) {
      long due = start + Math.round(seq * interval);
      long wait = due - System.nanoTime();
      if (wait > 0) LockSupport.parkNanos(wait);
      lagNanos += System.nanoTime() - due;
      final int s = seq;
      producer.send(
          new ProducerRecord<>(topic, "k" + (seq % keys), value(recordBytes, seq, due)),
          (metadata, error) -> {
            if (error != null) failures.incrementAndGet();
            else ack[s] = Math.max(1, (System.nanoTime() - due) / 1000);
            acked.countDown();
          });
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    boolean allAcked = acked.await(120, TimeUnit.SECONDS);
    boolean allReceived = received.await(120, TimeUnit.SECONDS);
    producer.close();
    String result =
        String.format(
            java.util.Locale.ROOT,
            "{\"ok\":%s,\"offered\":%.3f,\"scheduleLagMs\":%.4f,\"failures\":%d,\"publishAck\":%s,\"endToEnd\":%s}",
            allAcked && allReceived,
            total / elapsed,
            lagNanos / 1e6 / total,
            failures.get(),
            summary(ack, warmup),
            summary(e2e, warmup));
    System.out.println("RESULT " + result);
    System.out.flush();
    System.exit(allAcked && allReceived ? 0 : 1);
  }

  /** The value: sequence number, due time (nanoTime of this JVM), then padding to recordBytes. */
  private static byte[] value(int recordBytes, int seq, long due) {
    byte[] v = new byte[recordBytes];
    java.nio.ByteBuffer.wrap(v).putInt(seq).putLong(due);
    return v;
  }

  private static int seqOf(byte[] v) {
    return java.nio.ByteBuffer.wrap(v).getInt(0);
  }

  private static long dueOf(byte[] v) {
    return java.nio.ByteBuffer.wrap(v).getLong(4);
  }

  /** count, mean, p50, p90, p99, p99.9 and max in ms, over the records after the warm-up. */
  private static String summary(long[] micros, int from) {
    long[] v = Arrays.stream(Arrays.copyOfRange(micros, from, micros.length)).filter(x -> x > 0).sorted().toArray();
    if (v.length == 0) return "null";
    double mean = Arrays.stream(v).average().orElse(0) / 1000;
    return String.format(
        java.util.Locale.ROOT,
        "{\"count\":%d,\"mean\":%.4f,\"p50\":%.4f,\"p90\":%.4f,\"p99\":%.4f,\"p999\":%.4f,\"max\":%.4f}",
        v.length, mean, at(v, 50), at(v, 90), at(v, 99), at(v, 99.9), v[v.length - 1] / 1000.0);
  }

  private static double at(long[] sorted, double percentile) {
    int index = (int) Math.ceil(percentile / 100 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))] / 1000.0;
  }
}
