package io.cohort.node.chain;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.web3j.protocol.core.Request;
import org.web3j.protocol.core.Response;
import org.web3j.protocol.http.HttpService;

/**
 * A JSON-RPC endpoint that answers the next few calls of a method with an error, as a rate-limited
 * or load-balanced provider does, and passes everything else to the real node.
 */
public final class FailingEndpoint extends HttpService {

    private final Map<String, Integer> errors = new ConcurrentHashMap<>();
    private volatile String message = "rate limit exceeded";

    public FailingEndpoint(String url) {
        super(url);
    }

    /** The next {@code times} calls of {@code method} are answered with {@code message}. */
    public void fail(String method, int times, String message) {
        this.message = message;
        errors.put(method, times);
    }

    @Override
    public <T extends Response> T send(Request request, Class<T> responseType) throws IOException {
        String method = request.getMethod();
        if (errors.getOrDefault(method, 0) > 0) {
            errors.merge(method, -1, Integer::sum);
            try {
                T answer = responseType.getDeclaredConstructor().newInstance();
                answer.setError(new Response.Error(-32005, message));
                return answer;
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
        return super.send(request, responseType);
    }
}
