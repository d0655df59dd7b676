package io.cohort.marketplace.auth;

import io.cohort.marketplace.api.Problem;
import io.vertx.ext.web.RoutingContext;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Sign-in: a nonce, then the signed EIP-4361 message for a bearer token. */
@Path("/auth")
@Produces({MediaType.APPLICATION_JSON, Problem.MEDIA_TYPE})
@Tag(name = "auth")
public class AuthResource {

    /** The signed message. */
    public record Login(String message, String signature) {}

    @Inject Auth auth;

    @GET
    @Path("/nonce")
    @Operation(summary = "A single-use nonce for the sign-in message (valid five minutes)")
    public Map<String, String> nonce() {
        return Map.of("nonce", auth.nonce());
    }

    @POST
    @Path("/login")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Exchange a signed EIP-4361 message for a short-lived bearer token")
    public Auth.Token login(Login login, @Context RoutingContext exchange) {
        if (login == null || login.message() == null || login.signature() == null) {
            throw Problem.badRequest("the body must be {\"message\": ..., \"signature\": ...}");
        }
        return auth.login(login.message(), login.signature(), client(exchange));
    }

    /** The sending client as {@link Auth#client} names it. */
    private static String client(RoutingContext exchange) {
        io.vertx.core.net.SocketAddress from = exchange.request().remoteAddress();
        if (from == null || from.hostAddress() == null) {
            return "unknown";
        }
        try {
            // a literal address, so no name is looked up
            return Auth.client(InetAddress.getByName(from.hostAddress()));
        } catch (UnknownHostException e) {
            return from.hostAddress();
        }
    }
}
