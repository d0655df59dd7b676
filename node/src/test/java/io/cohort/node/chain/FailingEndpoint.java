package io.cohort.node.chain;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.web3j.protocol.core.Request;
import org.web3j.protocol.core.Response;
import org.web3j.protocol.http.HttpService;

/**
 * A JSON-RPC endpoint that answers the next few calls of a method with an error, as a rate-limited
 * or load-balanced provider does, and passes everything else to the real node; it keeps every
 * signed transaction it passes on.
 */
public final class FailingEndpoint extends HttpService {

    private final Map<String, Integer> errors = new ConcurrentHashMap<>();

    /** Every signed transaction sent through this endpoint, in order. */
    public final List<String> raw = new CopyOnWriteArrayList<>();

    /**
     * Estimates against the latest block, as geth does, not against the pending one, as Anvil does:
     * a call's estimate then does not see the same call waiting in the pool.
     */
    public volatile boolean estimateAtLatest;

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
        if (method.equals("eth_sendRawTransaction")) {
            raw.add(String.valueOf(request.getParams().get(0)));
        }
        if (estimateAtLatest
                && method.equals("eth_estimateGas")
                && request.getParams().size() == 1) {
            @SuppressWarnings({"unchecked", "rawtypes"})
            Request<Object, T> r = request;
            r.setParams(List.of(request.getParams().get(0), "latest"));
        }
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
