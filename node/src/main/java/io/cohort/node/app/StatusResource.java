package io.cohort.node.app;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** {@code GET /status}: the node's role, account, and each project's round and last action. */
@Path("/status")
public class StatusResource {

    @Inject NodeState state;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public NodeState.Status status() {
        return state.status();
    }
}
