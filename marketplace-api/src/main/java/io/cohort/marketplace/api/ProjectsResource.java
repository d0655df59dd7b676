package io.cohort.marketplace.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.cohort.contracts.CreditTree;
import io.cohort.contracts.RoundRecords;
import io.cohort.marketplace.auth.Auth;
import io.cohort.marketplace.index.Indexer;
import io.cohort.marketplace.index.ProjectView;
import io.vertx.ext.web.RoutingContext;
import jakarta.inject.Inject;
import jakarta.ws.rs.BeanParam;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** The read side of projects, served from the index (no chain scan per request). */
@Path("/projects")
@Produces({MediaType.APPLICATION_JSON, Problem.MEDIA_TYPE})
@Tag(name = "projects")
public class ProjectsResource {

    static final Set<String> STATUSES = Set.of("scheduled", "running", "ended", "cancelled");

    @Inject Indexer indexer;
    @Inject Records records;
    @Inject Auth auth;
    @Inject Launcher launcher;
    @Inject Auditor auditor;
    @Inject HeavyReads heavyReads;

    /** A page of projects. */
    public record Page(List<ProjectView> items, int page, int size, int total) {}

    /** One submission as the round's record judged it. */
    public record Judged(String trainer, String cid, int scoreBps, String flag) {}

    /**
     * A settled round's record, in brief. {@code malformed} says why its submissions or credits
     * cannot be read (and both lists are then empty); null when they can.
     */
    public record RecordView(
            String cid,
            String modelCid,
            String onnxCid,
            String creditsRoot,
            Integer validationCorrect,
            Integer validationSamples,
            List<Judged> submissions,
            List<Credit> credits,
            String malformed) {}

    /** A trainer's cumulative credit and slash after the round (wei). */
    public record Credit(String trainer, String credit, String slash) {}

    /** A round with what its record says. */
    public record RoundDetail(ProjectView.RoundView round, RecordView record) {}

    @GET
    @Operation(summary = "Projects, newest first, filtered by status, a page at a time")
    public Page list(@QueryParam("status") String status, @BeanParam Paging paging) {
        if (status != null && !STATUSES.contains(status)) {
            throw Problem.badRequest(
                    "status must be one of " + STATUSES + ", got '" + status + "'");
        }
        int page = paging.page();
        int size = paging.size();
        List<ProjectView> all =
                new ArrayList<>(
                        indexer.index().read(ix -> ix.projects(indexer.now())).stream()
                                .filter(p -> status == null || p.status().equals(status))
                                .toList());
        java.util.Collections.reverse(all);
        return new Page(List.copyOf(Paging.slice(all, page, size)), page, size, all.size());
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(
            summary =
                    "Launch a project: pin its files to IPFS, create and fund it on-chain (sign-in required)")
    public Response launch(
            @HeaderParam("Authorization") String authorization,
            @Parameter(
                            description =
                                    "A client-chosen key, one per launch: repeating the same request"
                                            + " under it answers what the first did instead of"
                                            + " funding a second project",
                            schema =
                                    @Schema(
                                            type = SchemaType.STRING,
                                            pattern = "^[A-Za-z0-9._:-]{1,128}$"))
                    @HeaderParam("Idempotency-Key")
                    String idempotencyKey,
            Launcher.LaunchRequest request,
            @Context RoutingContext exchange) {
        // a large launch's token was checked before its body was read (SignInFirst)
        Auth.Session who = exchange.get(SignInFirst.SESSION);
        if (who == null) {
            who = auth.require(authorization);
        }
        Launcher.Launched l = launcher.launch(request, who.address(), idempotencyKey);
        return Response.status(201)
                .location(java.net.URI.create("/projects/" + l.project()))
                .entity(l)
                .type(MediaType.APPLICATION_JSON)
                .build();
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "A project: terms, status, committee, bonds, latest model")
    public ProjectView project(@PathParam("id") String id) {
        BigInteger project = id(id);
        return indexer.index()
                .read(ix -> ix.project(project, indexer.now()))
                .orElseThrow(() -> Problem.notFound("no project " + id));
    }

    @GET
    @Path("/{id}/rounds")
    @Operation(
            summary =
                    "The project's rounds so far: status, deadlines, submissions, posts, settlement")
    public List<ProjectView.RoundView> rounds(@PathParam("id") String id) {
        project(id);
        return indexer.index().read(ix -> ProjectView.rounds(ix, id(id), indexer.now()));
    }

    @GET
    @Path("/{id}/rounds/{round}")
    @Operation(summary = "One round, with scores, flags and accuracy from its record once settled")
    public RoundDetail round(@PathParam("id") String id, @PathParam("round") String round) {
        project(id);
        long r;
        try {
            r = Long.parseLong(round);
        } catch (NumberFormatException e) {
            throw Problem.badRequest("'" + round + "' is not a round number");
        }
        if (r < 0) {
            throw Problem.badRequest("'" + round + "' is not a round number (rounds count from 0)");
        }
        ProjectView.RoundView view =
                indexer.index()
                        .read(ix -> ProjectView.round(ix, id(id), r, indexer.now()))
                        .orElseThrow(
                                () -> Problem.notFound("project " + id + " has no round " + round));
        RecordView record = view.settled() == null ? null : recordView(view.settled().reportCid());
        return new RoundDetail(view, record);
    }

    @GET
    @Path("/{id}/audit")
    @Operation(
            summary =
                    "Replay the chain's events against the round records: per round, whether credits, root and result hash agree; with recompute=true, also rerun each round's scoring from the released updates and published inputs and compare bit for bit (slow: it trains)")
    public Auditor.Audit audit(
            @PathParam("id") String id,
            @QueryParam("recompute")
                    @DefaultValue("false")
                    @Parameter(schema = @Schema(type = SchemaType.BOOLEAN))
                    String recompute) {
        BigInteger project = id(id);
        if (!recompute.equalsIgnoreCase("true") && !recompute.equalsIgnoreCase("false")) {
            throw Problem.badRequest("recompute must be true or false, got '" + recompute + "'");
        }
        return heavyReads.run(() -> auditor.audit(project, recompute.equalsIgnoreCase("true")));
    }

    @GET
    @Path("/{id}/model")
    @Produces({"application/octet-stream", Problem.MEDIA_TYPE})
    @Operation(summary = "The latest settled round's global model as ONNX")
    public Response model(@PathParam("id") String id, @Context RoutingContext exchange) {
        project(id);
        List<ProjectView.RoundView> rounds =
                indexer.index().read(ix -> ProjectView.rounds(ix, id(id), indexer.now()));
        ProjectView.RoundView last = null;
        for (ProjectView.RoundView v : rounds) {
            if (v.settled() != null) {
                last = v;
            }
        }
        if (last == null) {
            throw Problem.notFound("project " + id + " has no settled round, so no ONNX model yet");
        }
        String onnx = records.record(last.settled().reportCid()).path("onnx-cid").asText(null);
        if (onnx == null) {
            throw new Problem(
                    502, "Bad record", "round " + last.round() + "'s record names no ONNX model");
        }
        // the bytes stay in memory until the client has them: the permit goes with the response
        HeavyReads.Permit permit = heavyReads.enter();
        exchange.addEndHandler(done -> permit.close());
        byte[] bytes;
        try {
            bytes = records.bytes(onnx, Records.MAX_MODEL_BYTES);
        } catch (RuntimeException e) {
            permit.close();
            throw e;
        }
        return Response.ok(bytes, "application/octet-stream")
                .header(
                        "Content-Disposition",
                        "attachment; filename=\"project-"
                                + id
                                + "-round-"
                                + last.round()
                                + ".onnx\"")
                .build();
    }

    RecordView recordView(String cid) {
        JsonNode r = records.record(cid);
        List<Judged> judged = new ArrayList<>();
        List<Credit> credits = new ArrayList<>();
        String malformed = null;
        try {
            for (RoundRecords.Submission s : RoundRecords.submissions(r)) {
                judged.add(new Judged(s.trainer(), s.cid(), s.scoreBps(), s.flag()));
            }
            for (CreditTree.Leaf l : RoundRecords.credits(r)) {
                credits.add(new Credit(l.trainer(), l.credit().toString(), l.slash().toString()));
            }
        } catch (RoundRecords.Malformed e) {
            judged.clear();
            credits.clear();
            malformed = "the record is malformed: " + e.getMessage();
        }
        JsonNode correct = r.findValue("validation-correct");
        JsonNode samples = r.findValue("validation-total");
        return new RecordView(
                cid,
                r.path("model-cid").asText(null),
                r.path("onnx-cid").asText(null),
                r.path("credits-root").asText(null),
                correct == null ? null : correct.asInt(),
                samples == null ? null : samples.asInt(),
                judged,
                credits,
                malformed);
    }

    /** A whole-number query parameter within [min, max]; a 400 naming it otherwise. */
    static int integer(String value, String what, int min, int max) {
        String range = max == Integer.MAX_VALUE ? ">= " + min : "in [" + min + ", " + max + "]";
        try {
            int v = Integer.parseInt(value);
            if (v >= min && v <= max) {
                return v;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw Problem.badRequest(what + " must be an integer " + range + ", got '" + value + "'");
    }

    static BigInteger id(String id) {
        try {
            BigInteger v = new BigInteger(id);
            if (v.signum() > 0) {
                return v;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw Problem.badRequest("'" + id + "' is not a project id (1, 2, ...)");
    }
}
