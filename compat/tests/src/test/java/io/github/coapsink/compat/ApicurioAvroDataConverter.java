package io.github.coapsink.compat;

import io.apicurio.registry.utils.converter.avro.AvroData;
import io.apicurio.registry.utils.converter.avro.AvroDataConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.storage.Converter;

/**
 * Plain Avro binary (no registry framing) with a writer schema given in the configuration ({@code schema}), mapped
 * to and from Connect data by Apicurio's {@link AvroData}: the Avro-to-Connect mapping Apicurio's
 * {@code io.apicurio.registry.utils.converter.AvroConverter} applies once it has the writer schema. The
 * AvroConverter fetches that schema from an Apicurio Registry; no registry can be started from what Maven Central
 * serves here (see docs/payloads.md), so this converter takes it from its configuration instead. It is not a
 * registry and does not pretend to be one: nothing is looked up.
 */
public final class ApicurioAvroDataConverter implements Converter {
    public static final String SCHEMA_CONFIG = "schema";

    private Schema schema;
    private AvroData avroData;

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        Object text = configs.get(SCHEMA_CONFIG);
        if (!(text instanceof String s) || s.isBlank()) {
            throw new DataException(SCHEMA_CONFIG + " (the Avro writer schema, JSON) is required");
        }
        schema = new Schema.Parser().parse(s);
        // the same mapping options as Apicurio's AvroConverter (enhanced.avro.schema.support, connect.meta.data, ...)
        avroData = new AvroData(new AvroDataConfig(configs));
    }

    @Override
    public byte[] fromConnectData(String topic, org.apache.kafka.connect.data.Schema connectSchema, Object value) {
        if (value == null) {
            return null;
        }
        Object avro = avroData.fromConnectData(connectSchema, value);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        try {
            new GenericDatumWriter<Object>(schema).write(avro, encoder);
            encoder.flush();
        } catch (IOException | RuntimeException e) {
            throw new DataException("cannot write " + schema.getFullName() + " as Avro", e);
        }
        return out.toByteArray();
    }

    @Override
    public SchemaAndValue toConnectData(String topic, byte[] value) {
        if (value == null) {
            return SchemaAndValue.NULL;
        }
        try {
            GenericRecord record = new GenericDatumReader<GenericRecord>(schema)
                    .read(null, DecoderFactory.get().binaryDecoder(value, null));
            return avroData.toConnectData(schema, record);
        } catch (IOException | RuntimeException e) {
            throw new DataException("not Avro of " + schema.getFullName() + " on " + topic, e);
        }
    }
}
