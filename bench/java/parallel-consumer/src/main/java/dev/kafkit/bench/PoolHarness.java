package dev.kafkit.bench;

import io.confluent.parallelconsumer.ParallelConsumerOptions;
import io.confluent.parallelconsumer.ParallelConsumerOptions.CommitMode;
import io.confluent.parallelconsumer.ParallelConsumerOptions.ProcessingOrder;
import io.confluent.parallelconsumer.ParallelStreamProcessor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * kafkit's pool scenario with Confluent's Parallel Consumer: KEY ordering, `maxConcurrency` handler
 * threads, each handler sleeping `handlerMs`. It measures what bench/scenarios/pool.ts measures of
 * kafkit, on the same prefilled topic: first handler start to the `records`-th handler end, the peak
 * of handlers running at once, and records of a key that started before an earlier record of that
 * key (the payload's `seq` per key, as kafkit's handler checks it).
 *
 * <p>Arguments, as name=value: bootstrap, topic, group, concurrency, records, handlerMs, maxSeconds
 * (the run ends then even if fewer records were handled). Prints one line: RESULT {json}.
 *
 * <p>For the commit behaviour, also journal=FILE (each finished record's seq is appended,
 * unbuffered, so a killed JVM loses none) with haltAfter=N (the JVM halts itself, as a SIGKILL
 * would: no drain, no commit, once N handlers finished) or resume=true (a new member of the same
 * group: records in the journal are done; the run ends when every seq below `records` is done and
 * reports in `handledAgain` how many finished records were handled a second time).
 */
public final class PoolHarness {
  private static final Pattern SEQ = Pattern.compile("\"seq\":(-?\\d+)");

  public static void main(String[] argv) throws Exception {
    Map<String, String> args = new HashMap<>();
    for (String a : argv) {
      int eq = a.indexOf('=');
      args.put(a.substring(0, eq), a.substring(eq + 1));
    }
    String bootstrap = args.get("bootstrap");
    String topic = args.get("topic");
    int concurrency = Integer.parseInt(args.get("concurrency"));
    int records = Integer.parseInt(args.get("records"));
    long handlerMs = Long.parseLong(args.get("handlerMs"));
    Path journal = args.containsKey("journal") ? Path.of(args.get("journal")) : null;
    int haltAfter = Integer.parseInt(args.getOrDefault("haltAfter", "0"));
    boolean resume = Boolean.parseBoolean(args.getOrDefault("resume", "false"));
    long maxNanos = (long) (Double.parseDouble(args.getOrDefault("maxSeconds", "240")) * 1e9);

    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ConsumerConfig.GROUP_ID_CONFIG, args.get("group"));
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    // Parallel Consumer commits itself; it refuses a consumer that auto-commits.
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    // A halted member leaves the group only when its session expires: the broker's minimum, 6 s.
    if (journal != null) props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "6000");
    KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());

    ParallelConsumerOptions<String, byte[]> options =
        ParallelConsumerOptions.<String, byte[]>builder()
            .ordering(ProcessingOrder.KEY)
            .maxConcurrency(concurrency)
            .commitMode(CommitMode.PERIODIC_CONSUMER_ASYNCHRONOUS)
            .consumer(consumer)
            .build();
    ParallelStreamProcessor<String, byte[]> pc = ParallelStreamProcessor.createEosStreamProcessor(options);
    pc.subscribe(List.of(topic));

    Set<Long> done = ConcurrentHashMap.newKeySet();
    if (resume) for (String line : Files.readAllLines(journal)) if (!line.isBlank()) done.add(Long.parseLong(line.trim()));
    AtomicInteger covered = new AtomicInteger((int) done.stream().filter(seq -> seq < records).count());
    AtomicInteger again = new AtomicInteger();
    FileOutputStream journalOut = journal != null && !resume ? new FileOutputStream(journal.toFile(), true) : null;

    ConcurrentHashMap<String, Long> lastSeq = new ConcurrentHashMap<>();
    AtomicInteger running = new AtomicInteger();
    AtomicInteger peak = new AtomicInteger();
    AtomicInteger started = new AtomicInteger();
    AtomicInteger finished = new AtomicInteger();
    AtomicInteger violations = new AtomicInteger();
    AtomicLong handlerNanos = new AtomicLong();
    AtomicLong first = new AtomicLong();
    // The end of the last handler counted (at most `records`), and how many were counted by then.
    long[] last = new long[2];
    CountDownLatch complete = new CountDownLatch(1);

    pc.poll(
        ctx -> {
          long begin = System.nanoTime();
          if (started.getAndIncrement() == 0) first.set(begin);
          int now = running.incrementAndGet();
          peak.accumulateAndGet(now, Math::max);
          String key = ctx.key();
          long seq = seqOf(ctx.value());
          // One handler of a key at a time (KEY ordering), so the read-then-write needs no lock.
          Long previous = lastSeq.get(key);
          if (previous != null && previous >= seq) violations.incrementAndGet();
          lastSeq.put(key, seq);
          try {
            Thread.sleep(handlerMs);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          running.decrementAndGet();
          long end = System.nanoTime();
          handlerNanos.addAndGet(end - begin);
          if (journalOut != null) append(journalOut, seq);
          int n = finished.incrementAndGet();
          if (n == haltAfter) Runtime.getRuntime().halt(137);
          if (resume) {
            if (!done.add(seq)) again.incrementAndGet();
            else if (seq < records && covered.incrementAndGet() == records) complete.countDown();
          } else if (n <= records) {
            synchronized (last) {
              last[0] = end;
              last[1] = n;
            }
            if (n == records) complete.countDown();
          }
        });

    // Ends with the last record, or `maxSeconds` after the first handler started (the rate is then
    // of the records handled so far): a slow peer must not hold up the whole run.
    long waitUntil = System.nanoTime() + 120_000_000_000L;
    boolean ok = false;
    while (!ok) {
      ok = complete.await(20, TimeUnit.MILLISECONDS);
      long now = System.nanoTime();
      if (started.get() > 0 ? now - first.get() > maxNanos : now > waitUntil) break;
    }
    long lastEnd;
    long counted;
    synchronized (last) {
      lastEnd = last[0];
      counted = last[1];
    }
    double seconds = (lastEnd - first.get()) / 1e9;
    String result =
        String.format(
            java.util.Locale.ROOT,
            "{\"complete\":%s,\"records\":%d,\"msgsPerSec\":%.3f,\"peakConcurrency\":%d,\"orderViolations\":%d,"
                + "\"meanHandlerMs\":%.4f,\"finished\":%d,\"handledAgain\":%d}",
            ok,
            counted,
            counted / Math.max(seconds, 1e-9),
            peak.get(),
            violations.get(),
            handlerNanos.get() / 1e6 / Math.max(1, finished.get()),
            finished.get(),
            again.get());
    System.out.println("RESULT " + result);
    System.out.flush();
    // The figures are out; closing (a drain and a final commit) is not part of the measurement.
    pc.closeDontDrainFirst(Duration.ofSeconds(10));
    System.exit(0);
  }

  private static long seqOf(byte[] value) {
    Matcher m = SEQ.matcher(new String(value, StandardCharsets.UTF_8));
    if (!m.find()) throw new IllegalStateException("no seq in the record's payload");
    return Long.parseLong(m.group(1));
  }

  private static synchronized void append(FileOutputStream out, long seq) {
    try {
      out.write((seq + "\n").getBytes(StandardCharsets.US_ASCII));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
