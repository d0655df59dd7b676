package io.cohort.marketplace;

import io.quarkus.value.registry.ValueRegistry;
import io.quarkus.vertx.http.HttpServer;
import io.quarkus.vertx.http.HttpServerStart;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.ObservesAsync;
import jakarta.inject.Inject;
import java.util.regex.Pattern;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Logs where the API and dashboard listen once the socket is bound. With {@code
 * quarkus.http.port=0} the application binds a free port itself; this line is how whoever started
 * it (the demo, the tests) learns which, with no window in which another process could take it.
 */
@ApplicationScoped
public class Listening {

    private static final Logger LOG = Logger.getLogger(Listening.class);

    /** The start line's address, as whoever started the application finds it in the log. */
    public static final Pattern LINE =
            Pattern.compile("marketplace listening on (http://[^ ]+:\\d+)");

    @Inject ValueRegistry values;

    @ConfigProperty(name = "quarkus.http.host", defaultValue = "127.0.0.1")
    String host;

    void started(@ObservesAsync HttpServerStart start) {
        LOG.infof(
                "marketplace listening on http://%s:%d (dashboard /, API /projects, Swagger UI"
                        + " /swagger-ui)",
                host, values.getOrDefault(HttpServer.HTTP_PORT, start.options().getPort()));
    }
}
