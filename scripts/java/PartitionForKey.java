// Prints, for each UTF-8 key read from stdin (one per line), the partition the Java client's
// default partitioner picks and the raw murmur2 hash: "<partition>\t<murmur2>".
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.utils.Utils;

public class PartitionForKey {
  public static void main(String[] args) throws Exception {
    int partitions = Integer.parseInt(args[0]);
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    StringBuilder out = new StringBuilder();
    for (String line; (line = in.readLine()) != null; ) {
      byte[] key = line.getBytes(StandardCharsets.UTF_8);
      out.append(BuiltInPartitioner.partitionForKey(key, partitions)).append('\t').append(Utils.murmur2(key)).append('\n');
    }
    System.out.print(out);
  }
}
