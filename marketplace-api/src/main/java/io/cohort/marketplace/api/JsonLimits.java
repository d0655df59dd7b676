package io.cohort.marketplace.api;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.jackson.ObjectMapperCustomizer;
import jakarta.inject.Singleton;

/**
 * Lets a JSON string be as long as a request body may be. Jackson refuses strings over 20 million
 * characters by default, but an upload is base64 in the launch request: the largest one the API
 * takes ({@link Launcher#MAX_UPLOAD_BYTES}, 40 MiB) is 56 million characters, so every upload over
 * about 14 MiB was a 400. The body limit ({@code quarkus.http.limits.max-body-size}, answered by
 * {@link BodyLimit} before the body is read) still bounds what is parsed.
 */
@Singleton
public class JsonLimits implements ObjectMapperCustomizer {

    /** The longest string in a request body: the whole 64 MiB body limit, in characters. */
    static final int MAX_STRING_CHARS = 64 << 20;

    @Override
    public void customize(ObjectMapper mapper) {
        mapper.getFactory()
                .setStreamReadConstraints(
                        StreamReadConstraints.builder().maxStringLength(MAX_STRING_CHARS).build());
    }
}
