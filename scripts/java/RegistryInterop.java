// A JVM service on a kafkit registry topic, for the interop test: the Kafka Java client, Jackson for
// JSON, java.net.http for the Confluent-compatible registry API, and the Confluent wire format
// (magic byte 0, 4-byte big-endian schema id, payload) written and read by hand.
//
//   produce <bootstrap> <registry-url> <topic> <subject> <count>
//     looks up the subject's latest schema (registered by kafkit), sends <count> ride.completed
//     payloads framed with its id, with the envelope headers kafkit reads; prints one line per record.
//   consume <bootstrap> <registry-url> <topic> <count>
//     reads <count> records from the start, resolves each writer's schema by id, checks the payload
//     against it (types of the declared properties, required ones present, no others), prints JSON.
//
// Run with the Kafka jars (they include Jackson): java -cp '<libs>/*' RegistryInterop.java ...
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

public class RegistryInterop {
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "produce" -> produce(args[1], args[2], args[3], args[4], Integer.parseInt(args[5]));
      case "consume" -> consume(args[1], args[2], args[3], Integer.parseInt(args[4]));
      default -> throw new IllegalArgumentException("produce or consume");
    }
  }

  static JsonNode registry(String url) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(url))
        .header("Accept", "application/vnd.schemaregistry.v1+json")
        .timeout(Duration.ofSeconds(10))
        .build();
    HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) throw new IllegalStateException(url + ": HTTP " + response.statusCode() + " " + response.body());
    return JSON.readTree(response.body());
  }

  static void produce(String bootstrap, String registryUrl, String topic, String subject, int count) throws Exception {
    JsonNode latest = registry(registryUrl + "/subjects/" + URLEncoder.encode(subject, StandardCharsets.UTF_8) + "/versions/latest");
    int schemaId = latest.get("id").asInt();
    JsonNode schema = JSON.readTree(latest.get("schema").asText());
    String type = schema.get("x-kafkit-event").asText();
    String version = schema.get("x-kafkit-version").asText();
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props)) {
      for (int i = 0; i < count; i++) {
        ObjectNode payload = JSON.createObjectNode();
        payload.put("ride_id", "java-" + i);
        payload.put("fare", 10.5 + i);
        payload.put("distance_km", 3 + i);
        byte[] body = JSON.writeValueAsBytes(payload);
        byte[] value = ByteBuffer.allocate(5 + body.length).put((byte) 0).putInt(schemaId).put(body).array();
        String eventId = UUID.randomUUID().toString();
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, "java-" + i, value);
        header(record, "event-id", eventId);
        header(record, "event-type", type);
        header(record, "event-version", version);
        header(record, "event-source", "java-interop");
        header(record, "event-time", Instant.now().toString());
        header(record, "correlation-id", "java-flow-" + i);
        RecordMetadata sent = producer.send(record).get();
        System.out.println("sent " + eventId + " schema " + schemaId + " partition " + sent.partition() + " offset " + sent.offset());
      }
    }
  }

  static void header(ProducerRecord<String, byte[]> record, String name, String value) {
    record.headers().add(name, value.getBytes(StandardCharsets.UTF_8));
  }

  static void consume(String bootstrap, String registryUrl, String topic, int count) throws Exception {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ConsumerConfig.GROUP_ID_CONFIG, "java-interop-" + UUID.randomUUID());
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    Map<Integer, JsonNode> schemas = new HashMap<>();
    int seen = 0;
    long deadline = System.currentTimeMillis() + 60_000;
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props)) {
      consumer.subscribe(List.of(topic));
      while (seen < count && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
          ByteBuffer value = ByteBuffer.wrap(record.value());
          if (value.get() != 0) throw new IllegalStateException("offset " + record.offset() + ": no magic byte");
          int schemaId = value.getInt();
          JsonNode writer = schemas.get(schemaId);
          if (writer == null) {
            JsonNode info = registry(registryUrl + "/schemas/ids/" + schemaId);
            String schemaType = info.has("schemaType") ? info.get("schemaType").asText() : "AVRO";
            if (!schemaType.equals("JSON")) throw new IllegalStateException("schema " + schemaId + " is " + schemaType);
            writer = JSON.readTree(info.get("schema").asText());
            schemas.put(schemaId, writer);
          }
          byte[] body = new byte[value.remaining()];
          value.get(body);
          JsonNode payload = JSON.readTree(body);
          List<String> problems = check(writer, payload);
          ObjectNode line = JSON.createObjectNode();
          line.put("key", record.key());
          line.put("schemaId", schemaId);
          line.put("eventType", headerText(record, "event-type"));
          line.put("eventVersion", headerText(record, "event-version"));
          line.put("eventId", headerText(record, "event-id"));
          line.set("payload", payload);
          line.set("problems", JSON.valueToTree(problems));
          System.out.println(JSON.writeValueAsString(line));
          seen++;
        }
      }
    }
    if (seen < count) throw new IllegalStateException("read " + seen + " of " + count + " records");
  }

  static String headerText(ConsumerRecord<String, byte[]> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  /** The writer schema's top level: required properties present, declared types, no undeclared ones. */
  static List<String> check(JsonNode schema, JsonNode payload) {
    List<String> problems = new java.util.ArrayList<>();
    JsonNode properties = schema.get("properties");
    for (JsonNode required : schema.path("required")) {
      if (!payload.has(required.asText())) problems.add(required.asText() + " is missing");
    }
    for (Map.Entry<String, JsonNode> field : payload.properties()) {
      JsonNode declared = properties == null ? null : properties.get(field.getKey());
      if (declared == null) {
        if (schema.path("additionalProperties").isBoolean() && !schema.get("additionalProperties").asBoolean()) {
          problems.add(field.getKey() + " is not declared");
        }
        continue;
      }
      String type = declared.path("type").asText("");
      JsonNode v = field.getValue();
      boolean ok = switch (type) {
        case "string" -> v.isTextual();
        case "number" -> v.isNumber();
        case "integer" -> v.isIntegralNumber();
        case "boolean" -> v.isBoolean();
        case "object" -> v.isObject();
        case "array" -> v.isArray();
        default -> true;
      };
      if (!ok) problems.add(field.getKey() + " is not " + type);
    }
    return problems;
  }
}
