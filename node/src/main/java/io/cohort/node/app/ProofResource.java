package io.cohort.node.app;

import io.cohort.node.round.Standing;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.math.BigInteger;
import java.util.List;
import java.util.Optional;
import org.web3j.utils.Numeric;

/**
 * {@code GET /proofs/{project}/{trainer}}, served by a running evaluator: the trainer's cumulative
 * credit and slash after the latest settled round with its Merkle proof, checked against the root
 * the chain settled — what {@code claim} and {@code withdrawStake} take. Errors are problem+json.
 */
@Path("/proofs")
public class ProofResource {

    /** The answer. */
    public record Proof(
            String project,
            long round,
            String trainer,
            String credit,
            String slash,
            String root,
            List<String> proof) {}

    @Inject NodeState state;

    @GET
    @Path("/{project}/{trainer}")
    @Produces({MediaType.APPLICATION_JSON, Problems.MEDIA_TYPE})
    public Response proof(
            @PathParam("project") String project, @PathParam("trainer") String trainer) {
        BigInteger id;
        try {
            id = new BigInteger(project);
        } catch (NumberFormatException e) {
            return problem(400, "Bad project id", "'" + project + "' is not a project id");
        }
        if (id.signum() <= 0 || !trainer.matches("0x[0-9a-fA-F]{40}")) {
            return problem(
                    400, "Bad request", "expected /proofs/<project id>/<0x + 40 hex digits>");
        }
        Optional<NodeState.ProofSource> source = state.proofs();
        if (source.isEmpty()) {
            return problem(
                    503,
                    "Not serving proofs",
                    "this node serves proofs only while 'evaluator run' runs");
        }
        Optional<Standing> s;
        try {
            s = source.get().standing(id, trainer);
        } catch (IOException | RuntimeException e) {
            return problem(502, "Chain or IPFS unavailable", e.getMessage());
        }
        if (s.isEmpty()) {
            return problem(
                    404,
                    "No credit",
                    "no settled round of project " + id + " has " + trainer + " in its tree");
        }
        Standing st = s.get();
        return Response.ok(
                        new Proof(
                                id.toString(),
                                st.round(),
                                st.leaf().trainer(),
                                st.leaf().credit().toString(),
                                st.leaf().slash().toString(),
                                st.tree().rootHex(),
                                st.proof().stream().map(Numeric::toHexString).toList()),
                        MediaType.APPLICATION_JSON)
                .build();
    }

    static Response problem(int status, String title, String detail) {
        return Problems.response(status, title, detail);
    }
}
